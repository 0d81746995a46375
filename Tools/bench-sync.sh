#!/usr/bin/env bash
# Sync benchmark: 16 and 64 simulated devices pushing over loopback to an in-process server
# (durable acknowledgements, group commit), p50/p99 push latency, wire bytes per operation,
# and a fresh device's bootstrap of a 100,000-record store; the ingest rate is printed as a
# ratio to raw SQLite inserts of the same rows with the same durability, in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product omzien-bench >/dev/null
.build/release/omzien-bench sync --devices 16 --ops 4000 --batch 100 --bootstrap 100000
.build/release/omzien-bench sync --devices 64 --ops 1000 --batch 50 --bootstrap 0
.build/release/omzien-bench json

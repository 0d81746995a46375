#!/usr/bin/env bash
# Merge benchmark (issue 15): K replicas × N last-writer-wins text writes over R records,
# merged into one fresh replica in memory (decode included), with a raw SQLite baseline in
# the same run. Usage: Tools/bench-merge.sh [--replicas 5] [--writes 100000] [--records 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product omzien-bench >/dev/null
exec .build/release/omzien-bench merge "$@"

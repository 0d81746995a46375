#!/usr/bin/env bash
# Replay speed: operations/s replayed from a session log of 1,000,000 operations (default),
# as a ratio to the store's raw apply rate for the same operations, measured in the same run.
# Usage: Tools/bench-replay.sh [--ops N] [--batch N] [--devices N] [--keep-log FILE.jsonl.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product omzien-bench >/dev/null
exec .build/release/omzien-bench replay "$@"

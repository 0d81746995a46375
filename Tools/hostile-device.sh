#!/usr/bin/env bash
# The hostile-device test at length (issue 10): N generated pushes (default 20,000) from an
# enrolled device that sends what no honest client would, against a live server on loopback.
# Prints the statuses seen, the database size and the time; fails on any 5xx, a dead server
# or a database beyond the bound. The suite runs 300 of them.
#   Tools/hostile-device.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
n="${1:-20000}"
seed="${2:-$(date +%s)}"
start=$(date +%s)
OMZIEN_HOSTILE_PUSHES="$n" OMZIEN_HOSTILE_SEED="$seed" swift test --filter HostileDeviceTests 2>&1 | grep -E "hostile device:|✘|passed|failed" | grep -v "^◇"
echo "hostile-device: $n pushes, seed $seed, $(( $(date +%s) - start )) s (incl. build)"

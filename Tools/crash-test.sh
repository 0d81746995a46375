#!/usr/bin/env bash
# The long crash test: a child process appends operations and is killed with SIGKILL at
# random moments, KILLS times (default 200; CI runs 4). After each kill the store must open,
# pass integrity_check, hold every reported commit and match a fold of its log.
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-200}"
start=$(date +%s)
OMZIEN_CRASH_KILLS="$kills" swift test --filter killedWritersLoseNoCommitAndLeaveNoHalfAppliedOperation 2>&1 | grep -E '✔|✘|error|Test run'
echo "crash test: $kills SIGKILLs, every reported commit present, integrity ok, in $(( $(date +%s) - start )) s"

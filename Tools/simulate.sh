#!/bin/sh
# The deterministic whole-system simulation (issue 15): 10,000 seeds by default.
#   Tools/simulate.sh                      # seeds 1..10000, prints seeds, steps, time, failures
#   Tools/simulate.sh --seed N [--steps K] # one seed (the line a failing seed prints), shrunk
#   Tools/simulate.sh --seeds N --first S  # another range; --jobs J splits it over J processes
#   --loopback: the slower mode, every request over a real socket to the real HTTP server on
#   127.0.0.1, with connections also cut half-way through the request or the answer;
#   --sigkill: the server is `omzien serve` as a child process, killed with SIGKILL at every
#   crash step and started again on its file (wall clock: tick steps move nothing);
#   --avoid DEFECT steers around a named defect (Simulation.KnownDefect; none is open now);
#   OMZIEN_SIM_TRACE=1 prints every request, its fault and its answer.
set -e
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
flock /tmp/omzien-swift.lock sh -c 'timeout 900 swift build -c release --product omzien-simulate && timeout 900 swift build -c release --product omzien' >&2
BIN=.build/release/omzien-simulate
JOBS=1; FIRST=1; SEEDS=10000; REST=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS=$2; shift 2;;
    --first) FIRST=$2; shift 2;;
    --seeds) SEEDS=$2; shift 2;;
    *) REST="$REST $1"; shift;;
  esac
done
case "$REST" in *--seed\ *) exec $BIN $REST;; esac
if [ "$JOBS" -le 1 ]; then exec $BIN --first "$FIRST" --seeds "$SEEDS" $REST; fi
PER=$(( (SEEDS + JOBS - 1) / JOBS )); PIDS=""; START=$(date +%s); RC=0
for j in $(seq 0 $((JOBS - 1))); do
  F=$((FIRST + j * PER)); N=$PER
  [ $((F + N)) -gt $((FIRST + SEEDS)) ] && N=$((FIRST + SEEDS - F))
  [ "$N" -le 0 ] && continue
  $BIN --first "$F" --seeds "$N" $REST > "/tmp/omzien-sim-job-$j.out" 2>&1 & PIDS="$PIDS $!"
done
for p in $PIDS; do wait "$p" || RC=1; done
cat /tmp/omzien-sim-job-*.out | grep -v '^simulation:' || true
grep -h '^simulation:' /tmp/omzien-sim-job-*.out
echo "total: $SEEDS seeds in $(( $(date +%s) - START )) s over $JOBS processes"
rm -f /tmp/omzien-sim-job-*.out
exit $RC

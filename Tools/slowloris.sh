#!/usr/bin/env bash
# Slowloris figure: 500 slow connections against the release test server, p99 latency of a
# normal client and the server's RSS. Loopback only.
#   SLOW_CONNECTIONS (500)  SLOW_DURATION seconds (30)  SERVER_ARGS (extra server options)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
ulimit -n 8192 2>/dev/null || true
swift build -c release --product omzien-http-testserver >/dev/null
bin="$(swift build -c release --show-bin-path)/omzien-http-testserver"
out=$(mktemp)
"$bin" ${SERVER_ARGS:-} >"$out" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on //p' "$out")
echo "server pid $pid on port $port (${SERVER_ARGS:-default options})"
status=0
python3 Tools/slowloris.py --port "$port" --pid "$pid" --connections "${SLOW_CONNECTIONS:-500}" \
  --duration "${SLOW_DURATION:-30}" || status=$?
kill -TERM $pid
wait $pid || true
exit $status

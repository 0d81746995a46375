#!/usr/bin/env bash
# Benchmarks the Omzien HTTP server against nginx on loopback, in the same run, with wrk:
# a tiny GET and a 64 KiB POST, same number of worker threads (event loops vs nginx workers).
# Prints requests/s, p50 and p99 latency and the ratios omzien/nginx, then the RSS of each
# server with 1,000 idle keep-alive connections.
#   BENCH_THREADS (2)  BENCH_CONNECTIONS (64)  BENCH_DURATION seconds per run (10)
#   BENCH_ROUNDS (3): the servers take turns, round after round, and the medians are reported,
#   so that load from other processes on a shared machine hits all of them alike.
# Installs wrk and nginx with apt-get when they are missing. Builds the test server in release
# mode (once). Loopback only.
#   BENCH_HUMMINGBIRD=1 (default 0) adds a third peer, Hummingbird 2.28 (the separate package
#   Tools/hummingbird-bench, built in release mode: the first build takes minutes), with the same
#   number of event loops, and prints the ratios omzien (event loop)/hummingbird.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
threads="${BENCH_THREADS:-2}"
connections="${BENCH_CONNECTIONS:-64}"
duration="${BENCH_DURATION:-10}"
rounds="${BENCH_ROUNDS:-3}"
hummingbird="${BENCH_HUMMINGBIRD:-0}"
ulimit -n 16384 2>/dev/null || ulimit -n 4096

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Keep the package from starting a system nginx on port 80.
  policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    policy_created=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  [ $policy_created -eq 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

swift build -c release --product omzien-http-testserver >/dev/null
server_bin="$(swift build -c release --show-bin-path)/omzien-http-testserver"
servers=(nginx loop pool)
if [ "$hummingbird" = 1 ]; then
  echo "building Tools/hummingbird-bench (release; the first build takes minutes)" >&2
  # Quiet unless it fails (its dependencies warn about unhandled files on every build).
  if ! hb_build=$(swift build -c release --package-path Tools/hummingbird-bench 2>&1); then
    echo "$hb_build" >&2; exit 1
  fi
  hb_bin="$(swift build -c release --package-path Tools/hummingbird-bench --show-bin-path)/hb-bench"
  servers+=(hummingbird)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# nginx: the same tiny response, the same number of workers, reuseport like our loops.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $threads;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  client_max_body_size 1m;
  client_body_buffer_size 128k;
  server {
    listen 127.0.0.1:$nginx_port reuseport backlog=1024;
    location = / { default_type "text/plain; charset=utf-8"; return 200 "ok\n"; }
    location = /upload { default_type "text/plain; charset=utf-8"; return 200 "received\n"; }
  }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")

# Starts a server that prints "listening on PORT"; sets server_pid and server_port.
start_server() {  # $1: name (for its output file), then the command
  local out="$work/$1.out"
  shift
  "$@" >"$out" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.05; done
  server_port=$(sed -n 's/^listening on //p' "$out")
  [ -n "$server_port" ] || { echo "$1 did not start" >&2; exit 1; }
}
for mode in loop pool; do
  start_server "omzien-$mode" "$server_bin" --loops "$threads" --workers "$threads" --exec "$mode" --max-connections 20000
  printf -v "${mode}_pid" '%s' "$server_pid"; printf -v "${mode}_port" '%s' "$server_port"
done
if [ "$hummingbird" = 1 ]; then
  start_server hummingbird "$hb_bin" --port 0 --threads "$threads"
  hb_port=$server_port
fi
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null && break; sleep 0.05; done

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("a", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# Runs wrk; prints "rps p50_ms p99_ms".
run_wrk() {  # $1 url, $2 extra args
  local text
  text=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency $2 "$1")
  python3 - "$text" <<'PY'
import re, sys
t = sys.argv[1]
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"\n\s+50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"\n\s+99%\s+(\S+)", t).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
socket_errors = re.search(r"Socket errors: (.*)", t)
if errors or socket_errors:
    print("warning: %s %s" % (errors.group(0) if errors else "", socket_errors.group(0) if socket_errors else ""), file=sys.stderr)
print("%.0f %.3f %.3f" % (rps, p50, p99))
PY
}

# Warm up.
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$nginx_port/" >/dev/null
wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$loop_port/" >/dev/null
if [ "$hummingbird" = 1 ]; then wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$hb_port/" >/dev/null; fi

echo "wrk -t$threads -c$connections -d${duration}s on loopback, $(nproc) cores; servers with $threads workers/event loops;"
echo "median of $rounds interleaved rounds"
declare -A runs
for round in $(seq "$rounds"); do
  for case in get post; do
    if [ $case = get ]; then path=/; extra=""; else path=/upload; extra="-s $work/post.lua"; fi
    for server in "${servers[@]}"; do
      case $server in nginx) port=$nginx_port ;; loop) port=$loop_port ;; pool) port=$pool_port ;; hummingbird) port=$hb_port ;; esac
      runs[$case.$server]+="$(run_wrk "http://127.0.0.1:$port$path" "$extra");"
    done
  done
  echo "  round $round done" >&2
done
median() {  # "rps p50 p99;..." -> median of each column
  python3 -c 'import sys, statistics
rows = [list(map(float, r.split())) for r in sys.argv[1].split(";") if r.strip()]
print(" ".join("%g" % statistics.median(c) for c in zip(*rows)))' "$1"
}
printf '%-48s %12s %10s %10s\n' "" "requests/s" "p50 ms" "p99 ms"
declare -A R
for case in get post; do
  if [ $case = get ]; then label="tiny GET"; else label="64 KiB POST"; fi
  for server in "${servers[@]}"; do
    case $server in
      nginx) name="nginx" ;;
      loop) name="omzien (handlers on event loops)" ;;
      pool) name="omzien (handlers on worker pool)" ;;
      hummingbird) name="hummingbird 2.28" ;;
    esac
    R[$case.$server]=$(median "${runs[$case.$server]}")
    read -r rps p50 p99 <<<"${R[$case.$server]}"
    printf '%-48s %12.0f %10.3f %10.3f\n' "$label, $name" "$rps" "$p50" "$p99"
  done
done

echo
echo "ratios omzien/nginx (requests/s: higher is better; latency: lower is better)"
for case in get post; do
  for server in loop pool; do
    python3 - "$case" "$server" ${R[$case.nginx]} ${R[$case.$server]} <<'PY'
import sys
case, server = sys.argv[1], sys.argv[2]
n_rps, n_p50, n_p99, o_rps, o_p50, o_p99 = map(float, sys.argv[3:9])
label = {"get": "tiny GET", "post": "64 KiB POST"}[case] + (", event loop" if server == "loop" else ", worker pool")
target = "  (aim >= 0.80)" if case == "get" and server == "loop" else ""
print("  %-26s req/s %.2f   p50 %.2fx   p99 %.2fx%s" % (label, o_rps / n_rps, o_p50 / n_p50 if n_p50 else 0, o_p99 / n_p99 if n_p99 else 0, target))
PY
  done
done
if [ "$hummingbird" = 1 ]; then
  echo "ratios omzien (event loop)/hummingbird"
  for case in get post; do
    python3 - "$case" ${R[$case.hummingbird]} ${R[$case.loop]} <<'PY'
import sys
case = sys.argv[1]
h_rps, h_p50, h_p99, o_rps, o_p50, o_p99 = map(float, sys.argv[2:8])
label = {"get": "tiny GET", "post": "64 KiB POST"}[case] + ", event loop"
print("  %-26s req/s %.2f   p50 %.2fx   p99 %.2fx" % (label, o_rps / h_rps, o_p50 / h_p50 if h_p50 else 0, o_p99 / h_p99 if h_p99 else 0))
PY
  done
fi

echo
nginx_all=$(pgrep -d, -P "$nginx_pid" || true)
nginx_all="$nginx_pid${nginx_all:+,$nginx_all}"
omz=$(python3 Tools/http/idle_connections.py --port "$loop_port" --pids "$loop_pid" --count 1000)
ngx=$(python3 Tools/http/idle_connections.py --port "$nginx_port" --pids "$nginx_all" --count 1000)
omz_rss=$(echo "$omz" | sed -n 's/.*rss_mib=\([0-9.]*\).*/\1/p'); omz_n=$(echo "$omz" | sed -n 's/.*connections=\([0-9]*\).*/\1/p')
ngx_rss=$(echo "$ngx" | sed -n 's/.*rss_mib=\([0-9.]*\).*/\1/p')
echo "RSS with 1,000 idle keep-alive connections ($omz_n still open): omzien $omz_rss MiB (aim < 64 MiB); nginx (master + workers) $ngx_rss MiB"

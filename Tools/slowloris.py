#!/usr/bin/env python3
"""Slow-client attack against an HTTP server on loopback, measuring a normal client meanwhile.

A child process keeps N slow connections open (default 500): endless headers trickled one byte
at a time, bodies sent one byte at a time, and pipelined requests whose responses are never
read. It reopens every connection the server closes. The main process meanwhile sends normal
keep-alive requests (every 20th on a new connection) and reports their latency percentiles and
the server's resident memory (sampled from /proc/PID/status).

Usage: slowloris.py --port P [--pid SERVER_PID] [--connections 500] [--duration 30]
       [--path /] [--target-p99-ms 100]
Exit status 1 when p99 is at or above the target or a normal request failed.
"""
import argparse
import multiprocessing
import os
import random
import socket
import statistics
import sys
import time


def attacker(port, connections, duration, ready, counters):
    random.seed(1)
    conns = []

    def open_one(kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        try:
            if kind == "header":
                s.send(b"GET / HTTP/1.1\r\nHost: slow\r\n")
            elif kind == "body":
                s.send(b"POST /upload HTTP/1.1\r\nHost: slow\r\nContent-Length: 1000000\r\n\r\n")
            else:
                s.send(b"GET /big?bytes=65536 HTTP/1.1\r\nHost: slow\r\n\r\n" * 20)
        except OSError:
            pass
        return [s, kind]

    kinds = ["header"] * (connections // 2) + ["body"] * (connections // 4)
    kinds += ["reader"] * (connections - len(kinds))
    for kind in kinds:
        conns.append(open_one(kind))
    ready.set()
    end = time.time() + duration
    header_bytes = b"X-Slow: " + b"a" * 64
    position = 0
    while time.time() < end:
        for entry in conns:
            s, kind = entry
            if kind == "reader":
                continue
            try:
                if kind == "header":
                    s.send(header_bytes[position % len(header_bytes):position % len(header_bytes) + 1])
                else:
                    s.send(b"x")
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                # Closed by the server (408 or timeout): come back, as a slowloris does.
                s.close()
                counters["reconnects"] += 1
                try:
                    entry[:] = open_one(kind)
                except OSError:
                    counters["connect_failures"] += 1
        position += 1
        time.sleep(0.5)
    for s, _ in conns:
        s.close()


def rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def request(sock, path):
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: normal\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed")
        body += chunk
    return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--path", default="/")
    parser.add_argument("--target-p99-ms", type=float, default=100)
    args = parser.parse_args()

    baseline = rss_mib(args.pid) if args.pid else None
    manager = multiprocessing.Manager()
    counters = manager.dict(reconnects=0, connect_failures=0)
    ready = multiprocessing.Event()
    attack = multiprocessing.Process(target=attacker, args=(args.port, args.connections, args.duration, ready, counters))
    attack.start()
    ready.wait()
    time.sleep(1)

    latencies = []
    failures = 0
    max_rss = baseline or 0
    sock = None
    start = time.time()
    next_sample = 0
    i = 0
    while time.time() - start < args.duration - 2 and attack.is_alive():
        if sock is None or i % 20 == 0:
            if sock:
                sock.close()
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.perf_counter()
        try:
            if request(sock, args.path) != 200:
                failures += 1
        except OSError:
            failures += 1
            sock = None
        latencies.append((time.perf_counter() - t0) * 1000)
        i += 1
        if args.pid and time.time() >= next_sample:
            r = rss_mib(args.pid)
            if r:
                max_rss = max(max_rss, r)
            next_sample = time.time() + 0.25
        time.sleep(0.002)
    attack.join()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    p50, p99 = p(0.50), p(0.99)
    print("slow connections: %d for %.0fs (%d reopened after the server closed them, %d connect failures)"
          % (args.connections, args.duration, counters["reconnects"], counters["connect_failures"]))
    print("normal client: %d requests, %d failed, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
          % (len(latencies), failures, p50, p99, latencies[-1]))
    if baseline is not None:
        print("server RSS: %.1f MiB before, %.1f MiB max during the attack" % (baseline, max_rss))
    ok = p99 < args.target_p99_ms and failures == 0
    print("slowloris: p99_ms=%.2f target_ms=%.0f rss_max_mib=%s %s"
          % (p99, args.target_p99_ms, "%.1f" % max_rss if baseline is not None else "n/a", "PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

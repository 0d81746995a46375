#!/usr/bin/env python3
"""Opens N keep-alive connections, makes one request on each, keeps them idle, and prints the
resident memory of the given server processes (sum of VmRSS) while they are open.

Usage: idle_connections.py --port P --pids PID[,PID...] [--count 1000] [--path /]
Prints: "rss_mib=<float> connections=<n>".
"""
import argparse
import socket
import time


def rss_mib(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pids", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--path", default="/")
    a = p.parse_args()
    pids = [int(x) for x in a.pids.split(",") if x]
    socks = []
    request = b"GET " + a.path.encode() + b" HTTP/1.1\r\nHost: idle\r\n\r\n"
    for _ in range(a.count):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        socks.append(s)
    time.sleep(1.0)
    rss = rss_mib(pids)
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            pass
        alive += 1
    print("rss_mib=%.1f connections=%d" % (rss, alive))
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()

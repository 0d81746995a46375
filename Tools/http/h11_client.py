#!/usr/bin/env python3
"""Drives the server with h11 as the client, over one keep-alive connection.

Usage: h11_client.py PORT. Sends a fixed script of requests (GET, POST with Content-Length,
POST chunked, HEAD, 404, 405) and prints a JSON list with, for each response: status,
headers (lower-case names) and body. Any protocol violation by the server raises, which makes
the exit status non-zero.
"""
import json
import socket
import sys

import h11


def exchange(sock, conn, method, target, headers=(), body_parts=()):
    data = conn.send(h11.Request(method=method, target=target, headers=[("Host", "h11.test")] + list(headers)))
    for part in body_parts:
        data += conn.send(h11.Data(data=part))
    data += conn.send(h11.EndOfMessage())
    sock.sendall(data)
    response = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            chunk = sock.recv(65536)
            conn.receive_data(chunk)
            continue
        if isinstance(event, h11.InformationalResponse):
            continue
        if isinstance(event, h11.Response):
            response = {
                "status": event.status_code,
                "headers": {n.decode().lower(): v.decode() for n, v in event.headers},
            }
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            response["body"] = body.decode("utf-8", "replace")
            break
    conn.start_next_cycle()
    return response


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h11.Connection(our_role=h11.CLIENT)
    results = [
        exchange(sock, conn, "GET", "/hello"),
        exchange(sock, conn, "POST", "/echo", [("Content-Length", "11")], [b"hello world"]),
        exchange(sock, conn, "POST", "/echo", [("Transfer-Encoding", "chunked")], [b"chunk-1 ", b"chunk-2"]),
        exchange(sock, conn, "HEAD", "/hello"),
        exchange(sock, conn, "GET", "/missing"),
        exchange(sock, conn, "DELETE", "/hello"),
        exchange(sock, conn, "GET", "/things/h11%20client"),
    ]
    sock.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

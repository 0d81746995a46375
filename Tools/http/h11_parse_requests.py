#!/usr/bin/env python3
"""Parses request byte streams with h11 as the server, for the differential test.

stdin: JSON list of base64 strings, one byte stream each (one or more pipelined requests).
stdout: JSON list of results:
  {"messages": [{"method", "target", "headers": [[name, value_b64]...], "body": b64}],
   "end": "clean" | "incomplete" | "error" | "closed",
   "error": str | null,
   "terminated_end": same as "end" for the stream followed by CRLF CRLF}
"closed" means h11 stopped after a message that ends the connection (HTTP/1.0,
Connection: close); later bytes were not parsed.
"""
import base64
import json
import sys

import h11


def parse(data):
    conn = h11.Connection(our_role=h11.SERVER)
    conn.receive_data(data)
    messages = []
    current = None
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as e:
            return messages, "error", str(e)
        if event is h11.NEED_DATA:
            idle = conn.their_state is h11.IDLE and len(conn._receive_buffer) == 0
            return messages, "clean" if idle else "incomplete", None
        if isinstance(event, h11.Request):
            current = {
                "method": event.method.decode("latin-1"),
                "target": event.target.decode("latin-1"),
                "headers": [[n.decode("latin-1"), base64.b64encode(v).decode()] for n, v in event.headers.raw_items()],
                "body": b"",
            }
        elif isinstance(event, h11.Data):
            current["body"] += event.data
        elif isinstance(event, h11.EndOfMessage):
            current["body"] = base64.b64encode(current["body"]).decode()
            messages.append(current)
            current = None
            conn.send(h11.Response(status_code=200, headers=[("Content-Length", "0")]))
            conn.send(h11.EndOfMessage())
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
            else:
                return messages, "closed", None
        else:
            return messages, "error", "unexpected event %r" % (event,)


def main():
    results = []
    for item in json.load(sys.stdin):
        data = base64.b64decode(item)
        messages, end, error = parse(data)
        _, terminated_end, _ = parse(data + b"\r\n\r\n")
        results.append({"messages": messages, "end": end, "error": error, "terminated_end": terminated_end})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

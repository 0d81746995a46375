#!/usr/bin/env python3
"""Checks HTTP/1.1 response streams with h11 (a strict client-side parser).

stdin: JSON list of exchanges {"methods": ["GET", ...], "response": "<base64 of all bytes the
server sent on one connection>", "eof": true|false (the server closed the connection),
"optional_last": true|false (the last method may get no response: it stands for a request
that was rejected, partial, or never sent)}.
stdout: JSON list of results {"responses": [{"status", "headers": [[name, value]...],
"body": "<base64>", "informational": [codes]}], "error": str|null, "unparsed": int,
"must_close": bool}. "error" is set when h11 rejects a response (the test then fails).
"""
import base64
import json
import sys

import h11


def check(exchange):
    conn = h11.Connection(our_role=h11.CLIENT)
    data = base64.b64decode(exchange["response"])
    responses = []
    result = {"responses": responses, "error": None, "unparsed": 0, "must_close": False}
    fed = False
    started = last = False
    try:
        methods = exchange["methods"]
        for index, method in enumerate(methods):
            last = index == len(methods) - 1
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                break
            conn.send(h11.Request(method=method, target="/", headers=[("Host", "test")]))
            conn.send(h11.EndOfMessage())
            if not fed:
                if data:
                    conn.receive_data(data)  # (empty data would mean EOF to h11)
                if exchange.get("eof", True):
                    conn.receive_data(b"")
                fed = True
            current = None
            started = False
            informational = []
            body = bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    # Only possible without EOF: the rest has not arrived (yet); not an error.
                    if exchange.get("eof", True):
                        result["error"] = "incomplete response"
                    return result
                if isinstance(event, h11.ConnectionClosed):
                    return result
                if isinstance(event, h11.InformationalResponse):
                    started = True
                    informational.append(event.status_code)
                elif isinstance(event, h11.Response):
                    started = True
                    current = {
                        "status": event.status_code,
                        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in event.headers],
                        "informational": informational,
                    }
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    current["body"] = base64.b64encode(bytes(body)).decode()
                    responses.append(current)
                    break
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
            else:
                result["must_close"] = True
                break
        # Anything after the last expected response must be nothing but EOF.
        leftover, closed = conn.trailing_data
        result["unparsed"] = len(leftover)
    except h11.RemoteProtocolError as e:
        # The optional last request may see the connection close before any response.
        if not (exchange.get("optional_last") and last and not started and "ConnectionClosed" in str(e)):
            result["error"] = "RemoteProtocolError: %s" % e
    except h11.LocalProtocolError as e:
        result["error"] = "LocalProtocolError: %s" % e
    return result


def main():
    exchanges = json.load(sys.stdin)
    json.dump([check(e) for e in exchanges], sys.stdout)


if __name__ == "__main__":
    main()

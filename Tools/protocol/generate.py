#!/usr/bin/env python3
"""Random test vectors made and expected by the Python reference (model.py), not by Swift.

    python3 Tools/protocol/generate.py [--seed N] [--count N] [--out FILE]

Writes one JSON document {"seed", "vectors": [...]}, each vector in the layout of
Protocol/vectors/*.json (name, description, operations, expect). Deterministic per seed.
Replicas write probe and chat-moment records with partial knowledge of each other
(supersedes and observed come from what the writer has seen), equal timestamps across
replicas, awkward strings and doubles, erases and redacted copies.
"""
import argparse
import json
import random
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import model  # noqa: E402

REPLICAS = ["dev-a", "dev-b", "A", "a", "Z.9_x", "store-1-d2", "partner-wz"]
AUTHORS = ["kassa-1", "kassa-7", "zz", "staff.pseudonym_01:x"]
STRINGS = ["", "a", "B", "van A", "café", "cafe\u0301", "\u00e9", "e\u0301", "😀", "tab\there", "line\nbreak",
           "zeer " * 10, "\u4e2d\u6587", "z", "Z", "\U0010FFFF", "a/b:c"]
DOUBLES = [0.0, -0.0, 1.5, -2.25, float("inf"), float("-inf"), 1e-310, 5e-324, 1.7976931348623157e308]
NAN_BITS = [0x7FF8000000000000, 0x7FF0000000000001, 0xFFF8000000000000, 0x7FFFFFFFFFFFFFFF]


def f64_json(bits):
    return {"f64": f"{bits:016x}"}


def random_value(rng, kind):
    if kind == "real":
        if rng.random() < 0.25:
            return f64_json(rng.choice(NAN_BITS))
        return f64_json(struct.unpack(">Q", struct.pack(">d", rng.choice(DOUBLES + [rng.uniform(-1e6, 1e6)])))[0])
    r = rng.random()
    if r < 0.1: return None
    if r < 0.2: return rng.random() < 0.5
    if r < 0.4: return {"int": str(rng.choice([0, -1, 1, 2**63 - 1, -2**63, rng.randint(-1000, 1000)]))}
    if r < 0.5 and kind == "number":
        return random_value(rng, "real")
    return rng.choice(STRINGS)


class Writer:
    def __init__(self, replica, rng):
        self.replica = replica
        self.view = model.Replica()
        self.own = []
        self.last = 0
        self.rng = rng

    def seen_ops(self):
        return self.view

    def tick(self, physical):
        self.last = max(self.last + 1, physical << 16)
        return self.last

    def observe(self, op_json):
        op = model.Operation(op_json)
        try:
            self.view.apply(op)
        except model.ModelError:
            pass
        self.last = max(self.last, op.hlc)

    def heads(self, key, field):
        rec = self.view.records.get(key)
        if rec is None or rec.erased or field not in rec.fields:
            return []
        return sorted(h[1] for h in rec.fields[field]["heads"])

    def live_tags(self, key, element):
        rec = self.view.records.get(key)
        if rec is None or rec.erased or "tags" not in rec.fields:
            return []
        st = rec.fields["tags"]
        el = element.encode("utf-8")
        return sorted(st["adds"].get(el, set()) - st["removes"].get(el, set()))


def opid_text(opid):
    return f"{opid[0].decode()}#{opid[1]}"


def probe_changes(rng, w, key):
    changes, used = [], set()
    for _ in range(rng.randint(1, 3)):
        field = rng.choice(["text", "number", "real", "tags", "tags", "hits", "phase"])
        if field in ("text", "number", "real"):
            if field in used:
                continue
            used.add(field)
            c = {"op": "set", "field": field, "value": random_value(rng, field)}
            if field != "number":
                seen = w.heads(key, field)
                if rng.random() < 0.2:
                    seen = sorted(set(seen) | {(rng.choice(REPLICAS).encode(), rng.randint(1, 30))})
                if seen and rng.random() < 0.8:
                    c["supersedes"] = [opid_text(o) for o in seen]
            changes.append(c)
        elif field == "tags":
            element = rng.choice(STRINGS[:8] + ["x" * 64])
            if rng.random() < 0.6:
                changes.append({"op": "add", "field": "tags", "element": element})
            else:
                observed = w.live_tags(key, element)
                if rng.random() < 0.2:
                    observed = sorted(set(observed) | {(rng.choice(REPLICAS).encode(), rng.randint(1, 30))})
                changes.append({"op": "remove", "field": "tags", "element": element,
                                "observed": [opid_text(o) for o in observed]})
        elif field == "hits":
            changes.append({"op": "increment", "field": "hits",
                            "amount": rng.choice([1, 2, 999, 1_000_000])})
        else:
            if rng.random() < 0.25:
                changes.append({"op": "reopen", "field": "phase", "epoch": rng.randint(1, 3)})
            else:
                changes.append({"op": "advance", "field": "phase", "epoch": rng.randint(0, 2),
                                "state": rng.choice(["new", "open", "active", "done"])})
    return changes


def make_op(w, author, kind, record, body, hlc):
    seq = len(w.own) + 1
    opid = (w.replica.encode(), seq)
    payload = model.payload_bytes(body)
    if payload is None:
        payload_hash = model.sha(b"redacted " + w.replica.encode() + bytes([seq % 256]))
    else:
        payload_hash = model.sha(payload)
    prev = w.own[-1]["hash"] if w.own else "00" * 32
    h = model.operation_hash(opid, hlc, author, kind, record, payload_hash, bytes.fromhex(prev))
    op = {"id": opid_text(opid), "hlc": str(hlc), "author": author, "kind": kind, "record": record,
          "prev": prev, "payloadHash": payload_hash.hex(), "hash": h.hex(), "body": body}
    w.own.append(op)
    w.observe(op)
    return op


def vector(rng, index):
    writers = [Writer(r, rng) for r in rng.sample(REPLICAS, rng.randint(2, 4))]
    records = [("probe", f"p-{i}") for i in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        records.append(("chat-moment", f"store-{rng.randint(1, 3)}/{rng.randint(1, 99)}/2026-12-03"))
    base = 1_764_000_000_000 + rng.randint(0, 10_000)
    ops = []
    for _ in range(rng.randint(3, 30)):
        w = rng.choice(writers)
        if rng.random() < 0.3:
            other = rng.choice(writers)
            for op in other.own:
                w.observe(op)
            continue
        kind, record = rng.choice(records)
        hlc = w.tick(base + rng.randint(0, 3))
        author = rng.choice(AUTHORS)
        r = rng.random()
        if r < 0.04:
            body = {"erase": True}
        elif r < 0.08:
            body = {"redacted": True}
        elif kind == "probe":
            body = {"changes": probe_changes(rng, w, (kind.encode(), record.encode()))}
            if not body["changes"]:
                body = {"changes": [{"op": "increment", "field": "hits", "amount": 1}]}
        else:
            body = {"changes": [{"op": "increment", "field": "count", "amount": rng.choice([1, 1, 3, 1_000_000])}]}
        ops.append(make_op(w, author, kind, record, body, hlc))
    # A delivery order that keeps each replica's log in sequence: a random interleaving.
    queues = {w.replica: list(w.own) for w in writers if w.own}
    order = []
    while queues:
        r = rng.choice(sorted(queues))
        order.append(queues[r].pop(0))
        if not queues[r]:
            del queues[r]
    if rng.random() < 0.3 and order:
        order.insert(rng.randint(0, len(order)), rng.choice(order[:1]))  # a duplicate delivery
    return {"name": f"random-{index}", "description": "generated by Tools/protocol/generate.py",
            "operations": order, "expect": model.replay(order)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    doc = {"seed": a.seed, "vectors": [vector(rng, i) for i in range(a.count)]}
    text = json.dumps(doc, ensure_ascii=False)
    if a.out:
        Path(a.out).write_text(text, encoding="utf-8")
        print(f"wrote {a.count} vectors (seed {a.seed}) to {a.out}")
    else:
        print(text)


if __name__ == "__main__":
    main()

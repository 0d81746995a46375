#!/usr/bin/env python3
"""An independent reference of the Omzien data model, written from Protocol/MODEL.md alone.

It reads operations in their JSON form (MODEL.md section 8), recomputes both hashes
(section 5.2), applies the replica log rules (section 6) and the merge rules (section 4),
and encodes record states (section 5.3) and the state digest (section 7).

    python3 Tools/protocol/model.py check [VECTOR.json ...]   # default: Protocol/vectors/*.json
    python3 Tools/protocol/model.py expect < {"operations": [...]}  # prints {"digest","records"}

Standard library only.
"""
import hashlib
import json
import struct
import sys
from pathlib import Path

MAX_I63 = 2**63 - 1
U64 = 2**64 - 1

# Section 2: every record kind's fields and merge kinds. ("register", keeps_conflicts),
# ("set",), ("counter",), ("status", states lowest first, reopen state).
SIGNAL_STATUS = ["draft", "submitted", "reopened", "accepted", "contact-attempted", "in-contact", "declined", "closed"]
SCHEMA = {
    "signal": {
        "store": ("register", False), "observedAt": ("register", False), "reporter": ("register", False),
        "indicators": ("set",), "urgency": ("register", True), "note": ("register", True),
        "consent": ("register", True), "contact": ("register", True),
        "status": ("status", SIGNAL_STATUS, "reopened"),
        "outcome": ("register", True), "declineReason": ("register", True),
    },
    "feedback": {
        "store": ("register", False), "givenAt": ("register", False), "category": ("register", True),
        "nps": ("register", True), "comment": ("register", True), "channel": ("register", False),
    },
    "chat-moment": {
        "store": ("register", False), "lane": ("register", False), "day": ("register", False), "count": ("counter",),
        "removed": ("counter",),
    },
    "probe": {
        "text": ("register", True), "number": ("register", False), "real": ("register", True),
        "tags": ("set",), "hits": ("counter",), "phase": ("status", ["new", "open", "active", "done"], "open"),
    },
}


class ModelError(Exception):
    pass


# ---- canonical encoding (section 5) ----

def u8(n): return struct.pack(">B", n)
def u32(n): return struct.pack(">I", n)
def u64(n): return struct.pack(">Q", n)
def i64(n): return struct.pack(">q", n)
def bstr(b: bytes): return u32(len(b)) + b
def sstr(s: str): return bstr(s.encode("utf-8"))


def parse_opid(text):
    replica, _, seq = text.rpartition("#")
    if not replica or not seq.isdigit():
        raise ModelError(f"bad operation id {text!r}")
    n = int(seq)
    if not 1 <= n <= MAX_I63:
        raise ModelError(f"sequence out of range in {text!r}")
    return (replica.encode("utf-8"), n)


def opid_bytes(opid):
    return bstr(opid[0]) + u64(opid[1])


def opid_key(opid):
    """Opids sort by replica bytes, then sequence."""
    return opid


# Values: ("null",), ("bool", b), ("int", n), ("f64", bits), ("str", bytes)
CANONICAL_NAN = 0x7FF8000000000000


def parse_value(v):
    if v is None:
        return ("null",)
    if v is True or v is False:
        return ("bool", v)
    if isinstance(v, str):
        return ("str", v.encode("utf-8"))
    if isinstance(v, dict) and list(v) == ["int"]:
        return ("int", int(v["int"]))
    if v == {"withheld": True}:
        return ("withheld",)
    if isinstance(v, dict) and list(v) == ["f64"]:
        bits = int(v["f64"], 16)
        exp, frac = (bits >> 52) & 0x7FF, bits & ((1 << 52) - 1)
        if exp == 0x7FF and frac != 0:
            bits = CANONICAL_NAN
        return ("f64", bits)
    raise ModelError(f"bad value {v!r}")


def value_bytes(v):
    tag = v[0]
    if tag == "null": return u8(0)
    if tag == "bool": return u8(2 if v[1] else 1)
    if tag == "int": return u8(3) + i64(v[1])
    if tag == "f64": return u8(4) + u64(v[1])
    if tag == "str": return u8(5) + bstr(v[1])
    if tag == "withheld": return u8(6)
    raise ModelError(tag)


def opids_bytes(ids):
    return u32(len(ids)) + b"".join(opid_bytes(i) for i in ids)


def payload_bytes(body):
    """Section 5.1. Returns None for a redacted body (no payload)."""
    if body == {"redacted": True}:
        return None
    if body == {"erase": True}:
        return u8(1) + u8(1)
    changes = body["changes"]
    out = u8(1) + u8(0) + u32(len(changes))
    for c in changes:
        op, field = c["op"], c["field"]
        if op == "set":
            out += u8(0) + sstr(field) + value_bytes(parse_value(c["value"])) + opids_bytes([parse_opid(s) for s in c.get("supersedes", [])])
        elif op == "add":
            out += u8(1) + sstr(field) + sstr(c["element"])
        elif op == "remove":
            out += u8(2) + sstr(field) + sstr(c["element"]) + opids_bytes([parse_opid(s) for s in c.get("observed", [])])
        elif op == "increment":
            out += u8(3) + sstr(field) + u64(c["amount"])
        elif op == "advance":
            out += u8(4) + sstr(field) + u32(c["epoch"]) + sstr(c["state"])
        elif op == "reopen":
            out += u8(5) + sstr(field) + u32(c["epoch"])
        else:
            raise ModelError(f"unknown change {op!r}")
    return out


def sha(b): return hashlib.sha256(b).digest()


class Operation:
    def __init__(self, j):
        self.json = j
        self.id = parse_opid(j["id"])
        self.hlc = int(j["hlc"])
        if not 0 <= self.hlc <= MAX_I63:
            raise ModelError(f"{j['id']}: hlc out of range")
        self.author = j["author"]
        self.kind = j["kind"]
        self.record = j["record"]
        self.prev = bytes.fromhex(j["prev"])
        self.payload_hash = bytes.fromhex(j["payloadHash"])
        self.hash = bytes.fromhex(j["hash"])
        self.body = j["body"]
        payload = payload_bytes(self.body)
        withheld = "changes" in self.body and any(c.get("value") == {"withheld": True} for c in self.body["changes"])
        if payload is not None and not withheld and sha(payload) != self.payload_hash:
            raise ModelError(f"{j['id']}: payload hash mismatch")
        if operation_hash(self.id, self.hlc, self.author, self.kind, self.record, self.payload_hash, self.prev) != self.hash:
            raise ModelError(f"{j['id']}: hash mismatch")


def operation_hash(opid, hlc, author, kind, record, payload_hash, prev):
    return sha(u8(1) + opid_bytes(opid) + u64(hlc) + sstr(author) + sstr(kind) + sstr(record) + payload_hash + prev)


# ---- merge (section 4) ----

def beats(a, b):
    """Merge order R-MODEL-8 on (hlc, opid): hlc, then replica bytes, then sequence."""
    return (a[0], a[1][0], a[1][1]) > (b[0], b[1][0], b[1][1])


class Record:
    def __init__(self, kind):
        self.kind = kind
        self.erased = False
        self.fields = {}  # name -> state

    def apply(self, op):
        if self.erased or "redacted" in op.body:
            return
        if "erase" in op.body:
            self.erased = True
            self.fields = {}
            return
        schema = SCHEMA[self.kind]
        for c in op.body["changes"]:
            spec = schema[c["field"]]
            f = c["field"]
            if spec[0] == "register":
                st = self.fields.setdefault(f, {"heads": [], "superseded": set()})
                head = (op.hlc, op.id, parse_value(c["value"]))
                if not spec[1]:
                    if not st["heads"] or beats(head[:2], st["heads"][0][:2]):
                        st["heads"] = [head]
                    continue
                st["superseded"] |= {parse_opid(s) for s in c.get("supersedes", [])}
                st["heads"] = [h for h in st["heads"] if h[1] not in st["superseded"]]
                if op.id not in st["superseded"] and all(h[1] != op.id for h in st["heads"]):
                    st["heads"].append(head)
                    st["heads"].sort(key=lambda h: (h[0], h[1][0], h[1][1]), reverse=True)
            elif spec[0] == "set":
                st = self.fields.setdefault(f, {"adds": {}, "removes": {}})
                el = c["element"].encode("utf-8")
                if c["op"] == "add":
                    st["adds"].setdefault(el, set()).add(op.id)
                else:
                    observed = {parse_opid(s) for s in c.get("observed", [])}
                    if observed:
                        st["removes"].setdefault(el, set()).update(observed)
            elif spec[0] == "counter":
                st = self.fields.setdefault(f, {})
                r = op.id[0]
                st[r] = min(U64, st.get(r, 0) + c["amount"])
            elif spec[0] == "status":
                states, reopen = spec[1], spec[2]
                rank = states.index(c["state"] if c["op"] == "advance" else reopen)
                nxt = (c["epoch"], rank)
                cur = self.fields.get(f)
                if cur is None or nxt > cur:
                    self.fields[f] = nxt

    def store_audience(self):
        """Section 7.1: a submitted signal (status (epoch, rank) >= (0, 1), not erased) with
        every non-null head value of note and contact replaced by withheld."""
        status = self.fields.get("status")
        if self.kind != "signal" or self.erased or status is None or status < (0, 1):
            return self
        out = Record(self.kind)
        out.fields = dict(self.fields)
        for name in ("note", "contact"):
            st = self.fields.get(name)
            if st is None:
                continue
            heads = [(h, o, v if v == ("null",) else ("withheld",)) for h, o, v in st["heads"]]
            out.fields[name] = {"heads": heads, "superseded": st["superseded"]}
        return out

    def canonical(self):
        out = u8(1) + u8(1 if self.erased else 0) + u32(len(self.fields))
        schema = SCHEMA[self.kind]
        for name in sorted(self.fields, key=lambda n: n.encode("utf-8")):
            st, kind = self.fields[name], schema[name][0]
            out += sstr(name)
            if kind == "register":
                out += u8(0) + u32(len(st["heads"]))
                for hlc, opid, value in st["heads"]:
                    out += opid_bytes(opid) + u64(hlc) + value_bytes(value)
                out += opids_bytes(sorted(st["superseded"]))
            elif kind == "set":
                out += u8(1)
                for part in (st["adds"], st["removes"]):
                    out += u32(len(part))
                    for el in sorted(part):
                        out += bstr(el) + opids_bytes(sorted(part[el]))
            elif kind == "counter":
                out += u8(2) + u32(len(st))
                for r in sorted(st):
                    out += bstr(r) + u64(st[r])
            else:
                out += u8(3) + u32(st[0]) + u32(st[1])
        return out


class Replica:
    def __init__(self):
        self.records = {}  # (kind bytes, id bytes) -> Record
        self.logs = {}     # replica bytes -> [hash]

    def apply(self, op):
        """Section 6. Returns 'applied' or 'duplicate'; raises on a fork, gap or broken link."""
        chain = self.logs.setdefault(op.id[0], [])
        seq = op.id[1]
        if seq <= len(chain):
            if chain[seq - 1] != op.hash:
                raise ModelError(f"fork at {op.json['id']}")
            return "duplicate"
        if seq != len(chain) + 1:
            raise ModelError(f"gap at {op.json['id']}")
        if op.prev != (chain[-1] if chain else bytes(32)):
            raise ModelError(f"broken link at {op.json['id']}")
        chain.append(op.hash)
        key = (op.kind.encode("utf-8"), op.record.encode("utf-8"))
        self.records.setdefault(key, Record(op.kind)).apply(op)
        return "applied"

    def digest(self):
        h = hashlib.sha256(sstr("omzien/state/1"))
        for key in sorted(self.records):
            h.update(bstr(key[0]) + bstr(key[1]) + sha(self.records[key].canonical()))
        return h.digest()

    def store_digest(self):
        """Section 7.1: the digest of the store-audience projection."""
        h = hashlib.sha256(sstr("omzien/state/1"))
        for key in sorted(self.records):
            h.update(bstr(key[0]) + bstr(key[1]) + sha(self.records[key].store_audience().canonical()))
        return h.digest()

    def expect(self):
        return {
            "digest": self.digest().hex(),
            "records": [{"kind": k.decode(), "id": i.decode(), "state": self.records[(k, i)].canonical().hex()}
                        for k, i in sorted(self.records)],
        }


def replay(operations):
    r = Replica()
    for j in operations:
        r.apply(Operation(j))
    return r.expect()


def reverse_interleaved(operations):
    """Section 9: replicas in descending replica-id byte order, each replica's operations in
    sequence order (one valid delivery order other than the given one)."""
    by = {}
    for j in operations:
        by.setdefault(parse_opid(j["id"])[0], []).append(j)
    return [j for r in sorted(by, reverse=True) for j in sorted(by[r], key=lambda j: parse_opid(j["id"])[1])]


def check(path):
    v = json.loads(Path(path).read_text())
    problems = []
    for label, ops in (("given order", v["operations"]), ("reverse order", reverse_interleaved(v["operations"]))):
        got = replay(ops)
        if got["digest"] != v["expect"]["digest"]:
            problems.append(f"{label}: digest {got['digest']} != {v['expect']['digest']}")
        want = {(r["kind"], r["id"]): r["state"] for r in v["expect"]["records"]}
        have = {(r["kind"], r["id"]): r["state"] for r in got["records"]}
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                problems.append(f"{label}: record {key[0]}/{key[1]}: {have.get(key)} != {want.get(key)}")
    return problems


def main(argv):
    if len(argv) >= 2 and argv[1] == "expect":
        print(json.dumps(replay(json.load(sys.stdin)["operations"])))
        return 0
    if len(argv) >= 2 and argv[1] == "store-digest":
        # One line per vector file: the file name and its store-audience digest (section 7.1).
        for f in argv[2:]:
            r = Replica()
            for j in json.loads(Path(f).read_text())["operations"]:
                r.apply(Operation(j))
            print(Path(f).name, r.store_digest().hex())
        return 0
    if len(argv) >= 2 and argv[1] == "check":
        files = argv[2:] or sorted(str(p) for p in (Path(__file__).resolve().parents[2] / "Protocol" / "vectors").glob("*.json"))
        failed = 0
        for f in files:
            problems = check(f)
            print(("FAIL " if problems else "ok   ") + f)
            for p in problems[:5]:
                print("     " + p)
            failed += bool(problems)
        print(f"{len(files) - failed} of {len(files)} vectors agree")
        return 1 if failed else 0
    print(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))

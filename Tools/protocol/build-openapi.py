#!/usr/bin/env python3
"""Fills the generated parts of Protocol/openapi.json from their sources.

Sources of truth (Protocol/SYNC.md section "Transport" points here):
  Protocol/schemas/*.json   the message shapes (JSON Schema 2020-12, one file per message)
  Protocol/examples/*.json  the examples (file `<schema>[.<variant>].json`)
  Protocol/openapi.json     everything else: paths, parameters, responses, security

This script rewrites `components.schemas` and `components.examples` of openapi.json:
every schema file becomes a component named by its `title`, every `$defs` entry a
component of its own name (names are unique across files), and `$ref`s are rewritten to
`#/components/schemas/...`, so that openapi.json is self-contained (no external refs for
tools such as schemathesis). `$schema` and `$id` are dropped from the copies.

  python3 Tools/protocol/build-openapi.py           rewrite openapi.json
  python3 Tools/protocol/build-openapi.py --check   exit 1 if openapi.json is out of date
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Protocol"
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "examples"
OPENAPI = ROOT / "openapi.json"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dump(value):
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def component_schemas():
    files = {p.name: load(p) for p in sorted(SCHEMAS.glob("*.json"))}
    root_name = {}  # file name -> component name of its root schema (None: $defs only)
    def_owner = {}  # def name -> file name
    for name, schema in files.items():
        root_name[name] = None if set(schema) <= {"$schema", "$id", "title", "description", "$defs"} else schema["title"]
        for d in schema.get("$defs", {}):
            if d in def_owner:
                raise SystemExit(f"$defs name {d} is used by both {def_owner[d]} and {name}")
            def_owner[d] = name
    taken = set(def_owner)
    for name, title in root_name.items():
        if title is not None and title in taken:
            raise SystemExit(f"component name {title} ({name}) clashes with a $defs name")
        if title is not None:
            taken.add(title)

    def target(ref, current):
        file_part, _, pointer = ref.partition("#")
        file_name = file_part or current
        if file_name not in files:
            raise SystemExit(f"{current}: $ref {ref} names no file in {SCHEMAS}")
        if pointer in ("", "/"):
            if root_name[file_name] is None:
                raise SystemExit(f"{current}: $ref {ref} points at a file without a root schema")
            return "#/components/schemas/" + root_name[file_name]
        parts = pointer.split("/")
        if len(parts) != 3 or parts[1] != "$defs" or parts[2] not in files[file_name].get("$defs", {}):
            raise SystemExit(f"{current}: $ref {ref}: only refs to a file or to one of its $defs are supported")
        return "#/components/schemas/" + parts[2]

    def rewrite(node, current):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k in ("$schema", "$id", "$defs"):
                    continue
                out[k] = target(v, current) if k == "$ref" else rewrite(v, current)
            return out
        if isinstance(node, list):
            return [rewrite(v, current) for v in node]
        return node

    out = {}
    for name, schema in files.items():
        if root_name[name] is not None:
            out[root_name[name]] = rewrite(schema, name)
        for d, sub in schema.get("$defs", {}).items():
            out[d] = rewrite(sub, name)
    return dict(sorted(out.items()))


def component_examples():
    out = {}
    for p in sorted(EXAMPLES.glob("*.json")):
        stem = p.name[: -len(".json")]
        schema, _, variant = stem.partition(".")
        summary = schema + (f" ({variant})" if variant else "")
        out[stem] = {"summary": summary, "description": f"Protocol/examples/{p.name}", "value": load(p)}
    return out


def build():
    doc = load(OPENAPI)
    components = doc.setdefault("components", {})
    components["schemas"] = component_schemas()
    components["examples"] = component_examples()
    return doc


def main():
    text = dump(build())
    current = OPENAPI.read_text(encoding="utf-8")
    if "--check" in sys.argv[1:]:
        if text != current:
            print(f"{OPENAPI} is out of date: run python3 Tools/protocol/build-openapi.py", file=sys.stderr)
            sys.exit(1)
        return
    if text != current:
        OPENAPI.write_text(text, encoding="utf-8")
        print(f"wrote {OPENAPI}")


if __name__ == "__main__":
    main()

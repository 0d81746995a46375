#!/usr/bin/env python3
"""Validates JSON messages against Protocol/schemas and Protocol/openapi.json.

Used by Tests/OmzienProtocolTests (which spawns it) and by hand:

  python3 Tools/protocol/validate.py                 check the protocol files:
      every Protocol/examples/<schema>[.<variant>].json against schemas/<schema>.json and
      against the same schema inside openapi.json; every example that openapi.json
      attaches to a request or response against that media type's schema; openapi.json
      is valid OpenAPI 3.1 (openapi-spec-validator) and up to date with schemas/ and
      examples/ (Tools/protocol/build-openapi.py --check).
  python3 Tools/protocol/validate.py --manifest M    also check the instances in M, a JSON
      array of {"name": "...", "schema": "push-request", "instance": <any JSON>,
      "expect": "valid" | "invalid"}.
  --only-manifest                                    skip the protocol files.

Prints one JSON object {"results": [{"name", "ok", "error"}...]} (ok: the outcome is the
expected one; error: why not, naming the file and the schema error) and exits 1 if any
result is not ok, 2 if the tools themselves are missing.
"""
import json
import pathlib
import subprocess
import sys

try:
    import jsonschema
    import referencing
    import referencing.jsonschema
    from jsonschema.exceptions import best_match
except ImportError as e:  # pragma: no cover
    print(json.dumps({"results": [{"name": "python modules", "ok": False,
                                   "error": f"{e}: run python3 -m pip install jsonschema openapi-spec-validator"}]}))
    sys.exit(2)

TOOLS = pathlib.Path(__file__).resolve().parent
ROOT = TOOLS.parents[1] / "Protocol"
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "examples"
OPENAPI = ROOT / "openapi.json"
OPENAPI_URI = "urn:omzien:openapi"
D2020 = referencing.jsonschema.DRAFT202012


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pascal(stem):
    return "".join(part[:1].upper() + part[1:] for part in stem.split("-"))


class Validators:
    def __init__(self):
        self.files = {p.name[: -len(".json")]: load(p) for p in sorted(SCHEMAS.glob("*.json"))}
        self.openapi = load(OPENAPI)
        resources = [(s["$id"], D2020.create_resource(s)) for s in self.files.values()]
        resources.append((OPENAPI_URI, D2020.create_resource(self.openapi)))
        self.registry = referencing.Registry().with_resources(resources)
        for name, schema in self.files.items():
            jsonschema.Draft202012Validator.check_schema(schema)
        self.cache = {}

    def _validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.cache:
            self.cache[key] = jsonschema.Draft202012Validator(schema, registry=self.registry)
        return self.cache[key]

    def errors(self, schema_name, instance):
        """Errors against schemas/<name>.json and against openapi's component of it."""
        return [f"{where}: {e}" for where, e in self.verdicts(schema_name, instance).items() if e is not None]

    def verdicts(self, schema_name, instance):
        """{where: first error or None} for schemas/<name>.json and openapi's copy of it."""
        if schema_name not in self.files:
            return {f"schemas/{schema_name}.json": "no such schema"}
        schema = self.files[schema_name]
        component = schema.get("title", pascal(schema_name))
        out = {}
        for where, s in ((f"schemas/{schema_name}.json", {"$ref": schema["$id"]}),
                         (f"openapi.json#/components/schemas/{component}", {"$ref": f"{OPENAPI_URI}#/components/schemas/{component}"})):
            try:
                err = first_error(self._validator(s), instance)
            except referencing.exceptions.Unresolvable as e:
                out[where] = f"cannot resolve {e}"
                continue
            out[where] = None if err is None else f"at {err.json_path}: {shorten(err.message)}"
        return out

    def pointer_errors(self, pointer, instance):
        """Errors against the schema at a JSON pointer inside openapi.json."""
        err = first_error(self._validator({"$ref": f"{OPENAPI_URI}#{pointer}"}), instance)
        return [] if err is None else [f"at {err.json_path}: {shorten(err.message)}"]


def most_telling(err):
    """For a failed oneOf/anyOf, the error of the branch that got furthest (the deepest),
    if it got deeper than the oneOf itself: `value` 7 in a `set` change is reported at
    `$.body.changes[0].value`, not as "the change matches no branch"."""
    while err is not None and err.validator in ("oneOf", "anyOf") and err.context:
        deepest = max(err.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) <= len(err.absolute_path):
            break
        err = deepest
    return err


def shorten(message, limit=600):
    """Error messages quote the instance: keep them readable for a 1,000-operation push."""
    return message if len(message) <= limit else message[: limit // 2] + " ... " + message[-limit // 2:]


def first_error(validator, instance):
    return most_telling(best_match(validator.iter_errors(instance)))


def pointer(*parts):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def result(name, ok, error=None):
    return {"name": name, "ok": ok, "error": error}


def check_protocol_files(v):
    results = []
    # 1. Every example against its schema (file name before the first dot).
    for p in sorted(EXAMPLES.glob("*.json")):
        schema_name = p.name.split(".")[0]
        try:
            instance = load(p)
        except ValueError as e:
            results.append(result(f"examples/{p.name}", False, f"examples/{p.name}: not JSON: {e}"))
            continue
        errs = v.errors(schema_name, instance)
        results.append(result(f"examples/{p.name}", not errs, "; ".join(f"examples/{p.name} vs {e}" for e in errs) or None))
    # 2. Every example attached to a media type in openapi.json against that media type's schema.
    for path, item in v.openapi.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            media = []
            if "requestBody" in op:
                media.append(("request", op["requestBody"], ("paths", path, method, "requestBody")))
            for status, resp in op.get("responses", {}).items():
                at = ("paths", path, method, "responses", status)
                if "$ref" in resp:
                    name = resp["$ref"].split("/")[-1]
                    resp, at = v.openapi["components"]["responses"][name], ("components", "responses", name)
                media.append((status, resp, at))
            for where, body, at in media:
                for mtype, m in body.get("content", {}).items():
                    if "json" not in mtype:
                        continue
                    name = f"openapi {method.upper()} {path} {where} {mtype}"
                    examples = m.get("examples", {})
                    if not examples:
                        results.append(result(name, False, f"{name}: no example"))
                    for ename, ex in examples.items():
                        if "$ref" in ex:
                            ex = v.openapi["components"]["examples"][ex["$ref"].split("/")[-1]]
                        errs = v.pointer_errors(pointer(*at, "content", mtype, "schema"), ex["value"])
                        results.append(result(f"{name} example {ename}", not errs, "; ".join(f"{name} example {ename}: {e}" for e in errs) or None))
    # 3. openapi.json is valid OpenAPI 3.1 and generated parts are up to date.
    try:
        from openapi_spec_validator import validate
        validate(v.openapi)
        results.append(result("openapi.json is valid OpenAPI 3.1", True))
    except ImportError as e:
        results.append(result("openapi.json is valid OpenAPI 3.1", False, f"{e}: python3 -m pip install openapi-spec-validator"))
    except Exception as e:  # the validator's own error types vary between versions
        results.append(result("openapi.json is valid OpenAPI 3.1", False, f"openapi.json: {type(e).__name__}: {str(e)[:2000]}"))
    p = subprocess.run([sys.executable, str(TOOLS / "build-openapi.py"), "--check"], capture_output=True, text=True)
    results.append(result("openapi.json is up to date with schemas/ and examples/", p.returncode == 0, (p.stderr or p.stdout).strip() or None))
    return results


def check_manifest(v, manifest):
    results = []
    for item in manifest:
        name = item["name"]
        if item["schema"] not in v.files:
            results.append(result(name, False, f"{name}: no schema Protocol/schemas/{item['schema']}.json"))
            continue
        verdicts = v.verdicts(item["schema"], item["instance"])
        if item.get("expect", "valid") == "valid":
            errs = [f"{name} vs {where}: {e}" for where, e in verdicts.items() if e is not None]
            results.append(result(name, not errs, "; ".join(errs) or None))
        else:
            # Both the schema file and openapi.json's copy of it must reject it.
            accepted = [where for where, e in verdicts.items() if e is None]
            results.append(result(name, not accepted, f"{name}: accepted by {', '.join(accepted)}, expected a rejection" if accepted else None))
    return results


def main(argv):
    v = Validators()
    results = []
    if "--only-manifest" not in argv:
        results += check_protocol_files(v)
    if "--manifest" in argv:
        results += check_manifest(v, load(argv[argv.index("--manifest") + 1]))
    print(json.dumps({"results": results}, ensure_ascii=False, indent=1))
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main(sys.argv[1:])

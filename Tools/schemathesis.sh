#!/usr/bin/env bash
# Property-based API tests of a live Omzien server against Protocol/openapi.json, with
# schemathesis (PyPI; installed here if missing).
#
#   Tools/schemathesis.sh [BASE_URL]
#
# Environment:
#   OMZIEN_URL             base URL of the server (or the first argument); default http://127.0.0.1:8080
#   OMZIEN_ADMIN_TOKEN     admin bearer token (omz_a_...), as printed by `omzien serve`; required
#   OMZIEN_DEVICE_TOKEN    device bearer token (omz_d_...); if unset, the script enrolls a device
#                          itself with the admin token (a fresh region, store and enrollment code)
#   OMZIEN_MAX_EXAMPLES    test cases per API operation; default 20 (CI); 500 for a long run
#   OMZIEN_CHECKS          comma-separated schemathesis checks, or `all`; default
#                          not_a_server_error,status_code_conformance,content_type_conformance,
#                          response_schema_conformance,ignored_auth
#   OMZIEN_MODE            positive, negative or all (schemathesis --mode); default all
#   OMZIEN_PHASES          schemathesis --phases; default examples,coverage,fuzzing,stateful
#   OMZIEN_WORKERS         concurrent workers; default 1 (the machines have 2 shared cores)
#   OMZIEN_SEED            a seed, to repeat a run
#   OMZIEN_REPORT_DIR      where the JUnit and JSON reports go; default ./schemathesis-report
#
# Prints schemathesis's own output, then one summary line starting with `schemathesis:`.
# Exits with schemathesis's exit code (0: no failures).
set -euo pipefail
cd "$(dirname "$0")/.."

url="${1:-${OMZIEN_URL:-http://127.0.0.1:8080}}"
url="${url%/}"
max_examples="${OMZIEN_MAX_EXAMPLES:-20}"
checks="${OMZIEN_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth}"
mode="${OMZIEN_MODE:-all}"
phases="${OMZIEN_PHASES:-examples,coverage,fuzzing,stateful}"
workers="${OMZIEN_WORKERS:-1}"
report_dir="${OMZIEN_REPORT_DIR:-schemathesis-report}"
spec="Protocol/openapi.json"

if [ -z "${OMZIEN_ADMIN_TOKEN:-}" ]; then
  echo "schemathesis.sh: set OMZIEN_ADMIN_TOKEN to the admin token the server printed at start" >&2
  exit 2
fi

if ! command -v schemathesis >/dev/null 2>&1 && ! python3 -c 'import schemathesis' 2>/dev/null; then
  echo "schemathesis.sh: installing schemathesis" >&2
  python3 -m pip install -q schemathesis || python3 -m pip install -q --break-system-packages schemathesis
fi
if command -v schemathesis >/dev/null 2>&1; then st=(schemathesis); else st=(python3 -m schemathesis.cli); fi

# The server must answer before we start.
for _ in $(seq 1 50); do
  if python3 - "$url" <<'EOF' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/healthz", timeout=2).read()
EOF
  sleep 0.2
done

# A device to test the sync endpoints with, unless one was given.
if [ -z "${OMZIEN_DEVICE_TOKEN:-}" ]; then
  OMZIEN_DEVICE_TOKEN="$(python3 - "$url" "$OMZIEN_ADMIN_TOKEN" <<'EOF'
import json, sys, time, urllib.error, urllib.request
base, admin = sys.argv[1], sys.argv[2]
def call(method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"schemathesis.sh: {method} {path} answered {e.code}: {e.read().decode(errors='replace')}")
suffix = str(int(time.time() * 1000))
region, store = "st-region-" + suffix, "st-store-" + suffix
call("POST", "/v1/admin/regions", {"id": region, "name": "Schemathesis " + suffix}, admin)
call("POST", "/v1/admin/stores", {"id": store, "region": region, "name": "Schemathesis " + suffix}, admin)
code = call("POST", "/v1/admin/enrollments", {"store": store, "expiresInHours": 1}, admin)["code"]
print(call("POST", "/v1/enroll", {"protocolVersion": 1, "code": code, "label": "schemathesis"})["token"])
EOF
)"
  export OMZIEN_DEVICE_TOKEN
  echo "schemathesis.sh: enrolled a device for the sync endpoints" >&2
fi
export OMZIEN_ADMIN_TOKEN

# Each security scheme of openapi.json gets its own token.
mkdir -p "$report_dir"
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
cat > "$config" <<'EOF'
[auth.openapi.adminToken]
bearer = "${OMZIEN_ADMIN_TOKEN}"

[auth.openapi.deviceToken]
bearer = "${OMZIEN_DEVICE_TOKEN}"
EOF

args=(run "$spec" --url "$url" --checks "$checks" --mode "$mode" --phases "$phases"
      --max-examples "$max_examples" --workers "$workers" --request-timeout 30
      --report junit,json --report-dir "$report_dir" --no-color)
if [ -n "${OMZIEN_SEED:-}" ]; then args+=(--seed "$OMZIEN_SEED"); fi

set +e
"${st[@]}" --config-file "$config" "${args[@]}"
status=$?
set -e

python3 - "$report_dir" "$status" "$max_examples" "$checks" <<'EOF'
import glob, json, os, sys
report_dir, status, max_examples, checks = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
reports = sorted(glob.glob(os.path.join(report_dir, "*.json")), key=os.path.getmtime)
if not reports:
    print(f"schemathesis: no report (exit {status})")
    sys.exit(0)
r = json.load(open(reports[-1]))
ops, cases = r.get("operations") or {}, r.get("test_cases") or {}
failures = r.get("failures") or []
kinds = ", ".join(f"{f['title']} x{f['count']}" for f in failures[:5]) or "none"
errors = sum(e.get("count", 0) for e in r.get("errors") or [])
print(f"schemathesis: {'PASS' if status == 0 else 'FAIL'} - {ops.get('tested', 0)}/{ops.get('selected', 0)} operations, "
      f"{cases.get('generated', 0)} test cases (max {max_examples}/operation), "
      f"{cases.get('unique_failures', 0)} unique failures ({kinds}), {errors} errors; checks {checks}; exit {status}")
EOF
exit "$status"

#!/usr/bin/env bash
# Installs what the build, the tests and the tools need on a fresh Debian 12 machine
# that already has the Swift toolchain. Idempotent; skips apt-get when nothing is missing.
set -euo pipefail
pkgs=(libsqlite3-dev zlib1g-dev sqlite3 curl python3-pip librsvg2-bin faketime chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
# Python peers used by tests (strict HTTP parser h11).
python3 -c 'import h11' 2>/dev/null || python3 -m pip install -q h11 || python3 -m pip install -q --break-system-packages h11
# Python peers of the protocol tests (Tests/OmzienProtocolTests via Tools/protocol/validate.py).
python3 -c 'import jsonschema, referencing, openapi_spec_validator' 2>/dev/null \
  || python3 -m pip install -q jsonschema openapi-spec-validator \
  || python3 -m pip install -q --break-system-packages jsonschema openapi-spec-validator
# schemathesis: API tests generated from Protocol/openapi.json (Tests/OmzienServerTests/SchemathesisTests).
python3 -c 'import schemathesis' 2>/dev/null \
  || python3 -m pip install -q schemathesis \
  || python3 -m pip install -q --break-system-packages schemathesis
# selenium: the browser tests of the web pages (Tests/OmzienServerTests/WebBrowserTests via
# Tools/browser/inbox_flow.py), driving Debian's chromium through chromium-driver.
python3 -c 'import selenium' 2>/dev/null \
  || python3 -m pip install -q selenium \
  || python3 -m pip install -q --break-system-packages selenium

#!/usr/bin/env bash
# Fuzzes the HTTP request parser for an hour (FUZZ_SECONDS to change): see Tools/fuzz.sh.
exec "$(dirname "$0")/fuzz.sh" http-parser "$@"

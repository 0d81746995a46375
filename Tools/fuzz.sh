#!/usr/bin/env bash
# Fuzzes one of the project's parsers with libFuzzer + AddressSanitizer.
#   usage: Tools/fuzz.sh http-parser|json-reader
#   FUZZ_SECONDS   how long to run (default 3600; the test suite runs each target briefly)
#   FUZZ_JOBS      parallel fuzzing processes (default 1)
#   FUZZ_OUT       work directory (default Tools/out/fuzz-TARGET): binary, corpus, artifacts
# Known crashers (Fixtures/*/fuzz-crashers) are replayed first and must pass. Exits non-zero
# on any crash, sanitizer report, timeout or broken invariant; the failing input is written to
# the work directory (copy it to the target's fuzz-crashers folder when fixing it).
# Prints the executions and their rate at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
target="${1:?usage: Tools/fuzz.sh http-parser|json-reader}"
case "$target" in
  http-parser)
    module=OmzienHTTPParserFuzz
    sources=(Sources/OmzienHTTP/Parser/*.swift Tools/fuzz/HTTPParserFuzz.swift)
    fixtures=Fixtures/http; seeds=Fixtures/http/parser-seeds; dict=(-dict=Tools/fuzz/http.dict); max_len=4096 ;;
  json-reader)
    module=OmzienJSONFuzz
    sources=(Sources/OmzienModel/JSON/JSONDocument.swift Tools/fuzz/JSONDocumentFuzz.swift)
    fixtures=Fixtures/json; seeds=Fixtures/json/seeds; dict=(-dict=Tools/fuzz/json.dict); max_len=8192 ;;
  *) echo "unknown target '$target'; expected http-parser or json-reader" >&2; exit 64 ;;
esac
seconds="${FUZZ_SECONDS:-3600}"
jobs="${FUZZ_JOBS:-1}"
out="${FUZZ_OUT:-Tools/out/fuzz-$target}"
mkdir -p "$out/corpus"
binary="$out/fuzz-$target"

echo "building $binary"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$module" "${sources[@]}" -o "$binary"

mapfile -t crashers < <(find "$fixtures/fuzz-crashers" -type f ! -name '.gitkeep' ! -name '*.md' 2>/dev/null | sort)
if [ ${#crashers[@]} -gt 0 ]; then
  echo "replaying ${#crashers[@]} known crashers"
  "$binary" "${crashers[@]}"
fi

echo "fuzzing $target for ${seconds}s"
args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
      "${dict[@]}" -artifact_prefix="$out/" -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then
  args+=(-jobs="$jobs" -workers="$jobs")
fi
status=0
# The Swift runtime's own crash backtracer gets in the way of libFuzzer writing the failing input.
export SWIFT_BACKTRACE=enable=no
"$binary" "${args[@]}" "$out/corpus" "$seeds" >"$out/last-run.log" 2>&1 || status=$?
grep -E "^#[0-9]+.*(pulse|DONE)|^stat::|ERROR|SUMMARY|Test unit written|precondition|Fatal error" "$out/last-run.log" | tail -40 || true
if [ "$status" -ne 0 ]; then
  echo "fuzz $target: FAILED (exit $status); see $out/last-run.log" >&2
  exit "$status"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/last-run.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/last-run.log")
echo "fuzz $target: no crashes in ${seconds}s (${execs:-?} inputs, ${rate:-?} per second)"

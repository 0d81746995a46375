#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer + AddressSanitizer.
#   FUZZ_SECONDS   how long to run (default 3600; CI uses 30-60)
#   FUZZ_JOBS      parallel fuzzing processes (default 1)
# Exits non-zero on any crash, sanitizer report or broken invariant; the failing input is
# written to Tools/out/fuzz-http/ (copy it to Fixtures/http/fuzz-crashers/ when fixing it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds="${FUZZ_SECONDS:-3600}"
jobs="${FUZZ_JOBS:-1}"
out=Tools/out/fuzz-http
mkdir -p "$out/corpus"
binary="$out/fuzz-http-parser"

echo "building $binary"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
  -module-name OmzienHTTPParserFuzz \
  Sources/OmzienHTTP/Parser/*.swift Tools/fuzz/HTTPParserFuzz.swift \
  -o "$binary"

# Known crashers first: each must pass before fuzzing starts.
mapfile -t crashers < <(find Fixtures/http/fuzz-crashers -type f ! -name '.gitkeep' ! -name '*.md' | sort)
if [ ${#crashers[@]} -gt 0 ]; then
  echo "replaying ${#crashers[@]} known crashers"
  "$binary" "${crashers[@]}"
fi

echo "fuzzing for ${seconds}s"
args=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048
      -dict=Tools/fuzz/http.dict -artifact_prefix="$out/" -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then
  args+=(-jobs="$jobs" -workers="$jobs")
fi
"$binary" "${args[@]}" "$out/corpus" Fixtures/http/parser-seeds
echo "fuzz-http-parser: no crashes in ${seconds}s"

#!/usr/bin/env bash
# Builds the SHA-256 benchmark in release mode from the OmzienModel crypto sources and runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
mkdir -p Tools/out
swiftc -O -parse-as-library -module-name SHA256Bench \
  Sources/OmzienModel/Crypto/*.swift Tools/sha256-bench/main.swift -o Tools/out/sha256-bench
Tools/out/sha256-bench

#!/usr/bin/env bash
# The long run of the merge property tests: 100,000 generated cases of five replicas with
# random operations and delivery orders (CI runs 1,000), and 2,000 cases against on-disk
# stores with reopening (CI runs 40). Prints the figures. Usage: Tools/property-tests.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-100000}"
store_cases="${STORE_CASES:-2000}"
start=$(date +%s)
OMZIEN_PROPERTY_CASES="$cases" OMZIEN_STORE_PROPERTY_CASES="$store_cases" \
  swift test -c release -Xswiftc -enable-testing --filter 'everyDeliveryOrderConvergesToOneDigest|storesConvergeWithTheReferenceAcrossReopens' 2>&1 | grep -E '✔|✘|error|Test run'
echo "property tests: $cases model cases and $store_cases store cases passed in $(( $(date +%s) - start )) s"

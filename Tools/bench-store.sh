#!/usr/bin/env bash
# Store benchmark: local append and remote apply rates of the replica store against a raw
# SQLite C-API baseline issuing the same SQL writes, same batch size and durability, in the
# same run. Usage: Tools/bench-store.sh [--ops N] [--records N] [--batch N]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product omzien-bench >/dev/null
exec .build/release/omzien-bench "$@"

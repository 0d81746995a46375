#!/usr/bin/env bash
# Re-records the session-log fixtures in Fixtures/ (conflicting offline edits, a lost answer and
# retry, clock-drift quarantine, erase, partner follow-up, a store move with a reopen and a
# revoked device) from the scenarios in
# Tests/OmzienServerTests/SessionLogTests.swift. Only on purpose: the fixtures are test inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
OMZIEN_WRITE_FIXTURES=1 swift test --filter recordedScenariosReplayToTheSameAnswersAndDigests 2>&1 | grep -E '✔|✘|error'
ls -l Fixtures/*.jsonl.gz

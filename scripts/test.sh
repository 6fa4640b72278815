#!/usr/bin/env bash
# Runs every test: unit tests (vitest, Node, tfjs CPU backend) and e2e tests
# (Playwright, Debian's Chromium with WebGPU). Installs what is missing first.
# Ends with one line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh --chromium || exit 1
mkdir -p test-reports

npx vitest run --reporter=default --reporter=json --outputFile.json=test-reports/unit-results.json
unit_status=$?

npx playwright test
e2e_status=$?

node scripts/summarize-tests.mjs test-reports/unit-results.json test-reports/e2e-results.json
summary_status=$?

if [[ $unit_status -ne 0 || $e2e_status -ne 0 || $summary_status -ne 0 ]]; then
  exit 1
fi

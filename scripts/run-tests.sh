#!/usr/bin/env bash
# Runs every compiled test file (dist/test/**/*.test.js) with node's test runner; extra args are passed to node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
# A test that hangs fails after 5 minutes instead of stalling the run.
exec node --test --test-concurrency=2 --test-timeout=300000 "$@" "${files[@]}"

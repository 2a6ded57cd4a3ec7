#!/usr/bin/env bash
# Runs every compiled test file (dist/test/**/*.test.js) with node's test runner; extra args are passed to node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node --test --test-concurrency=2 "$@" "${files[@]}"

#!/usr/bin/env bash
# Runs the Swift tests under AddressSanitizer (with LeakSanitizer) and under
# ThreadSanitizer, each with its own scratch path (.build-asan, .build-tsan; git-ignored).
# Exits non-zero on any failure or sanitizer report.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_swift.sh"

echo "== swift test --sanitize=address"
ASAN_OPTIONS="detect_leaks=1:malloc_context_size=8:halt_on_error=1" \
LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt" \
    swift test --sanitize=address --scratch-path .build-asan

echo "== swift test --sanitize=thread"
TSAN_OPTIONS="halt_on_error=1" swift test --sanitize=thread --scratch-path .build-tsan

#!/usr/bin/env bash
# Installs qnnpack_swift from this checkout, then runs the Swift tests (plain and under
# sanitizers), an import check and the Python test suite (parity, fuzzing, concurrency,
# leaks). Exits non-zero if any step fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
ROOT="$(pwd)"

# qemu-user runs the library as older CPUs (tests/test_emulated_cpus.py).
if ! command -v qemu-x86_64 >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== installing qemu-user (Debian) for the emulated-CPU tests"
    { apt-get update -qq && apt-get install -y -qq qemu-user; } >/dev/null 2>&1 \
        || echo "warning: could not install qemu-user; the emulated-CPU tests will be skipped"
fi

echo "== swift test"
swift test

# The same tests under AddressSanitizer (+ LeakSanitizer) and ThreadSanitizer.
bash scripts/sanitizers.sh

# From outside the source tree, so that python/ cannot shadow the installed package.
echo "== import check"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
(cd "$SCRATCH" && python3 - <<'PY'
import qnnpack_swift as qs
print("qnnpack_swift", qs.__version__, "from", qs.__file__)
print("kernel family:", qs.cpu_features()["kernel_family"], "| threads:", qs.get_num_threads())
PY
)

# Run from tests/ with tests/ as rootdir: python3 -m pytest puts only tests/ on sys.path
# (never the repository root), and the conftest files in tests/ are found as usual.
echo "== pytest"
cd "$ROOT/tests"
python3 -m pytest -q -p no:cacheprovider --rootdir "$ROOT/tests" .

# Sourced by the scripts: puts the shell at the repository root and makes swift reachable.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "error: swift not found (expected /opt/swift/usr/bin)" >&2; exit 1; }

#!/usr/bin/env bash
# Installs qnnpack_swift from this checkout and runs a small quantized CNN through it and
# through the NumPy reference, layer by layer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
python3 examples/demo.py

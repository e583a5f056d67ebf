#!/usr/bin/env bash
# Installs qnnpack_swift from this checkout, makes the quantized MobileNetV2 ONNX models if
# absent and runs them through qnnpack_swift and ONNX Runtime: top-5 classes, agreement
# (whole outputs and node by node), latency at 1 and 2 threads (table and
# benchmarks/results/mobilenet_v2_latency.png). Then the second example: a small quantized
# CNN compared layer by layer with the NumPy reference.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
export OPENBLAS_NUM_THREADS=1

echo "== quantized MobileNetV2 on qnnpack_swift and on ONNX Runtime"
python3 benchmarks/mobilenet_v2.py

echo
echo "== second example: a small quantized CNN, layer by layer against the NumPy reference"
python3 examples/demo.py

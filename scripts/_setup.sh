# Sourced by scripts/demo.sh and scripts/test.sh: puts the shell at the repository root,
# makes swift reachable and installs the Python package from this checkout.
source "$(dirname "${BASH_SOURCE[0]}")/_swift.sh"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# The build uses the setuptools and numpy already installed (no isolated build
# environment), which needs `wheel`.
python3 -c "import wheel" 2>/dev/null || python3 -m pip install -q wheel
# Third-party packages the demo, benchmarks, notebook and tests use (never needed to
# import qnnpack_swift): ONNX models, ONNX Runtime to compare with, plots, notebook execution.
echo "== third-party packages for the demo and tests (onnx, onnxruntime, matplotlib, ...)"
python3 -m pip install -q onnx onnxruntime matplotlib nbclient nbformat ipykernel scikit-learn
echo "== installing qnnpack_swift (swift build -c release + Python extension)"
python3 -m pip install -q --no-build-isolation .

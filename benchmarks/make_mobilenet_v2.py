"""Builds a quantized MobileNetV2 (width 1.0, 224×224, 1000 classes) as ONNX files.

No download exists on these machines, so the network is made here: seeded random
convolution weights, batch normalisation folded into them with statistics measured on
seeded synthetic images (as a trained network's running statistics would be), then
`onnxruntime.quantization.quantize_static` on other seeded synthetic images. The graph
is built with `onnx.helper` (no PyTorch).

Files written into benchmarks/models/ (git-ignored), each only if absent:

    mobilenet_v2_float.onnx
    mobilenet_v2_qoperator_u8s8_per_channel.onnx   QLinearConv / QLinearAdd / QGemm ...,
    mobilenet_v2_qoperator_u8u8_per_tensor.onnx    uint8 activations
    mobilenet_v2_qdq_u8s8_per_channel.onnx         QuantizeLinear / DequantizeLinear pairs
    mobilenet_v2_qdq_u8u8_per_tensor.onnx          around the float operators

(u8s8: int8 weights, one scale per output channel; u8u8: uint8 weights, one scale.)

    python3 benchmarks/make_mobilenet_v2.py [--force]

Other scripts call `ensure_models()` and `images(seed, count)` from here.
"""

import argparse
import contextlib
import os
import sys

import numpy as np

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
FLOAT_MODEL = os.path.join(MODELS, "mobilenet_v2_float.onnx")
# name -> (quant_format, weight type, per_channel)
VARIANTS = {
    "qoperator_u8s8_per_channel": ("QOperator", "QInt8", True),
    "qoperator_u8u8_per_tensor": ("QOperator", "QUInt8", False),
    "qdq_u8s8_per_channel": ("QDQ", "QInt8", True),
    "qdq_u8u8_per_tensor": ("QDQ", "QUInt8", False),
}
MAIN_VARIANT = "qoperator_u8s8_per_channel"
INPUT_SHAPE = (1, 3, 224, 224)
CLASSES = 1000
# (expansion t, output channels c, repeats n, first stride s): MobileNetV2 Table 2.
BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]
OPSET = 13
BN_EPS = 1e-5


def path(variant):
    """The file of a quantized variant (a key of VARIANTS)."""
    return os.path.join(MODELS, f"mobilenet_v2_{variant}.onnx")


def images(seed, count):
    """`count` seeded synthetic images [count, 3, 224, 224] float32, normalised like
    ImageNet inputs: smooth random colour fields (7×7 upsampled) plus pixel noise."""
    rng = np.random.default_rng([20240521, seed])
    n, c, h, w = (count, *INPUT_SHAPE[1:])
    coarse = rng.uniform(0.0, 1.0, (n, c, 7, 7))
    field = np.kron(coarse, np.ones((h // 7, w // 7)))
    pixels = np.clip(field + rng.normal(0.0, 0.08, (n, c, h, w)), 0.0, 1.0)
    mean = np.array([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = np.array([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    return ((pixels - mean) / std).astype(np.float32)


# ------------------------------------------------------------------------ float network
def _conv_nchw(x, w, stride, groups):
    """Float convolution, NCHW, OIHW weights, padding k // 2 (statistics only)."""
    n, c, h, wd = x.shape
    c_out, cg, k, _ = w.shape
    p = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    oh, ow = win.shape[2:4]
    if groups == 1:
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
        y = cols @ w.reshape(c_out, -1).T
        return y.reshape(n, oh, ow, c_out).transpose(0, 3, 1, 2)
    # depthwise (groups == C_in == C_out)
    return np.einsum("nchwij,cij->nchw", win, w[:, 0], optimize=True)


class _Builder:
    """Collects nodes and initializers while the float forward pass measures statistics."""

    def __init__(self, rng, calibration):
        from onnx import helper  # noqa: PLC0415
        self.helper = helper
        self.rng = rng
        self.nodes, self.initializers = [], []
        self.x = calibration.astype(np.float64)
        self.count = 0

    def constant(self, name, array):
        from onnx import numpy_helper  # noqa: PLC0415
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def conv_bn(self, x_name, c_out, k, stride, groups, relu6, final_bn=(0.5, 1.5)):
        """Conv + folded batch norm (+ ReLU6 as Clip); returns the output tensor name."""
        self.count += 1
        name = f"conv{self.count}"
        c_in = self.x.shape[1]
        fan_in = c_in // groups * k * k
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), (c_out, c_in // groups, k, k))
        z = _conv_nchw(self.x, w, stride, groups)
        # Batch norm with the measured statistics, then folded into the weights and bias.
        mean, var = z.mean(axis=(0, 2, 3)), z.var(axis=(0, 2, 3))
        gamma = self.rng.uniform(*final_bn, c_out)
        beta = self.rng.normal(1.0 if relu6 else 0.0, 0.5, c_out)
        factor = gamma / np.sqrt(var + BN_EPS)
        w_folded = w * factor[:, None, None, None]
        b_folded = beta - mean * factor
        y = z * factor[None, :, None, None] + b_folded[None, :, None, None]
        inputs = [x_name, self.constant(f"{name}.weight", w_folded.astype(np.float32)),
                  self.constant(f"{name}.bias", b_folded.astype(np.float32))]
        out = f"{name}.out"
        self.nodes.append(self.helper.make_node(
            "Conv", inputs, [out], name=name, kernel_shape=[k, k], strides=[stride, stride],
            pads=[k // 2] * 4, group=groups))
        if relu6:
            y = np.clip(y, 0.0, 6.0)
            self.nodes.append(self.helper.make_node(
                "Clip", [out, "relu6.min", "relu6.max"], [f"{name}.relu6"], name=f"{name}.relu6"))
            out = f"{name}.relu6"
        self.x = y
        return out

    def add(self, a, b, a_value):
        name = f"add{self.count}"
        self.nodes.append(self.helper.make_node("Add", [a, b], [f"{name}.out"], name=name))
        self.x = self.x + a_value
        return f"{name}.out"


def build_float_model(seed=0):
    """The float MobileNetV2 as an onnx.ModelProto (batch norm folded)."""
    from onnx import TensorProto, helper  # noqa: PLC0415
    rng = np.random.default_rng([20240521, seed])
    b = _Builder(rng, images(seed=1000, count=4))
    b.constant("relu6.min", np.array(0.0, np.float32))
    b.constant("relu6.max", np.array(6.0, np.float32))
    x = b.conv_bn("input", 32, 3, 2, 1, relu6=True)
    channels = 32
    for t, c, n, s in BLOCKS:
        for i in range(n):
            stride = s if i == 0 else 1
            block_in, block_value = x, b.x
            hidden = channels * t
            if t != 1:
                x = b.conv_bn(x, hidden, 1, 1, 1, relu6=True)
            x = b.conv_bn(x, hidden, 3, stride, hidden, relu6=True)
            x = b.conv_bn(x, c, 1, 1, 1, relu6=False)
            if stride == 1 and channels == c:
                x = b.add(x, block_in, block_value)
            channels = c
    x = b.conv_bn(x, 1280, 1, 1, 1, relu6=True)
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"], name="pool"))
    b.nodes.append(helper.make_node("Flatten", ["pool"], ["flatten"], name="flatten", axis=1))
    fc_w = rng.normal(0.0, np.sqrt(1.0 / 1280), (CLASSES, 1280)).astype(np.float32)
    fc_b = rng.normal(0.0, 0.1, CLASSES).astype(np.float32)
    b.nodes.append(helper.make_node(
        "Gemm", ["flatten", b.constant("fc.weight", fc_w), b.constant("fc.bias", fc_b)],
        ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        b.nodes, "mobilenet_v2",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [INPUT_SHAPE[0], CLASSES])],
        b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="qnnpack_swift make_mobilenet_v2")
    model.ir_version = 8
    return model


# ---------------------------------------------------------------------------- quantize
class _Calibration:
    """onnxruntime's CalibrationDataReader over seeded synthetic images."""

    def __init__(self, count=16):
        self.batches = iter(images(seed=2000, count=count)[:, None])

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"input": batch}


def quantize(variant, output):
    """Quantizes the float model as `variant` says into the file `output`. (The model already is what
    onnxruntime's pre-processing would make — static shapes, batch norm folded — so its
    "consider pre-processing" warnings are silenced while it runs.)"""
    import logging  # noqa: PLC0415
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,  # noqa: PLC0415
                                          QuantType, quantize_static)
    fmt, weight_type, per_channel = VARIANTS[variant]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_static(FLOAT_MODEL, output, _Calibration(),
                        quant_format=getattr(QuantFormat, fmt), per_channel=per_channel,
                        activation_type=QuantType.QUInt8,
                        weight_type=getattr(QuantType, weight_type),
                        calibrate_method=CalibrationMethod.MinMax)
    finally:
        root.setLevel(level)


def ensure_models(variants=tuple(VARIANTS), force=False, log=print):
    """Writes the float model and the quantized `variants` that are absent (all with
    `force`); returns their paths."""
    os.makedirs(MODELS, exist_ok=True)
    missing = [v for v in variants if force or not os.path.exists(path(v))]
    if missing and (force or not os.path.exists(FLOAT_MODEL)):
        import onnx  # noqa: PLC0415
        log(f"building {os.path.relpath(FLOAT_MODEL)} (seeded random weights, folded batch norm)")
        with _replacing(FLOAT_MODEL) as partial:
            onnx.save(build_float_model(), partial)
    for variant in missing:
        log(f"quantizing {os.path.relpath(path(variant))} (onnxruntime quantize_static)")
        with _replacing(path(variant)) as partial:
            quantize(variant, partial)
    return [path(v) for v in variants]


@contextlib.contextmanager
def _replacing(final):
    """A temporary path next to `final`, renamed to it once written: an interrupted run
    never leaves a truncated model behind."""
    partial = f"{final}.{os.getpid()}.partial"
    try:
        yield partial
        os.replace(partial, final)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild every file")
    args = parser.parse_args()
    ensure_models(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())

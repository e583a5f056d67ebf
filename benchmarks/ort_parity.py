"""qnnpack_swift against ONNX Runtime on the same quantized ONNX model.

Two checks:

* `node_by_node`: ONNX Runtime runs the model once with every tensor the qnnpack_swift
  steps read or write exposed as an output; then each step runs alone on ONNX Runtime's
  own integer inputs and its output is compared with ONNX Runtime's, element by element.
  A differing element is *explained* when it is one of ONNX Runtime's documented
  deviations from exact arithmetic, reproduced here:
  - **int16 saturation** of its u8×s8 kernels on AVX2 machines without VNNI: `vpmaddubsw`
    adds two uint8×int8 products into int16 with saturation before widening. ONNX Runtime
    runs convolutions (group 1) and GEMMs as a GEMM over im2col rows in (kh, kw, c) order,
    so pairs are consecutive elements along K; emulating that reproduces its outputs.
    (onnxruntime's quantization docs: "might suffer from saturation … use reduce_range or
    the U8U8 format".)
  - **float arithmetic** where §3 is integer-exact: QLinearAdd's AVX2 kernel folds the zero
    points into one constant and uses fused multiply-adds where API.md §3 computes
    `ma*(a - za) + mb*(b - zb)`, so a value within a float32 rounding of a half-way point
    (x.5) rounds the other way; QLinearAveragePool sums dequantized float32 values where
    §3 sums integers. Emulating those expressions reproduces its outputs.
  Anything else counts as unexplained.
* `output_agreement`: whole-model outputs over several inputs: the fraction of identical
  output elements and how often the top-5 classes agree.

Used by scripts/demo.sh (benchmarks/mobilenet_v2.py), the notebook and the tests.
"""
from typing import NamedTuple

import numpy as np


def session(model, threads=1, expose=()):
    """An onnxruntime.InferenceSession (CPU) on a model path or ModelProto, with `threads`
    intra-op threads and the tensors `expose` added as outputs."""
    import onnx  # noqa: PLC0415
    import onnxruntime as ort  # noqa: PLC0415
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if expose:
        proto = onnx.load(model) if isinstance(model, str) else model
        proto = onnx.ModelProto.FromString(proto.SerializeToString())
        declared = {o.name for o in proto.graph.output} | {i.name for i in proto.graph.input}
        for name in expose:
            if name not in declared:
                proto.graph.output.append(onnx.ValueInfoProto(name=name))
        model = proto.SerializeToString()
    elif not isinstance(model, str):
        model = model.SerializeToString()
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


# ------------------------------------------------------------------ ONNX Runtime's arithmetic
def _requantize(acc, x_scale, w_scale, y_scale, y_zp, lo, hi):
    """MLAS's requantization: float32 multiplier, round half to even, clamp."""
    m = (np.float32(x_scale) * np.asarray(w_scale, np.float32)) / np.float32(y_scale)
    y = np.rint(acc.astype(np.float32) * m).astype(np.float64) + int(y_zp)
    return np.clip(y, lo, hi)


def _saturated_dot(rows, weights):
    """Σ_k rows[p, k] * weights[m, k] with each consecutive pair (k, k+1) of products
    summed in int16 with saturation first (vpmaddubsw)."""
    k = rows.shape[1]
    if k % 2:
        rows = np.pad(rows, ((0, 0), (0, 1)))
        weights = np.pad(weights, ((0, 0), (0, 1)))
    rows, weights = rows.astype(np.int32), weights.astype(np.int32)
    acc = np.empty((rows.shape[0], weights.shape[0]), np.int64)
    for p in range(0, rows.shape[0], 128):
        r = rows[p:p + 128]
        pairs = r[:, None, 0::2] * weights[None, :, 0::2] + r[:, None, 1::2] * weights[None, :, 1::2]
        acc[p:p + 128] = np.clip(pairs, -32768, 32767).sum(axis=-1)
    return acc


def _im2col(x_nchw, kernel, strides, pads, dilations, fill):
    """Rows [N*OH*OW, KH*KW*C] of raw input values in (kh, kw, c) order; padding = fill."""
    n, c, h, w = x_nchw.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    top, left, bottom, right = pads
    x = np.full((n, h + top + bottom, w + left + right, c), fill, np.int32)
    x[:, top:top + h, left:left + w] = x_nchw.transpose(0, 2, 3, 1)
    oh = (h + top + bottom - (kh - 1) * dh - 1) // sh + 1
    ow = (w + left + right - (kw - 1) * dw - 1) // sw + 1
    cols = np.empty((n, oh, ow, kh, kw, c), np.int32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j] = x[:, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                                    j * dw:j * dw + (ow - 1) * sw + 1:sw]
    return cols.reshape(n * oh * ow, -1), (n, oh, ow)


def _scalar(model, name):
    return np.asarray(model.constant(name)).reshape(-1)


def _bounds(step, dtype):
    lo, hi = (0, 255) if dtype == np.uint8 else (-128, 127)
    if step.clamp:
        lo = lo if step.clamp[0] is None else max(lo, step.clamp[0])
        hi = hi if step.clamp[1] is None else min(hi, step.clamp[1])
    return lo, hi


def saturated_output(model, step, x):
    """What ONNX Runtime's AVX2 u8s8 kernels compute for a QLinearConv (group 1) / QGemm /
    QLinearMatMul step on uint8 input `x` (ONNX layout), or None when the step is not such
    a node (int8 weights with zero point 0)."""
    c = lambda i: model.constant(step.inputs[i]) if i < len(step.inputs) and step.inputs[i] else None  # noqa: E731
    if x.dtype != np.uint8 or step.op_type not in ("QLinearConv", "QGemm", "QLinearMatMul"):
        return None
    w = c(3)
    if w.dtype != np.int8 or np.any(c(5)):
        return None
    x_scale, x_zp = float(_scalar(model, step.inputs[1])[0]), int(_scalar(model, step.inputs[2])[0])
    if step.op_type == "QLinearConv":
        if step.attributes.get("group", 1) != 1 or step.attributes.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            return None
        kernel = w.shape[2:]
        rows, (n, oh, ow) = _im2col(x, kernel, tuple(step.attributes.get("strides", (1, 1))),
                                    tuple(step.attributes.get("pads", (0, 0, 0, 0))),
                                    tuple(step.attributes.get("dilations", (1, 1))), x_zp)
        weights = w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        bias, y_index = c(8), 6
    else:
        rows = x.reshape(-1, x.shape[-1])
        gemm = step.op_type == "QGemm"
        weights = w if gemm and step.attributes.get("transB", 0) else w.T
        bias, y_index = (c(6), 7) if gemm else (None, 6)
    acc = _saturated_dot(rows, weights) - x_zp * weights.astype(np.int64).sum(axis=1)
    if bias is not None:
        acc += bias.reshape(-1).astype(np.int64)
    lo, hi = _bounds(step, x.dtype)
    y = _requantize(acc, x_scale, _scalar(model, step.inputs[4]), _scalar(model, step.inputs[y_index])[0],
                    _scalar(model, step.inputs[y_index + 1])[0], lo, hi).astype(x.dtype)
    if step.op_type == "QLinearConv":
        return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
    return y.reshape(*x.shape[:-1], -1)


def _fma32(a, b, c):
    """float32 fused multiply-add: a*b is exact in float64 for these operands (24-bit ×
    8-bit significands) and so is the sum, which is then rounded once to float32."""
    return (np.asarray(a, np.float64) * np.float64(b) + np.asarray(c, np.float64)).astype(np.float32)


def add_output(model, step, a, b):
    """What ONNX Runtime's AVX2 QLinearAdd kernel (MLAS qladd_avx2.cpp) computes: the zero
    points folded into one float32 constant `zc - (ma*za + mb*zb)` (the compiler contracts
    the inner expression to fma(ma, za, mb*zb)), then fused multiply-adds of the raw b and
    a into it, rounded half to even — not §3's `ma*(a - za) + mb*(b - zb)`, so a value
    within a float32 rounding of a half-way point can land on the other side of it.
    (Checked: this reproduces every output element of ONNX Runtime 1.32 on MobileNetV2's
    adds over 20 inputs.)"""
    s = [np.float32(_scalar(model, step.inputs[i])[0]) for i in (1, 4, 6)]
    z = [int(_scalar(model, step.inputs[i])[0]) for i in (2, 5, 7)]
    ma, mb = s[0] / s[2], s[1] / s[2]
    fixed = np.float32(z[2]) - _fma32(np.float32(z[0]), ma, mb * np.float32(z[1]))
    fa, fb = np.broadcast_arrays(a.astype(np.float32), b.astype(np.float32))
    y = _fma32(fa, ma, _fma32(fb, mb, fixed))
    lo, hi = _bounds(step, a.dtype)
    return np.clip(np.rint(y).astype(np.float64), lo, hi).astype(a.dtype)


def average_pool_output(model, step, x):
    """What ONNX Runtime's QLinearAveragePool (contrib_ops/cpu/quantization/qlinear_pool.cc)
    computes: each input dequantized to float32, summed in float32 over the window in (h, w)
    order, divided by the count, then `rint(y / y_scale + y_zero_point)` — float
    arithmetic where §3 sums integers, so results can differ by one."""
    s_in, s_out = (np.float32(_scalar(model, step.inputs[i])[0]) for i in (1, 3))
    z_in, z_out = (int(_scalar(model, step.inputs[i])[0]) for i in (2, 4))
    attrs = step.attributes
    if attrs.get("channels_last", 0) or attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        return None
    (kh, kw), (sh, sw) = attrs["kernel_shape"], attrs.get("strides", (1, 1))
    top, left, bottom, right = attrs.get("pads", (0, 0, 0, 0))
    include_pad = attrs.get("count_include_pad", 0)
    d = (s_in * (x.astype(np.int64) - z_in).astype(np.float32)).astype(np.float32)
    h, w = x.shape[2:]
    oh, ow = (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1
    y = np.empty(x.shape[:2] + (oh, ow), np.float32)
    for i in range(oh):
        h0, h1 = max(i * sh - top, 0), min(i * sh - top + kh, h)
        for j in range(ow):
            w0, w1 = max(j * sw - left, 0), min(j * sw - left + kw, w)
            acc = np.zeros(x.shape[:2], np.float32)
            for r in range(h0, h1):
                for c in range(w0, w1):
                    acc += d[:, :, r, c]
            y[:, :, i, j] = acc / np.float32(kh * kw if include_pad else (h1 - h0) * (w1 - w0))
    lo, hi = _bounds(step, x.dtype)
    return np.clip(np.rint(y / s_out + np.float32(z_out)), lo, hi).astype(x.dtype)


class NodeResult(NamedTuple):
    name: str
    ops: str
    elements: int
    differ: int
    saturated: int   # differing elements ONNX Runtime's int16 saturation reproduces
    float_arithmetic: int  # differing elements reproduced by ONNX Runtime's float arithmetic
                           # (QLinearAdd's expression, QLinearAveragePool's float sums)
    unexplained: int


def node_by_node(model, path, feeds):
    """One NodeResult per step of the qnnpack_swift `model` loaded from `path`, fed with
    ONNX Runtime's own intermediates for the inputs `feeds` ({name: array})."""
    wanted = sorted({t for s in model.steps for t in (*s.runtime_inputs, s.output)})
    sess = session(path, 1, [t for t in wanted if t not in feeds])
    names = [o.name for o in sess.get_outputs()]
    tensors = dict(zip(names, sess.run(names, feeds)))
    tensors.update(feeds)
    results = []
    for step in model.steps:
        inputs = {t: tensors[t] for t in step.runtime_inputs}
        ours, theirs = model.run_step(step.name, inputs), tensors[step.output]
        if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
            raise AssertionError(f"{step.name}: qnnpack_swift gives {ours.dtype}{ours.shape}, "
                                 f"ONNX Runtime {theirs.dtype}{theirs.shape}")
        differ = ours != theirs
        if np.issubdtype(ours.dtype, np.floating):
            differ &= ~(np.isnan(ours) & np.isnan(theirs))
        saturated = by_float = 0
        if differ.any():
            explained = np.zeros_like(differ)
            emulated = saturated_output(model, step, *(inputs[t] for t in step.runtime_inputs[:1]))
            if emulated is not None:
                explained |= differ & (emulated == theirs)
                saturated = int(explained.sum())
            emulated = None
            runtime = [inputs[t] for t in step.runtime_inputs]
            if step.op_type == "QLinearAdd" and len(runtime) == 2:
                emulated = add_output(model, step, *runtime)
            elif step.op_type == "QLinearAveragePool":
                emulated = average_pool_output(model, step, *runtime)
            if emulated is not None:
                by_float = int((differ & ~explained & (emulated == theirs)).sum())
        n = int(differ.sum())
        results.append(NodeResult(step.name, "+".join(op for _, op in step.fused), ours.size,
                                  n, saturated, by_float, n - saturated - by_float))
    return results


def output_agreement(model, path, inputs, threads=1):
    """(fraction of identical output elements, fraction of inputs whose top-5 classes are
    the same set, mean overlap of the top-5 sets) of `model` against ONNX Runtime over the
    list of input dicts `inputs` (first output, classes along the last axis)."""
    sess = session(path, threads)
    same = total = top5_equal = 0
    overlap = []
    for feeds in inputs:
        ours = model(**feeds)
        ours = ours[0] if isinstance(ours, tuple) else ours
        theirs = sess.run(None, feeds)[0]
        same += int(np.count_nonzero(ours == theirs))
        total += ours.size
        for a, b in zip(ours.reshape(-1, ours.shape[-1]), theirs.reshape(-1, theirs.shape[-1])):
            ta, tb = set(np.argsort(-a, kind="stable")[:5]), set(np.argsort(-b, kind="stable")[:5])
            top5_equal += ta == tb
            overlap.append(len(ta & tb) / 5)
    return same / total, top5_equal / len(overlap), float(np.mean(overlap))

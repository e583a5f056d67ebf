"""Times qnnpack_swift's operators against ONNX Runtime, PyTorch's quantized engines and the
NumPy reference (qnnpack_swift.reference), in one run (issue 4's benchmark).

Cases: the shapes of issue 4 (NHWC; MobileNetV2 layers) and MobileNetV2 end to end, then
(not with --quick) the other operators against the reference only. Convolutions and
linear layers use the prepacked classes, created outside the timed loop.

Timing: for every case the configurations (qnnpack_swift at each thread count and, with
--families, each kernel family; every competitor at each thread count; the reference)
take turns, round after round; each round gives a median per configuration and the best
of these medians is reported. A short pause follows every multi-threaded block so that
spinning worker threads (ONNX Runtime's pool, PyTorch's OpenMP) are parked before the next
configuration runs.

Correctness: qnnpack_swift's outputs must be bit-identical to the reference (column
"match"; within 1 LSB for the float-defined operators: lookup tables, softmax, resize,
normalisations). Competitors time the same shapes, not the same results: with full-range
int8 weights ONNX Runtime's AVX2 u8s8 kernels saturate int16 pair sums, PyTorch
requantizes differently; the fraction of their output elements identical to ours is
written to the JSON ("agreement") as a check that they compute the same operator.
MobileNetV2 has no reference here (its parity with ONNX Runtime is benchmarks/mobilenet_v2.py's).

Competitors, in their fastest form on this CPU (checked with ONNX Runtime 1.32: its NCHW
forms are slower — ONNX QLinearConv gets Transpose nodes around the com.microsoft NHWC
kernel; NCHW MaxPool on uint8, QLinearAveragePool and QLinearGlobalAveragePool are 4-140x
slower than the channels-last kernels):
  onnxruntime  single-node models built with onnx.helper, inputs already in the layout the
               kernel wants (no transposes timed):
               conv / depthwise / grouped  com.microsoft QLinearConv, channels_last=1
               deconvolution   DequantizeLinear -> ConvTranspose -> QuantizeLinear, NCHW:
                               ONNX Runtime has no int8 ConvTranspose kernel (this runs
                               in float32; the weights are given as float)
               linear          com.microsoft QGemm (with bias, transB=1) and ONNX
                               QLinearMatMul (no bias); the faster is used
               add             com.microsoft QLinearAdd
               max pool        com.microsoft NhwcMaxPool (uint8)
               avg pool / gap  com.microsoft QLinearAveragePool / QLinearGlobalAveragePool,
                               channels_last=1
               sigmoid         com.microsoft QLinearSigmoid
               softmax         com.microsoft QLinearSoftmax (opset=13, axis=-1)
               hardswish       DequantizeLinear -> HardSwish -> QuantizeLinear: ONNX Runtime
                               has no quantized HardSwish (it runs HardSigmoid*Mul in float)
               MobileNetV2     the QOperator and the QDQ files of benchmarks/mobilenet_v2.py
  torch        every engine of torch.backends.quantized.supported_engines (--quick: x86 and
               qnnpack), channels-last quantized tensors: torch.ao.nn.quantized Conv2d /
               ConvTranspose2d (per-tensor weights) / Linear, torch.ops.quantized add /
               hardswish / softmax, quantized max_pool2d / avg_pool2d /
               adaptive_avg_pool2d / sigmoid. Not timed on MobileNetV2.
Both are optional: a missing package (or a form an engine rejects) leaves its cells empty.

Peak: the exact-int8 peak of one core is measured at start-up with a small C loop of
independent vpmaddwd (16 int16 multiply-adds each) + vpaddd chains on ymm registers
(compiled with gcc -O2 -mavx2 in a temporary directory, timed in the thread's CPU time so
that other processes on the cores do not lower it); "% peak" is G MAC/s over threads ×
that figure. The same loop with vpmaddubsw (32 u8×s8 products an instruction, but
saturating in int16, so not exact) is reported for context. Without gcc or AVX2 the
column is left out with a note.

Ratio: qnnpack_swift's time over the fastest competitor's at the same thread count
(< 1: qnnpack_swift is faster).

    python3 benchmarks/bench_ops.py [--quick] [--threads 1,2] [--families] [--only conv2d]

Writes benchmarks/results/ops.json and benchmarks/results/ops.png (matplotlib).
"""

import argparse
import datetime
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

import qnnpack_swift as qs
from qnnpack_swift import reference as ref

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "ops.json")


# ------------------------------------------------------------------------ measured peak
PEAK_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* 12 independent multiply-adds into 6 temporaries, accumulated into 6 chains. */
#define STEP(op, acc, t, a) \
    op " %%ymm0, %%ymm1, %%ymm" #t "\n\t" acc " %%ymm" #t ", %%ymm" #a ", %%ymm" #a "\n\t"
#define BLOCK(op, acc) __asm__ volatile(                                               \
    STEP(op, acc, 2, 8) STEP(op, acc, 3, 9) STEP(op, acc, 4, 10) STEP(op, acc, 5, 11)   \
    STEP(op, acc, 6, 12) STEP(op, acc, 7, 13) STEP(op, acc, 2, 8) STEP(op, acc, 3, 9)   \
    STEP(op, acc, 4, 10) STEP(op, acc, 5, 11) STEP(op, acc, 6, 12) STEP(op, acc, 7, 13) \
    ::: "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",                                 \
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13")
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);  /* CPU time: other processes share the cores */
    return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(int argc, char **argv) {
    long iters = atol(argv[1]);
    int ubsw = argv[2][0] == 'u';
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        if (ubsw) BLOCK("vpmaddubsw", "vpaddw"); else BLOCK("vpmaddwd", "vpaddd");
    }
    printf("%.4f\n", iters * 12.0 * (ubsw ? 32 : 16) / (now() - t0) / 1e9);
    return 0;
}
"""


def measure_peak(repeats):
    """{'gmacs': one core's vpmaddwd G MAC/s, 'vpmaddubsw_gmacs': ..., 'note': ...}, best of
    `repeats` runs of ~0.1 s each; 'gmacs' is None when it cannot be measured."""
    result = dict(gmacs=None, vpmaddubsw_gmacs=None,
                  method="C loop: 12 independent vpmaddwd ymm (16 MACs each) + vpaddd into 6 "
                         "chains, 1 thread, best of %d runs" % repeats)
    cc = shutil.which("gcc") or shutil.which("cc")
    if platform.machine() not in ("x86_64", "AMD64") or not qs.cpu_features().get("avx2"):
        return dict(result, note="not an AVX2 x86-64 CPU: no measured peak")
    if cc is None:
        return dict(result, note="no C compiler (gcc) found: no measured peak")
    with tempfile.TemporaryDirectory() as tmp:  # nothing generated lands in the repository
        src, exe = os.path.join(tmp, "peak.c"), os.path.join(tmp, "peak")
        with open(src, "w") as f:
            f.write(PEAK_SOURCE)
        try:
            subprocess.run([cc, "-O2", "-mavx2", src, "-o", exe], check=True,
                           capture_output=True, timeout=60)
            for key, mode in (("gmacs", "w"), ("vpmaddubsw_gmacs", "u")):
                runs = [float(subprocess.run([exe, "2000000", mode], check=True, capture_output=True,
                                             text=True, timeout=60).stdout) for _ in range(repeats)]
                result[key] = max(runs)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            return dict(result, gmacs=None, note=f"peak loop failed: {type(e).__name__}: {e}")
    return result


# ------------------------------------------------------------------------------ cases
class Case:
    """One operator on one shape. `make(mod)` returns a zero-argument callable running it
    with `mod` (qnnpack_swift or the reference); `competitors` maps an implementation
    ('onnxruntime', 'torch') to `factory(threads, form_or_engine)` -> (run, to_ours), where
    to_ours(run()) is the output in qnnpack_swift's layout; `ort_forms` lists the ONNX
    Runtime forms to try (the fastest is kept)."""

    def __init__(self, op, shape, make, macs=0, lsb=0, ort=None, ort_forms=(None,), torch=None,
                 has_reference=True, issue=True):
        self.op, self.shape, self.make, self.macs, self.lsb = op, shape, make, macs, lsb
        self.competitors = {k: v for k, v in (("onnxruntime", ort), ("torch", torch)) if v}
        self.ort_forms, self.has_reference, self.issue = ort_forms, has_reference, issue


# ---------------------------------------------------------- ONNX Runtime single-node models
def ort_const(name, value, dtype):
    from onnx import numpy_helper  # noqa: PLC0415
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def ort_run(threads, nodes, inits, feeds, opset=13):
    """A run callable of an ONNX Runtime CPU session on the graph `nodes` (output "y")."""
    import onnxruntime as ort  # noqa: PLC0415
    from onnx import TensorProto, helper  # noqa: PLC0415
    types = {np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.float32): TensorProto.FLOAT}
    graph = helper.make_graph(
        nodes, "bench", [helper.make_tensor_value_info(k, types[v.dtype], list(v.shape))
                         for k, v in feeds.items()],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                    helper.make_opsetid("com.microsoft", 1)])
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return lambda: session.run(None, feeds)[0]


def ms_node(op, inputs, **attrs):
    from onnx import helper  # noqa: PLC0415
    return helper.make_node(op, inputs, ["y"], domain="com.microsoft", **attrs)


def io_inits(x_scale, x_zp, y_scale, y_zp):
    return [ort_const("xs", x_scale, np.float32), ort_const("xz", x_zp, np.uint8),
            ort_const("ys", y_scale, np.float32), ort_const("yz", y_zp, np.uint8)]


IO = ["xs", "xz", "ys", "yz"]


def nchw_to_nhwc(y):
    return y.transpose(0, 2, 3, 1)


def identity(y):
    return y


# ----------------------------------------------------------- PyTorch quantized tensors
def torch_q(x, scale, zp):
    """uint8 NHWC (or 2-D) array -> quint8 tensor; 4-D as NCHW in channels-last memory."""
    import torch  # noqa: PLC0415
    t = torch.from_numpy(x)
    if t.dim() == 4:
        t = t.permute(0, 3, 1, 2)  # NHWC memory seen as NCHW: channels_last strides
    return torch._make_per_tensor_quantized_tensor(t, float(scale), int(zp))


def torch_out(y):
    """A quantized torch output -> uint8 array in qnnpack_swift's layout."""
    r = y.int_repr()
    return (r.permute(0, 2, 3, 1) if r.dim() == 4 else r).numpy()


def torch_weight(w, scales, axis=0):
    import torch  # noqa: PLC0415
    scales = np.atleast_1d(np.asarray(scales, np.float64))
    if scales.size == 1:
        return torch._make_per_tensor_quantized_tensor(torch.from_numpy(w), float(scales[0]), 0)
    return torch._make_per_channel_quantized_tensor(
        torch.from_numpy(w), torch.from_numpy(scales), torch.zeros(scales.size, dtype=torch.long), axis)


# ----------------------------------------------------------------------- the cases
def conv_case(rng, n, h, w, c_in, c_out, k, stride=1, groups=1):
    x = rng.integers(0, 256, (n, h, w, c_in), dtype=np.uint8)
    wq = rng.integers(-127, 128, (c_out, k, k, c_in // groups), dtype=np.int8)
    bias = rng.integers(-2000, 2000, c_out, dtype=np.int32)
    w_scale = rng.uniform(0.002, 0.008, c_out).astype(np.float32)
    in_scale, in_zp = 0.02, 128
    # Output scale covering about +-3 standard deviations of the accumulator.
    acc_std = np.sqrt(k * k * c_in // groups) * 74.0 * 74.0
    out_scale = float(6.0 * acc_std * in_scale * w_scale.mean() / 255.0)
    kw = dict(stride=stride, padding=k // 2, groups=groups,
              input_scale=in_scale, input_zero_point=in_zp, weight_scale=w_scale,
              weight_zero_point=0, output_scale=out_scale, output_zero_point=128)
    oh = (h + 2 * (k // 2) - k) // stride + 1
    ow = (w + 2 * (k // 2) - k) // stride + 1
    macs = n * oh * ow * c_out * k * k * c_in // groups
    shape = f"{n}x{h}x{w}x{c_in}->{c_out} {k}x{k}" + (f" s{stride}" if stride > 1 else "") \
        + (" dw" if groups == c_in else f" g{groups}" if groups > 1 else "")

    def make(mod):
        if mod is qs:
            return functools.partial(qs.Conv2d(wq, bias, **kw), x)
        return functools.partial(mod.conv2d, x, wq, bias, **kw)

    def ort(threads, _form):  # com.microsoft QLinearConv on NHWC input, OIHW weights
        inits = [ort_const("xs", in_scale, np.float32), ort_const("xz", in_zp, np.uint8),
                 ort_const("w", wq.transpose(0, 3, 1, 2), np.int8),
                 ort_const("ws", w_scale, np.float32), ort_const("wz", np.zeros(c_out), np.int8),
                 ort_const("ys", out_scale, np.float32), ort_const("yz", 128, np.uint8),
                 ort_const("b", bias, np.int32)]
        p = k // 2
        node = ms_node("QLinearConv", ["x"] + [i.name for i in inits], channels_last=1,
                       group=groups, kernel_shape=[k, k], strides=[stride] * 2, pads=[p] * 4)
        return ort_run(threads, [node], inits, {"x": x}), identity

    def torch(_threads, _engine):
        from torch.ao.nn import quantized as nnq  # noqa: PLC0415
        import torch as t  # noqa: PLC0415
        module = nnq.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, groups=groups)
        module.set_weight_bias(torch_weight(np.ascontiguousarray(wq.transpose(0, 3, 1, 2)), w_scale),
                               t.from_numpy(bias * in_scale * w_scale.astype(np.float64)).float())
        module.scale, module.zero_point = out_scale, 128
        xq = torch_q(x, in_scale, in_zp)
        return functools.partial(module, xq), torch_out

    return Case("conv2d", shape, make, macs, ort=ort, torch=torch)


def linear_case(rng, n, k, c_out):
    x = rng.integers(0, 256, (n, k), dtype=np.uint8)
    wq = rng.integers(-127, 128, (c_out, k), dtype=np.int8)
    bias = rng.integers(-2000, 2000, c_out, dtype=np.int32)
    w_scale = rng.uniform(0.002, 0.008, c_out).astype(np.float32)
    out_scale = float(6.0 * np.sqrt(k) * 74.0 * 74.0 * 0.02 * w_scale.mean() / 255.0)
    kw = dict(input_scale=0.02, input_zero_point=128, weight_scale=w_scale,
              weight_zero_point=0, output_scale=out_scale, output_zero_point=128)

    def make(mod):
        if mod is qs:
            return functools.partial(qs.Linear(wq, bias, **kw), x)
        return functools.partial(mod.linear, x, wq, bias, **kw)

    def ort(threads, form):
        xq = [ort_const("xs", 0.02, np.float32), ort_const("xz", 128, np.uint8)]
        yq = [ort_const("ys", out_scale, np.float32), ort_const("yz", 128, np.uint8)]
        wz = ort_const("wz", np.zeros(c_out), np.int8)
        ws = ort_const("ws", w_scale, np.float32)
        if form == "QGemm":  # com.microsoft, int32 bias, weight [N, K] (transB)
            inits = xq + [ort_const("w", wq, np.int8), ws, wz, ort_const("b", bias, np.int32)] + yq
            node = ms_node("QGemm", ["x"] + [i.name for i in inits], transB=1)
        else:  # QLinearMatMul: no bias; weight [K, N], one scale per column
            inits = xq + [ort_const("w", wq.T, np.int8), ws, wz] + yq
            from onnx import helper  # noqa: PLC0415
            node = helper.make_node("QLinearMatMul", ["x"] + [i.name for i in inits], ["y"])
        return ort_run(threads, [node], inits, {"x": x}), identity

    def torch(_threads, _engine):
        from torch.ao.nn import quantized as nnq  # noqa: PLC0415
        import torch as t  # noqa: PLC0415
        module = nnq.Linear(k, c_out)
        module.set_weight_bias(torch_weight(wq, w_scale),
                               t.from_numpy(bias * 0.02 * w_scale.astype(np.float64)).float())
        module.scale, module.zero_point = out_scale, 128
        return functools.partial(module, torch_q(x, 0.02, 128)), torch_out

    return Case("linear", f"{n}x{k}->{c_out}", make, n * k * c_out, ort=ort,
                ort_forms=("QGemm", "QLinearMatMul"), torch=torch)


def deconv_case(rng, n, h, w, c_in, c_out, k, stride):
    """A transposed convolution doubling the spatial size (padding k//2, output_padding 1)."""
    x = rng.integers(0, 256, (n, h, w, c_in), dtype=np.uint8)
    wq = rng.integers(-127, 128, (c_out, k, k, c_in), dtype=np.int8)
    bias = rng.integers(-2000, 2000, c_out, dtype=np.int32)
    w_scale = rng.uniform(0.002, 0.008, c_out).astype(np.float32)
    out_scale = float(6.0 * np.sqrt(k * k * c_in / stride ** 2) * 74.0 * 74.0 * 0.02
                      * w_scale.mean() / 255.0)
    kw = dict(stride=stride, padding=k // 2, output_padding=stride - 1, input_scale=0.02,
              input_zero_point=128, weight_scale=w_scale, weight_zero_point=0,
              output_scale=out_scale, output_zero_point=128)
    w_iohw = np.ascontiguousarray(wq.transpose(3, 0, 1, 2))  # ONNX / PyTorch [C_in, C_out, kh, kw]

    def make(mod):
        if mod is qs:
            return functools.partial(qs.ConvTranspose2d(wq, bias, **kw), x)
        return functools.partial(mod.conv_transpose2d, x, wq, bias, **kw)

    def ort(threads, _form):  # no int8 ConvTranspose in ONNX Runtime: float32 between Q/DQ
        from onnx import helper  # noqa: PLC0415
        wf = (w_iohw * w_scale[None, :, None, None]).astype(np.float32)
        inits = io_inits(0.02, 128, out_scale, 128) + [
            ort_const("w", wf, np.float32), ort_const("b", bias * 0.02 * w_scale, np.float32)]
        nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["f"]),
                 helper.make_node("ConvTranspose", ["f", "w", "b"], ["g"], kernel_shape=[k, k],
                                  strides=[stride] * 2, pads=[k // 2] * 4,
                                  output_padding=[stride - 1] * 2),
                 helper.make_node("QuantizeLinear", ["g", "ys", "yz"], ["y"])]
        x_nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return ort_run(threads, nodes, inits, {"x": x_nchw}), nchw_to_nhwc

    def torch(_threads, _engine):  # per-tensor weights: not every engine has per-channel
        from torch.ao.nn import quantized as nnq  # noqa: PLC0415
        import torch as t  # noqa: PLC0415
        module = nnq.ConvTranspose2d(c_in, c_out, k, stride=stride, padding=k // 2,
                                     output_padding=stride - 1)
        scale = float(w_scale.mean())
        module.set_weight_bias(torch_weight(w_iohw, scale),
                               t.from_numpy(bias * 0.02 * w_scale.astype(np.float64)).float())
        module.scale, module.zero_point = out_scale, 128
        return functools.partial(module, torch_q(x, 0.02, 128)), torch_out

    return Case("conv_transpose2d", f"{n}x{h}x{w}x{c_in}->{c_out} {k}x{k} s{stride}", make,
                n * h * w * c_out * k * k * c_in, ort=ort, torch=torch)


def simple_case(op, shape, args, lsb=0, ort=None, torch=None, issue=False, **kwargs):
    """An operator without weights: mod.op(*args, **kwargs)."""
    label = "x".join(map(str, args[0].shape)) if shape is None else shape
    return Case(op, label, lambda mod: functools.partial(getattr(mod, op), *args, **kwargs),
                lsb=lsb, ort=ort, torch=torch, issue=issue)


def dynamic_linear_case(rng, n, k, c_out):
    x = rng.normal(0, 1, (n, k)).astype(np.float32)
    wq = rng.integers(-127, 128, (c_out, k), dtype=np.int8)
    bias = rng.normal(0, 1, c_out).astype(np.float32)
    kw = dict(weight_scale=rng.uniform(0.002, 0.008, c_out).astype(np.float32),
              weight_zero_point=0)

    def make(mod):
        if mod is qs:
            return functools.partial(qs.DynamicLinear(wq, bias, **kw), x)
        return functools.partial(mod.dynamic_linear, x, wq, bias, **kw)

    return Case("dynamic_linear", f"{n}x{k}->{c_out} f32", make, n * k * c_out, issue=False)


def elementwise_cases(rng):
    """Add, pooling and the lookup-table / softmax operators with their competitors."""
    act = (1, 56, 56, 64)
    a = rng.integers(0, 256, act, dtype=np.uint8)
    b = rng.integers(0, 256, act, dtype=np.uint8)
    big = rng.integers(0, 256, (1, 112, 112, 64), dtype=np.uint8)
    gap = rng.integers(0, 256, (1, 7, 7, 1280), dtype=np.uint8)
    row = rng.integers(0, 256, (1, 1000), dtype=np.uint8)
    io = dict(input_scale=0.05, input_zero_point=128, output_scale=0.05, output_zero_point=128)
    add_q = dict(a_scale=0.05, a_zero_point=128, b_scale=0.03, b_zero_point=120,
                 output_scale=0.07, output_zero_point=125)

    def add_ort(threads, _form):
        inits = [ort_const("as", 0.05, np.float32), ort_const("az", 128, np.uint8),
                 ort_const("bs", 0.03, np.float32), ort_const("bz", 120, np.uint8),
                 ort_const("ys", 0.07, np.float32), ort_const("yz", 125, np.uint8)]
        node = ms_node("QLinearAdd", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"])
        return ort_run(threads, [node], inits, {"a": a, "b": b}), identity

    def add_torch(_threads, _engine):
        import torch  # noqa: PLC0415
        qa, qb = torch_q(a, 0.05, 128), torch_q(b, 0.03, 120)
        return functools.partial(torch.ops.quantized.add, qa, qb, 0.07, 125), torch_out

    def io_ort(op, x, layout=identity, **attrs):
        def factory(threads, _form):
            node = ms_node(op, ["x"] + IO, **attrs)
            return ort_run(threads, [node], io_inits(0.05, 128, 0.05, 128), {"x": x}), layout
        return factory

    def maxpool_ort(threads, _form):
        node = ms_node("NhwcMaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
        return ort_run(threads, [node], [], {"x": big}), identity

    def torch_fn(pick, x, scale=0.05, zp=128):
        """pick(torch) -> the function to time on the quantized x (torch resolved once)."""
        def factory(_threads, _engine):
            import torch  # noqa: PLC0415
            return functools.partial(pick(torch), torch_q(x, scale, zp)), torch_out
        return factory

    cases = [
        simple_case("add", None, (a, b), ort=add_ort, torch=add_torch, issue=True, **add_q),
        simple_case("max_pool2d", "1x112x112x64 3x3 s2 p1", (big, 3, 2, 1), ort=maxpool_ort,
                    torch=torch_fn(lambda t: lambda q: t.nn.functional.max_pool2d(q, 3, 2, 1), big),
                    issue=True),
        simple_case("avg_pool2d", "1x112x112x64 2x2 s2", (big, 2), issue=True,
                    ort=io_ort("QLinearAveragePool", big, kernel_shape=[2, 2], strides=[2, 2],
                               channels_last=1),
                    torch=torch_fn(lambda t: lambda q: t.nn.functional.avg_pool2d(q, 2), big), **io),
        simple_case("global_avg_pool2d", None, (gap,), issue=True,
                    ort=io_ort("QLinearGlobalAveragePool", gap, channels_last=1),
                    torch=torch_fn(lambda t: lambda q: t.nn.functional.adaptive_avg_pool2d(q, 1), gap),
                    **io),
    ]
    lut_in = dict(input_scale=0.05, input_zero_point=128)
    lut_io = dict(lut_in, output_scale=0.03, output_zero_point=20)
    dim = 1  # the channels of the NCHW view, or the row
    for x in (row, a):
        def sigmoid_ort(threads, _form, x=x):  # fixed output qparams 1/256, 0 as ours
            node = ms_node("QLinearSigmoid", ["x"] + IO)
            return ort_run(threads, [node], io_inits(0.05, 128, 1 / 256, 0), {"x": x}), identity

        def softmax_ort(threads, _form, x=x):
            node = ms_node("QLinearSoftmax", ["x"] + IO, axis=-1, opset=13)
            return ort_run(threads, [node], io_inits(0.05, 128, 1 / 256, 0), {"x": x}), identity

        def hardswish_ort(threads, _form, x=x):  # no quantized HardSwish kernel in ORT
            from onnx import helper  # noqa: PLC0415
            nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["f"]),
                     helper.make_node("HardSwish", ["f"], ["g"]),
                     helper.make_node("QuantizeLinear", ["g", "ys", "yz"], ["y"])]
            return ort_run(threads, nodes, io_inits(0.05, 128, 0.03, 20), {"x": x}, opset=14), identity

        cases += [
            simple_case("sigmoid", None, (x,), lsb=1, ort=sigmoid_ort, issue=True,
                        torch=torch_fn(lambda t: t.sigmoid, x), **lut_in),
            simple_case("hardswish", None, (x,), lsb=1, ort=hardswish_ort, issue=True,
                        torch=torch_fn(lambda t: lambda q: t.ops.quantized.hardswish(q, 0.03, 20), x),
                        **lut_io),
            simple_case("softmax", None, (x,), lsb=1, ort=softmax_ort, issue=True,
                        torch=torch_fn(lambda t: lambda q: t.ops.quantized.softmax(q, dim, 1 / 256, 0),
                                       x),
                        **lut_in),
        ]
    return cases, a, b


def mobilenet_v2_case():
    """MobileNetV2 end to end: benchmarks/mobilenet_v2.py's model files and ONNX Runtime
    sessions (the QOperator file, and the QDQ file ONNX Runtime runs fastest)."""
    sys.path.insert(0, HERE)
    import make_mobilenet_v2 as mk  # noqa: PLC0415
    import mobilenet_v2 as mb  # noqa: PLC0415
    import ort_parity  # noqa: PLC0415
    import onnx  # noqa: PLC0415

    mk.ensure_models((mk.MAIN_VARIANT, mb.QDQ_VARIANT), log=lambda *a: None)
    model = qs.onnx.load(mk.path(mk.MAIN_VARIANT))
    x = mk.images(seed=0, count=1)

    def make(mod):
        return functools.partial(model, x)

    files = {"QOperator": mk.path(mk.MAIN_VARIANT), "QDQ": mk.path(mb.QDQ_VARIANT)}

    def ort(threads, form):
        session = ort_parity.session(files[form], threads)
        return (lambda: session.run(None, {"input": x})[0]), identity

    # MACs of the convolutions and the classifier, from the float model's inferred shapes.
    proto = onnx.shape_inference.infer_shapes(onnx.load(mk.FLOAT_MODEL))
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(proto.graph.value_info) + list(proto.graph.output)}
    weights = {i.name: list(i.dims) for i in proto.graph.initializer}
    macs = 0
    for node in proto.graph.node:
        if node.op_type == "Conv":
            macs += int(np.prod(shapes[node.output[0]])) * int(np.prod(weights[node.input[1]][1:]))
        elif node.op_type == "Gemm":
            macs += int(np.prod(weights[node.input[1]]))
    return Case("MobileNetV2", "1x3x224x224 end to end", make, macs, ort=ort,
                ort_forms=tuple(files), has_reference=False)


def all_cases(quick, end_to_end=True, seed=0):
    rng = np.random.default_rng(seed)
    cases = [
        conv_case(rng, 1, 56, 56, 64, 64, 3),
        conv_case(rng, 1, 28, 28, 32, 192, 1),
        conv_case(rng, 1, 112, 112, 96, 96, 3, stride=2, groups=96),
        conv_case(rng, 1, 14, 14, 576, 576, 3, groups=576),
        conv_case(rng, 1, 28, 28, 240, 240, 1, groups=3),
        deconv_case(rng, 1, 28, 28, 64, 64, 3, 2),
        linear_case(rng, 1, 1280, 1000),
        linear_case(rng, 64, 1024, 1024),
    ]
    more, xq, yq = elementwise_cases(rng)
    cases += more
    yield from cases
    if end_to_end:
        try:  # needs onnx (and onnxruntime to make the model files once)
            mobilenet = mobilenet_v2_case()
        except Exception as e:
            print(f"MobileNetV2 skipped: {type(e).__name__}: {e}")
        else:
            yield mobilenet
    if quick:
        return
    xf = rng.normal(0.0, 3.0, xq.shape).astype(np.float32)
    io = dict(input_scale=0.05, input_zero_point=128, output_scale=0.05, output_zero_point=128)
    yield from [
        simple_case("quantize", None, (xf, 0.05, 128)),
        simple_case("dequantize", None, (xq, 0.05, 128)),
        simple_case("requantize", None, (xq, 0.05, 128, 0.08, 120)),
        simple_case("clamp", None, (xq, 10, 200)),
        dynamic_linear_case(rng, 1, 1280, 1000),
        simple_case("multiply", None, (xq, yq), a_scale=0.05, a_zero_point=128, b_scale=0.03,
                    b_zero_point=120, output_scale=0.2, output_zero_point=125),
        simple_case("concatenate", "2x 1x56x56x64 -> C 128", ([xq, yq],), axis=-1,
                    input_scales=[0.05, 0.03], input_zero_points=[128, 120], output_scale=0.05,
                    output_zero_point=128),
        simple_case("channel_shuffle", "1x56x56x64 g2", (xq, 2)),
        simple_case("resize2d", "1x56x56x64 -> 112 bilinear", (xq, 112, "bilinear"), lsb=1),
        simple_case("resize2d", "1x56x56x64 -> 112 nearest", (xq, 112)),
        simple_case("batch_norm2d", None, (xq, np.linspace(-1, 1, 64), np.linspace(0.5, 2, 64)),
                    lsb=1, **io),
        simple_case("group_norm", "1x56x56x64 g8", (xq, 8), lsb=1, **io),
        simple_case("layer_norm", "1x56x56x64 over C", (xq, 64), lsb=1, **io),
    ]


# ------------------------------------------------------------------------------ timing
def median_ns(fn, n):
    times = np.empty(n)
    for i in range(n):
        t0 = time.perf_counter_ns()
        fn()
        times[i] = time.perf_counter_ns() - t0
    return float(np.median(times))


def calls_per_median(fn, budget_s, least, most):
    """How many calls fit in budget_s (within [least, most]), after a warm-up."""
    fn()
    t0 = time.perf_counter_ns()
    fn()
    once = max(time.perf_counter_ns() - t0, 1)
    return int(min(most, max(least, budget_s * 1e9 // once)))


class Config:
    """One timed configuration of a case: an implementation (and its form: kernel family,
    ONNX Runtime model form or PyTorch engine) at a thread count."""

    def __init__(self, impl, fn, threads, form=None, to_ours=None):
        self.impl, self.fn, self.threads, self.form, self.to_ours = impl, fn, threads, form, to_ours
        self.best_ns, self.calls = float("inf"), 0

    def activate(self):
        if self.impl == "qnnpack_swift":
            if self.form is not None:
                qs.set_kernel_family(self.form)
            qs.set_num_threads(self.threads)
        elif self.impl == "torch":
            import torch  # noqa: PLC0415
            torch.backends.quantized.engine = self.form
            torch.set_num_threads(self.threads)


def same(a, b, lsb=0):
    """Equal arrays, or within `lsb` units for the float-defined operators."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if lsb == 0:
        return np.array_equal(a, b)
    return a.size == 0 or int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max()) <= lsb


def agreement(ours, theirs):
    """Fraction of elements identical, or None if the shapes differ."""
    theirs = np.asarray(theirs)
    if theirs.size != ours.size:
        return None
    return float(np.mean(ours.reshape(-1) == theirs.reshape(-1)))


def bench_case(case, families, threads, engines, time_reference, rounds, budget_s, least, most,
               settle_s):
    expected = case.make(ref)() if case.has_reference else None
    configs, matches, outputs = [], [], {}
    for family in families:
        if family is not None:
            qs.set_kernel_family(family)
        fn = case.make(qs)  # prepack for this kernel family
        for t in threads:
            config = Config("qnnpack_swift", fn, t, family)
            config.activate()
            out = fn()
            outputs.setdefault(t, np.asarray(out))
            matches.append(None if expected is None else same(out, expected, case.lsb))
            configs.append(config)
    if time_reference and case.has_reference:
        configs.append(Config("reference", case.make(ref), None))
    notes, agree = {}, {}
    for impl, factory in case.competitors.items():
        forms = engines if impl == "torch" else case.ort_forms
        for t in threads:
            for form in forms:
                try:
                    config = Config(impl, None, t, form)
                    config.activate()
                    config.fn, config.to_ours = factory(t, form)
                    result = config.to_ours(config.fn())
                    agree[(impl, form)] = agreement(outputs[t], result)
                    configs.append(config)
                except Exception as e:  # this backend cannot run this case: no cell
                    notes[(impl, form)] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    for config in configs:
        config.activate()
        try:
            config.calls = calls_per_median(config.fn, budget_s, least, most)
        except Exception as e:
            if config.impl in ("qnnpack_swift", "reference"):
                raise
            notes[(config.impl, config.form)] = f"{type(e).__name__}: {e}"
            config.calls = 0  # an optional backend failing at run time
    for _ in range(rounds):  # interleaved: every configuration once per round
        for config in configs:
            if config.calls:
                config.activate()
                config.best_ns = min(config.best_ns, median_ns(config.fn, config.calls))
                if (config.threads or 1) > 1:
                    time.sleep(settle_s)  # let spinning worker threads park
    return configs, matches, notes, agree


def torch_engines(quick):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch  # noqa: PLC0415
    except Exception:  # not installed (or broken): no column
        return []
    engines = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    return [e for e in engines if e in ("x86", "qnnpack")] if quick else engines


def have(module):
    try:
        __import__(module)
        return True
    except Exception:
        return False


# ------------------------------------------------------------------------------- output
def chart(rows, threads, peak, path):
    """Ratio (qnnpack_swift / fastest competitor) per case, one panel per thread count."""
    import matplotlib  # noqa: PLC0415
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    import matplotlib.ticker  # noqa: PLC0415
    rows = [r for r in rows if r.get("ratio") and r["family"] == rows[0]["family"]]
    labels = list(dict.fromkeys(f"{r['op']} {r['shape']}" for r in rows))
    if not labels:
        return False
    fig, axes = plt.subplots(1, len(threads), figsize=(6.5 * len(threads), 0.32 * len(labels) + 1.6),
                             sharey=True, squeeze=False)
    for ax, t in zip(axes[0], threads):
        by = {f"{r['op']} {r['shape']}": r for r in rows if r["threads"] == t}
        vals = [by[label]["ratio"] if label in by else np.nan for label in labels]
        colors = ["tab:green" if v <= 1 else "tab:red" for v in vals]
        y = np.arange(len(labels))
        ax.barh(y, vals, color=colors)
        for yi, label in zip(y, labels):
            if label in by:
                r = by[label]
                ax.text(by[label]["ratio"], yi, f" {r['ratio']:.2f} ({r['fastest']})", va="center",
                        fontsize=7)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ticks = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]
        ax.set_xlim(min(0.5, np.nanmin(vals) / 1.3), max(2.0, np.nanmax(vals) * 3.0))
        ax.set_xticks([v for v in ticks if ax.get_xlim()[0] <= v <= ax.get_xlim()[1]])
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("qnnpack_swift time / fastest competitor time (< 1: faster)")
        ax.set_title(f"{t} thread{'s' * (t > 1)}")
    axes[0][0].invert_yaxis()  # shared: once, first case on top
    peak_text = f"measured peak {peak['gmacs']:.1f} G MAC/s/core (vpmaddwd)" if peak.get("gmacs") else ""
    fig.suptitle("qnnpack_swift vs the fastest of ONNX Runtime and PyTorch's quantized engines, "
                 f"{platform.machine()}, {peak_text}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="issue 4's cases only, fewer and shorter repeats (< 1 minute)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--families", action="store_true",
                        help="also time every kernel family this CPU supports")
    parser.add_argument("--only", default="", help="comma-separated operator names to run")
    parser.add_argument("--output", default=RESULTS, help="JSON file to write (the PNG beside it)")
    args = parser.parse_args()

    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    rounds, budget_s, least, most, settle_s = \
        (3, 0.02, 3, 20, 0.01) if args.quick else (7, 0.2, 3, 200, 0.05)
    features = qs.cpu_features()
    family0, threads0 = features.get("kernel_family"), qs.get_num_threads()
    families = list(features.get("supported_kernel_families", [])) if args.families else [None]
    families = families or [None]
    engines = torch_engines(args.quick)
    impls = (["onnxruntime"] if have("onnxruntime") and have("onnx") else []) + \
        (["torch"] if engines else [])
    only = {o.strip() for o in args.only.split(",") if o.strip()}
    peak = measure_peak(3 if args.quick else 7)
    peak_note = (f"measured peak {peak['gmacs']:.1f} G MAC/s per core (vpmaddwd+vpaddd ymm; "
                 f"vpmaddubsw, inexact: {peak['vpmaddubsw_gmacs']:.1f})" if peak["gmacs"]
                 else peak["note"])

    versions = {"qnnpack_swift": qs.__version__, "numpy": np.__version__}
    if "onnxruntime" in impls:
        import onnxruntime  # noqa: PLC0415
        versions["onnxruntime"] = onnxruntime.__version__
    if engines:
        import torch  # noqa: PLC0415
        versions["torch"] = torch.__version__
    print(" | ".join(f"{k} {v}" for k, v in versions.items())
          + f" | kernel family {family0} | {os.cpu_count()} CPUs | best of {rounds} medians"
          + (f" | torch engines {','.join(engines)}" if engines else ""))
    print(peak_note)
    has_peak = bool(peak["gmacs"])
    cols = ["op", "shape"] + (["family"] if args.families else []) + [
        "thr", "µs qs", "GMAC/s"] + ["%peak"] * has_peak + [f"µs {i}" for i in impls] + [
        "ratio", "fastest", "match"] + ([] if args.quick else ["µs ref", "ref/qs"])
    widths = [17, 30] + ([10] if args.families else []) + [3, 9, 7] + [6] * has_peak + [
        {"onnxruntime": 14, "torch": 9}[i] for i in impls] + [
        6, 13, 5] + ([] if args.quick else [11, 7])
    fmt = lambda cells: "  ".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}"  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    print(fmt(cols))

    rows, failures, started = [], [], time.time()
    try:
        for case in all_cases(args.quick, not only or "MobileNetV2" in only):
            if only and case.op not in only:
                continue
            if case.has_reference and not (hasattr(qs, case.op) and hasattr(ref, case.op)):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # PyTorch's deprecation of quantized tensors
                    configs, matches, notes, agree = bench_case(
                        case, families, threads, engines, not args.quick, rounds, budget_s, least, most,
                        settle_s)
            except Exception as e:  # report and go on with the other operators
                failures.append(f"{case.op} {case.shape}: {type(e).__name__}: {e}")
                print(f"{case.op:<17}  {case.shape:<30}  error: {type(e).__name__}: {e}")
                continue
            refs = [c.best_ns / 1e3 for c in configs if c.impl == "reference"]
            ref_us = refs[0] if refs else None
            mine = [c for c in configs if c.impl == "qnnpack_swift"]
            for config, match in zip(mine, matches):
                us = config.best_ns / 1e3
                best = {}  # impl -> (µs, form): its fastest form at this thread count
                for c in configs:
                    if c.impl in ("onnxruntime", "torch") and c.threads == config.threads and c.calls:
                        if c.best_ns / 1e3 < best.get(c.impl, (np.inf,))[0]:
                            best[c.impl] = (c.best_ns / 1e3, c.form)
                fastest = min(best.items(), key=lambda kv: kv[1][0]) if best else None
                gmacs = case.macs / us / 1e3 if case.macs else None
                pct = (100 * gmacs / (peak["gmacs"] * min(config.threads, os.cpu_count() or 1))
                       if gmacs and peak["gmacs"] else None)
                row = dict(op=case.op, shape=case.shape, issue=case.issue,
                           family=config.form or family0, threads=config.threads,
                           us_qnnpack_swift=us, macs=case.macs or None, gmacs=gmacs, pct_peak=pct,
                           competitors={k: dict(us=v, form=f) for k, (v, f) in best.items()},
                           all_competitors=[dict(impl=c.impl, form=c.form, us=c.best_ns / 1e3)
                                            for c in configs if c.impl in ("onnxruntime", "torch")
                                            and c.threads == config.threads and c.calls],
                           fastest=(":".join([fastest[0]] + [fastest[1][1]] * bool(fastest[1][1]))
                                    if fastest else None),
                           ratio=us / fastest[1][0] if fastest else None,
                           match=match, us_reference=ref_us,
                           agreement={f"{k}:{f}": v for (k, f), v in agree.items()},
                           notes={f"{k}:{f}": v for (k, f), v in notes.items()})
                rows.append(row)
                if match is False:
                    failures.append(f"{case.op} {case.shape} ({row['family']}, {config.threads} "
                                    "threads): output differs from the reference")
                short = {"onnxruntime": "ort", "torch": "torch"}
                cells = [case.op, case.shape] + ([row["family"]] if args.families else []) + [
                    str(config.threads), f"{us:.1f}", f"{gmacs:.1f}" if gmacs else ""] + [
                    f"{pct:.0f}%" if pct else ""] * has_peak + [
                    f"{best[i][0]:.1f}" if i in best else "" for i in impls] + [
                    f"{row['ratio']:.2f}" if fastest else "",
                    " ".join([short[fastest[0]]] + [fastest[1][1]] * bool(fastest[1][1]))
                    if fastest else "",
                    "" if match is None else "yes" if match else "NO"] + ([] if args.quick else [
                        f"{ref_us:.1f}" if ref_us else "", f"{ref_us / us:.1f}x" if ref_us else ""])
                print(fmt(cells), flush=True)
    finally:
        if family0 is not None and args.families:
            qs.set_kernel_family(family0)
        qs.set_num_threads(threads0)

    elapsed = time.time() - started
    command = "python3 benchmarks/bench_ops.py " + " ".join(sys.argv[1:])
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(dict(
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            command=command.strip(), versions=versions, python=platform.python_version(),
            machine=platform.machine(), cpus=os.cpu_count(), cpu_features=features,
            torch_engines=engines, peak=peak, quick=args.quick, rounds=rounds,
            seconds=round(elapsed, 1), rows=rows, failures=failures), f, indent=1, default=str)
    png = os.path.splitext(args.output)[0] + ".png"
    try:
        drawn = chart(rows, threads, peak, png)
    except ImportError:
        drawn = False
        print("matplotlib not installed: no chart")
    print(f"\nwrote {args.output}" + (f" and {png}" if drawn else "") + f" ({elapsed:.0f} s)")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Times qnnpack_swift's operators against the NumPy reference (qnnpack_swift.reference).

Shapes are those of real networks (MobileNetV2, ResNet stems). Convolutions and linear
layers use the prepacked classes, created outside the timed loop. For every case the
configurations (each thread count, each kernel family with --families, the reference) are
timed in turn, round after round; each round gives a median per configuration and the best
of these medians is reported. Outputs are also checked to be bit-identical to the
reference (column "match"; within 1 LSB for the float-defined operators: lookup tables,
softmax, bilinear resize).

ONNX Runtime and PyTorch columns (convolution and linear only; ONNX Runtime's linear has
no bias) appear when those packages are importable; they are not needed otherwise. They
time the same shapes, not the same results: with full-range int8 weights ONNX Runtime's
AVX2 u8s8 kernels saturate int16 pair sums, so its outputs differ from the reference.

    python3 benchmarks/bench_ops.py [--quick] [--threads 1,2] [--families] [--only conv2d]

Writes benchmarks/results/ops.json.
"""

import argparse
import datetime
import functools
import json
import os
import platform
import sys
import time

import numpy as np

import qnnpack_swift as qs
from qnnpack_swift import reference as ref

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "ops.json")


# ------------------------------------------------------------------------------ cases
class Case:
    """One operator on one shape. `make(mod)` returns a zero-argument callable running it
    with `mod` (qnnpack_swift or the reference); `spec` describes conv/linear cases for
    the optional ONNX Runtime / PyTorch columns."""

    def __init__(self, op, shape, make, macs=0, spec=None, lsb=0):
        self.op, self.shape, self.make, self.macs, self.spec = op, shape, make, macs, spec
        self.lsb = lsb  # float-defined operators may differ from the reference by 1 LSB


def conv_case(rng, n, h, w, c_in, c_out, k, stride=1, groups=1, label="conv2d"):
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
        if mod is qs and hasattr(qs, "Conv2d"):
            return functools.partial(qs.Conv2d(wq, bias, **kw), x)
        return functools.partial(mod.conv2d, x, wq, bias, **kw)

    spec = dict(kw, kind="conv", x=x, w=wq, bias=bias, k=k)
    return Case(label, shape, make, macs, spec)


def linear_case(rng, n, k, c_out):
    x = rng.integers(0, 256, (n, k), dtype=np.uint8)
    wq = rng.integers(-127, 128, (c_out, k), dtype=np.int8)
    bias = rng.integers(-2000, 2000, c_out, dtype=np.int32)
    w_scale = rng.uniform(0.002, 0.008, c_out).astype(np.float32)
    out_scale = float(6.0 * np.sqrt(k) * 74.0 * 74.0 * 0.02 * w_scale.mean() / 255.0)
    kw = dict(input_scale=0.02, input_zero_point=128, weight_scale=w_scale,
              weight_zero_point=0, output_scale=out_scale, output_zero_point=128)

    def make(mod):
        if mod is qs and hasattr(qs, "Linear"):
            return functools.partial(qs.Linear(wq, bias, **kw), x)
        return functools.partial(mod.linear, x, wq, bias, **kw)

    spec = dict(kind="linear", x=x, w=wq, bias=bias, **kw)
    return Case("linear", f"{n}x{k}->{c_out}", make, n * k * c_out, spec)


def simple_case(op, shape, args, lsb=0, **kwargs):
    """An operator without weights: mod.op(*args, **kwargs)."""
    label = "x".join(map(str, args[0].shape)) if shape is None else shape
    return Case(op, label, lambda mod: functools.partial(getattr(mod, op), *args, **kwargs),
                lsb=lsb)


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

    def make(mod):
        if mod is qs:
            return functools.partial(qs.ConvTranspose2d(wq, bias, **kw), x)
        return functools.partial(mod.conv_transpose2d, x, wq, bias, **kw)

    return Case("conv_transpose2d", f"{n}x{h}x{w}x{c_in}->{c_out} {k}x{k} s{stride}", make,
                n * h * w * c_out * k * k * c_in)


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

    return Case("dynamic_linear", f"{n}x{k}->{c_out} f32", make, n * k * c_out)


def all_cases(seed=0):
    rng = np.random.default_rng(seed)
    act = (1, 56, 56, 64)
    xf = rng.normal(0.0, 3.0, act).astype(np.float32)
    xq = rng.integers(0, 256, act, dtype=np.uint8)
    yq = rng.integers(0, 256, act, dtype=np.uint8)
    big = rng.integers(0, 256, (1, 112, 112, 64), dtype=np.uint8)
    gap = rng.integers(0, 256, (1, 7, 7, 1280), dtype=np.uint8)
    io = dict(input_scale=0.05, input_zero_point=128, output_scale=0.05, output_zero_point=128)
    row = rng.integers(0, 256, (1, 1000), dtype=np.uint8)
    lut_in = dict(input_scale=0.05, input_zero_point=128)
    lut_io = dict(lut_in, output_scale=0.03, output_zero_point=20)
    return [
        simple_case("quantize", None, (xf, 0.05, 128)),
        simple_case("dequantize", None, (xq, 0.05, 128)),
        simple_case("requantize", None, (xq, 0.05, 128, 0.08, 120)),
        conv_case(rng, 1, 56, 56, 64, 64, 3),
        conv_case(rng, 1, 28, 28, 32, 192, 1),
        conv_case(rng, 1, 112, 112, 96, 96, 3, stride=2, groups=96),
        conv_case(rng, 1, 14, 14, 576, 576, 3, groups=576),
        conv_case(rng, 1, 28, 28, 240, 240, 1, groups=3),
        linear_case(rng, 1, 1280, 1000),
        linear_case(rng, 64, 1024, 1024),
        simple_case("add", None, (xq, yq), a_scale=0.05, a_zero_point=128, b_scale=0.03,
                    b_zero_point=120, output_scale=0.07, output_zero_point=125),
        simple_case("max_pool2d", "1x112x112x64 3x3 s2 p1", (big, 3, 2, 1)),
        simple_case("avg_pool2d", "1x112x112x64 2x2 s2", (big, 2), **io),
        simple_case("global_avg_pool2d", None, (gap,), **io),
        simple_case("clamp", None, (xq, 10, 200)),
        deconv_case(rng, 1, 28, 28, 64, 64, 3, 2),
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
    ] + [simple_case(op, None, (x,), lsb=1, **kw)
         for op, kw in (("sigmoid", lut_in), ("hardswish", lut_io), ("softmax", lut_in))
         for x in (row, xq)]


# ----------------------------------------------------- optional other implementations
def onnxruntime_factory(spec, threads):
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    def const(name, value, dtype):
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    s = spec
    quant = [const("xs", s["input_scale"], np.float32), const("xz", s["input_zero_point"], np.uint8)]
    out = [const("ys", s["output_scale"], np.float32), const("yz", s["output_zero_point"], np.uint8)]
    if s["kind"] == "conv":
        w = const("w", s["w"].transpose(0, 3, 1, 2), np.int8)
        wq = [w, const("ws", s["weight_scale"], np.float32),
              const("wz", np.zeros(len(s["weight_scale"])), np.int8)]
        inits = quant + wq + out + [const("b", s["bias"], np.int32)]
        p = s["k"] // 2
        node = helper.make_node("QLinearConv", ["x"] + [i.name for i in inits], ["y"], group=s["groups"],
                                kernel_shape=[s["k"]] * 2, strides=[s["stride"]] * 2, pads=[p] * 4)
        x = np.ascontiguousarray(s["x"].transpose(0, 3, 1, 2))
    else:  # QLinearMatMul (no bias input); weight [K, N], one scale per column
        wq = [const("w", s["w"].T, np.int8), const("ws", s["weight_scale"], np.float32),
              const("wz", np.zeros(len(s["weight_scale"])), np.int8)]
        inits = quant + wq + out
        node = helper.make_node("QLinearMatMul", ["x"] + [i.name for i in inits], ["y"])
        x = s["x"]
    graph = helper.make_graph(
        [node], "bench", [helper.make_tensor_value_info("x", TensorProto.UINT8, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"x": x})


def torch_factory(spec, threads):
    import torch
    from torch.ao.nn import quantized as nnq

    s = spec
    torch.set_num_threads(threads)
    scales = torch.from_numpy(s["weight_scale"].astype(np.float64))
    w = torch.from_numpy(s["w"].astype(np.float32))
    if s["kind"] == "conv":
        w = w.permute(0, 3, 1, 2).contiguous()  # OHWI -> OIHW
        c_out, c_in = w.shape[0], w.shape[1] * s["groups"]
        module = nnq.Conv2d(c_in, c_out, s["k"], stride=s["stride"], padding=s["k"] // 2,
                            groups=s["groups"])
        shape = (-1, 1, 1, 1)
    else:
        module = nnq.Linear(w.shape[1], w.shape[0])
        shape = (-1, 1)
    wq = torch.quantize_per_channel(w * scales.float().reshape(shape), scales,
                                    torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)
    bias = torch.from_numpy(s["bias"] * s["input_scale"] * s["weight_scale"]).float()
    module.set_weight_bias(wq, bias)
    module.scale, module.zero_point = s["output_scale"], s["output_zero_point"]
    xf = torch.from_numpy(s["x"].astype(np.float32))
    if s["kind"] == "conv":
        xf = xf.permute(0, 3, 1, 2)  # NHWC data seen as NCHW in channels-last memory order
    x = torch.quantize_per_tensor((xf - s["input_zero_point"]) * s["input_scale"],
                                  s["input_scale"], s["input_zero_point"], torch.quint8)
    if s["kind"] == "conv":
        x = x.contiguous(memory_format=torch.channels_last)

    def run():
        torch.set_num_threads(threads)  # cheap; keeps interleaved configurations apart
        return module(x)

    return run


OPTIONAL = {"onnxruntime": onnxruntime_factory, "torch": torch_factory}


def optional_backends():
    found = {}
    for name, factory in OPTIONAL.items():
        try:
            __import__(name)
        except Exception:  # not installed (or broken): no column
            continue
        found[name] = factory
    return found


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
    """One timed configuration of a case: an implementation, a kernel family, threads."""

    def __init__(self, impl, fn, family=None, threads=None):
        self.impl, self.fn, self.family, self.threads = impl, fn, family, threads
        self.best_ns, self.calls = float("inf"), 0

    def activate(self):
        if self.family is not None:
            qs.set_kernel_family(self.family)
        if self.threads is not None and self.impl == "qnnpack_swift":
            qs.set_num_threads(self.threads)


def same(a, b, lsb=0):
    """Equal arrays, or within `lsb` units for the float-defined operators."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if lsb == 0:
        return np.array_equal(a, b)
    return a.size == 0 or int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max()) <= lsb


def bench_case(case, families, threads, backends, rounds, budget_s, least, most):
    expected = case.make(ref)()
    configs, matches = [], []
    for family in families:
        if family is not None:
            qs.set_kernel_family(family)
        fn = case.make(qs)  # prepack for this kernel family
        for t in threads:
            config = Config("qnnpack_swift", fn, family, t)
            config.activate()
            matches.append(same(fn(), expected, case.lsb))
            configs.append(config)
    configs.append(Config("reference", case.make(ref)))
    for name, factory in (backends.items() if case.spec else ()):
        for t in threads:
            try:
                configs.append(Config(name, factory(case.spec, t), threads=t))
            except Exception:  # this backend cannot run this case: leave its cell empty
                pass
    for config in configs:
        config.activate()
        try:
            config.calls = calls_per_median(config.fn, budget_s, least, most)
        except Exception:
            if config.impl in ("qnnpack_swift", "reference"):
                raise
            config.calls = 0  # an optional backend failing at run time
    for _ in range(rounds):  # interleaved: every configuration once per round
        for config in configs:
            if config.calls:
                config.activate()
                config.best_ns = min(config.best_ns, median_ns(config.fn, config.calls))
    return configs, matches


# ------------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repeats")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--families", action="store_true",
                        help="also time every kernel family this CPU supports")
    parser.add_argument("--only", default="", help="comma-separated operator names to run")
    parser.add_argument("--output", default=RESULTS, help="JSON file to write")
    args = parser.parse_args()

    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    rounds, budget_s, least, most = (3, 0.05, 1, 30) if args.quick else (7, 0.2, 3, 200)
    features = qs.cpu_features()
    family0, threads0 = features.get("kernel_family"), qs.get_num_threads()
    families = list(features.get("supported_kernel_families", [])) if args.families else [None]
    families = families or [None]
    backends = optional_backends()
    only = {o.strip() for o in args.only.split(",") if o.strip()}

    print(f"qnnpack_swift {qs.__version__} | kernel family: {family0} | numpy {np.__version__} | "
          f"{os.cpu_count()} CPUs | best of {rounds} medians"
          + (f" | also: {', '.join(backends)}" if backends else ""))
    cols = ["op", "shape"] + (["family"] if args.families else []) + \
        ["thr", "µs qs", "µs ref", "ref/qs", "GMAC/s", "match"] + [f"µs {b}" for b in backends]
    widths = [17, 28] + ([10] if args.families else []) + [3, 10, 11, 8, 7, 5] + [12] * len(backends)
    print("  ".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cols, widths))))

    rows, failures = [], []
    try:
        for case in all_cases():
            if (only and case.op not in only) or not (hasattr(qs, case.op) and hasattr(ref, case.op)):
                continue
            try:
                configs, matches = bench_case(case, families, threads, backends, rounds,
                                              budget_s, least, most)
            except Exception as e:  # report and go on with the other operators
                failures.append(f"{case.op} {case.shape}: {type(e).__name__}: {e}")
                print(f"{case.op:<17}  {case.shape:<28}  error: {type(e).__name__}: {e}")
                continue
            ref_us = next(c.best_ns for c in configs if c.impl == "reference") / 1e3
            mine = [c for c in configs if c.impl == "qnnpack_swift"]
            for config, match in zip(mine, matches):
                us = config.best_ns / 1e3
                others = {c.impl: c.best_ns / 1e3 for c in configs
                          if c.impl in backends and c.threads == config.threads and c.calls}
                row = dict(op=case.op, shape=case.shape, family=config.family or family0,
                           threads=config.threads, us_qnnpack_swift=us, us_reference=ref_us,
                           ratio=ref_us / us, gmacs=case.macs / us / 1e3 if case.macs else None,
                           match=match, **{f"us_{k}": v for k, v in others.items()})
                rows.append(row)
                if not match:
                    failures.append(f"{case.op} {case.shape} ({row['family']}, {config.threads} "
                                    "threads): output differs from the reference")
                cells = [case.op, case.shape] + ([row["family"]] if args.families else []) + [
                    str(config.threads), f"{us:.1f}", f"{ref_us:.1f}", f"{ref_us / us:.1f}x",
                    f"{row['gmacs']:.1f}" if row["gmacs"] else "", "yes" if match else "NO"] + [
                    f"{others[b]:.1f}" if b in others else "" for b in backends]
                print("  ".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}"
                                for i, (c, w) in enumerate(zip(cells, widths))), flush=True)
    finally:
        if family0 is not None and args.families:
            qs.set_kernel_family(family0)
        qs.set_num_threads(threads0)

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(dict(
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            version=qs.__version__, numpy=np.__version__, python=platform.python_version(),
            machine=platform.machine(), cpus=os.cpu_count(), cpu_features=features,
            quick=args.quick, rounds=rounds, rows=rows, failures=failures), f, indent=1, default=str)
    print(f"\nwrote {args.output}")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A small quantized CNN run through qnnpack_swift and through the NumPy reference.

The network (NHWC activations, uint8; int8 weights, per-channel scales):

    input 1x32x32x3 float -> quantize
    conv1   3x3 stride 2, 3 -> 32, ReLU6 (fused through output_min / output_max)
    dwconv  3x3 depthwise, 32 channels, ReLU6
    pwconv  1x1, 32 -> 32 (linear projection)
    add     pwconv + conv1 (residual)
    maxpool 2x2 stride 2
    expand  1x1, 32 -> 128, ReLU6
    gap     global average pooling -> 1x128
    fc      linear 128 -> 10 classes -> dequantize

Weights are seeded random numbers. Activation quantization parameters come from a float
calibration pass (`qs.choose_qparams` on the float outputs of every layer over a few random
images), as post-training static quantization does. The quantized network then runs once
through qnnpack_swift (prepacked `qs.Conv2d` / `qs.Linear`, built once) and once through
`qnnpack_swift.reference`; every layer's output must be bit-identical, otherwise the script
exits with status 1.

Run: python3 examples/demo.py [--runs N]
"""

import argparse
import sys
import time

import numpy as np

import qnnpack_swift as qs
from qnnpack_swift import reference as ref

# name, kind, inputs, parameters
GRAPH = [
    ("quantize", "quantize", ("image",), {}),
    ("conv1", "conv", ("quantize",), dict(c_out=32, k=3, stride=2, groups=1, relu6=True)),
    ("dwconv", "conv", ("conv1",), dict(c_out=32, k=3, stride=1, groups=32, relu6=True)),
    ("pwconv", "conv", ("dwconv",), dict(c_out=32, k=1, stride=1, groups=1, relu6=False)),
    ("add", "add", ("pwconv", "conv1"), {}),
    ("maxpool", "maxpool", ("add",), dict(k=2)),
    ("expand", "conv", ("maxpool",), dict(c_out=128, k=1, stride=1, groups=1, relu6=True)),
    ("gap", "gap", ("expand",), {}),
    ("fc", "linear", ("gap",), dict(c_out=10)),
    ("dequantize", "dequantize", ("fc",), {}),
]
IMAGE_SHAPE = (1, 32, 32, 3)


# ----------------------------------------------------------------------------- weights
def make_weights(rng):
    """Seeded float weights, quantized to int8 with one symmetric scale per output channel."""
    weights = {}
    channels = IMAGE_SHAPE[-1]
    for name, kind, _, p in GRAPH:
        if kind == "conv":
            shape = (p["c_out"], p["k"], p["k"], channels // p["groups"])
        elif kind == "linear":
            shape = (p["c_out"], channels)
        else:
            continue
        fan_in = int(np.prod(shape[1:]))
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)
        bias = rng.normal(0.0, 0.1, p["c_out"]).astype(np.float32)
        scale = (np.abs(w).reshape(shape[0], -1).max(axis=1) / 127.0).astype(np.float32)
        wq = qs.quantize(w, scale, np.zeros(shape[0], np.int64), dtype=np.int8, axis=0)
        w_float = qs.dequantize(wq, scale, np.zeros(shape[0], np.int64), axis=0)
        weights[name] = dict(q=wq, scale=scale, float=w_float, bias=bias)
        channels = p["c_out"]
    return weights


# ------------------------------------------------------------------- float calibration
def conv_float(x, w, b, stride, groups):
    """Float NHWC convolution with OHWI weights and 'same'-style symmetric padding k // 2."""
    n = x.shape[0]
    c_out, kh, kw, cg = w.shape
    pad = kh // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    oh, ow = win.shape[1:3]
    win = win.reshape(n, oh, ow, groups, cg, kh, kw)
    wg = w.reshape(groups, c_out // groups, kh, kw, cg)
    y = np.einsum("nhwgcij,goijc->nhwgo", win, wg, optimize=True)
    return y.reshape(n, oh, ow, c_out) + b


def float_forward(images, weights):
    """The float model the quantized one approximates; returns every layer's output."""
    t = {"image": images}
    for name, kind, inputs, p in GRAPH:
        x = t[inputs[0]]
        if kind in ("quantize", "dequantize"):
            y = x
        elif kind == "conv":
            wt = weights[name]
            y = conv_float(x, wt["float"], wt["bias"], p["stride"], p["groups"])
            y = np.clip(y, 0.0, 6.0) if p["relu6"] else y
        elif kind == "add":
            y = x + t[inputs[1]]
        elif kind == "maxpool":
            n, h, w, c = x.shape
            k = p["k"]
            y = x.reshape(n, h // k, k, w // k, k, c).max(axis=(2, 4))
        elif kind == "gap":
            y = x.mean(axis=(1, 2))
        elif kind == "linear":
            y = x @ weights[name]["float"].T + weights[name]["bias"]
        t[name] = y
    return t


def calibrate(images, weights):
    """(scale, zero_point) of every quantized tensor, from the float ranges."""
    t = float_forward(images, weights)
    qparams = {}
    for name, kind, inputs, _ in GRAPH:
        if kind == "maxpool":  # max pooling keeps its input's quantization
            qparams[name] = qparams[inputs[0]]
        elif kind != "dequantize":
            qparams[name] = qs.choose_qparams(t[name])
    return qparams


# ---------------------------------------------------------------------- quantized model
def build(mod, weights, qparams):
    """Every layer as a callable of its input arrays, for `mod` = qs or the reference.

    With qnnpack_swift, convolutions and the linear layer are prepacked once here.
    """
    ops = {}
    for name, kind, inputs, p in GRAPH:
        out_s, out_zp = qparams.get(name, (None, None))
        in_s, in_zp = qparams.get(inputs[0], (None, None))
        io = dict(input_scale=in_s, input_zero_point=in_zp,
                  output_scale=out_s, output_zero_point=out_zp)
        if kind == "quantize":
            ops[name] = lambda x, s=out_s, zp=out_zp: mod.quantize(x, s, zp, dtype=np.uint8)
        elif kind == "dequantize":
            ops[name] = lambda q, s=in_s, zp=in_zp: mod.dequantize(q, s, zp)
        elif kind in ("conv", "linear"):
            wt = weights[name]
            kw = dict(io, weight_scale=wt["scale"], weight_zero_point=0)
            if kind == "conv":
                kw.update(stride=p["stride"], padding=p["k"] // 2, groups=p["groups"])
                if p["relu6"]:  # ReLU6: clamp to the quantized images of 0 and 6
                    kw.update(output_min=max(0, out_zp),
                              output_max=min(255, out_zp + int(round(6.0 / out_s))))
            if mod is qs:
                cls = qs.Conv2d if kind == "conv" else qs.Linear
                ops[name] = cls(wt["q"], wt["bias"], **kw)
            else:
                fn = ref.conv2d if kind == "conv" else ref.linear
                ops[name] = lambda x, fn=fn, wt=wt, kw=kw: fn(x, wt["q"], wt["bias"], **kw)
        elif kind == "add":
            b_s, b_zp = qparams[inputs[1]]
            ops[name] = lambda a, b, s=in_s, zp=in_zp, b_s=b_s, b_zp=b_zp, o=(out_s, out_zp): mod.add(
                a, b, a_scale=s, a_zero_point=zp, b_scale=b_s, b_zero_point=b_zp,
                output_scale=o[0], output_zero_point=o[1])
        elif kind == "maxpool":
            ops[name] = lambda x, k=p["k"]: mod.max_pool2d(x, k)
        elif kind == "gap":
            ops[name] = lambda x, io=io: mod.global_avg_pool2d(x, **io)
    return ops


def run(ops, image):
    t = {"image": image}
    for name, _, inputs, _ in GRAPH:
        t[name] = ops[name](*(t[i] for i in inputs))
    return t


def median_us(fn, args, runs):
    fn(*args)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn(*args)
        times.append(time.perf_counter_ns() - t0)
    return float(np.median(times)) / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per layer (median)")
    args = parser.parse_args()

    rng = np.random.default_rng(2024)
    weights = make_weights(rng)
    calibration = rng.random((8,) + IMAGE_SHAPE[1:], dtype=np.float32)
    image = rng.random(IMAGE_SHAPE, dtype=np.float32)
    qparams = calibrate(calibration, weights)

    fast_ops, ref_ops = build(qs, weights, qparams), build(ref, weights, qparams)
    fast, slow = run(fast_ops, image), run(ref_ops, image)

    print(f"qnnpack_swift {qs.__version__} | kernel family: {qs.cpu_features()['kernel_family']}"
          f" | threads: {qs.get_num_threads()} | median of {args.runs} runs")
    header = f"{'layer':<11} {'output shape':<16} {'µs qnnpack_swift':>17} {'µs reference':>13} " \
             f"{'speed-up':>9}  identical"
    print(header)
    print("-" * len(header))
    total_fast = total_ref = 0.0
    mismatches = []
    for name, _, inputs, _ in GRAPH:
        t_fast = median_us(fast_ops[name], [fast[i] for i in inputs], args.runs)
        t_ref = median_us(ref_ops[name], [slow[i] for i in inputs], args.runs)
        total_fast += t_fast
        total_ref += t_ref
        a, b = fast[name], slow[name]
        same = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        if not same:
            mismatches.append((name, a, b))
        print(f"{name:<11} {'x'.join(map(str, a.shape)):<16} {t_fast:17.1f} {t_ref:13.1f} "
              f"{t_ref / t_fast:8.1f}x  {'yes' if same else 'NO'}")
    print("-" * len(header))
    print(f"{'total':<11} {'':<16} {total_fast:17.1f} {total_ref:13.1f} {total_ref / total_fast:8.1f}x")

    logits = fast["dequantize"][0]
    top = int(np.argmax(logits))
    float_top = int(np.argmax(float_forward(image, weights)["fc"][0]))
    print(f"\ntop class: {top} (dequantized logit {logits[top]:.3f}); "
          f"float model's top class: {float_top}")

    for name, a, b in mismatches:
        detail = (f"{a.dtype}{a.shape} vs {b.dtype}{b.shape}" if a.shape != b.shape or a.dtype != b.dtype
                  else f"{int(np.count_nonzero(a != b))} of {a.size} elements differ")
        print(f"MISMATCH in {name}: {detail}", file=sys.stderr)
    if mismatches:
        return 1
    print("every layer is bit-identical to the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""qs.conv2d and qs.Conv2d against reference.conv2d (exact parity), plus errors.

Random cases cover 1x1 / 3x3 / 5x5 / 7x1 kernels, strides 1-3, dilations 1-3, groups 1 / 2 /
depthwise / depthwise x2, batches 1-3, odd channel counts, every padding form ("same"
included), zero points at the extremes, scales from 1e-4 to 10, fused clamps, per-tensor
and per-channel weights, uint8/int8 weights under uint8 activations and int8/int8,
int32 / float32 / float64 / no bias, non-contiguous inputs and `out=`; the function and the
prepacked class. Rebuild a failing case with build_case(seed).

Fixed cases add accumulators beyond int32 (K = 40000, int32-limit biases), C_out per group
around the 8/16-column block boundaries, near ties that only an exact float32 requantization /
float-bias quantization gets right (_near_ties.py), prepacked reuse over changing input sizes
and concurrent calls of one operator.
"""
import threading

import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (I8, U8, Case, assert_same, assert_unchanged, beyond_int32, bounds,
                      call_weighted, channels, first_informative, informative, int_or_pair,
                      log_uniform, non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref,
                      run_weighted, snapshot, with_clamp)

TAG = 101
N_CASES = 320
KERNELS = [(1, 1), (3, 3), (5, 5), (7, 1)]
DTYPES = [(U8, U8), (U8, I8), (I8, I8)]
QKEYS = ("input_scale", "input_zero_point", "weight_scale", "weight_zero_point",
         "output_scale", "output_zero_point", "output_min", "output_max")


class ConvCase(Case):
    id_keys = ("dt", "k", "groups", "C", "Co", "stride", "dil", "pad", "N", "HW", "pc", "bias",
               "form")


def _geometry_kwargs(rng, KH, KW):
    stride, (sh, sw) = int_or_pair(rng, 1, 3)
    if rng.random() < 0.5:
        dilation, (dh, dw) = 1, (1, 1)
    else:
        dilation, (dh, dw) = int_or_pair(rng, 1, 3)
    eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
    form = pick(rng, ["default", "int", "pair", "quad", "same"], p=[0.15, 0.2, 0.2, 0.2, 0.25])
    if form == "default":
        padding, pads = None, (0, 0, 0, 0)
    elif form == "int":
        p = int(rng.integers(0, max(eh, ew) // 2 + 2))
        padding, pads = p, (p, p, p, p)
    elif form == "pair":
        ph, pw = int(rng.integers(0, eh // 2 + 2)), int(rng.integers(0, ew // 2 + 2))
        padding, pads = (ph, pw), (ph, pw, ph, pw)
    elif form == "quad":
        pads = (int(rng.integers(0, eh // 2 + 2)), int(rng.integers(0, ew // 2 + 2)),
                int(rng.integers(0, eh // 2 + 2)), int(rng.integers(0, ew // 2 + 2)))
        padding = pads
    else:
        padding, pads = "same", None
    return stride, dilation, padding, pads, (eh, ew)


def _draw(rng, seed):
    xd, wd = pick(rng, DTYPES)
    KH, KW = pick(rng, KERNELS, p=[0.3, 0.35, 0.15, 0.2])
    mode = pick(rng, ["1", "2", "dw", "dw2"], p=[0.35, 0.2, 0.25, 0.2])
    large = rng.random() < 0.08
    if mode == "1":
        G, cg, cog = 1, channels(rng), channels(rng)
        if large:
            cg, cog = pick(rng, [16, 32, 64]), pick(rng, [16, 32, 33, 64])
    elif mode == "2":
        G, cg, cog = 2, channels(rng), channels(rng)
    else:
        G, cg, cog = channels(rng, odd_p=0.6), 1, (1 if mode == "dw" else 2)
        if large:
            G = pick(rng, [24, 32, 64])
    C, Co = G * cg, G * cog
    stride, dilation, padding, pads, (eh, ew) = _geometry_kwargs(rng, KH, KW)
    if pads is None:
        H, W = (int(v) for v in rng.integers(1, 12, size=2))
    else:
        pt, pl, pb, pr = pads
        H = max(1, eh - pt - pb) + int(rng.integers(0, 9))
        W = max(1, ew - pl - pr) + int(rng.integers(0, 9))
    if large:
        H, W = int(rng.integers(14, 30)), int(rng.integers(14, 30))
        if pads is not None:
            H, W = max(H, eh), max(W, ew)
    N = int(rng.integers(1, 4)) if not large else 1

    x = rand_q(rng, (N, H, W, C), xd)
    w = rand_q(rng, (Co, KH, KW, cg), wd)
    ties = rng.random() < 0.1
    if ties:   # power-of-two scales: many requantized values are exact .5 ties
        in_s, w_s = 2.0 ** -int(rng.integers(0, 8)), 2.0 ** -int(rng.integers(0, 8))
    else:
        in_s, w_s = float(log_uniform(rng, 1e-4, 10)), float(log_uniform(rng, 1e-4, 10))
    per_channel = (not ties) and rng.random() < 0.5
    if per_channel:
        w_s = (w_s * log_uniform(rng, 0.25, 4, size=Co)).astype(pick(rng, [np.float32, np.float64]))
    in_zp = rand_zero_point(rng, xd)
    if rng.random() < 0.3:
        w_zp = np.array([rand_zero_point(rng, wd) for _ in range(Co)], dtype=np.int32)
    else:
        w_zp = rand_zero_point(rng, wd)
    geo = dict(stride=stride, dilation=dilation, groups=G)
    if padding is not None:
        geo["padding"] = padding
    qin = dict(input_scale=in_s, input_zero_point=in_zp, weight_scale=w_s, weight_zero_point=w_zp)
    acc0 = ref.conv2d_accumulators(x, w, None, **geo, **qin)
    sd = float(acc0.std()) + 1.0
    ws_c = np.broadcast_to(np.asarray(w_s, np.float64), (Co,))
    bias_kind = pick(rng, ["none", "int32", "float32", "float64"], p=[0.3, 0.3, 0.2, 0.2])
    if bias_kind == "none":
        bias = None
    elif bias_kind == "int32":
        bias = rng.integers(-2 * sd, 2 * sd + 1, size=Co).astype(np.int32)
    else:
        bias = (rng.normal(0, sd, Co) * in_s * ws_c).astype(bias_kind)
    acc = ref.conv2d_accumulators(x, w, bias, **geo, **qin)
    real = acc * (in_s * ws_c)
    spread = float(real.std()) or float(np.abs(real).mean()) or in_s * float(ws_c.mean())
    out_s = spread / float(log_uniform(rng, 8, 60))
    if ties:
        out_s = 2.0 ** round(np.log2(out_s))
    out_zp = rand_zero_point(rng, xd)
    omin, omax = rand_clamp(rng, xd, out_zp, out_s)
    kwargs = dict(geo, **qin, output_scale=out_s, output_zero_point=out_zp)
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    expected = ref.conv2d(x, w, bias, **kwargs)
    if not informative(expected, *bounds(xd, omin, omax)):
        return None
    form = pick(rng, ["function", "class"], p=[0.6, 0.4])
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.25 else x
    w_call = non_contiguous(rng, w) if rng.random() < 0.1 else w
    params = dict(dt=(xd, wd), k=(KH, KW), groups=mode if mode != "1" else 1, G=G, C=C, Co=Co,
                  stride=stride, dil=dilation, pad=padding if padding is not None else "default",
                  N=N, HW=(H, W), pc="pc" if per_channel else "pt", bias=bias_kind, form=form,
                  out=use_out, x_contiguous=x_call.flags.c_contiguous,
                  w_contiguous=w_call.flags.c_contiguous, ties=ties,
                  **{k: v for k, v in kwargs.items() if k in QKEYS}, bias_values=bias)
    return ConvCase("conv2d", seed, params, (x_call, w_call, bias), kwargs, expected,
                    form=form, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "conv2d")


CASES = [build_case(s) for s in range(N_CASES)]


def run(case, form=None, use_out=None):
    return run_weighted(qs.conv2d, qs.Conv2d, case, form, use_out)


def test_case_counts():
    assert len(CASES) >= 300
    seen = {(c.params["k"], c.params["groups"]) for c in CASES}
    assert len(seen) == 16, seen
    assert {str(c.params["pad"]) for c in CASES} >= {"same", "default"}
    assert {c.params["bias"] for c in CASES} == {"none", "int32", "float32", "float64"}
    assert {tuple(np.dtype(d).name for d in c.params["dt"]) for c in CASES} == \
        {("uint8", "uint8"), ("uint8", "int8"), ("int8", "int8")}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_conv2d_parity(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)



def _centred_case(rng, seed, kind, dt, x, w, kw, origin):
    """A class-form case of `x`, `w` and input qparams `kw`: an int32 bias that centres each
    channel's sums, an output scale spreading them over ~60 steps, a random output zero point
    and clamp; `out=` on every fourth seed."""
    Co = w.shape[0]
    acc = ref.conv2d_accumulators(x, w, None, **kw)
    bias = (-acc.reshape(-1, Co).mean(axis=0) + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
    out_s = float((acc.std() + 1) * kw["input_scale"] * np.mean(kw["weight_scale"]) / 30)
    out_zp = rand_zero_point(rng, dt[0])
    kw = with_clamp(dict(kw, output_scale=out_s, output_zero_point=out_zp), *rand_clamp(rng, dt[0], out_zp, out_s))
    params = dict(kind=kind, dt=dt, **{k: v for k, v in kw.items() if k in QKEYS})
    case = ConvCase("conv2d", seed, params, (x, w, bias), kw, ref.conv2d(x, w, bias, **kw), form="class",
                    use_out=seed % 4 == 0)
    case.origin = origin
    return case


def _pointwise_case(rng, seed, dt, shape, Co, G, origin):
    """A 1x1 case over an input of `shape` (NHWC) with `Co` outputs in `G` groups: weight
    scales per tensor or per channel, zero points per tensor or (30 %) per channel."""
    (xd, wd), (N, H, W, C) = dt, shape
    x, w = rand_q(rng, shape, xd), rand_q(rng, (Co, 1, 1, C // G), wd)
    w_s = log_uniform(rng, 0.005, 0.05, size=Co).astype(np.float32) if rng.random() < 0.5 else 0.02
    w_zp = (np.array([rand_zero_point(rng, wd) for _ in range(Co)], np.int32) if rng.random() < 0.3
            else rand_zero_point(rng, wd))
    kw = dict(groups=G, input_scale=0.05, input_zero_point=rand_zero_point(rng, xd),
              weight_scale=w_s, weight_zero_point=w_zp)
    return _centred_case(rng, seed, f"N{N}-{H}x{W}-C{C}-Co{Co}-g{G}", dt, x, w, kw, origin)


# ---- 1x1 stride-1 convolutions over many pixels: row tasks that convert their own rows ------
def _pointwise_cases():
    cases = []
    for i in range(48):
        rng = np.random.default_rng([TAG, 7000 + i])
        xd, wd = DTYPES[i % 3]
        G = pick(rng, [1, 1, 2, 3])
        C = G * pick(rng, [1, 2, 3, 7, 16, 24, 33, 64, 150, 300])
        Co = G * pick(rng, [1, 8, 15, 16, 17, 24, 40])
        N = 1 + i % 3
        H = int(rng.integers(8, 40))
        W = max(1, int(rng.integers(400, 4600)) // (N * H))   # 400-4600 GEMM rows: 32- and 128-row tasks
        cases.append(_pointwise_case(rng, 7000 + i, (xd, wd), (N, H, W, C), Co, G, "_pointwise_cases()"))
    return cases


POINTWISE = _pointwise_cases()


@pytest.mark.parametrize("case", POINTWISE, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_pointwise_many_pixels(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


# ---- 1x1 with >= 32 channels in and out per group: AVX2's Winograd inner product ------------
def _winograd_dot_cases():
    """Both of its paths: many pixels (row tasks converting their own rows) and few pixels or
    batch rows (tasks over blocks); odd pair counts, row lengths off whole vectors, a last
    block of 9-15 channels (the Winograd kernel) or <= 8 (the half block), groups."""
    cases = []
    for i in range(36):
        rng = np.random.default_rng([TAG, 8000 + i])
        xd, wd = DTYPES[i % 3]
        G = pick(rng, [1, 1, 2, 3])
        C = G * pick(rng, [32, 33, 34, 62, 66, 150, 301])
        Co = G * pick(rng, [32, 41, 44, 48, 57, 100])
        if i % 2:
            N, H, W = 1 + i % 4, 1, 1 + int(rng.integers(0, 70))   # batch rows, like a linear layer
        else:
            N, H = 1, int(rng.integers(8, 40))
            W = max(1, int(rng.integers(500, 4000)) // H)   # 32- and 128-row tasks
        cases.append(_pointwise_case(rng, 8000 + i, (xd, wd), (N, H, W, C), Co, G, "_winograd_dot_cases()"))
    return cases


WINOGRAD_DOT = _winograd_dot_cases()


@pytest.mark.parametrize("case", WINOGRAD_DOT, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_winograd_dot(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


# ---- first layers over many pixels: row tasks that copy their own patch rows ---------------
def _patch_cases():
    cases = []
    for i in range(24):
        rng = np.random.default_rng([TAG, 7500 + i])
        xd, wd = DTYPES[i % 3]
        C = pick(rng, [1, 3, 5, 7])
        KH, KW = pick(rng, [(3, 3), (5, 5), (7, 7), (3, 1)])
        Co = pick(rng, [8, 16, 17, 32, 40])
        stride = 1 + i % 2
        padding = pick(rng, [0, 1, "same", (KH // 2, KW // 2, 0, 1)])
        N = 1 + i % 2
        H = int(rng.integers(KH + 8, 48))
        W = max(KW + 2, int(rng.integers(600, 3000)) * stride * stride // (N * H))
        x, w = rand_q(rng, (N, H, W, C), xd), rand_q(rng, (Co, KH, KW, C), wd)
        kw = dict(stride=stride, padding=padding, input_scale=0.05, input_zero_point=rand_zero_point(rng, xd),
                  weight_scale=log_uniform(rng, 0.005, 0.05, size=Co).astype(np.float32),
                  weight_zero_point=rand_zero_point(rng, wd))
        cases.append(_centred_case(rng, 7500 + i, f"N{N}-{H}x{W}-C{C}-k{KH}x{KW}-s{stride}-Co{Co}", (xd, wd),
                                   x, w, kw, "_patch_cases()"))
    # Kernel rows of 8–16 contiguous values, built from the activations directly (AVX2): both
    # ends of that range, vertical dilation, every padding side, batches, windows reaching the
    # input's last bytes (no padding), rows past several 256-row tasks.
    for i, (N, H, W, C, k, geo) in enumerate([
            (2, 30, 41, 3, (3, 3), dict(stride=2, padding=1)),
            (1, 23, 37, 5, (3, 3), dict(padding="same")),
            (2, 19, 29, 3, (5, 5), dict(stride=2, padding=(2, 2, 0, 1))),
            (2, 26, 31, 3, (3, 3), dict(dilation=(2, 1), padding=(2, 0, 1, 2))),
            (2, 14, 20, 3, (5, 3), dict(stride=(2, 1), dilation=(2, 1), padding=1)),
            (2, 17, 40, 1, (3, 8), dict(padding=(1, 3, 1, 4))),
            (1, 21, 44, 1, (2, 16), dict(stride=(1, 2))),
            (2, 25, 27, 3, (3, 3), dict()),
            (1, 33, 35, 5, (3, 3), dict(stride=2, padding=(0, 1, 2, 0)))]):
        seed = 7550 + i
        rng = np.random.default_rng([TAG, seed])
        xd, wd = DTYPES[i % 3]
        Co = pick(rng, [16, 24, 32])
        x, w = rand_q(rng, (N, H, W, C), xd), rand_q(rng, (Co, *k, C), wd)
        kw = dict(geo, input_scale=0.05, input_zero_point=rand_zero_point(rng, xd),
                  weight_scale=log_uniform(rng, 0.005, 0.05, size=Co).astype(np.float32),
                  weight_zero_point=rand_zero_point(rng, wd))
        cases.append(_centred_case(rng, seed, f"direct-N{N}-{H}x{W}-C{C}-k{k[0]}x{k[1]}-Co{Co}", (xd, wd), x, w, kw,
                                   "_patch_cases()"))
    return cases


PATCHES = _patch_cases()


@pytest.mark.parametrize("case", PATCHES, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_patch_rows_many_pixels(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)

# ---- accumulators beyond int32 ------------------------------------------------------------
def _wide_cases():
    cases = []
    # 1x1 convolution with K = 40000: Σ (x - x_zp)(w - w_zp) reaches -2.6e9.
    for i, (xd, wd) in enumerate(DTYPES):
        rng = np.random.default_rng([TAG, 9000 + i])
        K, Co = 40000, 3
        qmin, qmax = ref.qrange(xd)
        wmin, wmax = ref.qrange(wd)
        x = rng.integers(qmax - 5, qmax + 1, size=(1, 2, 2, K)).astype(xd)
        w = rng.integers(wmin, wmin + 6, size=(Co, 1, 1, K)).astype(wd)
        kw = dict(input_scale=1.0, input_zero_point=qmin, weight_scale=1.0,
                  weight_zero_point=wmax, output_scale=float(K * 255 * 255 / 120.0),
                  output_zero_point=qmax)
        acc = ref.conv2d_accumulators(x, w, None, **{k: kw[k] for k in QKEYS[:4]})
        assert acc.min() < -2 ** 31
        cases.append(ConvCase("conv2d", 9000 + i, dict(kind="K=40000", dt=(xd, wd), **kw),
                              (x, w, None), kw, ref.conv2d(x, w, None, **kw)))
    # int32 bias at the limits plus a positive / negative sum: the sum leaves int32.
    for i, (xd, wd) in enumerate(DTYPES):
        rng = np.random.default_rng([TAG, 9100 + i])
        x = rand_q(rng, (2, 5, 5, 8), xd)
        w = rand_q(rng, (4, 3, 3, 8), wd)
        bias = np.array([2 ** 31 - 1, -2 ** 31, 2 ** 31 - 1, -2 ** 31], np.int32)
        kw = dict(padding=1, input_scale=1.0, input_zero_point=int(ref.qrange(xd)[0]),
                  weight_scale=1.0, weight_zero_point=0, output_scale=2.0 ** 31 / 100,
                  output_zero_point=128 if xd == U8 else 0)
        cases.append(ConvCase("conv2d", 9100 + i, dict(kind="int32-limit bias", dt=(xd, wd), **kw),
                              (x, w, bias), kw, ref.conv2d(x, w, bias, **kw)))
    # float bias far beyond int32 saturates to the int32 limits
    x = rand_q(np.random.default_rng(9200), (1, 4, 4, 3), U8)
    w = rand_q(np.random.default_rng(9201), (2, 3, 3, 3), I8)
    bias = np.array([1e30, -1e30], np.float64)
    kw = dict(input_scale=0.5, input_zero_point=128, weight_scale=0.5, weight_zero_point=0,
              output_scale=2.0 ** 31 / 100, output_zero_point=128)
    cases.append(ConvCase("conv2d", 9200, dict(kind="huge float bias", **kw), (x, w, bias), kw,
                          ref.conv2d(x, w, bias, **kw)))
    for c in cases:
        c.origin = "_wide_cases()"
        assert informative(c.expected, *ref.qrange(c.expected.dtype)), c.describe()
    return cases


WIDE = _wide_cases()


@pytest.mark.parametrize("case", WIDE, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
@pytest.mark.parametrize("form", ["function", "class"])
def test_conv2d_accumulators_never_wrap(case, form, threads, kernel_family):
    assert_same(run(case, form=form, use_out=False), case.expected, case)


# ---- few input channels: whole-patch GEMM rows and the short-run int16 input pass ----------
def _few_channel_cases():
    """groups == 1 with C_in <= 8 and several taps packs whole patches (odd tap counts times odd
    C end on the pad element, even ones do not); grouped odd C and C >= 9 take the other input
    passes. Rows and columns hit every tile tail."""
    specs = []
    for C in range(1, 10):
        for k in [(3, 3), (2, 2), (5, 5), (7, 7), (1, 3)]:
            specs.append((C, k, 1))
    specs += [(3, (3, 3), 3), (5, (3, 3), 2), (1, (3, 3), 4), (7, (1, 1), 3), (9, (3, 3), 2),
              (11, (1, 1), 1)]
    cases = []
    for i, (C, (KH, KW), G) in enumerate(specs):
        rng = np.random.default_rng([TAG, 6000 + i])
        xd, wd = DTYPES[i % 3]
        Co = G * pick(rng, [1, 5, 16, 17, 32, 35])
        stride = 1 + i % 2
        padding = pick(rng, [0, 1, (KH // 2, KW // 2, 0, 1), "same"])
        N, H, W = 1 + i % 3 // 2, int(rng.integers(KH, KH + 13)), int(rng.integers(KW, KW + 13))
        x, w = rand_q(rng, (N, H, W, G * C), xd), rand_q(rng, (Co, KH, KW, C), wd)
        kw = dict(stride=stride, padding=padding, groups=G, input_scale=0.05,
                  input_zero_point=rand_zero_point(rng, xd), weight_scale=0.02,
                  weight_zero_point=rand_zero_point(rng, wd))
        acc = ref.conv2d_accumulators(x, w, None, **kw)
        centre = -acc.reshape(-1, Co).mean(axis=0)  # keeps the outputs off the clamps
        bias = (centre + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
        kw.update(output_scale=float((acc.std() + 1) * 0.05 * 0.02 / 30),
                  output_zero_point=128 if xd == U8 else 0)
        want = ref.conv2d(x, w, bias, **kw)
        params = dict(kind=f"C{C}-k{KH}x{KW}-g{G}-s{stride}", dt=(xd, wd), **kw)
        cases.append(ConvCase("conv2d", 6000 + i, params, (x, w, bias), kw, want))
    for c in cases:
        c.origin = "_few_channel_cases()"
        assert informative(c.expected, *ref.qrange(c.expected.dtype)), c.describe()
    return cases


FEW = _few_channel_cases()


@pytest.mark.parametrize("case", FEW, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_few_input_channels(case, threads, kernel_family):
    assert_same(run(case, form="class", use_out=False), case.expected, case)


def test_conv2d_patch_rows_near_the_int32_bound(threads, kernel_family):
    """A 7x7 patch of C = 3 whose bound sits just inside and just outside int32 (the second
    runs the 64-bit kernel): both exact."""
    for w_value, bias_value in [(127, 2 ** 31 - 1 - 255 * 127 * 147), (127, 2 ** 31 - 255 * 127 * 147)]:
        x = np.full((1, 9, 9, 3), 255, U8)
        x[0, ::2, ::3, 1] = 0
        w = np.full((2, 7, 7, 3), w_value, I8)
        w[1] = -w_value
        bias = np.array([bias_value, -bias_value], np.int32)
        kw = dict(input_scale=1.0, input_zero_point=0, weight_scale=1.0, weight_zero_point=0,
                  output_scale=2.0 ** 24, output_zero_point=128)
        want = ref.conv2d(x, w, bias, **kw)
        case = ConvCase("conv2d", 6999, dict(kind="patch int32 bound", bias=bias_value), (x, w, bias),
                        kw, want)
        assert_same(run(case, form="class", use_out=False), want, case)


# ---- column tails: a group's last 1-8 output channels are an AVX2 half block ----------------
TAIL_SPECS = [  # C_in per group, C_out per group, kernel, groups, stride
    (144, 24, (1, 1), 1, 1), (96, 24, (1, 1), 1, 1), (16, 8, (1, 1), 1, 1), (17, 1, (1, 1), 1, 2),
    (9, 7, (3, 3), 1, 1), (3, 24, (3, 3), 1, 2), (5, 40, (3, 3), 1, 1), (4, 5, (3, 3), 2, 1),
    (6, 9, (1, 1), 3, 1), (8, 23, (3, 3), 1, 1), (2, 33, (5, 5), 1, 1), (32, 25, (1, 1), 1, 2),
    (7, 16, (1, 1), 1, 1), (13, 31, (1, 3), 1, 1), (10, 2, (3, 3), 4, 1), (24, 39, (1, 1), 1, 1),
]


def _column_tail_cases():
    """C_out per group around the 8/16/24/32/40 boundaries (1-8 left over: the 8-column AVX2
    tile) on 1x1, 3x3 and whole-patch GEMMs, grouped and not, output sizes leaving every
    remainder of the 8-row tiles (and more than one 32-row task); per-channel qparams, clamps."""
    cases = []
    for i, (C, cog, (KH, KW), G, stride) in enumerate(TAIL_SPECS):
        seed = 6500 + i
        rng = np.random.default_rng([TAG, seed])
        xd, wd = DTYPES[i % 3]
        Co = G * cog
        N, H, W = 1 + i % 2, int(rng.integers(KH, KH + 9)), int(rng.integers(KW, KW + 9))
        x, w = rand_q(rng, (N, H, W, G * C), xd), rand_q(rng, (Co, KH, KW, C), wd)
        w_s = log_uniform(rng, 0.005, 0.05, Co)
        kw = dict(stride=stride, padding=pick(rng, [0, 1, "same"]), groups=G, input_scale=0.05,
                  input_zero_point=rand_zero_point(rng, xd), weight_scale=w_s,
                  weight_zero_point=np.array([rand_zero_point(rng, wd) for _ in range(Co)], np.int32))
        acc = ref.conv2d_accumulators(x, w, None, **kw)
        bias = (-acc.reshape(-1, Co).mean(axis=0) + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
        out_zp = 128 if xd == U8 else 0
        kw.update(output_scale=float((acc.std() + 1) * 0.05 * w_s.mean() / 40), output_zero_point=out_zp)
        if i % 2:
            kw.update(output_min=out_zp - 50, output_max=out_zp + 60)
        want = ref.conv2d(x, w, bias, **kw)
        params = dict(kind=f"C{C}-Co{cog}-k{KH}x{KW}-g{G}-s{stride}-M{want.size // Co}", dt=(xd, wd), **kw)
        cases.append(ConvCase("conv2d", seed, params, (x, w, bias), kw, want))
    for c in cases:
        c.origin = "_column_tail_cases()"
        assert informative(c.expected, *ref.qrange(c.expected.dtype), min_fraction=0.3), c.describe()
    return cases


TAILS = _column_tail_cases()


@pytest.mark.parametrize("case", TAILS, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_column_tails(case, threads, kernel_family):
    assert_same(run(case, form="class", use_out=False), case.expected, case)


# ---- near ties: float32 requantization and float-bias quantization, exactly ------------------
NEAR_SPECS = [  # name, x shape, weight shape, groups
    ("dense3x3", (1, 3, 3, 8), (48, 3, 3, 8), 1),
    ("dense1x1", (1, 1, 1, 16), (48, 1, 1, 16), 1),
    ("grouped3x3", (1, 3, 3, 8), (48, 3, 3, 4), 2),
    ("depthwise3x3", (1, 3, 3, 48), (48, 3, 3, 1), 48),
    ("depthwise3x3-x2", (1, 3, 3, 24), (48, 3, 3, 1), 24),
]


SCHEMES = nt.WEIGHTED_SCHEMES


def _near_tie_cases():
    """One output pixel per channel; int32 biases put every channel's accumulator on a
    near tie of its multiplier (see _near_ties.py), or float biases on a near tie of their
    quantization."""
    cases = []
    for i, (name, xs, wsh, G) in enumerate(NEAR_SPECS):
        for j, (xd, wd) in enumerate(DTYPES):
            for scheme in SCHEMES:
                seed = 8000 + 100 * i + 10 * j + SCHEMES.index(scheme)
                rng = np.random.default_rng([TAG, seed])
                Co = wsh[0]
                x, w = rand_q(rng, xs, xd), rand_q(rng, wsh, wd)
                in_zp, w_zp = rand_zero_point(rng, xd), rand_zero_point(rng, wd)
                in_s, out_s = float(log_uniform(rng, 1e-3, 1)), float(log_uniform(rng, 1e-3, 1))
                x, w_s, out_s, bias = nt.weighted_near_ties(
                    rng, scheme, x, in_zp, in_s, out_s, Co,
                    lambda x, w_s: ref.conv2d_accumulators(
                        x, w, None, groups=G, input_scale=in_s, input_zero_point=in_zp,
                        weight_scale=w_s, weight_zero_point=w_zp))
                kw = dict(groups=G, input_scale=in_s, input_zero_point=in_zp, weight_scale=w_s,
                          weight_zero_point=w_zp, output_scale=out_s,
                          output_zero_point=128 if xd == U8 else 0)
                want = ref.conv2d(x, w, bias, **kw)
                assert informative(want, *ref.qrange(xd), min_fraction=0.9)
                params = dict(kind=f"{name}-{scheme}", dt=(xd, wd), **kw)
                cases.append(ConvCase("conv2d", seed, params, (x, w, bias), kw, want))
    for c in cases:
        c.origin = "_near_tie_cases()"
    return cases


NEAR = _near_tie_cases()


@pytest.mark.parametrize("case", NEAR,
                         ids=lambda c: f"s{c.seed}-{c.params['kind']}-{c.id.split('-', 1)[1]}")
@pytest.mark.parametrize("form", ["function", "class"])
def test_conv2d_near_ties(case, form, threads, kernel_family):
    assert_same(run(case, form=form, use_out=False), case.expected, case)


# ---- depthwise kernel paths ----------------------------------------------------------------
# name: dtypes, N, H, W, C, multiplier, kernel, geometry. Channels around the 16-channel blocks,
# the 9- and 25-tap specialisations and other tap counts, shared indirection entries (stride <
# kernel width) and unshared ones (dilation, stride >= kernel), asymmetric padding, width 1.
DW_SPECS = [
    ("3x3-C1", (U8, U8), 2, 6, 5, 1, 1, (3, 3), dict(padding=1)),
    ("3x3-C15", (U8, I8), 1, 7, 6, 15, 1, (3, 3), dict(padding=1)),
    ("3x3-C16", (I8, I8), 1, 5, 7, 16, 1, (3, 3), dict(padding=1)),
    ("3x3-C17", (U8, U8), 2, 6, 6, 17, 1, (3, 3), dict(padding=1)),
    ("3x3-C31", (I8, I8), 1, 6, 5, 31, 1, (3, 3), dict(padding=(0, 1, 2, 1))),
    ("3x3-C33", (U8, I8), 1, 5, 9, 33, 1, (3, 3), dict(padding=(1, 0, 1, 2))),
    ("3x3-C96-s2", (U8, U8), 1, 9, 10, 96, 1, (3, 3), dict(stride=2, padding=(0, 0, 1, 1))),
    ("3x3-C96-s2-i8", (I8, I8), 2, 8, 7, 96, 1, (3, 3), dict(stride=2, padding=1)),
    ("3x3-s21", (U8, I8), 1, 9, 8, 24, 1, (3, 3), dict(stride=(2, 1), padding="same")),
    ("3x3-s12", (I8, I8), 1, 8, 9, 24, 1, (3, 3), dict(stride=(1, 2), padding="same")),
    ("3x3-s3", (U8, U8), 1, 10, 11, 20, 1, (3, 3), dict(stride=3, padding=1)),
    ("3x3-s4", (U8, U8), 1, 10, 11, 20, 1, (3, 3), dict(stride=4, padding=2)),
    ("3x3-dil2", (U8, I8), 1, 9, 9, 17, 1, (3, 3), dict(dilation=2, padding=2)),
    ("3x3-dil12-s2", (I8, I8), 1, 9, 12, 33, 1, (3, 3), dict(dilation=(1, 2), stride=2, padding=(1, 2, 0, 2))),
    ("3x3-W1", (U8, U8), 2, 7, 1, 18, 1, (3, 3), dict(padding=1)),
    ("3x3-H1-W1", (I8, I8), 1, 1, 1, 40, 1, (3, 3), dict(padding=1)),
    ("3x3-valid", (U8, I8), 1, 3, 3, 48, 1, (3, 3), dict()),
    ("5x5-C17", (U8, U8), 1, 9, 8, 17, 1, (5, 5), dict(padding=2)),
    ("5x5-C33-s2", (I8, I8), 2, 11, 9, 33, 1, (5, 5), dict(stride=2, padding="same")),
    ("5x5-C16-asym", (U8, I8), 1, 8, 8, 16, 1, (5, 5), dict(padding=(2, 0, 1, 3))),
    ("5x5-dil2", (U8, U8), 1, 10, 10, 15, 1, (5, 5), dict(dilation=2, padding=4)),
    ("1x1", (U8, U8), 1, 4, 5, 33, 1, (1, 1), dict()),
    ("2x2", (I8, I8), 1, 5, 6, 19, 1, (2, 2), dict(padding=(1, 1, 0, 0))),
    ("7x1", (U8, I8), 1, 9, 4, 31, 1, (7, 1), dict(padding=(3, 0))),
    ("1x7", (U8, U8), 1, 4, 9, 17, 1, (1, 7), dict(padding=(0, 3))),
    ("3x5-s2", (I8, I8), 1, 8, 10, 35, 1, (3, 5), dict(stride=2, padding=(1, 2))),
    ("7x7", (U8, U8), 1, 9, 9, 20, 1, (7, 7), dict(padding=3)),
    ("x2-3x3", (U8, U8), 1, 6, 7, 8, 2, (3, 3), dict(padding=1)),
    ("x2-3x3-C17", (I8, I8), 2, 5, 5, 17, 2, (3, 3), dict(stride=2, padding=1)),
    ("x3-5x5", (U8, I8), 1, 7, 6, 5, 3, (5, 5), dict(padding=2)),
    ("x4-C1", (U8, U8), 1, 5, 5, 1, 4, (3, 3), dict(padding=(0, 1, 1, 0))),
    ("x2-W1", (I8, I8), 1, 6, 1, 9, 2, (3, 3), dict(dilation=2, padding=2)),
    # 3x3 stride 1 over whole 16-channel blocks: the vertical-pair kernel (AVX2), padding
    # columns and rows at both ends, rows of one pixel, one row, >128 channels on wide rows.
    ("v3x3-C16", (U8, U8), 2, 6, 7, 16, 1, (3, 3), dict(padding=1)),
    ("v3x3-C32-asym", (U8, I8), 1, 7, 9, 32, 1, (3, 3), dict(padding=(2, 0, 1, 2))),
    ("v3x3-C48-valid", (I8, I8), 1, 5, 6, 48, 1, (3, 3), dict()),
    ("v3x3-C64-W1", (U8, U8), 1, 5, 1, 64, 1, (3, 3), dict(padding=1)),
    ("v3x3-C16-H1", (I8, I8), 2, 1, 8, 16, 1, (3, 3), dict(padding=(1, 2, 1, 0))),
    ("v3x3-C144-W30", (U8, I8), 1, 3, 30, 144, 1, (3, 3), dict(padding="same")),
    ("v3x3-C160-W9", (I8, I8), 1, 4, 9, 160, 1, (3, 3), dict(padding=1)),
]
DW_ZERO_POINTS = ["random", "min", "max"]


def _depthwise_cases():
    cases = []
    for i, (name, (xd, wd), N, H, W, C, m, k, geo) in enumerate(DW_SPECS):
        for j, zps in enumerate(DW_ZERO_POINTS):
            seed = 6000 + 10 * i + j
            rng = np.random.default_rng([TAG, seed])
            qmin, qmax = ref.qrange(xd)
            wmin, wmax = ref.qrange(wd)
            if zps == "random":
                in_zp, w_zp = rand_zero_point(rng, xd), rand_zero_point(rng, wd)
            elif zps == "min":   # x_zp and w_zp at one end; x drawn near the other
                in_zp, w_zp = qmin, wmax
            else:
                in_zp, w_zp = qmax, wmin
            x = rand_q(rng, (N, H, W, C), xd)
            w = rand_q(rng, (C * m,) + k + (1,), wd)
            if zps != "random":   # the largest |x - x_zp| and |w - w_zp|
                x = np.where(rng.random(x.shape) < 0.6, qmax if zps == "min" else qmin, x).astype(xd)
                w = np.where(rng.random(w.shape) < 0.6, wmin if zps == "min" else wmax, w).astype(wd)
            geom = dict(geo, groups=C)
            qin = dict(input_scale=0.02, input_zero_point=in_zp, weight_scale=0.01, weight_zero_point=w_zp)
            acc = ref.conv2d_accumulators(x, w, None, **geom, **qin)
            bias = rng.integers(-2 * acc.std() - 1, 2 * acc.std() + 2, C * m).astype(np.int32)
            acc = acc + bias
            out_zp = rand_zero_point(rng, xd)
            out_s = float(0.02 * 0.01 * (acc.std() + 1) / 40)
            kw = dict(geom, **qin, output_scale=out_s, output_zero_point=out_zp)
            if j == 1:   # a fused clamp
                kw.update(output_min=max(qmin, out_zp - 30), output_max=min(qmax, out_zp + 50))
            want = ref.conv2d(x, w, bias, **kw)
            params = dict(kind=name, zp=zps, dt=(xd, wd), **{kk: v for kk, v in kw.items() if kk in QKEYS})
            case = ConvCase("conv2d", seed, params, (x, w, bias), kw, want, form="class", use_out=False)
            case.origin = "_depthwise_cases()"
            cases.append(case)
    return cases


DEPTHWISE = _depthwise_cases()


@pytest.mark.parametrize("case", DEPTHWISE, ids=lambda c: f"{c.params['kind']}-{c.params['zp']}")
def test_conv2d_depthwise_paths(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


def _depthwise_bound_cases():
    """3x3 depthwise (4 channels, and 16: the vertical-pair kernel) with every |w - w_zp| = 255 and int32 biases right at the exactness bound
    |bias| + 255·Σ|w - w_zp| <= int32 max (vector path) and one past it (64-bit path), with the
    input zero point at either end so the folded bias x_zp·Σ(w - w_zp) is extreme too."""
    cases = []
    span = 255 * 9 * 255
    for i, (xd, wd), channels in [(i, d, c) for c in (4, 16) for i, d in enumerate(DTYPES)]:
        qmin, qmax = ref.qrange(xd)
        wmin, wmax = ref.qrange(wd)
        for j, (in_zp, w_zp, wv) in enumerate([(qmin, wmax, wmin), (qmax, wmin, wmax),
                                               (qmax, wmax, wmin), (qmin, wmin, wmax)]):
            seed = 6500 + 10 * i + j + (100 if channels == 16 else 0)
            rng = np.random.default_rng([TAG, seed])
            if wd == I8 and abs(int(wv) - int(w_zp)) != 255:
                continue
            x = rand_q(rng, (1, 5, 6, channels), xd)
            w = np.full((channels, 3, 3, 1), wv, wd)
            for past in (0, 1):   # a wrapped sum would flip the saturated outputs
                limit = 2 ** 31 - 1 - span + past
                bias = np.resize(np.array([limit, -limit, limit - 7, 5 - limit], np.int32), channels)
                kw = dict(groups=channels, padding=1, input_scale=1.0, input_zero_point=int(in_zp), weight_scale=1.0,
                          weight_zero_point=int(w_zp), output_scale=float(span / 100),
                          output_zero_point=int((qmin + qmax + 1) // 2))
                want = ref.conv2d(x, w, bias, **kw)
                params = dict(kind="past-bound" if past else "at-bound", dt=(xd, wd),
                              **{k: v for k, v in kw.items() if k in QKEYS})
                case = ConvCase("conv2d", seed, params, (x, w, bias), kw, want, form="class", use_out=False)
                case.origin = "_depthwise_bound_cases()"
                cases.append(case)
    return cases


DEPTHWISE_BOUND = _depthwise_bound_cases()


@pytest.mark.parametrize("case", DEPTHWISE_BOUND, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_conv2d_depthwise_exactness_bound(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


# ---- prepacked reuse -----------------------------------------------------------------------
REUSE = {
    "dense3x3-pad1": ((16, 3, 3, 8), 1, dict(padding=1), U8, U8),
    "dense1x1": ((33, 1, 1, 17), 1, dict(), U8, I8),
    "grouped-stride2": ((6, 3, 3, 3), 2, dict(stride=2, padding="same"), I8, I8),
    "depthwise-x2-dil2": ((14, 3, 3, 1), 7, dict(dilation=2, padding=2), U8, I8),
    "depthwise-5x5": ((32, 5, 5, 1), 32, dict(padding=(2, 1)), U8, U8),
}


@pytest.mark.parametrize("name", list(REUSE))
def test_conv2d_prepacked_reuse(name, threads, kernel_family):
    wshape, G, geo, xd, wd = REUSE[name]
    rng = np.random.default_rng([TAG, 7, len(name)])
    w = rand_q(rng, wshape, wd)
    Co = wshape[0]
    bias = rng.integers(-5000, 5000, Co).astype(np.int32)
    kw = dict(geo, groups=G, input_scale=0.02, input_zero_point=rand_zero_point(rng, xd),
              weight_scale=log_uniform(rng, 0.005, 0.02, Co), weight_zero_point=0,
              output_scale=0.5, output_zero_point=rand_zero_point(rng, xd))
    acc_kw = {k: v for k, v in kw.items() if k not in ("output_scale", "output_zero_point")}
    a = ref.conv2d_accumulators(rand_q(rng, (1, 8, 8, G * wshape[3]), xd), w, bias, **acc_kw)
    kw["output_scale"] = float((a * 0.02 * kw["weight_scale"]).std() / 40 + 1e-6)
    op = qs.Conv2d(w, bias, **kw)
    for n, h, wd_ in [(1, 8, 8), (3, 5, 11), (2, 13, 7), (1, 8, 8)]:
        x = rand_q(rng, (n, h, wd_, G * wshape[3]), xd)
        want = ref.conv2d(x, w, bias, **kw)
        assert_same(op(x), want, None)
        out = np.empty_like(want)
        assert op(x, out=out) is out
        assert_same(out, want, None)


def test_conv2d_prepacked_concurrent_calls(kernel_family):
    """One operator run from several Python threads at once (the GIL is released)."""
    rng = np.random.default_rng([TAG, 8])
    w = rand_q(rng, (32, 3, 3, 16), I8)
    kw = dict(padding=1, input_scale=0.05, input_zero_point=128, weight_scale=0.01,
              weight_zero_point=0, output_scale=3.0, output_zero_point=128)
    op = qs.Conv2d(w, None, **kw)
    xs = [rand_q(rng, (1, 24, 24, 16), U8) for _ in range(4)]
    wants = [ref.conv2d(x, w, None, **kw) for x in xs]
    results = [None] * len(xs)
    errors = []

    def worker(i):
        try:
            for _ in range(5):
                results[i] = op(xs[i])
                assert np.array_equal(results[i], wants[i])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(len(xs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    for r, want in zip(results, wants):
        assert_same(r, want)


# ---- empty batch, clamp bounds outside the dtype range, input immutability ---------------------
@pytest.mark.parametrize("form", ["function", "class"])
def test_conv2d_empty_batch(form):
    x = np.zeros((0, 7, 6, 4), np.uint8)
    w = np.ones((6, 3, 3, 2), np.int8)
    kw = dict(groups=2, stride=2, padding=1, input_scale=0.5, input_zero_point=3,
              weight_scale=0.5, weight_zero_point=0, output_scale=1.0, output_zero_point=0)
    got = qs.conv2d(x, w, None, **kw) if form == "function" else qs.Conv2d(w, None, **kw)(x)
    assert isinstance(got, np.ndarray) and got.dtype == np.uint8 and got.shape == (0, 4, 3, 6)


def test_conv2d_clamp_bounds_beyond_the_dtype_range():
    """§3: lo = max(qmin, output_min), hi = min(qmax, output_max)."""
    rng = np.random.default_rng([TAG, 9])
    x = rand_q(rng, (1, 6, 6, 3), U8)
    w = rand_q(rng, (4, 3, 3, 3), I8)
    kw = dict(input_scale=0.1, input_zero_point=128, weight_scale=0.01, weight_zero_point=0,
              output_scale=0.05, output_zero_point=128)
    want = ref.conv2d(x, w, None, **kw)
    assert_same(qs.conv2d(x, w, None, **kw, output_min=-50, output_max=300), want)


# Outputs whose |acc · multiplier| passes 2^31 (_support.beyond_int32), one case per kernel
# family that requantizes: pointwise (int16 rows; Winograd inner product at >= 32
# channels), im2col patches, general indirect GEMM, depthwise (vertical 3x3 and general).
_BEYOND_INT32 = [  # name, x shape, weight shape, groups, stride
    ("pointwise", (1, 5, 7, 8), (24, 1, 1, 8), 1, 1),
    ("pointwise-dot", (1, 5, 7, 40), (48, 1, 1, 40), 1, 1),
    ("patches", (1, 9, 9, 3), (16, 3, 3, 3), 1, 2),
    ("indirect", (2, 6, 6, 12), (20, 3, 3, 12), 1, 1),
    ("depthwise-3x3", (1, 6, 30, 32), (32, 3, 3, 1), 32, 1),
    ("depthwise-5x5", (1, 7, 7, 16), (16, 5, 5, 1), 16, 2),
]


@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: f"{d[0]}-{d[1]}")
@pytest.mark.parametrize("name,xs,ws,groups,stride", _BEYOND_INT32, ids=[c[0] for c in _BEYOND_INT32])
def test_conv2d_outputs_beyond_int32_saturate(name, xs, ws, groups, stride, dt, threads, kernel_family):
    x, w, q, check = beyond_int32(np.random.default_rng([TAG, 11, len(name)]), xs, ws, dt)
    kw = dict(q, stride=stride, padding=1, groups=groups)
    want = ref.conv2d(x, w, None, **kw)
    check(want)
    assert_same(qs.conv2d(x, w, None, **kw), want)
    assert_same(qs.Conv2d(w, None, **kw)(x), want)


@pytest.mark.parametrize("form", ["function", "class"])
def test_conv2d_does_not_modify_inputs(form):
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (2, 6, 6, 4), U8))
    w = rand_q(rng, (6, 3, 3, 2), I8)
    bias = rng.normal(0, 1, 6).astype(np.float32)
    ws = np.full(6, 0.01, np.float32)
    wz = np.zeros(6, np.int32)
    before = snapshot(x, w, bias, ws, wz)
    kw = dict(groups=2, padding="same", input_scale=0.1, input_zero_point=128, weight_scale=ws,
              weight_zero_point=wz, output_scale=0.05, output_zero_point=128)
    if form == "function":
        got = qs.conv2d(x, w, bias, **kw)
    else:
        got = qs.Conv2d(w, bias, **kw)(x)
    assert_same(got, ref.conv2d(x, w, bias, **kw))
    assert_unchanged(before, (x, w, bias, ws, wz), ("x", "weight", "bias", "weight_scale",
                                                    "weight_zero_point"))


# ---- errors --------------------------------------------------------------------------------
X_NAME = r"(?i)\bx\b|input"
DT_X = r"(?i)\bx\b|input|dtype|u?int8"
WIN = r"(?i)kernel|window|padd|input|\bx\b|weight|size"
ZERO_X = r"(?i)\bx\b|input|channel|size|empty|zero|height|width"
OUT_MM = r"output_m(in|ax)"

_X = np.full((1, 5, 5, 4), 100, np.uint8)
_W = np.ones((6, 3, 3, 4), np.uint8)


def _bad_cases():
    c = []

    def add(name, exc, match, **changes):
        c.append(pytest.param(changes, exc, match, id=name))

    add("x-float32", TypeError, DT_X, x=_X.astype(np.float32))
    add("x-int16", TypeError, DT_X, x=_X.astype(np.int16))
    add("x-int8-with-uint8-weight", TypeError, r"(?i)weight|\bx\b|input|dtype|int8",
        x=_X.view(np.int8), input_zero_point=0, output_zero_point=0)
    add("weight-float32", TypeError, r"(?i)weight", w=_W.astype(np.float32))
    add("weight-int32", TypeError, r"(?i)weight", w=_W.astype(np.int32))
    add("bias-complex", TypeError, r"(?i)bias", bias=np.zeros(6, np.complex64))
    add("out-dtype", TypeError, r"\bout\b", out=np.empty((1, 5, 5, 6), np.int8))
    add("out-shape", ValueError, r"\bout\b", out=np.empty((1, 5, 5, 5), np.uint8))
    add("x-rank3", ValueError, X_NAME, x=_X[0])
    add("x-rank5", ValueError, X_NAME, x=_X[None])
    add("weight-rank3", ValueError, r"(?i)weight", w=_W[..., 0])
    add("channel-mismatch", ValueError, r"(?i)channel|weight|\bx\b|input|groups",
        x=np.full((1, 5, 5, 3), 100, np.uint8))
    add("groups-not-dividing-C_out", ValueError, r"(?i)groups",
        w=np.ones((5, 3, 3, 2), np.uint8), groups=2, bias=np.zeros(5, np.int32))
    add("groups-zero", ValueError, r"(?i)groups", groups=0)
    add("groups-negative", ValueError, r"(?i)groups", groups=-2)
    add("bias-length", ValueError, r"(?i)bias", bias=np.zeros(5, np.int32))
    add("bias-rank2", ValueError, r"(?i)bias", bias=np.zeros((6, 1), np.int32))
    for name in ("input_scale", "weight_scale", "output_scale"):
        for v in (0.0, -0.5, float("nan"), float("inf"), float("-inf")):
            add(f"{name}={v}", ValueError, name, **{name: v})
    add("weight_scale-per-channel-zero", ValueError, "weight_scale",
        weight_scale=np.array([0.25] * 5 + [0.0], np.float32))
    add("weight_scale-per-channel-nan", ValueError, "weight_scale",
        weight_scale=np.array([0.25] * 5 + [np.nan], np.float32))
    add("weight_scale-per-channel-inf", ValueError, "weight_scale",
        weight_scale=np.array([np.inf] + [0.25] * 5))
    add("weight_scale-length", ValueError, "weight_scale", weight_scale=np.full(5, 0.25))
    add("weight_scale-rank2", ValueError, "weight_scale", weight_scale=np.full((6, 1), 0.25))
    for v in (256, -1, 1000):
        add(f"input_zero_point={v}", ValueError, "input_zero_point", input_zero_point=v)
        add(f"weight_zero_point={v}", ValueError, "weight_zero_point", weight_zero_point=v)
        add(f"output_zero_point={v}", ValueError, "output_zero_point", output_zero_point=v)
    for v in (128, -129):
        add(f"int8-input_zero_point={v}", ValueError, "input_zero_point",
            x=_X.view(np.int8), w=_W.view(np.int8), input_zero_point=v, weight_zero_point=0,
            output_zero_point=0)
        add(f"int8-weight_zero_point={v}", ValueError, "weight_zero_point",
            w=_W.view(np.int8), weight_zero_point=v)
        add(f"int8-output_zero_point={v}", ValueError, "output_zero_point",
            x=_X.view(np.int8), w=_W.view(np.int8), input_zero_point=0, weight_zero_point=0,
            output_zero_point=v)
    add("weight_zero_point-per-channel-out-of-range", ValueError, "weight_zero_point",
        weight_zero_point=np.array([0, 0, 0, 0, 0, 300], np.int32))
    add("weight_zero_point-length", ValueError, "weight_zero_point",
        weight_zero_point=np.zeros(4, np.int32))
    for v in (0, -1, (1, 0), (0, 2)):
        add(f"stride={v}", ValueError, "stride", stride=v)
    for v in (0, -2, (1, 0)):
        add(f"dilation={v}", ValueError, "dilation", dilation=v)
    for v in (-1, (-1, 0), (0, 0, 0, -1), (1, 1, 1), "bogus"):
        add(f"padding={v}", ValueError, "padding", padding=v)
    add("window-larger-than-input", ValueError, WIN, x=np.zeros((1, 2, 2, 4), np.uint8), padding=0)
    add("dilated-window-larger-than-padded-input", ValueError, WIN, dilation=4)
    add("x-zero-channels", ValueError, ZERO_X, x=np.zeros((1, 5, 5, 0), np.uint8),
        w=np.ones((6, 3, 3, 0), np.uint8))
    add("x-zero-height", ValueError, ZERO_X, x=np.zeros((1, 0, 5, 4), np.uint8))
    add("x-zero-width", ValueError, ZERO_X, x=np.zeros((1, 5, 0, 4), np.uint8))
    add("weight-zero-C_out", ValueError, r"(?i)weight|C_out|channel",
        w=np.ones((0, 3, 3, 4), np.uint8), bias=None)
    add("weight-zero-kernel", ValueError, r"(?i)weight|kernel", w=np.ones((6, 0, 3, 4), np.uint8))
    add("output_min>output_max", ValueError, OUT_MM, output_min=200, output_max=100)
    add("only-output_scale", (TypeError, ValueError), "output_zero_point", output_zero_point=...)
    add("only-output_zero_point", (TypeError, ValueError), "output_scale", output_scale=...)
    return c


def _call(form, changes):
    return call_weighted(qs.conv2d, qs.Conv2d, form, changes, _X, _W, np.zeros(6, np.int32),
                         stride=1, padding=1, dilation=1, groups=1, input_scale=0.5,
                         input_zero_point=128, weight_scale=0.25, weight_zero_point=100,
                         output_scale=1.0, output_zero_point=128)


@pytest.mark.parametrize("form", ["function", "class"])
@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_conv2d_rejects(form, changes, exc, match):
    with pytest.raises(exc, match=match):
        _call(form, dict(changes))


def test_conv2d_base_error_call_is_valid():
    for form in ("function", "class"):
        out = _call(form, {})
        assert out.shape == (1, 5, 5, 6) and out.dtype == np.uint8


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(w=_W.astype(np.float32)), TypeError, "weight", id="weight-dtype"),
    pytest.param(dict(weight_scale=0.0), ValueError, "weight_scale", id="weight_scale"),
    pytest.param(dict(input_zero_point=300), ValueError, "input_zero_point", id="input_zp"),
    pytest.param(dict(output_min=9, output_max=3), ValueError, OUT_MM, id="clamp"),
    pytest.param(dict(stride=0), ValueError, "stride", id="stride"),
    pytest.param(dict(bias=np.zeros(2, np.int32)), ValueError, "bias", id="bias"),
])
def test_Conv2d_constructor_validates(changes, exc, match):
    changes = dict(changes)
    w = changes.pop("w", _W)
    bias = changes.pop("bias", None)
    kw = dict(padding=1, input_scale=0.5, input_zero_point=128, weight_scale=0.25,
              weight_zero_point=100, output_scale=1.0, output_zero_point=128)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.Conv2d(w, bias, **kw)

"""Guards qnnpack_swift.reference (the definition of parity) against slow, obviously correct
pure-Python loops written straight from API.md §3, and against hand-computed values.

The loops use Python integers for accumulators, NumPy float32 *scalars* for the float32
steps and Python's round() (half to even) for rint, so they share no vectorised code with
the reference. This file does not need the native module.
"""
import math

import numpy as np
import pytest

from _choose_qparams_table import TABLE, expected, row_id
from _support import ref

f32 = np.float32


# ---------------------------------------------------------------------------------------
# naive definitions
# ---------------------------------------------------------------------------------------
def qr(dtype):
    return (0, 255) if np.dtype(dtype) == np.uint8 else (-128, 127)


def lohi(dtype, omin, omax):
    qmin, qmax = qr(dtype)
    return max(qmin, qmin if omin is None else omin), min(qmax, qmax if omax is None else omax)


def finish(y, zp, lo, hi):
    """clamp(rint(y) + zp, lo, hi) for one float32 scalar y."""
    assert isinstance(y, np.float32)
    if math.isinf(y):
        return hi if y > 0 else lo
    return min(max(round(float(y)) + zp, lo), hi)


def per_channel(v, n):
    v = np.asarray(v)
    return [v.item()] * n if v.ndim == 0 else [e.item() for e in v]


def pads4(padding, H, W, KH, KW, sh, sw, dh, dw):
    if padding == "same":
        out = []
        for n, k, s, d in ((H, KH, sh, dh), (W, KW, sw, dw)):
            o = math.ceil(n / s)
            total = max(0, (o - 1) * s + (k - 1) * d + 1 - n)
            out.append((total // 2, total - total // 2))
        return out[0][0], out[1][0], out[0][1], out[1][1]
    if isinstance(padding, int):
        return (padding,) * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    return tuple(padding)


def two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_bias(bias, in_s, ws, n):
    if bias is None:
        return [0] * n
    b = np.asarray(bias)
    if b.dtype == np.int32:
        return [int(v) for v in b]
    out = []
    for c in range(n):
        v = f32(b[c]) / f32(f32(in_s) * f32(ws[c]))
        out.append(min(max(round(float(v)), -2 ** 31), 2 ** 31 - 1) if not math.isinf(v)
                   else (2 ** 31 - 1 if v > 0 else -2 ** 31))
    return out


def naive_conv2d(x, w, bias, stride, padding, dilation, groups, in_s, in_zp, w_s, w_zp,
                 out_s, out_zp, omin=None, omax=None):
    N, H, W, C = x.shape
    Co, KH, KW, Cg = w.shape
    sh, sw = two(stride)
    dh, dw = two(dilation)
    pt, pl, pb, pr = pads4(padding, H, W, KH, KW, sh, sw, dh, dw)
    OH = (H + pt + pb - dh * (KH - 1) - 1) // sh + 1
    OW = (W + pl + pr - dw * (KW - 1) - 1) // sw + 1
    Cog = Co // groups
    ws, wz = per_channel(w_s, Co), per_channel(w_zp, Co)
    bq = naive_bias(bias, in_s, ws, Co)
    lo, hi = lohi(x.dtype, omin, omax)
    out = np.zeros((N, OH, OW, Co), dtype=x.dtype)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for oc in range(Co):
                    g = oc // Cog
                    acc = bq[oc]
                    for kh in range(KH):
                        ih = oh * sh - pt + kh * dh
                        if not 0 <= ih < H:
                            continue
                        for kw in range(KW):
                            iw = ow * sw - pl + kw * dw
                            if not 0 <= iw < W:
                                continue
                            for ic in range(Cg):
                                acc += (int(x[n, ih, iw, g * Cg + ic]) - in_zp) * \
                                       (int(w[oc, kh, kw, ic]) - wz[oc])
                    m = f32(f32(in_s) * f32(ws[oc])) / f32(out_s)
                    out[n, oh, ow, oc] = finish(f32(acc) * m, out_zp, lo, hi)
    return out


def naive_linear(x, w, bias, in_s, in_zp, w_s, w_zp, out_s, out_zp, omin=None, omax=None):
    Co, K = w.shape
    lead = x.shape[:-1]
    xf = x.reshape(-1, K)
    ws, wz = per_channel(w_s, Co), per_channel(w_zp, Co)
    bq = naive_bias(bias, in_s, ws, Co)
    lo, hi = lohi(x.dtype, omin, omax)
    out = np.zeros((xf.shape[0], Co), dtype=x.dtype)
    for r in range(xf.shape[0]):
        for c in range(Co):
            acc = bq[c] + sum((int(xf[r, k]) - in_zp) * (int(w[c, k]) - wz[c]) for k in range(K))
            m = f32(f32(in_s) * f32(ws[c])) / f32(out_s)
            out[r, c] = finish(f32(acc) * m, out_zp, lo, hi)
    return out.reshape(lead + (Co,))


def naive_pool(x, kernel, stride, padding, dilation, kind, count_include_pad=True,
               in_s=1.0, in_zp=0, out_s=1.0, out_zp=0, omin=None, omax=None):
    N, H, W, C = x.shape
    KH, KW = two(kernel)
    sh, sw = (KH, KW) if stride is None else two(stride)
    dh, dw = two(dilation)
    pt, pl, pb, pr = pads4(padding, H, W, KH, KW, sh, sw, dh, dw)
    OH = (H + pt + pb - dh * (KH - 1) - 1) // sh + 1
    OW = (W + pl + pr - dw * (KW - 1) - 1) // sw + 1
    lo, hi = lohi(x.dtype, omin, omax)
    out = np.zeros((N, OH, OW, C), dtype=x.dtype)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for c in range(C):
                    vals = []
                    for kh in range(KH):
                        for kw in range(KW):
                            ih, iw = oh * sh - pt + kh * dh, ow * sw - pl + kw * dw
                            if 0 <= ih < H and 0 <= iw < W:
                                vals.append(int(x[n, ih, iw, c]))
                    if kind == "max":
                        out[n, oh, ow, c] = min(max(max(vals), lo), hi)
                    else:
                        acc = sum(v - in_zp for v in vals)
                        div = KH * KW if count_include_pad else len(vals)
                        m = f32(in_s) / (f32(out_s) * f32(div))
                        out[n, oh, ow, c] = finish(f32(acc) * m, out_zp, lo, hi)
    return out


# ---------------------------------------------------------------------------------------
# hand-computed values
# ---------------------------------------------------------------------------------------
def test_conv2d_hand_computed():
    x = np.array([130, 120], dtype=np.uint8).reshape(1, 1, 1, 2)
    w = np.array([2, -3], dtype=np.int8).reshape(1, 1, 1, 2)
    # acc = 10 + (130-128)*2 + (120-128)*(-3) = 38; m = 0.5*0.25/1 = 0.125; y = 4.75 -> 5
    out = ref.conv2d(x, w, np.array([10], np.int32), input_scale=0.5, input_zero_point=128,
                     weight_scale=0.25, weight_zero_point=0, output_scale=1.0,
                     output_zero_point=100)
    assert out.dtype == np.uint8 and out.shape == (1, 1, 1, 1) and out.item() == 105
    # ties round half to even: acc 20 -> 2.5 -> 2, acc 28 -> 3.5 -> 4
    for bias, want in ((-8, 102), (0, 104)):
        out = ref.conv2d(x, w, np.array([bias], np.int32), input_scale=0.5,
                         input_zero_point=128, weight_scale=0.25, weight_zero_point=0,
                         output_scale=1.0, output_zero_point=100)
        assert out.item() == want
    # float bias: 1.1 / (0.5*0.25) = 8.8 -> 9; acc = 9 + 28 = 37 -> 4.625 -> 5
    out = ref.conv2d(x, w, np.array([1.1], np.float32), input_scale=0.5, input_zero_point=128,
                     weight_scale=0.25, weight_zero_point=0, output_scale=1.0,
                     output_zero_point=100)
    assert out.item() == 105


def test_padding_holds_the_zero_point():
    # 3x3 kernel of ones over a 1x1 input with padding 1: only the centre tap sees x.
    x = np.full((1, 1, 1, 1), 200, np.uint8)
    w = np.ones((1, 3, 3, 1), np.uint8)
    out = ref.conv2d(x, w, None, padding=1, input_scale=1.0, input_zero_point=100,
                     weight_scale=1.0, weight_zero_point=0, output_scale=1.0,
                     output_zero_point=0)
    assert out.item() == 100


def test_same_padding_is_tensorflow_same():
    assert ref.conv_padding("same", (5, 5), (3, 3), 1, 1) == (1, 1, 1, 1)
    # the extra row / column goes to the bottom / right
    assert ref.conv_padding("same", (5, 6), (2, 2), 1, 1) == (0, 0, 1, 1)
    assert ref.conv_padding("same", (7, 8), (3, 3), 2, 1) == (1, 0, 1, 1)     # out 4x4
    assert ref.conv_padding("same", (5, 5), (3, 3), 1, 2) == (2, 2, 2, 2)     # dilated kernel 5
    assert ref.conv_padding("same", (9, 9), (1, 1), 3, 1) == (0, 0, 0, 0)
    assert ref.conv_padding((1, 2), (5, 5), (3, 3)) == (1, 2, 1, 2)
    assert ref.conv_padding((1, 2, 3, 4), (5, 5), (3, 3)) == (1, 2, 3, 4)


def test_requantization_multiplier_is_float32():
    # m = fl32(fl32(0.1) * fl32(0.3)) / fl32(0.7); y = fl32(acc) * m, all in float32
    acc = 12345
    m = f32(f32(0.1) * f32(0.3)) / f32(0.7)
    y = f32(acc) * m
    x = np.full((1, 1), 1, np.uint8)
    w = np.full((1, 1), 1, np.uint8)
    out = ref.linear(x, w, np.array([acc], np.int32), input_scale=0.1, input_zero_point=1,
                     weight_scale=0.3, weight_zero_point=1, output_scale=0.7,
                     output_zero_point=0, output_min=None)
    assert out.item() == min(round(float(y)), 255)


def test_avg_pool_hand_computed():
    x = np.array([1, 2, 3, 4], np.uint8).reshape(1, 2, 2, 1)
    out = ref.avg_pool2d(x, 2, input_scale=1.0, input_zero_point=0, output_scale=1.0,
                         output_zero_point=0)
    assert out.item() == 2            # 10/4 = 2.5 -> 2 (half to even)
    x = np.array([1, 2, 3, 6], np.uint8).reshape(1, 2, 2, 1)
    assert ref.avg_pool2d(x, 2, input_scale=1.0, input_zero_point=0, output_scale=1.0,
                          output_zero_point=0).item() == 3
    # count_include_pad=False divides by the valid count: corner window of a 2x2 input
    x = np.array([8, 8, 8, 8], np.uint8).reshape(1, 2, 2, 1)
    a = ref.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=True, input_scale=1.0,
                       input_zero_point=0, output_scale=1.0, output_zero_point=0)
    b = ref.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False, input_scale=1.0,
                       input_zero_point=0, output_scale=1.0, output_zero_point=0)
    assert a[0, :, :, 0].tolist() == [[2, 4, 2], [4, 8, 4], [2, 4, 2]]
    assert b[0, :, :, 0].tolist() == [[8, 8, 8], [8, 8, 8], [8, 8, 8]]


def test_max_pool_ignores_padding():
    x = np.full((1, 2, 2, 1), -128, np.int8)
    out = ref.max_pool2d(x, 2, stride=1, padding=1)
    assert out.shape == (1, 3, 3, 1) and (out == -128).all()
    x = np.array([[1, 9], [5, 3]], np.uint8).reshape(1, 2, 2, 1)
    assert ref.max_pool2d(x, 2).item() == 9
    assert ref.max_pool2d(x, 2, output_max=4).item() == 4


def test_add_hand_computed():
    a = np.array([3, 7], np.uint8)
    b = np.array([2], np.uint8)
    # ma = 0.5, mb = 0.25: 1.5 + 0.5 = 2; 3.5 + 0.5 = 4
    out = ref.add(a, b, a_scale=0.5, a_zero_point=0, b_scale=0.25, b_zero_point=0,
                  output_scale=1.0, output_zero_point=0)
    assert out.tolist() == [2, 4]
    # 0.5*1 + 0 = 0.5 -> 0; 0.5*3 = 1.5 -> 2 (half to even)
    out = ref.add(np.array([1, 3], np.uint8), np.array(0, np.uint8), a_scale=0.5,
                  a_zero_point=0, b_scale=1.0, b_zero_point=0, output_scale=1.0,
                  output_zero_point=0)
    assert out.tolist() == [0, 2]
    z = ref.add(np.array(5, np.int8), np.array(-5, np.int8), a_scale=1.0, a_zero_point=0,
                b_scale=1.0, b_zero_point=0, output_scale=1.0, output_zero_point=3)
    assert isinstance(z, np.ndarray) and z.shape == () and z.item() == 3


def test_quantize_hand_computed():
    x = np.array([0.0, 0.25, 0.75, -0.25, 100.0, -100.0, np.inf, -np.inf], np.float32)
    q = ref.quantize(x, 0.5, 10, dtype=np.uint8)
    # 0.5 -> 0 (even), 1.5 -> 2, -0.5 -> -0
    assert q.tolist() == [10, 10, 12, 10, 210, 0, 255, 0]
    q = ref.quantize(np.array([1.0, 1.0], np.float32), np.array([0.5, 0.25]), np.array([0, -3]),
                     dtype=np.int8, axis=0)
    assert q.tolist() == [2, 1]
    d = ref.dequantize(np.array([0, 255], np.uint8), 0.5, 128)
    assert d.dtype == np.float32 and d.tolist() == [-64.0, 63.5]
    r = ref.requantize(np.array([0, 1, 3, 255], np.uint8), 0.5, 0, 1.0, 0)
    assert r.dtype == np.uint8 and r.tolist() == [0, 0, 2, 128]
    r = ref.requantize(np.array([0, 255], np.uint8), 1.0, 128, 1.0, 0, dtype=np.int8)
    assert r.dtype == np.int8 and r.tolist() == [-128, 127]


@pytest.mark.parametrize("row", TABLE, ids=[row_id(r) for r in TABLE])
def test_choose_qparams_table(row):
    mn, mx, dtype, sym, rr = row[:5]
    want = expected(row)
    assert ref.choose_qparams((mn, mx), dtype=dtype, symmetric=sym, reduce_range=rr) == want
    x = np.array([mx, mn, (mn + mx) / 2], np.float32)
    assert ref.choose_qparams(x, dtype=dtype, symmetric=sym, reduce_range=rr) == want


# ---------------------------------------------------------------------------------------
# random small cases against the loops
# ---------------------------------------------------------------------------------------
def _scale(rng):
    return float(np.exp(rng.uniform(np.log(1e-3), np.log(10))))


def _zp(rng, dtype):
    qmin, qmax = qr(dtype)
    return int(rng.choice([qmin, qmax, (qmin + qmax + 1) // 2, rng.integers(qmin, qmax + 1)]))


def _q(rng, shape, dtype):
    qmin, qmax = qr(dtype)
    return rng.integers(qmin, qmax + 1, size=shape).astype(dtype)


def _conv_case(seed):
    rng = np.random.default_rng([77, seed])
    xd, wd = [(np.uint8, np.uint8), (np.uint8, np.int8), (np.int8, np.int8)][seed % 3]
    KH, KW = [(1, 1), (3, 3), (2, 3), (3, 1), (5, 5)][int(rng.integers(5))]
    mode = ["1", "2", "dw", "dw2"][int(rng.integers(4))]
    if mode == "1":
        G, Cg, Cog = 1, int(rng.integers(1, 4)), int(rng.integers(1, 4))
    elif mode == "2":
        G, Cg, Cog = 2, int(rng.integers(1, 3)), int(rng.integers(1, 3))
    else:
        G, Cg, Cog = int(rng.integers(1, 4)), 1, 1 if mode == "dw" else 2
    def int_or_pair(hi):
        if rng.random() < 0.5:
            return int(rng.integers(1, hi))
        return tuple(int(v) for v in rng.integers(1, 4, 2))

    stride, dilation = int_or_pair(4), int_or_pair(3)
    padding = [0, 1, (1, 2), (0, 1, 2, 1), "same"][int(rng.integers(5))]
    dh, dw = two(dilation)
    H = max(1, dh * (KH - 1) + 1 - 2) + int(rng.integers(0, 4))
    W = max(1, dw * (KW - 1) + 1 - 2) + int(rng.integers(0, 4))
    sh, sw = two(stride)
    pt, pl, pb, pr = pads4(padding, H, W, KH, KW, sh, sw, dh, dw)
    if H + pt + pb < dh * (KH - 1) + 1 or W + pl + pr < dw * (KW - 1) + 1:
        padding = "same"
    N = int(rng.integers(1, 3))
    x = _q(rng, (N, H, W, G * Cg), xd)
    w = _q(rng, (G * Cog, KH, KW, Cg), wd)
    Co = G * Cog
    in_s = _scale(rng)
    w_s = _scale(rng) if rng.random() < 0.5 else np.exp(rng.uniform(-5, 1, Co))
    w_zp = _zp(rng, wd) if rng.random() < 0.5 else np.array([_zp(rng, wd) for _ in range(Co)])
    kind = int(rng.integers(3))
    bias = None if kind == 0 else (rng.integers(-3000, 3000, Co).astype(np.int32) if kind == 1
                                   else rng.normal(0, 1, Co).astype(np.float32))
    omin, omax = [(None, None), (_zp(rng, xd), None), (None, _zp(rng, xd))][int(rng.integers(3))]
    if omin is not None and omax is not None and omin > omax:
        omin, omax = omax, omin
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=G, input_scale=in_s,
              input_zero_point=_zp(rng, xd), weight_scale=w_s, weight_zero_point=w_zp,
              output_scale=_scale(rng) * 0.05, output_zero_point=_zp(rng, xd),
              output_min=omin, output_max=omax)
    return x, w, bias, kw


@pytest.mark.parametrize("seed", range(60))
def test_conv2d_matches_loops(seed):
    x, w, bias, kw = _conv_case(seed)
    got = ref.conv2d(x, w, bias, **kw)
    want = naive_conv2d(x, w, bias, kw["stride"], kw["padding"], kw["dilation"], kw["groups"],
                        kw["input_scale"], kw["input_zero_point"], kw["weight_scale"],
                        kw["weight_zero_point"], kw["output_scale"], kw["output_zero_point"],
                        kw["output_min"], kw["output_max"])
    assert got.dtype == want.dtype and got.shape == want.shape, (got.shape, want.shape, kw)
    assert np.array_equal(got, want), kw


@pytest.mark.parametrize("seed", range(30))
def test_linear_matches_loops(seed):
    rng = np.random.default_rng([78, seed])
    xd, wd = [(np.uint8, np.uint8), (np.uint8, np.int8), (np.int8, np.int8)][seed % 3]
    K, Co = int(rng.integers(1, 20)), int(rng.integers(1, 6))
    lead = [(), (3,), (2, 2)][seed % 3]
    x = _q(rng, lead + (K,), xd)
    w = _q(rng, (Co, K), wd)
    bias = [None, rng.integers(-500, 500, Co).astype(np.int32),
            rng.normal(0, 2, Co)][int(rng.integers(3))]
    w_s = _scale(rng) if seed % 2 else np.exp(rng.uniform(-4, 1, Co))
    w_zp = _zp(rng, wd) if seed % 4 < 2 else np.array([_zp(rng, wd) for _ in range(Co)])
    args = dict(input_scale=_scale(rng), input_zero_point=_zp(rng, xd), weight_scale=w_s,
                weight_zero_point=w_zp, output_scale=_scale(rng), output_zero_point=_zp(rng, xd))
    got = ref.linear(x, w, bias, **args)
    want = naive_linear(x, w, bias, args["input_scale"], args["input_zero_point"], w_s, w_zp,
                        args["output_scale"], args["output_zero_point"])
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want), args


@pytest.mark.parametrize("seed", range(40))
def test_pooling_matches_loops(seed):
    rng = np.random.default_rng([79, seed])
    dtype = [np.uint8, np.int8][seed % 2]
    k = [1, 2, 3, (2, 3), (3, 1)][int(rng.integers(5))]
    KH, KW = two(k)
    stride = [None, 1, 2, (1, 2), 3][int(rng.integers(5))]
    padding = (int(rng.integers(0, KH // 2 + 1)), int(rng.integers(0, KW // 2 + 1)))
    dilation = [1, 2, (1, 2)][int(rng.integers(3))]
    dh, dw = two(dilation)
    x = _q(rng, (int(rng.integers(1, 3)), dh * (KH - 1) + 1 + int(rng.integers(0, 4)),
                 dw * (KW - 1) + 1 + int(rng.integers(0, 4)), int(rng.integers(1, 4))), dtype)
    omin, omax = [(None, None), (0, None), (-20, 100)][int(rng.integers(3))]
    got = ref.max_pool2d(x, k, stride, padding, dilation, output_min=omin, output_max=omax)
    want = naive_pool(x, k, stride, padding, dilation, "max", omin=omin, omax=omax)
    assert got.shape == want.shape and np.array_equal(got, want)
    q = dict(in_s=_scale(rng), in_zp=_zp(rng, dtype), out_s=_scale(rng), out_zp=_zp(rng, dtype))
    for cip in (True, False):
        got = ref.avg_pool2d(x, k, stride, padding, count_include_pad=cip,
                             input_scale=q["in_s"], input_zero_point=q["in_zp"],
                             output_scale=q["out_s"], output_zero_point=q["out_zp"],
                             output_min=omin, output_max=omax)
        want = naive_pool(x, k, stride, padding, 1, "avg", cip, omin=omin, omax=omax, **q)
        assert got.shape == want.shape and np.array_equal(got, want), (cip, q)
    got = ref.global_avg_pool2d(x, input_scale=q["in_s"], input_zero_point=q["in_zp"],
                                output_scale=q["out_s"], output_zero_point=q["out_zp"])
    want = naive_pool(x, (x.shape[1], x.shape[2]), 1, 0, 1, "avg", True, **q)
    assert np.array_equal(got, want.reshape(x.shape[0], x.shape[3]))


@pytest.mark.parametrize("seed", range(30))
def test_elementwise_matches_loops(seed):
    rng = np.random.default_rng([80, seed])
    dtype = [np.uint8, np.int8][seed % 2]
    shapes = [((2, 3), (3,)), ((), (2, 2)), ((2, 1, 3), (4, 1)), ((1,), ()), ((3, 1), (1, 4))]
    sa, sb = shapes[seed % len(shapes)]
    a, b = _q(rng, sa, dtype), _q(rng, sb, dtype)
    kw = dict(a_scale=_scale(rng), a_zero_point=_zp(rng, dtype), b_scale=_scale(rng),
              b_zero_point=_zp(rng, dtype), output_scale=_scale(rng),
              output_zero_point=_zp(rng, dtype))
    got = ref.add(a, b, **kw)
    A, B = np.broadcast_arrays(a, b)
    want = np.zeros(A.shape, dtype)
    ma = f32(kw["a_scale"]) / f32(kw["output_scale"])
    mb = f32(kw["b_scale"]) / f32(kw["output_scale"])
    qmin, qmax = qr(dtype)
    for ix in np.ndindex(A.shape):
        y = ma * f32(int(A[ix]) - kw["a_zero_point"]) + mb * f32(int(B[ix]) - kw["b_zero_point"])
        want[ix] = finish(y, kw["output_zero_point"], qmin, qmax)
    assert got.shape == want.shape and np.array_equal(got, want)
    # quantize / dequantize / requantize / clamp
    s, zp = _scale(rng), _zp(rng, dtype)
    xf = rng.normal(0, 100 * s, size=(7,)).astype(np.float32)
    q = ref.quantize(xf, s, zp, dtype=dtype)
    assert q.tolist() == [finish(f32(v) / f32(s), zp, qmin, qmax) for v in xf]
    d = ref.dequantize(q, s, zp)
    assert d.tolist() == [float(f32(s) * f32(int(v) - zp)) for v in q]
    s2, zp2 = _scale(rng), _zp(rng, dtype)
    r = ref.requantize(q, s, zp, s2, zp2)
    m = f32(s) / f32(s2)
    assert r.tolist() == [finish(f32(int(v) - zp) * m, zp2, qmin, qmax) for v in q]
    c = ref.clamp(q, -10, 100)
    assert c.tolist() == [min(max(int(v), max(qmin, -10)), 100) for v in q]


def test_per_channel_quantize_along_axis():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, (3, 4, 5)).astype(np.float32)
    s = np.array([0.01, 0.02, 0.03, 0.04])
    z = np.array([0, 10, 20, 30])
    q = ref.quantize(x, s, z, dtype=np.uint8, axis=1)
    for c in range(4):
        assert np.array_equal(q[:, c], ref.quantize(x[:, c], s[c], z[c], dtype=np.uint8))
    assert np.array_equal(ref.quantize(x, s, z, np.uint8, axis=-2), q)
    d = ref.dequantize(q, s, z, axis=1)
    for c in range(4):
        assert np.array_equal(d[:, c], ref.dequantize(q[:, c], s[c], z[c]))


def test_accumulators_never_wrap():
    # K * 255 * 255 > 2**31: the exact accumulator leaves int32
    K = 40000
    x = np.full((1, K), 255, np.uint8)
    w = np.zeros((1, K), np.uint8)
    acc = ref.linear_accumulators(x, w, None, input_scale=1.0, input_zero_point=0,
                                  weight_scale=1.0, weight_zero_point=255)
    assert acc.item() == -255 * 255 * K
    out = ref.linear(x, w, None, input_scale=1.0, input_zero_point=0, weight_scale=1.0,
                     weight_zero_point=255, output_scale=255 * 255 * K / 100.0,
                     output_zero_point=128)
    assert out.item() == 28


def test_float_bias_saturates_to_int32():
    q = ref.quantize_bias(np.array([1e30, -1e30, np.float32(3.0)], np.float32), 1e-3, 1e-3, 3)
    assert q.tolist() == [2 ** 31 - 1, -2 ** 31, 3000000]

"""qs.locally_connected2d and qs.LocallyConnected2d against reference.locally_connected2d
(exact parity), plus errors.

Random cases cover kernels 1x1 to 5x5, strides 1-2, dilations 1-2, padding forms, batches
1-6 (1-4 batch rows per GEMM tile), odd channel counts, both weight dtypes under uint8 and
int8/int8, per-tensor / per-channel weight qparams, int32 / float / no bias of shape
[OH, OW, C_out], clamps, `out=`, non-contiguous input, the function and the class. Edge
cases: 1x1 output, 1 and 1000+ channels, accumulators beyond int32.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, OUT_MM, U8, Case, assert_same, assert_unchanged, bounds, call_weighted,
                      channels, check_weighted_edge, first_informative, informative, log_uniform,
                      non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref, run_weighted,
                      snapshot, with_clamp)

TAG = 302
N_CASES = 120
DTYPES = [(U8, U8), (U8, I8), (I8, I8)]


class LCCase(Case):
    id_keys = ("dt", "k", "C", "Co", "stride", "dil", "pad", "N", "HW", "form")


def _draw(rng, seed):
    xd, wd = pick(rng, DTYPES)
    KH, KW = pick(rng, [(1, 1), (2, 2), (3, 3), (3, 1), (5, 5)])
    s = int(rng.integers(1, 3))
    d = int(pick(rng, [1, 1, 2]))
    padding = pick(rng, [0, 1, (1, 0), (0, 1, 2, 1)])
    H, W = (int(v) for v in rng.integers(1, 9, size=2))
    pads = ref.conv_padding(padding, (H, W), (KH, KW))
    OH = (H + pads[0] + pads[2] - d * (KH - 1) - 1) // s + 1
    OW = (W + pads[1] + pads[3] - d * (KW - 1) - 1) // s + 1
    if OH < 1 or OW < 1:
        return None
    C, Co = channels(rng), channels(rng)
    N = int(pick(rng, [1, 2, 3, 4, 5, 6]))
    x = rand_q(rng, (N, H, W, C), xd)
    w = rand_q(rng, (OH, OW, Co, KH, KW, C), wd)
    in_s, w_s = float(log_uniform(rng, 1e-3, 1)), float(log_uniform(rng, 1e-3, 1))
    if rng.random() < 0.4:
        w_s = (w_s * log_uniform(rng, 0.25, 4, size=Co)).astype(np.float32)
    w_zp = rand_zero_point(rng, wd) if rng.random() < 0.7 else \
        np.array([rand_zero_point(rng, wd) for _ in range(Co)], np.int32)
    qin = dict(input_scale=in_s, input_zero_point=rand_zero_point(rng, xd), weight_scale=w_s,
               weight_zero_point=w_zp)
    geo = dict(stride=s, padding=padding, dilation=d)
    ws_c = np.broadcast_to(np.asarray(w_s, np.float64), (Co,))
    bias_kind = pick(rng, ["none", "int32", "float32"])
    bias = None if bias_kind == "none" else (
        rng.integers(-3000, 3000, size=(OH, OW, Co)).astype(np.int32) if bias_kind == "int32"
        else (rng.normal(0, 3000, (OH, OW, Co)) * in_s * ws_c).astype(np.float32))
    cols = ref._patches(x, qin["input_zero_point"], (KH, KW), (s, s), pads, (d, d))
    spread = float(np.sqrt(KH * KW * C) * cols.std() * 74 * in_s * ws_c.mean()) + 1e-6
    out_s = spread / float(log_uniform(rng, 4, 40))
    out_zp = rand_zero_point(rng, xd)
    omin, omax = rand_clamp(rng, xd, out_zp, out_s)
    kwargs = dict(geo, **qin, output_scale=out_s, output_zero_point=out_zp)
    with_clamp(kwargs, omin, omax)
    expected = ref.locally_connected2d(x, w, bias, **kwargs)
    if not informative(expected, *bounds(xd, omin, omax)):
        return None
    form = pick(rng, ["function", "class"])
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(dt=(xd, wd), k=(KH, KW), C=C, Co=Co, stride=s, dil=d, pad=padding, N=N,
                  HW=(H, W), form=form, out=use_out, bias=bias_kind)
    return LCCase("locally_connected2d", seed, params, (x_call, w, bias), kwargs, expected,
                  form=form, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "locally_connected2d")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["N"] for c in CASES} >= {1, 4, 5}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_locally_connected2d_parity(case, threads, kernel_family):
    got = run_weighted(qs.locally_connected2d, qs.LocallyConnected2d, case)
    assert_same(got, case.expected, case)


EDGES = {
    "1x1-output": ((2, 3, 3, 5), (1, 1, 7, 3, 3, 5), {}),
    "single-channel": ((3, 4, 4, 1), (4, 4, 1, 3, 3, 1), dict(padding=1)),
    "1000-channels": ((2, 2, 2, 1000), (1, 1, 3, 2, 2, 1000), {}),
    "1000-outputs": ((1, 2, 2, 3), (2, 2, 1001, 1, 1, 3), {}),
}


@pytest.mark.parametrize("name", list(EDGES))
@pytest.mark.parametrize("dt", [(U8, I8), (I8, I8)], ids=["u8i8", "i8i8"])
def test_locally_connected2d_edges(name, dt, threads, kernel_family):
    xs, wsh, geo = EDGES[name]
    rng = np.random.default_rng([TAG, 5, len(name)])
    check_weighted_edge(qs.LocallyConnected2d, ref.locally_connected2d, rand_q(rng, xs, dt[0]),
                        rand_q(rng, wsh, dt[1]), geo)


@pytest.mark.parametrize("dt", [(U8, U8), (I8, I8)], ids=["u8u8", "i8i8"])
def test_locally_connected2d_accumulators_never_wrap(dt, threads, kernel_family):
    qmin, qmax = ref.qrange(dt[0])
    wmin, _ = ref.qrange(dt[1])
    x = np.full((2, 1, 1, 40000), qmax, dt[0])
    w = np.full((1, 1, 2, 1, 1, 40000), wmin, dt[1])
    w[0, 0, 1, 0, 0, :100] = wmin + 200
    kw = dict(input_scale=1.0, input_zero_point=qmin, weight_scale=1.0,
              weight_zero_point=wmin + 255 if dt[1] == U8 else 127, output_scale=1e8,
              output_zero_point=qmax - 30)
    want = ref.locally_connected2d(x, w, None, **kw)
    assert want.min() > qmin
    assert_same(qs.locally_connected2d(x, w, None, **kw), want)


def test_locally_connected2d_empty_batch():
    got = qs.locally_connected2d(np.zeros((0, 3, 3, 2), np.uint8), np.ones((1, 1, 4, 3, 3, 2), np.int8),
                                 input_scale=1.0, input_zero_point=0, weight_scale=1.0,
                                 weight_zero_point=0, output_scale=1.0, output_zero_point=0)
    assert got.shape == (0, 1, 1, 4) and got.dtype == np.uint8


def test_locally_connected2d_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (2, 4, 4, 3), U8))
    w = rand_q(rng, (2, 2, 5, 3, 3, 3), I8)
    bias = rng.normal(0, 1, (2, 2, 5)).astype(np.float32)
    before = snapshot(x, w, bias)
    kw = dict(stride=1, input_scale=0.1, input_zero_point=128, weight_scale=0.01,
              weight_zero_point=0, output_scale=0.05, output_zero_point=128)
    assert_same(qs.locally_connected2d(x, w, bias, **kw), ref.locally_connected2d(x, w, bias, **kw))
    assert_unchanged(before, (x, w, bias), ("x", "weight", "bias"))


_X = np.full((1, 4, 4, 3), 100, np.uint8)
_W = np.ones((2, 2, 5, 3, 3, 3), np.int8)


def _bad_cases():
    c = []

    def add(name, exc, match, **changes):
        c.append(pytest.param(changes, exc, match, id=name))

    add("x-float32", TypeError, r"(?i)\bx\b", x=_X.astype(np.float32))
    add("x-int8-with-uint8-weight", TypeError, r"(?i)int8|weight|\bx\b",
        x=_X.view(np.int8), w=_W.view(np.uint8), input_zero_point=0, output_zero_point=0)
    add("weight-rank4", ValueError, "weight", w=_W[0, 0])
    add("x-size-mismatch", ValueError, r"(?i)output|weights|\bx\b", x=np.ones((1, 5, 5, 3), np.uint8))
    add("channel-mismatch", ValueError, r"(?i)channel", x=np.ones((1, 4, 4, 2), np.uint8))
    add("bias-shape", ValueError, "bias", bias=np.zeros(5, np.int32))
    add("bias-shape-2", ValueError, "bias", bias=np.zeros((2, 2, 4), np.int32))
    add("weight_scale-length", ValueError, "weight_scale", weight_scale=np.ones(4))
    add("weight_zero_point-range", ValueError, "weight_zero_point", weight_zero_point=200)
    add("stride-0", ValueError, "stride", stride=0)
    add("padding-negative", ValueError, "padding", padding=-1)
    add("window-too-large", ValueError, r"(?i)window|weight", x=np.ones((1, 2, 2, 3), np.uint8))
    add("output_scale-nan", ValueError, "output_scale", output_scale=float("nan"))
    add("output_min>output_max", ValueError, OUT_MM, output_min=9, output_max=3)
    add("out-shape", ValueError, r"\bout\b", out=np.empty((1, 2, 2, 4), np.uint8))
    return c


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_locally_connected2d_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_weighted(qs.locally_connected2d, None, "function", changes, _X, _W, stride=1,
                      input_scale=0.5, input_zero_point=128, weight_scale=0.25,
                      weight_zero_point=0, output_scale=1.0, output_zero_point=128)


def test_fortran_ordered_float_bias():
    # Found by fuzzing: a float bias [OH, OW, C_out] in Fortran order was quantized into a
    # Fortran-ordered int32 array, which the native create rejected.
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (1, 3, 3, 2), dtype=np.uint8)
    w = rng.integers(-128, 128, (2, 2, 3, 2, 2, 2), dtype=np.int8)
    bias = rng.normal(0, 100, (2, 2, 3))
    kw = dict(input_scale=0.1, input_zero_point=128, weight_scale=0.05, weight_zero_point=0,
              output_scale=0.5, output_zero_point=100)
    assert_same(qs.locally_connected2d(x, w, np.asfortranarray(bias), **kw),
                ref.locally_connected2d(x, w, bias, **kw))

"""qs.conv_transpose2d and qs.ConvTranspose2d against reference.conv_transpose2d (exact
parity: the scatter definition), plus errors.

Random cases cover kernels 1x1 to 5x5 and 3x1, strides 1-3, dilations 1-2, every padding
form, output_padding below max(stride, dilation), groups 1 / 2 / depthwise, batches 1-2,
uint8/int8 weights under uint8 activations and int8/int8, per-tensor and per-channel weight
qparams, int32 / float / no bias, clamps, non-contiguous inputs, `out=`, the function and
the class. Edge cases: 1x1 inputs, 1 and 1000+ channels, accumulators beyond int32, the
conversion of PyTorch's [C_in, C_out/g, KH, KW] weights. Rebuild with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, OUT_MM, U8, Case, assert_same, assert_unchanged, beyond_int32, bounds,
                      call_weighted, channels, check_weighted_edge, first_informative, informative,
                      log_uniform, non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref,
                      run_weighted, snapshot, with_clamp)

TAG = 301
N_CASES = 160
DTYPES = [(U8, U8), (U8, I8), (I8, I8)]
KERNELS = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (3, 1)]


class DeconvCase(Case):
    id_keys = ("dt", "k", "groups", "C", "Co", "stride", "dil", "pad", "opad", "HW", "form")


def _draw(rng, seed):
    xd, wd = pick(rng, DTYPES)
    KH, KW = pick(rng, KERNELS)
    mode = pick(rng, ["1", "2", "dw"], p=[0.5, 0.25, 0.25])
    if mode == "1":
        G, cg, cog = 1, channels(rng), channels(rng)
    elif mode == "2":
        G, cg, cog = 2, channels(rng), channels(rng)
    else:
        G, cg, cog = channels(rng), 1, int(pick(rng, [1, 2]))
    sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
    dh, dw = (int(v) for v in pick(rng, [(1, 1), (1, 1), (2, 2), (1, 2)]))
    oph = int(rng.integers(0, max(sh, dh)))
    opw = int(rng.integers(0, max(sw, dw)))
    output_padding = (oph, opw) if (oph, opw) != (0, 0) or rng.random() < 0.5 else 0
    H, W = (int(v) for v in rng.integers(1, 8, size=2))
    eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
    form = pick(rng, ["none", "int", "pair", "quad"])
    if form == "none":
        padding = 0
    elif form == "int":
        padding = int(rng.integers(0, (min(eh, ew) + 1) // 2 + 1))
    elif form == "pair":
        padding = (int(rng.integers(0, (eh + 1) // 2 + 1)), int(rng.integers(0, (ew + 1) // 2 + 1)))
    else:
        padding = tuple(int(rng.integers(0, (e + 1) // 2 + 1)) for e in (eh, ew, eh, ew))
    pt, pl, pb, pr = ref.conv_padding(padding, (H, W), (KH, KW))
    if (H - 1) * sh - pt - pb + eh + oph < 1 or (W - 1) * sw - pl - pr + ew + opw < 1:
        return None
    N = int(rng.integers(1, 3))
    x = rand_q(rng, (N, H, W, G * cg), xd)
    Co = G * cog
    w = rand_q(rng, (Co, KH, KW, cg), wd)
    in_s, w_s = float(log_uniform(rng, 1e-3, 1)), float(log_uniform(rng, 1e-3, 1))
    if rng.random() < 0.4:
        w_s = (w_s * log_uniform(rng, 0.25, 4, size=Co)).astype(np.float32)
    w_zp = rand_zero_point(rng, wd) if rng.random() < 0.7 else \
        np.array([rand_zero_point(rng, wd) for _ in range(Co)], np.int32)
    geo = dict(stride=(sh, sw) if sh != sw else sh, padding=padding, output_padding=output_padding,
               dilation=(dh, dw) if dh != dw else dh, groups=G)
    qin = dict(input_scale=in_s, input_zero_point=rand_zero_point(rng, xd), weight_scale=w_s,
               weight_zero_point=w_zp)
    acc0 = ref.conv_transpose2d_accumulators(x, w, None, **geo, **qin)
    sd = float(acc0.std()) + 1.0
    ws_c = np.broadcast_to(np.asarray(w_s, np.float64), (Co,))
    bias_kind = pick(rng, ["none", "int32", "float32"])
    bias = None if bias_kind == "none" else (
        rng.integers(-2 * sd, 2 * sd + 1, size=Co).astype(np.int32) if bias_kind == "int32"
        else (rng.normal(0, sd, Co) * in_s * ws_c).astype(np.float32))
    acc = ref.conv_transpose2d_accumulators(x, w, bias, **geo, **qin)
    real = acc * (in_s * ws_c)
    spread = float(real.std()) or float(np.abs(real).mean()) or in_s * float(ws_c.mean())
    out_s = spread / float(log_uniform(rng, 8, 60))
    out_zp = rand_zero_point(rng, xd)
    omin, omax = rand_clamp(rng, xd, out_zp, out_s)
    kwargs = dict(geo, **qin, output_scale=out_s, output_zero_point=out_zp)
    with_clamp(kwargs, omin, omax)
    expected = ref.conv_transpose2d(x, w, bias, **kwargs)
    if not informative(expected, *bounds(xd, omin, omax)):
        return None
    form_call = pick(rng, ["function", "class"])
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(dt=(xd, wd), k=(KH, KW), groups=mode, C=G * cg, Co=Co, stride=(sh, sw),
                  dil=(dh, dw), pad=padding, opad=output_padding, N=N, HW=(H, W),
                  form=form_call, out=use_out, bias=bias_kind)
    return DeconvCase("conv_transpose2d", seed, params, (x_call, w, bias), kwargs, expected,
                      form=form_call, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "conv_transpose2d")


CASES = [build_case(s) for s in range(N_CASES)]


def run(case):
    return run_weighted(qs.conv_transpose2d, qs.ConvTranspose2d, case)


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["groups"] for c in CASES} == {"1", "2", "dw"}
    assert {c.params["stride"] for c in CASES} >= {(1, 1), (2, 2), (3, 3)}
    assert any(c.params["opad"] not in (0, (0, 0)) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_conv_transpose2d_parity(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


# ---- edge cases -------------------------------------------------------------------------------
EDGES = {
    "1x1-input": ((1, 1, 1, 3), (5, 3, 3, 3), dict(stride=2)),
    "single-channel": ((2, 4, 4, 1), (1, 3, 3, 1), dict(stride=2, padding=1, output_padding=1)),
    "1000-channels": ((1, 2, 2, 1000), (17, 2, 2, 1000), dict(stride=2)),
    "1000-outputs": ((1, 3, 3, 5), (1001, 2, 2, 5), dict(stride=2, padding=(0, 1, 1, 0))),
    "stride3-dil2": ((1, 4, 5, 6), (8, 3, 3, 6), dict(stride=3, dilation=2, output_padding=1)),
    "dw-big": ((1, 6, 6, 40), (80, 4, 4, 1), dict(stride=2, padding=1, groups=40)),
}


@pytest.mark.parametrize("name", list(EDGES))
@pytest.mark.parametrize("dt", [(U8, I8), (I8, I8)], ids=["u8i8", "i8i8"])
def test_conv_transpose2d_edges(name, dt, threads, kernel_family):
    xs, wsh, geo = EDGES[name]
    rng = np.random.default_rng([TAG, 5, len(name)])
    check_weighted_edge(qs.ConvTranspose2d, ref.conv_transpose2d, rand_q(rng, xs, dt[0]),
                        rand_q(rng, wsh, dt[1]), geo)


@pytest.mark.parametrize("dt", [(U8, U8), (I8, I8)], ids=["u8u8", "i8i8"])
def test_conv_transpose2d_accumulators_never_wrap(dt, threads, kernel_family):
    """K = 9 taps x 20000 channels of extreme values: sums reach ~1e10, beyond int32."""
    qmin, qmax = ref.qrange(dt[0])
    wmin, _ = ref.qrange(dt[1])
    x = np.full((1, 2, 2, 20000), qmax, dt[0])
    w = np.full((3, 3, 3, 20000), wmin, dt[1])
    w[1] = wmin + 3
    kw = dict(stride=1, input_scale=1.0, input_zero_point=qmin, weight_scale=1.0,
              weight_zero_point=wmin + 255 if dt[1] == U8 else 127, output_scale=1e8,
              output_zero_point=qmax - 10)
    want = ref.conv_transpose2d(x, w, None, **kw)
    assert want.min() > qmin and np.abs(ref.conv_transpose2d_accumulators(
        x, w, None, **{k: kw[k] for k in list(kw)[:5]})).max() > 2**31
    assert_same(qs.conv_transpose2d(x, w, None, **kw), want)


@pytest.mark.parametrize("dt", [(U8, U8), (I8, I8)], ids=["u8u8", "i8i8"])
def test_conv_transpose2d_outputs_beyond_int32_saturate(dt, threads, kernel_family):
    """|acc · multiplier| past 2^31 (_support.beyond_int32)."""
    x, w, q, check = beyond_int32(np.random.default_rng([TAG, 12]), (1, 5, 6, 12), (10, 3, 3, 12), dt)
    want = ref.conv_transpose2d(x, w, None, stride=2, padding=1, **q)
    check(want)
    assert_same(qs.conv_transpose2d(x, w, None, stride=2, padding=1, **q), want)


def test_conv_transpose2d_pytorch_weight_conversion():
    """The docstring's conversion of w_pt [C_in, C_out/g, KH, KW] against a direct loop of
    PyTorch's definition out[oy, ox, g*cog + oc] += x[iy, ix, g*cig + ic] * w_pt[g*cig + ic, oc, kh, kw]."""
    rng = np.random.default_rng([TAG, 6])
    G, cig, cog, KH, KW, s, p = 2, 3, 2, 3, 2, 2, 1
    x = rand_q(rng, (1, 3, 4, G * cig), U8)
    w_pt = rand_q(rng, (G * cig, cog, KH, KW), I8)
    weight = (w_pt.reshape(G, cig, cog, KH, KW).transpose(0, 2, 3, 4, 1)
              .reshape(G * cog, KH, KW, cig))
    H, W = 3, 4
    OH, OW = (H - 1) * s - 2 * p + KH, (W - 1) * s - 2 * p + KW
    acc = np.zeros((OH, OW, G * cog), np.int64)
    xc = x[0].astype(np.int64) - 128
    for iy in range(H):
        for ix in range(W):
            for kh in range(KH):
                for kw in range(KW):
                    oy, ox = iy * s - p + kh, ix * s - p + kw
                    if 0 <= oy < OH and 0 <= ox < OW:
                        for g in range(G):
                            acc[oy, ox, g * cog:(g + 1) * cog] += (
                                xc[iy, ix, g * cig:(g + 1) * cig] @ w_pt[g * cig:(g + 1) * cig, :, kh, kw])
    kw_ = dict(stride=s, padding=p, groups=G, input_scale=1.0, input_zero_point=128,
               weight_scale=1.0, weight_zero_point=0)
    assert np.array_equal(ref.conv_transpose2d_accumulators(x, weight, None, **kw_)[0], acc)
    got = qs.conv_transpose2d(x, weight, None, **kw_, output_scale=1.0, output_zero_point=128)
    assert_same(got, np.clip(acc + 128, 0, 255).astype(np.uint8)[None])


def test_conv_transpose2d_prepacked_reuse(threads, kernel_family):
    rng = np.random.default_rng([TAG, 7])
    w = rand_q(rng, (12, 3, 3, 8), I8)
    kw = dict(stride=2, padding=1, output_padding=1, input_scale=0.02, input_zero_point=128,
              weight_scale=0.01, weight_zero_point=0, output_scale=0.02, output_zero_point=128)
    op = qs.ConvTranspose2d(w, None, **kw)
    for shape in ((1, 5, 5, 8), (3, 4, 7, 8), (1, 5, 5, 8)):
        x = rand_q(rng, shape, U8)
        assert_same(op(x), ref.conv_transpose2d(x, w, None, **kw))


def test_conv_transpose2d_empty_batch():
    got = qs.conv_transpose2d(np.zeros((0, 3, 3, 2), np.uint8), np.ones((4, 3, 3, 2), np.int8),
                              stride=2, input_scale=1.0, input_zero_point=0, weight_scale=1.0,
                              weight_zero_point=0, output_scale=1.0, output_zero_point=0)
    assert got.shape == (0, 7, 7, 4) and got.dtype == np.uint8


def test_conv_transpose2d_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (2, 4, 4, 4), U8))
    w = rand_q(rng, (6, 3, 3, 2), I8)
    bias = rng.normal(0, 1, 6).astype(np.float32)
    before = snapshot(x, w, bias)
    kw = dict(stride=2, groups=2, padding=1, input_scale=0.1, input_zero_point=128,
              weight_scale=0.01, weight_zero_point=0, output_scale=0.05, output_zero_point=128)
    assert_same(qs.conv_transpose2d(x, w, bias, **kw), ref.conv_transpose2d(x, w, bias, **kw))
    assert_unchanged(before, (x, w, bias), ("x", "weight", "bias"))


# ---- errors --------------------------------------------------------------------------------
_X = np.full((1, 4, 4, 4), 100, np.uint8)
_W = np.ones((6, 3, 3, 4), np.int8)


def _bad_cases():
    c = []

    def add(name, exc, match, **changes):
        c.append(pytest.param(changes, exc, match, id=name))

    add("x-float32", TypeError, r"(?i)\bx\b", x=_X.astype(np.float32))
    add("weight-float32", TypeError, "weight", w=_W.astype(np.float32))
    add("out-shape", ValueError, r"\bout\b", out=np.empty((1, 4, 4, 6), np.uint8))
    add("x-rank3", ValueError, r"(?i)\bx\b", x=_X[0])
    add("channel-mismatch", ValueError, r"(?i)channel", x=np.full((1, 4, 4, 3), 1, np.uint8))
    add("groups-not-dividing", ValueError, "groups", groups=4)
    for v in ((2, 2), 2, (0, 3)):
        add(f"output_padding={v}-vs-stride2", ValueError, "output_padding", output_padding=v)
    add("output_padding-vs-dilation", ValueError, "output_padding", stride=1, dilation=2,
        output_padding=2)
    add("output_padding-negative", ValueError, "output_padding", output_padding=-1)
    add("padding-no-output", ValueError, r"(?i)padding|output", padding=5)
    add("padding-negative", ValueError, "padding", padding=-1)
    add("padding-3-tuple", ValueError, "padding", padding=(1, 1, 1))
    add("stride-0", ValueError, "stride", stride=0)
    add("dilation-0", ValueError, "dilation", dilation=0)
    add("input_scale-0", ValueError, "input_scale", input_scale=0.0)
    add("weight_zero_point-300", ValueError, "weight_zero_point", weight_zero_point=300)
    add("bias-length", ValueError, "bias", bias=np.zeros(5, np.int32))
    add("output_min>output_max", ValueError, OUT_MM, output_min=9, output_max=3)
    add("x-zero-height", ValueError, r"(?i)\bx\b|size", x=np.zeros((1, 0, 4, 4), np.uint8))
    return c


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
@pytest.mark.parametrize("form", ["function", "class"])
def test_conv_transpose2d_rejects(form, changes, exc, match):
    with pytest.raises(exc, match=match):
        call_weighted(qs.conv_transpose2d, qs.ConvTranspose2d, form, changes, _X, _W,
                      stride=2, padding=1, output_padding=1, input_scale=0.5,
                      input_zero_point=128, weight_scale=0.25, weight_zero_point=0,
                      output_scale=1.0, output_zero_point=128)

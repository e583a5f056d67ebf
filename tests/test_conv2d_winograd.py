"""qs.conv2d / qs.Conv2d against reference.conv2d on the shapes of the Winograd paths.

On the avx2 family an ungrouped 3x3, stride 1, undilated convolution with at least 16 input
and 16 output channels and outputs of at least 2x2 runs as exact integer Winograd: F(2x4, 3x3)
(4x6 input tiles) where 16·255·Σ|w − w_zp| fits in int32, else F(2x2, 3x3) (4x4 tiles) where
4·255·Σ|w − w_zp| does, else the direct GEMM. Random weights take F(2x4); "extreme" ones
(|w − w_zp| = 255 mostly, 256+ input channels) F(2x2). The cases cover output sizes of every
remainder modulo 2 and 4 (the last tile row / column storing fewer outputs), every padding
form, channel counts that leave 2, 8 or 10 input channels after the 16-wide vectors and 1-15
output channels in the last block, uint8 and int8, per-tensor and per-channel weight qparams,
extreme zero points, output clamps, batches, many tiles per task and several tasks, a prepacked
operator reused over changing input sizes and thread counts, sums at each guard's limit, and
weights whose 4x sums would leave int32 (the direct path). The portable family runs the same
cases through the direct GEMM.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import I8, U8, assert_same, ref

TAG = 211

# (N, H, W, C_in, C_out, padding, dtypes, weight qparams, zero points, clamp[, weights])
SPECS = [
    (1, 4, 4, 16, 16, 0, (U8, I8), "pt", "mid", None),          # one tile
    (1, 5, 5, 16, 16, 0, (U8, I8), "pt", "mid", None),          # 3x3 outputs: odd edges
    (1, 4, 5, 17, 17, 0, (I8, I8), "pc", "mid", None),          # 2x3
    (1, 5, 4, 18, 33, 0, (U8, U8), "pc", "low", None),          # 3x2
    (2, 9, 7, 24, 20, 1, (U8, I8), "pt", "high", "both"),
    (3, 6, 6, 25, 31, 1, (I8, I8), "pc-zp", "low", None),
    (1, 12, 11, 31, 40, "same", (U8, I8), "pc", "mid", "max"),
    (1, 13, 13, 32, 48, (1, 0, 2, 1), (I8, I8), "pt", "high", "min"),
    (2, 16, 15, 40, 17, (0, 1, 1, 0), (U8, U8), "pc-zp", "mid", None),
    (1, 30, 30, 64, 64, 1, (U8, I8), "pc", "mid", None),        # 225 tiles: several tasks
    (1, 29, 31, 64, 64, 0, (I8, I8), "pt", "low", "both"),
    (1, 20, 18, 128, 35, 1, (U8, I8), "pc", "high", None),      # few tiles per task
    (2, 7, 9, 48, 130, "same", (U8, U8), "pt", "mid", None),
    (1, 15, 14, 16, 16, (2, 2, 2, 2), (U8, I8), "pc", "mid", None),  # tiles of padding only
    (1, 3, 40, 20, 24, 0, (U8, I8), "pt", "mid", None),         # one output row: direct path
    (1, 33, 3, 20, 24, "same", (I8, I8), "pc", "low", None),
    # F(2x2): sums too large for F(2x4)
    (1, 5, 5, 256, 16, 0, (U8, I8), "pc", "mid", None, "extreme"),
    (2, 8, 7, 258, 33, 1, (I8, I8), "pt", "low", "both", "extreme"),
    (1, 12, 13, 280, 17, "same", (U8, U8), "pc", "high", None, "extreme"),
    (1, 9, 10, 300, 20, (1, 0, 2, 1), (U8, I8), "pc", "mid", "max", "extreme"),
]


def _zero_point(rng, dtype, kind):
    lo, hi = ref.qrange(dtype)
    return {"low": lo, "high": hi, "mid": int(rng.integers(lo, hi + 1))}[kind]


def _case(i, spec):
    N, H, W, C, Co, padding, (xd, wd), wq, zps, clamp, *weights = spec
    rng = np.random.default_rng([TAG, i])
    xlo, xhi = ref.qrange(xd)
    wlo, whi = ref.qrange(wd)
    x = rng.integers(xlo, xhi + 1, (N, H, W, C)).astype(xd)
    w = rng.integers(wlo, whi + 1, (Co, 3, 3, C)).astype(wd)
    if weights == ["extreme"]:  # w − w_zp = 255 mostly: 16·255·Σ|w − w_zp| > 2^31 > 4·255·Σ
        w = np.where(rng.random(w.shape) < 0.9, whi, w).astype(wd)
    in_zp = _zero_point(rng, xd, zps)
    if weights:
        w_zp = wlo
    elif wq == "pc-zp":
        w_zp = rng.integers(wlo, whi + 1, Co).astype(np.int32)
    else:
        w_zp = _zero_point(rng, wd, zps)
    w_scale = (rng.uniform(0.002, 0.02, Co).astype(np.float32) if wq.startswith("pc")
               else float(rng.uniform(0.002, 0.02)))
    in_scale = 0.03
    kw = dict(padding=padding, input_scale=in_scale, input_zero_point=in_zp, weight_scale=w_scale,
              weight_zero_point=w_zp)
    acc = ref.conv2d_accumulators(x, w, None, **kw)
    centre = -acc.reshape(-1, Co).mean(axis=0)  # keeps most outputs off the clamps
    bias = (centre + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
    out_scale = float((acc.std() + 1) * in_scale * np.mean(w_scale) / 40)
    out_zp = _zero_point(rng, xd, zps)
    kw.update(output_scale=out_scale, output_zero_point=out_zp)
    if clamp in ("min", "both"):
        kw["output_min"] = max(xlo, out_zp - 60)
    if clamp in ("max", "both"):
        kw["output_max"] = min(xhi, out_zp + 60)
    return x, w, bias, kw


CASES = [_case(i, s) for i, s in enumerate(SPECS)]
IDS = [f"N{s[0]}-{s[1]}x{s[2]}-C{s[3]}-Co{s[4]}-p{s[5]}-{np.dtype(s[6][0]).name}-{s[7]}-zp{s[8]}-clamp{s[9]}"
       + "".join(f"-{v}" for v in s[10:]) for s in SPECS]


def _largest_sum(w, w_zp):
    """max over output channels of Σ|w − w_zp|: what the guards look at."""
    zp = np.broadcast_to(np.asarray(w_zp, np.int64), (w.shape[0],))
    return int(np.abs(w.astype(np.int64) - zp[:, None, None, None]).sum(axis=(1, 2, 3)).max())


def test_cases_take_each_tiling():
    limit = 2 ** 31 - 1
    for spec, (_x, w, _b, kw) in zip(SPECS, CASES):
        s = _largest_sum(w, kw["weight_zero_point"])
        if spec[10:] == ("extreme",):
            assert 16 * 255 * s > limit >= 4 * 255 * s, spec
        else:
            assert 16 * 255 * s <= limit, spec


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("form", ["function", "class"])
def test_winograd_parity(case, form, threads, kernel_family):
    x, w, bias, kw = case
    expected = ref.conv2d(x, w, bias, **kw)
    lo, hi = ref.qrange(expected.dtype)
    assert np.mean((expected > lo) & (expected < hi)) > 0.3  # informative: not all clamped
    got = qs.conv2d(x, w, bias, **kw) if form == "function" else qs.Conv2d(w, bias, **kw)(x)
    assert_same(got, expected)


def test_winograd_prepacked_reuse(kernel_family):
    """One operator over changing input sizes and thread counts (its workspace is rebuilt)."""
    x, w, bias, kw = CASES[9]
    op = qs.Conv2d(w, bias, **kw)
    previous = qs.get_num_threads()
    try:
        for threads, (N, H, W) in [(1, (1, 30, 30)), (2, (1, 30, 30)), (2, (2, 11, 8)), (1, (1, 2, 9)),
                                   (2, (1, 30, 30)), (1, (3, 5, 6))]:
            qs.set_num_threads(threads)
            xs = np.ascontiguousarray(np.resize(x, (N, H, W, x.shape[3])))
            assert_same(op(xs), ref.conv2d(xs, w, bias, **kw))
    finally:
        qs.set_num_threads(previous)


def _limit_case(C, wd):
    """Every sum at its largest: x − x_zp = 255 and w − w_zp = 255 (or −255) over 9·C steps."""
    xd = U8 if wd == U8 else I8
    xlo, xhi = ref.qrange(xd)
    wlo, whi = ref.qrange(wd)
    rng = np.random.default_rng([TAG, 900 + C])
    x = np.full((1, 6, 5, C), xhi, xd)
    x[0, 2, 2, : C // 2] = xlo  # a few smaller sums
    w = np.where(rng.random((17, 3, 3, C)) < 0.9, whi, wlo).astype(wd)
    w[0] = whi  # channel 0's sums reach 9·C·255² everywhere
    w[1] = wlo
    kw = dict(input_scale=1.0, input_zero_point=xlo, weight_scale=1.0, weight_zero_point=wlo,
              output_scale=float(9 * C * 255 * 255 / 100), output_zero_point=(xlo + xhi + 1) // 2)
    kw_neg = dict(kw, weight_zero_point=whi)
    return x, w, kw, kw_neg


GUARD_CASES = {229: "f2x4-limit", 230: "f2x2", 820: "f2x2-limit", 1000: "direct"}


@pytest.mark.parametrize("C", list(GUARD_CASES), ids=list(GUARD_CASES.values()))
@pytest.mark.parametrize("wd", [U8, I8])
def test_winograd_sums_at_the_guard(C, wd, threads, kernel_family):
    """Channel 0's sums reach 9·C·255² (its Σ|w − w_zp| = 9·C·255). C = 229: 16x that fits in
    int32 (F(2x4) at its largest exact sums); 230: it does not, 4x does (F(2x2)); 820: 4x just
    fits; 1000: 4x would leave int32 (2.3e9): the guards must keep the direct path."""
    x, w, kw, kw_neg = _limit_case(C, wd)
    s = 9 * C * 255
    assert _largest_sum(w, kw["weight_zero_point"]) == _largest_sum(w, kw_neg["weight_zero_point"]) == s
    expect = {"f2x4-limit": (True, True), "f2x2": (False, True), "f2x2-limit": (False, True),
              "direct": (False, False)}[GUARD_CASES[C]]
    assert (16 * 255 * s < 2 ** 31, 4 * 255 * s < 2 ** 31) == expect
    for args in (kw, kw_neg):
        expected = ref.conv2d(x, w, None, **args)
        assert len(np.unique(expected)) > 2
        assert_same(qs.conv2d(x, w, None, **args), expected)

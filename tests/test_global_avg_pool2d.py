"""qs.global_avg_pool2d against reference.global_avg_pool2d (exact parity), plus errors.

[N, H, W, C] -> [N, C] over sizes from 1x1 to 3000x3000 (an accumulator beyond int32),
uint8 and int8, scales from 1e-4 to 10 (powers of two for exact ties), zero points at the
extremes, fused clamps, non-contiguous inputs, `out=`. Rebuild a case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (DT_X, I8, OUT_MM, U8, X_NAME, Case, assert_same, assert_unchanged,
                      bad_input_output_qparams, bounds, call_unary, channels, clustered_q,
                      first_informative, informative, log_uniform, non_contiguous, pick, rand_clamp,
                      rand_zero_point, ref, snapshot)

TAG = 107
N_CASES = 120


class GapCase(Case):
    id_keys = ("dt", "x", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    r = rng.random()
    if r < 0.15:
        H, W = pick(rng, [(1, 1), (7, 7), (14, 14), (1, 9), (13, 1)])
    else:
        H, W = (int(v) for v in rng.integers(1, 21, size=2))
    C = channels(rng) if rng.random() < 0.85 else int(pick(rng, [100, 256, 1280]))
    N = int(rng.integers(1, 4))
    x = clustered_q(rng, (N, H, W, C), dtype)
    ties = rng.random() < 0.15
    if ties:
        in_s = 2.0 ** -int(rng.integers(0, 6))
        out_s = in_s * 2.0 ** int(rng.integers(-1, 2))
    else:
        in_s = float(log_uniform(rng, 1e-4, 10))
        out_s = in_s * float(log_uniform(rng, 0.3, 3))
    out_zp = rand_zero_point(rng, dtype)
    omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.7)
    kwargs = dict(input_scale=in_s, input_zero_point=rand_zero_point(rng, dtype),
                  output_scale=out_s, output_zero_point=out_zp)
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    expected = ref.global_avg_pool2d(x, **kwargs)
    if not informative(expected, *bounds(dtype, omin, omax)):
        return None
    x_call = non_contiguous(rng, x) if rng.random() < 0.25 else x
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, x=(N, H, W, C), out=use_out, ties=ties,
                  x_contiguous=x_call.flags.c_contiguous, **kwargs)
    return GapCase("global_avg_pool2d", seed, params, (x_call,), kwargs, expected,
                   use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "global_avg_pool2d")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_global_avg_pool2d_parity(case, threads, kernel_family):
    (x,) = case.args
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.global_avg_pool2d(x, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.global_avg_pool2d(x, **case.kwargs)
    assert_same(got, case.expected, case)


def _near_tie_cases():
    """Per-channel window sums Σ(x - x_zp) on near ties of the pooling multiplier
    (see _near_ties.py); one pair of scales per case."""
    cases = []
    for i, ((H, W), dtype) in enumerate([((3, 3), U8), ((7, 7), I8), ((14, 14), U8),
                                          ((56, 56), I8), ((56, 56), U8), ((5, 10), I8)]):
        rng = np.random.default_rng([TAG, 8000 + i])
        div = H * W
        in_s, out_s, zp, sums = nt.avg_pool_sums(rng, div, dtype, 48)
        x = np.stack([nt.window_with_sum(rng, div, s + zp * div, dtype) for s in sums], axis=-1)
        x = x.reshape(1, H, W, len(sums))
        kw = dict(input_scale=in_s, input_zero_point=zp, output_scale=out_s,
                  output_zero_point=(sum(ref.qrange(dtype)) + 1) // 2)
        want = ref.global_avg_pool2d(x, **kw)
        cases.append(GapCase("global_avg_pool2d", 8000 + i,
                             dict(kind="near-ties", dt=dtype, x=x.shape, **kw), (x,), kw, want))
    for c in cases:
        c.origin = "_near_tie_cases()"
    return cases


NEAR = _near_tie_cases()


@pytest.mark.parametrize("case", NEAR, ids=lambda c: c.id)
def test_global_avg_pool2d_near_ties(case, threads, kernel_family):
    assert_same(qs.global_avg_pool2d(*case.args, **case.kwargs), case.expected, case)


_BIG = {}


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_global_avg_pool2d_accumulator_beyond_int32(dtype, threads, kernel_family):
    """3000x3000 pixels of (x - x_zp) = ±255 sum to ±2.3e9."""
    if dtype not in _BIG:
        qmin, qmax = ref.qrange(dtype)
        x = np.full((1, 3000, 3000, 2), qmax, dtype)
        x[..., 1] = qmin
        x[0, :7, :, 0] = qmax - 100
        kw = dict(input_scale=1.0, input_zero_point=qmin, output_scale=4.0,
                  output_zero_point=qmin)
        want = ref.global_avg_pool2d(x, **kw)
        kw2 = dict(kw, input_zero_point=qmax, output_zero_point=qmax)
        want2 = ref.global_avg_pool2d(x, **kw2)
        _BIG[dtype] = (x, kw, want, kw2, want2)
    x, kw, want, kw2, want2 = _BIG[dtype]
    assert want[0, 0] - ref.qrange(dtype)[0] == 64        # (255*9e6 - 100*21000) / 9e6 / 4 = 63.7
    assert_same(qs.global_avg_pool2d(x, **kw), want)
    assert_same(qs.global_avg_pool2d(x, **kw2), want2)


def test_global_avg_pool2d_empty_batch():
    got = qs.global_avg_pool2d(np.zeros((0, 4, 4, 5), np.uint8), input_scale=1.0,
                               input_zero_point=0, output_scale=1.0, output_zero_point=0)
    assert isinstance(got, np.ndarray) and got.shape == (0, 5) and got.dtype == np.uint8


def test_global_avg_pool2d_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, clustered_q(rng, (2, 5, 6, 7), I8))
    before = snapshot(x)
    kw = dict(input_scale=0.1, input_zero_point=3, output_scale=0.05, output_zero_point=-2)
    assert_same(qs.global_avg_pool2d(x, **kw), ref.global_avg_pool2d(x, **kw))
    assert_unchanged(before, (x,), ("x",))


_X = np.arange(2 * 4 * 4 * 3, dtype=np.int64).astype(np.uint8).reshape(2, 4, 4, 3)
ZERO = r"(?i)\bx\b|input|channel|size|empty|zero|height|width"


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(x=_X.astype(np.float64)), TypeError, DT_X, id="x-float64"),
        P(dict(x=_X[0]), ValueError, X_NAME, id="x-rank3"),
        P(dict(x=_X.reshape(2, 48)), ValueError, X_NAME, id="x-rank2"),
        P(dict(x=_X[..., :0]), ValueError, ZERO, id="zero-channels"),
        P(dict(x=_X[:, :0]), ValueError, ZERO, id="zero-height"),
        P(dict(x=_X[:, :, :0]), ValueError, ZERO, id="zero-width"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_zero_point",
          id="only-output_scale"),
        P(dict(output_scale=...), (TypeError, ValueError), "output_scale",
          id="only-output_zero_point"),
        P(dict(out=np.empty((2, 3), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((2, 1, 1, 3), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
    ]
    return c + bad_input_output_qparams(_X)


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_global_avg_pool2d_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_unary(qs.global_avg_pool2d, changes, _X, input_scale=0.5, input_zero_point=10,
                   output_scale=0.5, output_zero_point=10)


def test_global_avg_pool2d_base_error_call_is_valid():
    kw = dict(input_scale=0.5, input_zero_point=10, output_scale=0.5, output_zero_point=10)
    assert_same(qs.global_avg_pool2d(_X, **kw), ref.global_avg_pool2d(_X, **kw))

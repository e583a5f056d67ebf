"""qs.avg_pool2d against reference.avg_pool2d (exact parity), plus errors.

Kernels 1..5 (square and not), stride None / int / pair, padding up to half the kernel with
count_include_pad both ways, uint8 and int8, scales from 1e-4 to 10 (and power-of-two scales
for exact ties), zero points at the extremes, fused clamps, non-contiguous inputs, `out=`.
Rebuild a failing case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (DT_X, I8, OUT_MM, POOL_KERNELS, U8, X_NAME, Case, assert_same,
                      assert_unchanged, bad_input_output_qparams, bounds, call_unary, channels,
                      clustered_q, first_informative, hw_pair, informative, log_uniform,
                      non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref, snapshot)

TAG = 106
N_CASES = 140


class AvgCase(Case):
    id_keys = ("dt", "x", "k", "stride", "pad", "cip", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    kernel = pick(rng, POOL_KERNELS)
    KH, KW = hw_pair(kernel)
    r = rng.random()
    stride = None if r < 0.3 else (int(rng.integers(1, 4)) if r < 0.7 else
                                   tuple(int(v) for v in rng.integers(1, 4, size=2)))
    ph, pw = int(rng.integers(0, KH // 2 + 1)), int(rng.integers(0, KW // 2 + 1))
    r = rng.random()
    if r < 0.25:
        padding, ph, pw = None, 0, 0
    elif r < 0.55 and ph == pw:
        padding = ph
    else:
        padding = (ph, pw)
    cip = bool(rng.random() < 0.5)
    large = rng.random() < 0.08
    H = max(1, KH - 2 * ph) + int(rng.integers(0, 10 if not large else 30))
    W = max(1, KW - 2 * pw) + int(rng.integers(0, 10 if not large else 30))
    C = channels(rng) if not large else int(pick(rng, [16, 32, 64, 100]))
    N = int(rng.integers(1, 4))
    x = clustered_q(rng, (N, H, W, C), dtype)
    ties = rng.random() < 0.15
    if ties:
        in_s = 2.0 ** -int(rng.integers(0, 6))
        out_s = in_s * 2.0 ** int(rng.integers(-1, 2))
    else:
        in_s = float(log_uniform(rng, 1e-4, 10))
        out_s = in_s * float(log_uniform(rng, 0.3, 3))
    in_zp, out_zp = rand_zero_point(rng, dtype), rand_zero_point(rng, dtype)
    omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.7)
    kwargs = dict(input_scale=in_s, input_zero_point=in_zp, output_scale=out_s,
                  output_zero_point=out_zp)
    if not cip or rng.random() < 0.3:
        kwargs["count_include_pad"] = cip
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    args = [kernel] + ([] if stride is None and padding is None else [stride])
    if padding is not None:
        args.append(padding)
    expected = ref.avg_pool2d(x, *args, **kwargs)
    if not informative(expected, *bounds(dtype, omin, omax)):
        return None
    x_call = non_contiguous(rng, x) if rng.random() < 0.25 else x
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, x=(N, H, W, C), k=kernel, stride=stride, pad=padding, cip=cip,
                  out=use_out, ties=ties, x_contiguous=x_call.flags.c_contiguous, **kwargs)
    return AvgCase("avg_pool2d", seed, params, (x_call, *args), kwargs, expected,
                   use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "avg_pool2d")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    padded = [c for c in CASES if c.params["pad"] not in (None, 0, (0, 0))]
    assert {c.params["cip"] for c in padded} == {True, False}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_avg_pool2d_parity(case, threads, kernel_family):
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.avg_pool2d(*case.args, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.avg_pool2d(*case.args, **case.kwargs)
    assert_same(got, case.expected, case)


def _near_tie_cases():
    """Windows whose sums Σ(x - x_zp) are near ties of the pooling multiplier (see
    _near_ties.py): one window per channel, or (count_include_pad=False) border windows whose
    divisor is the count of valid positions."""
    cases = []
    for i, ((KH, KW), dtype) in enumerate([((3, 3), U8), ((7, 7), I8), ((5, 5), U8),
                                            ((14, 14), I8), ((2, 7), U8)]):
        rng = np.random.default_rng([TAG, 8000 + i])
        div = KH * KW
        in_s, out_s, zp, sums = nt.avg_pool_sums(rng, div, dtype, 48)
        x = np.stack([nt.window_with_sum(rng, div, s + zp * div, dtype) for s in sums], axis=-1)
        x = x.reshape(1, KH, KW, len(sums))
        kw = dict(input_scale=in_s, input_zero_point=zp, output_scale=out_s,
                  output_zero_point=(sum(ref.qrange(dtype)) + 1) // 2)
        want = ref.avg_pool2d(x, (KH, KW), **kw)
        cases.append(AvgCase("avg_pool2d", 8000 + i, dict(kind="near-ties", dt=dtype, x=x.shape,
                                                          k=(KH, KW), **kw),
                             (x, (KH, KW)), kw, want))
    # count_include_pad=False: a 9x9 window with padding 4 over a 7x7 input; the centre
    # window holds all 49 pixels (divisor 49, not 81) and its sums are near ties.
    for i, dtype in enumerate((U8, I8)):
        rng = np.random.default_rng([TAG, 8100 + i])
        in_s, out_s, zp, sums = nt.avg_pool_sums(rng, 49, dtype, 48)
        x = np.stack([nt.window_with_sum(rng, 49, s + zp * 49, dtype) for s in sums], axis=-1)
        x = x.reshape(1, 7, 7, len(sums))
        kw = dict(count_include_pad=False, input_scale=in_s, input_zero_point=zp,
                  output_scale=out_s, output_zero_point=(sum(ref.qrange(dtype)) + 1) // 2)
        want = ref.avg_pool2d(x, 9, 1, 4, **kw)
        cases.append(AvgCase("avg_pool2d", 8100 + i, dict(kind="near-ties-valid-count", dt=dtype,
                                                          x=x.shape, k=9, **kw),
                             (x, 9, 1, 4), kw, want))
    for c in cases:
        c.origin = "_near_tie_cases()"
    return cases


NEAR = _near_tie_cases()


@pytest.mark.parametrize("case", NEAR, ids=lambda c: c.id)
def test_avg_pool2d_near_ties(case, threads, kernel_family):
    assert_same(qs.avg_pool2d(*case.args, **case.kwargs), case.expected, case)


def test_avg_pool2d_count_include_pad_changes_the_border():
    x = np.full((1, 4, 4, 1), 200, np.uint8)
    kw = dict(input_scale=1.0, input_zero_point=0, output_scale=1.0, output_zero_point=0)
    a = qs.avg_pool2d(x, 3, 1, 1, count_include_pad=True, **kw)
    b = qs.avg_pool2d(x, 3, 1, 1, count_include_pad=False, **kw)
    assert_same(a, ref.avg_pool2d(x, 3, 1, 1, count_include_pad=True, **kw))
    assert_same(b, ref.avg_pool2d(x, 3, 1, 1, count_include_pad=False, **kw))
    assert a[0, 0, 0, 0] == 89 and (b == 200).all()        # 800/9 = 88.9 -> 89


def test_avg_pool2d_empty_batch():
    got = qs.avg_pool2d(np.zeros((0, 6, 5, 3), np.int8), 2, input_scale=1.0,
                        input_zero_point=0, output_scale=1.0, output_zero_point=0)
    assert isinstance(got, np.ndarray) and got.shape == (0, 3, 2, 3) and got.dtype == np.int8


def test_avg_pool2d_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (2, 7, 7, 5), U8))
    before = snapshot(x)
    kw = dict(count_include_pad=False, input_scale=0.1, input_zero_point=3, output_scale=0.2,
              output_zero_point=100)
    assert_same(qs.avg_pool2d(x, 3, 2, 1, **kw), ref.avg_pool2d(x, 3, 2, 1, **kw))
    assert_unchanged(before, (x,), ("x",))


_X = np.arange(2 * 6 * 6 * 3, dtype=np.int64).astype(np.uint8).reshape(2, 6, 6, 3)
WIN = r"(?i)kernel|window|padd|input|\bx\b|size"
ZERO = r"(?i)\bx\b|input|channel|size|empty|zero|height|width|kernel"


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(x=_X.astype(np.float32)), TypeError, DT_X, id="x-float32"),
        P(dict(x=_X[0]), ValueError, X_NAME, id="x-rank3"),
        P(dict(kernel_size=0), ValueError, "kernel_size", id="kernel_size=0"),
        P(dict(kernel_size=(-1, 2)), ValueError, "kernel_size", id="kernel_size=(-1,2)"),
        P(dict(stride=0), ValueError, "stride", id="stride=0"),
        P(dict(stride=(0, 1)), ValueError, "stride", id="stride=(0,1)"),
        P(dict(padding=-1), ValueError, "padding", id="padding=-1"),
        P(dict(kernel_size=2, padding=2), ValueError, "padding", id="padding-over-half-kernel"),
        P(dict(kernel_size=(3, 2), padding=(1, 2)), ValueError, "padding",
          id="padding-over-half-kernel-width"),
        P(dict(kernel_size=7), ValueError, WIN, id="window-larger-than-input"),
        P(dict(x=_X[:, :1, :1], kernel_size=4, padding=1), ValueError, WIN,
          id="window-larger-than-padded-input"),
        P(dict(x=_X[..., :0]), ValueError, ZERO, id="zero-channels"),
        P(dict(x=_X[:, :0]), ValueError, ZERO, id="zero-height"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_zero_point",
          id="only-output_scale"),
        P(dict(output_scale=...), (TypeError, ValueError), "output_scale",
          id="only-output_zero_point"),
        P(dict(out=np.empty((2, 3, 3, 3), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((2, 3, 3, 2), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
    ]
    return c + bad_input_output_qparams(_X)


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_avg_pool2d_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_unary(qs.avg_pool2d, changes, _X, kernel_size=2, stride=None, padding=0,
                   count_include_pad=True, input_scale=0.5, input_zero_point=10, output_scale=0.5,
                   output_zero_point=10)


def test_avg_pool2d_base_error_call_is_valid():
    kw = dict(input_scale=0.5, input_zero_point=10, output_scale=0.5, output_zero_point=10)
    got = qs.avg_pool2d(_X, kernel_size=2, stride=None, padding=0, count_include_pad=True, **kw)
    assert_same(got, ref.avg_pool2d(_X, 2, **kw))

"""qs.multiply against reference.multiply (exact parity, NumPy broadcasting), plus errors.

Shapes of rank 0..4 broadcast against each other, uint8 and int8, scales from 1e-3 to 10
(powers of two for exact ties), zero points at the extremes, fused clamps, non-contiguous
and stride-0 inputs, `out=`. Rebuild a failing case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (BINARY_A, BINARY_AB, BINARY_B, I8, OUT_MM, U8, Case, assert_same,
                      assert_unchanged, bad_scale_params, bad_zero_point_params, bounds,
                      broadcast_operand_shape, call_binary, first_informative, informative,
                      log_uniform, non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref,
                      snapshot, with_clamp)

TAG = 303
N_CASES = 150


class MulCase(Case):
    id_keys = ("dt", "a", "b", "layout", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    rank = int(rng.integers(0, 5))
    full = tuple(int(pick(rng, [1, 2, 3, 5, 7, 16, 17, 33])) for _ in range(rank))
    sa, sb = broadcast_operand_shape(rng, full), broadcast_operand_shape(rng, full)
    if rng.random() < 0.2:
        sa = sb = full
    a, b = rand_q(rng, sa, dtype), rand_q(rng, sb, dtype)
    ties = rng.random() < 0.15
    if ties:
        a_s, b_s = 2.0 ** -int(rng.integers(0, 6)), 2.0 ** -int(rng.integers(0, 6))
        o_s = a_s * b_s * 2.0 ** int(rng.integers(4, 12))
    else:
        a_s, b_s = float(log_uniform(rng, 1e-3, 10)), float(log_uniform(rng, 1e-3, 10))
        o_s = a_s * b_s * float(log_uniform(rng, 20, 5000))
    o_zp = rand_zero_point(rng, dtype)
    omin, omax = rand_clamp(rng, dtype, o_zp, o_s, p_none=0.7)
    kwargs = dict(a_scale=a_s, a_zero_point=rand_zero_point(rng, dtype), b_scale=b_s,
                  b_zero_point=rand_zero_point(rng, dtype), output_scale=o_s,
                  output_zero_point=o_zp)
    with_clamp(kwargs, omin, omax)
    expected = ref.multiply(a, b, **kwargs)
    if expected.size > 1 and not informative(expected, *bounds(dtype, omin, omax)):
        return None
    layout = pick(rng, ["contiguous", "non-contiguous", "broadcast_to"], p=[0.65, 0.25, 0.1])
    a_call, b_call = a, b
    if layout == "non-contiguous":
        a_call, b_call = non_contiguous(rng, a), non_contiguous(rng, b)
    elif layout == "broadcast_to":
        a_call = np.broadcast_to(a, expected.shape)
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, a=sa, b=sb, layout=layout, out=use_out, ties=ties, **kwargs)
    return MulCase("multiply", seed, params, (a_call, b_call), kwargs, expected, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "multiply")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {len(c.params["a"]) for c in CASES} | {len(c.params["b"]) for c in CASES} == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_multiply_parity(case, threads, kernel_family):
    a, b = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = qs.multiply(a, b, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    assert_same(got, case.expected, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_multiply_every_value_pair(dtype, threads, kernel_family):
    """All 256 x 256 products, with the saturating ends of the output range reached."""
    qmin, qmax = ref.qrange(dtype)
    a = np.arange(qmin, qmax + 1).astype(dtype)[:, None]
    b = np.arange(qmin, qmax + 1).astype(dtype)[None, :]
    for a_zp, b_zp, o_s, o_zp in ((qmin, qmin, 100.0, qmin), (qmax, qmin + 7, 30.0, qmax),
                                  (qmin + 128, qmin + 128, 64.0, qmin + 128)):
        kw = dict(a_scale=1.0, a_zero_point=a_zp, b_scale=1.0, b_zero_point=b_zp,
                  output_scale=o_s, output_zero_point=o_zp)
        want = ref.multiply(a, b, **kw)
        assert {qmin, qmax} <= set(np.unique(want).tolist()) or o_zp in (qmin, qmax)
        assert_same(qs.multiply(a, b, **kw), want)


def test_multiply_large(threads, kernel_family):
    rng = np.random.default_rng([TAG, 11])
    a, b = rand_q(rng, (4, 64, 64, 32), U8), rand_q(rng, (64, 1, 32), U8)
    kw = dict(a_scale=0.02, a_zero_point=128, b_scale=0.03, b_zero_point=120,
              output_scale=0.05, output_zero_point=128)
    assert_same(qs.multiply(a, b, **kw), ref.multiply(a, b, **kw))
    assert_same(qs.multiply(b, a, **kw), ref.multiply(b, a, **kw))
    wide, row = rand_q(rng, (2, 3, 1500), U8), rand_q(rng, (1500,), U8)   # 1000+ channels
    assert_same(qs.multiply(wide, row, **kw), ref.multiply(wide, row, **kw))


def test_multiply_empty():
    got = qs.multiply(np.zeros((0, 3), np.int8), np.zeros((3,), np.int8), a_scale=1.0,
                      a_zero_point=0, b_scale=1.0, b_zero_point=0, output_scale=1.0,
                      output_zero_point=0)
    assert got.shape == (0, 3) and got.dtype == np.int8


def test_multiply_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    a, b = non_contiguous(rng, rand_q(rng, (3, 4, 5), I8)), rand_q(rng, (4, 1), I8)
    before = snapshot(a, b)
    kw = dict(a_scale=0.1, a_zero_point=-3, b_scale=0.2, b_zero_point=7, output_scale=0.3,
              output_zero_point=1)
    assert_same(qs.multiply(a, b, **kw), ref.multiply(a, b, **kw))
    assert_unchanged(before, (a, b), ("a", "b"))


_A, _B, AB = BINARY_A, BINARY_B, BINARY_AB


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(a=_A.astype(np.float32)), TypeError, AB, id="a-float32"),
        P(dict(b=_B.view(np.int8)), TypeError, AB, id="uint8+int8"),
        P(dict(out=np.empty((3, 2), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
        P(dict(b=np.zeros((4,), np.uint8)), ValueError, r"(?i)broadcast", id="not-broadcastable"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_", id="only-output_scale"),
    ]
    for name in ("a_scale", "b_scale", "output_scale"):
        c += bad_scale_params(name)
    for name in ("a_zero_point", "b_zero_point", "output_zero_point"):
        c += bad_zero_point_params(name, U8)
    return c


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_multiply_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_binary(qs.multiply, changes)


def test_large_scale_ratios_with_a_finite_multiplier():
    # Found by fuzzing: add's rule (a_scale / output_scale · 255 finite) rejected these
    # although multiply's one multiplier f32(a_scale · b_scale) / output_scale is finite.
    a = np.array([52], np.int8)
    b = np.array([62, 64, -128], np.int8)
    kw = dict(a_scale=1.78e30, a_zero_point=127, b_scale=1.64e-27, b_zero_point=7,
              output_scale=9.77e-21, output_zero_point=97)
    assert_same(qs.multiply(a, b, **kw), ref.multiply(a, b, **kw))
    with pytest.raises(ValueError, match="a_scale \\* b_scale"):
        qs.multiply(a, b, **dict(kw, b_scale=1e30, output_scale=1e-30))

"""qs.quantize against reference.quantize (exact parity), plus errors.

float32 and float64 inputs of rank 0..4, uint8 and int8, scales from 1e-4 to 10 (powers of
two with exact .5 ties), zero points at the extremes, values beyond the range (clamping),
per-channel along any axis (negative ones included), non-contiguous inputs, `out=`; then
non-finite and huge values. Rebuild a failing case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (I8, U8, Case, assert_same, assert_unchanged, first_informative, informative,
                      log_uniform, non_contiguous, pick, rand_shape_or_long, rand_zero_point, ref,
                      snapshot)

TAG = 108
N_CASES = 140


class QuantizeCase(Case):
    id_keys = ("dt", "x_dtype", "shape", "axis", "layout", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    shape = rand_shape_or_long(rng)
    rank = len(shape)
    x_dtype = pick(rng, [np.float32, np.float64], p=[0.7, 0.3])
    ties = rng.random() < 0.15
    scale = 2.0 ** -int(rng.integers(0, 10)) if ties else float(log_uniform(rng, 1e-4, 10))
    axis = None
    if rank and rng.random() < 0.3:
        axis = int(rng.integers(-rank, rank))
        n = shape[axis]
        scale = scale * log_uniform(rng, 0.5, 2, size=n) if not ties else \
            np.full(n, scale) * 2.0 ** rng.integers(-2, 3, size=n)
        zp = np.array([rand_zero_point(rng, dtype) for _ in range(n)], dtype=np.int32)
        s_b = np.asarray(scale).reshape([n if i == axis % rank else 1 for i in range(rank)])
    else:
        zp = rand_zero_point(rng, dtype)
        s_b = scale
    if ties:
        x = (rng.integers(-200, 200, size=shape) + 0.5 * rng.integers(0, 2, size=shape)) * s_b
    else:
        x = rng.normal(0, 80, size=shape) * s_b
        far = rng.random(size=shape) < 0.05
        x = np.where(far, rng.normal(0, 600, size=shape) * s_b, x)
    x = np.asarray(x, dtype=x_dtype)
    expected = ref.quantize(x, scale, zp, dtype=dtype, axis=axis)
    if not informative(expected, *ref.qrange(dtype)):
        return None
    layout = "non-contiguous" if rank and rng.random() < 0.25 else "contiguous"
    x_call = non_contiguous(rng, x) if layout == "non-contiguous" else x
    use_out = rng.random() < 0.25
    kwargs = dict(dtype=dtype) if dtype == I8 or rng.random() < 0.5 else {}
    if axis is not None:
        kwargs["axis"] = axis
    params = dict(dt=dtype, x_dtype=np.dtype(x_dtype), shape=shape, axis=axis, layout=layout,
                  out=use_out, ties=ties, scale=scale, zero_point=zp)
    return QuantizeCase("quantize", seed, params, (x_call, scale, zp), kwargs, expected,
                        use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "quantize")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert any(c.params["axis"] is not None and c.params["axis"] < 0 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_quantize_parity(case, threads, kernel_family):
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.quantize(*case.args, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.quantize(*case.args, **case.kwargs)
    assert_same(got, case.expected, case)


def _near_tie_cases():
    """float32 values a few ulps around (k + 0.5) * scale (see _near_ties.py)."""
    cases = []
    for i in range(8):
        rng = np.random.default_rng([TAG, 8000 + i])
        dtype = (U8, I8)[i % 2]
        scale = float(log_uniform(rng, 1e-4, 10))
        x = nt.quantize_near_ties(rng, scale, k_range=120)
        zp = 128 if dtype == U8 else 0
        x_call = x.astype(np.float64) if i % 4 == 3 else x
        cases.append(QuantizeCase("quantize", 8000 + i,
                                  dict(kind="near-ties", dt=dtype, scale=scale, zero_point=zp,
                                       x_dtype=x_call.dtype, shape=x.shape),
                                  (x_call, scale, zp), dict(dtype=dtype),
                                  ref.quantize(x, scale, zp, dtype=dtype)))
    for c in cases:
        c.origin = "_near_tie_cases()"
    return cases


NEAR = _near_tie_cases()


@pytest.mark.parametrize("case", NEAR, ids=lambda c: c.id)
def test_quantize_near_ties(case, threads, kernel_family):
    assert_same(qs.quantize(*case.args, **case.kwargs), case.expected, case)


SPECIAL = np.array([np.inf, -np.inf, 1e30, -1e30, 3.4e38, -3.4e38, -0.0, 0.0, 1e-45, -1e-45,
                    127.5, 128.5, -128.5, 0.5, -0.5, 1.5, 2.5, 254.5, 255.5], np.float32)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_quantize_non_finite_and_huge_values(dtype, x_dtype, threads, kernel_family):
    x = SPECIAL.astype(x_dtype)
    if x_dtype == np.float64:
        x = np.concatenate([x, [1e300, -1e300, 1e-300]])
    qmax = int(ref.qrange(dtype)[1])
    for scale, zp in ((1.0, 0), (1.0, qmax), (1e-4, 3), (10.0, -1 if dtype == I8 else 1)):
        assert_same(qs.quantize(x, scale, zp, dtype=dtype),
                    ref.quantize(x, scale, zp, dtype=dtype))


def test_quantize_nan_does_not_crash():
    got = qs.quantize(np.array([np.nan, 1.0, -np.nan], np.float32), 0.1, 128)
    assert isinstance(got, np.ndarray) and got.shape == (3,) and got.dtype == np.uint8
    assert got[1] == 138


def test_quantize_default_dtype_is_uint8():
    got = qs.quantize(np.array([0.0, 1.0], np.float32), 0.5, 3)
    assert_same(got, np.array([3, 5], np.uint8))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)])
def test_quantize_empty(shape):
    got = qs.quantize(np.zeros(shape, np.float32), 0.5, 3, dtype=np.int8)
    assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.int8


def test_quantize_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rng.normal(0, 1, (4, 5)).astype(np.float32))
    s = np.full(5, 0.02, np.float32)
    z = np.arange(5, dtype=np.int32)
    before = snapshot(x, s, z)
    assert_same(qs.quantize(x, s, z, dtype=np.uint8, axis=1),
                ref.quantize(x, s, z, dtype=np.uint8, axis=1))
    assert_unchanged(before, (x, s, z), ("x", "scale", "zero_point"))


_X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(dtype=np.int16), TypeError, r"(?i)dtype|u?int8", id="dtype-int16"),
        P(dict(dtype=np.float32), TypeError, r"(?i)dtype|u?int8", id="dtype-float32"),
        P(dict(zero_point=256), ValueError, "zero_point", id="u8-zero_point=256"),
        P(dict(zero_point=-1), ValueError, "zero_point", id="u8-zero_point=-1"),
        P(dict(zero_point=128, dtype=np.int8), ValueError, "zero_point", id="i8-zero_point=128"),
        P(dict(zero_point=-129, dtype=np.int8), ValueError, "zero_point", id="i8-zero_point=-129"),
        P(dict(scale=np.full(3, 0.1), zero_point=np.zeros(4, np.int32), axis=1), ValueError,
          "scale", id="per-channel-scale-length"),
        P(dict(scale=np.full(4, 0.1), zero_point=np.zeros(3, np.int32), axis=1), ValueError,
          "zero_point", id="per-channel-zero_point-length"),
        P(dict(scale=np.array([0.1, 0.0, 0.1, 0.1]), zero_point=np.zeros(4, np.int32), axis=1),
          ValueError, "scale", id="per-channel-scale-zero"),
        P(dict(scale=np.full(4, 0.1), zero_point=np.array([0, 300, 0, 0]), axis=1),
          ValueError, "zero_point", id="per-channel-zero_point-out-of-range"),
        P(dict(scale=np.full(4, 0.1), zero_point=np.zeros(4, np.int32), axis=2), ValueError,
          "axis", id="axis-out-of-range"),
        P(dict(out=np.empty((3, 4), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((4, 3), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
    ]
    c += [P(dict(scale=v), ValueError, "scale", id=f"scale={v}")
          for v in (0.0, -0.5, float("nan"), float("inf"))]
    return c


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_quantize_rejects(changes, exc, match):
    kw = dict(scale=0.1, zero_point=10, dtype=np.uint8, axis=None, out=None)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.quantize(_X, kw.pop("scale"), kw.pop("zero_point"), **kw)

"""qs.clamp against reference.clamp (exact parity), plus errors.

Any shape (rank 0..4), uint8 and int8, bounds anywhere in [qmin, qmax] (equal bounds and
the full range included), non-contiguous inputs, `out=`. Rebuild a case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (DT_X, I8, OUT_MM, U8, Case, assert_same, assert_unchanged,
                      non_contiguous, pick, rand_q, ref, snapshot)

TAG = 104
N_CASES = 120


class ClampCase(Case):
    id_keys = ("dt", "shape", "min", "max", "layout", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    qmin, qmax = ref.qrange(dtype)
    rank = int(rng.integers(0, 5))
    shape = tuple(int(pick(rng, [1, 2, 3, 5, 7, 16, 17, 33, 64])) for _ in range(rank))
    if rng.random() < 0.1:
        shape = (int(rng.integers(1000, 5000)),)        # long enough for vector loops + tails
    x = rand_q(rng, shape, dtype)
    kind = pick(rng, ["range", "equal", "full", "relu", "lower-only", "upper-only"],
                p=[0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    lo, hi = sorted(int(v) for v in rng.integers(qmin, qmax + 1, size=2))
    mid = 128 if dtype == U8 else 0
    omin, omax = {"range": (lo, hi), "equal": (lo, lo), "full": (qmin, qmax),
                  "relu": (mid, qmax), "lower-only": (lo, qmax), "upper-only": (qmin, hi)}[kind]
    layout = pick(rng, ["contiguous", "non-contiguous"], p=[0.7, 0.3])
    x_call = non_contiguous(rng, x) if layout == "non-contiguous" else x
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, shape=shape, min=omin, max=omax, kind=kind, layout=layout,
                  out=use_out)
    return ClampCase("clamp", seed, params, (x_call, omin, omax), {}, ref.clamp(x, omin, omax),
                     use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {len(c.params["shape"]) for c in CASES} >= {0, 1, 2, 3, 4}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_clamp_parity(case, threads, kernel_family):
    x, omin, omax = case.args
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.clamp(x, omin, omax, out=out)
        assert got is out
    else:
        got = qs.clamp(x, omin, omax)
    assert_same(got, case.expected, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_clamp_bounds_beyond_the_dtype_range(dtype):
    """§3: the bounds are intersected with [qmin, qmax]."""
    x = np.arange(256, dtype=np.int64).astype(np.uint8).view(dtype)
    assert_same(qs.clamp(x, -1000, 1000), x.copy())
    qmin, qmax = ref.qrange(dtype)
    assert_same(qs.clamp(x, qmin - 1, qmin + 10), ref.clamp(x, qmin, qmin + 10))


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 4, 2)])
def test_clamp_empty(shape):
    got = qs.clamp(np.zeros(shape, np.int8), -5, 5)
    assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.int8


def test_clamp_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (5, 6), U8))
    before = snapshot(x)
    assert_same(qs.clamp(x, 30, 200), ref.clamp(x, 30, 200))
    assert_unchanged(before, (x,), ("x",))


_X = np.arange(12, dtype=np.uint8).reshape(3, 4)


@pytest.mark.parametrize("x, omin, omax, out, exc, match", [
    pytest.param(_X.astype(np.float32), 0, 10, None, TypeError, DT_X, id="x-float32"),
    pytest.param(_X.astype(np.int32), 0, 10, None, TypeError, DT_X, id="x-int32"),
    pytest.param(_X, 10, 9, None, ValueError, OUT_MM, id="output_min>output_max"),
    pytest.param(_X, 0, 10, np.empty((4, 3), np.uint8), ValueError, r"\bout\b", id="out-shape"),
    pytest.param(_X, 0, 10, np.empty((3, 4), np.int8), TypeError, r"\bout\b", id="out-dtype"),
])
def test_clamp_rejects(x, omin, omax, out, exc, match):
    with pytest.raises(exc, match=match):
        qs.clamp(x, omin, omax, out=out)

"""qs.dequantize against reference.dequantize (bit-exact float32), plus errors.

uint8 and int8 arrays of rank 0..4, scales from 1e-4 to 10, zero points at the extremes,
per-channel along any axis, non-contiguous inputs, `out=`. Rebuild a case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, U8, Case, assert_same, assert_unchanged, log_uniform, non_contiguous,
                      pick, rand_q, rand_shape_or_long, rand_zero_point, ref, snapshot)

TAG = 109
N_CASES = 110


class DequantizeCase(Case):
    id_keys = ("dt", "shape", "axis", "layout", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    shape = rand_shape_or_long(rng)
    rank = len(shape)
    q = rand_q(rng, shape, dtype)
    scale = float(log_uniform(rng, 1e-4, 10))
    zp = rand_zero_point(rng, dtype)
    axis = None
    if rank and rng.random() < 0.3:
        axis = int(rng.integers(-rank, rank))
        n = shape[axis]
        scale = scale * log_uniform(rng, 0.5, 2, size=n)
        scale = scale.astype(pick(rng, [np.float32, np.float64]))
        zp = np.array([rand_zero_point(rng, dtype) for _ in range(n)], dtype=np.int32)
    layout = "non-contiguous" if rank and rng.random() < 0.25 else "contiguous"
    q_call = non_contiguous(rng, q) if layout == "non-contiguous" else q
    use_out = rng.random() < 0.25
    kwargs = {} if axis is None else dict(axis=axis)
    params = dict(dt=dtype, shape=shape, axis=axis, layout=layout, out=use_out, scale=scale,
                  zero_point=zp)
    return DequantizeCase("dequantize", seed, params, (q_call, scale, zp), kwargs,
                          ref.dequantize(q, scale, zp, axis=axis), use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert any(c.params["axis"] is not None for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_dequantize_parity(case, threads, kernel_family):
    if case.use_out:
        out = np.empty(case.expected.shape, np.float32)
        got = qs.dequantize(*case.args, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.dequantize(*case.args, **case.kwargs)
    assert_same(got, case.expected, case)


@pytest.mark.parametrize("shape", [(0,), (3, 0)])
def test_dequantize_empty(shape):
    got = qs.dequantize(np.zeros(shape, np.uint8), 0.5, 3)
    assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.float32


def test_dequantize_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    q = non_contiguous(rng, rand_q(rng, (4, 5), I8))
    s = np.full(4, 0.02)
    z = np.arange(4, dtype=np.int32)
    before = snapshot(q, s, z)
    assert_same(qs.dequantize(q, s, z, axis=0), ref.dequantize(q, s, z, axis=0))
    assert_unchanged(before, (q, s, z), ("q", "scale", "zero_point"))


_Q = np.arange(12, dtype=np.uint8).reshape(3, 4)


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(q=_Q.astype(np.float32)), TypeError, r"(?i)\bq\b|dtype|u?int8|input",
                 id="q-float32"),
    pytest.param(dict(q=_Q.astype(np.int32)), TypeError, r"(?i)\bq\b|dtype|u?int8|input",
                 id="q-int32"),
    pytest.param(dict(scale=0.0), ValueError, "scale", id="scale=0"),
    pytest.param(dict(scale=-1.0), ValueError, "scale", id="scale<0"),
    pytest.param(dict(scale=float("nan")), ValueError, "scale", id="scale=nan"),
    pytest.param(dict(scale=float("inf")), ValueError, "scale", id="scale=inf"),
    pytest.param(dict(zero_point=256), ValueError, "zero_point", id="u8-zero_point=256"),
    pytest.param(dict(zero_point=-1), ValueError, "zero_point", id="u8-zero_point=-1"),
    pytest.param(dict(q=_Q.view(np.int8), zero_point=128), ValueError, "zero_point",
                 id="i8-zero_point=128"),
    pytest.param(dict(scale=np.full(3, 0.1), zero_point=np.zeros(3, np.int32), axis=1),
                 ValueError, r"scale|zero_point", id="per-channel-length"),
    pytest.param(dict(scale=np.full(4, 0.1), zero_point=np.zeros(4, np.int32), axis=5),
                 ValueError, "axis", id="axis-out-of-range"),
    pytest.param(dict(out=np.empty((3, 4), np.float64)), TypeError, r"\bout\b", id="out-dtype"),
    pytest.param(dict(out=np.empty((3, 5), np.float32)), ValueError, r"\bout\b", id="out-shape"),
])
def test_dequantize_rejects(changes, exc, match):
    kw = dict(q=_Q, scale=0.1, zero_point=10, axis=None, out=None)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.dequantize(kw.pop("q"), kw.pop("scale"), kw.pop("zero_point"), **kw)

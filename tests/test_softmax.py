"""qs.softmax against reference.softmax (float64): exactly equal (API.md allows 1 LSB; the
kernels repeat the reference's float64 operations, see test_softmax_exact.py), plus errors.

Random cases: rank 1-4, any axis (negative too), uint8/int8, input scales 1e-3..1, fixed
(output_scale=None) or explicit output qparams, clamps, `out=`, non-contiguous inputs.
Edge cases: rows holding all 256 values for several qparam pairs, 1x1000 and 1x56x56x64
(threads), a length-1 axis, single elements.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, OUT_MM, U8, Case, all_values, assert_same, assert_unchanged,
                      bad_scale_params, bad_zero_point_params,
                      covering_array, log_uniform, non_contiguous, pick, rand_clamp, rand_q,
                      rand_shape, rand_zero_point, ref, snapshot, with_clamp)

TAG = 306
N_CASES = 120


class SoftmaxCase(Case):
    id_keys = ("dt", "shape", "axis", "fixed", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    shape = rand_shape(rng, 4)
    if not shape:
        shape = (int(pick(rng, [1, 5, 300])),)
    axis = int(rng.integers(-len(shape), len(shape)))
    x = covering_array(rng, shape, dtype)
    kwargs = dict(input_scale=float(log_uniform(rng, 1e-3, 1)),
                  input_zero_point=rand_zero_point(rng, dtype))
    fixed = rng.random() < 0.5
    if not fixed:
        out_s = float(log_uniform(rng, 1 / 1024, 1 / 64))
        out_zp = rand_zero_point(rng, dtype) if rng.random() < 0.3 else ref.qrange(dtype)[0]
        kwargs.update(output_scale=out_s, output_zero_point=out_zp)
        omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.7)
        with_clamp(kwargs, omin, omax)
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(dt=dtype, shape=shape, axis=axis, fixed=fixed, out=use_out, **kwargs)
    return SoftmaxCase("softmax", seed, params, (x_call, axis), kwargs,
                       ref.softmax(x, axis, **kwargs), use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def run(case):
    x, axis = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = qs.softmax(x, axis, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    assert_same(got, case.expected, case)


def test_case_counts():
    assert len(CASES) >= 100
    assert {len(c.params["shape"]) for c in CASES} == {1, 2, 3, 4}
    assert any(c.params["axis"] < 0 for c in CASES) and any(c.params["axis"] >= 0 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_softmax_parity(case, threads, kernel_family):
    run(case)


QPARAMS = [(0.1, 128, None, None), (1.0, 0, None, None), (0.01, 255, 1 / 512, 3),
           (0.05, 60, 1 / 128, 200), (0.3, 128, 1 / 256, 0)]


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_all_256_values(dtype, axis, threads, kernel_family):
    """Rows (or columns) holding every value, through several qparam pairs."""
    shift = 0 if dtype == U8 else -128
    rng = np.random.default_rng([TAG, 3])
    values = np.stack([all_values(dtype)[rng.permutation(256)] for _ in range(3)])
    x = values if axis == -1 else np.ascontiguousarray(values.T)
    for in_s, in_zp, out_s, out_zp in QPARAMS:
        kw = dict(input_scale=in_s, input_zero_point=in_zp + shift)
        if out_s is not None:
            kw.update(output_scale=out_s, output_zero_point=out_zp + shift)
        assert_same(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))


@pytest.mark.parametrize("shape, axis", [((1, 1000), -1), ((1, 56, 56, 64), -1),
                                         ((1, 56, 56, 64), 1), ((2, 1, 5), 1), ((1,), 0),
                                         ((1, 1, 1, 1), 2), ((3, 1500), 1)])
def test_softmax_edges(shape, axis, threads, kernel_family):
    rng = np.random.default_rng([TAG, 4, len(shape), axis % len(shape)])
    for dtype in (U8, I8):
        x = rand_q(rng, shape, dtype)
        kw = dict(input_scale=0.08, input_zero_point=ref.qrange(dtype)[0] + 128)
        assert_same(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))


def test_softmax_empty_and_input_kept():
    got = qs.softmax(np.zeros((0, 5), np.uint8), input_scale=0.1, input_zero_point=0)
    assert got.shape == (0, 5) and got.dtype == np.uint8
    rng = np.random.default_rng([TAG, 5])
    x = non_contiguous(rng, rand_q(rng, (3, 20), I8))
    before = snapshot(x)
    qs.softmax(x, 0, input_scale=0.1, input_zero_point=0)
    assert_unchanged(before, (x,), ("x",))


_X = np.arange(24).astype(np.uint8).reshape(2, 3, 4)


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(axis=3), ValueError, "axis", id="axis-3"),
        P(dict(axis=-4), ValueError, "axis", id="axis--4"),
        P(dict(axis=1.0), TypeError, "axis", id="axis-float"),
        P(dict(x=np.uint8(3)), ValueError, r"(?i)dimension|\bx\b", id="0-d"),
        P(dict(x=_X.astype(np.float32)), TypeError, r"(?i)\bx\b", id="x-float"),
        P(dict(output_scale=0.01), ValueError, "output_", id="only-output_scale"),
        P(dict(output_zero_point=0), ValueError, "output_", id="only-output_zero_point"),
        P(dict(output_min=5, output_max=4), ValueError, OUT_MM, id="clamp"),
        P(dict(out=np.empty((2, 3, 4), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
    ]
    c += bad_scale_params("input_scale") + bad_scale_params("output_scale", output_zero_point=0)
    c += bad_zero_point_params("input_zero_point", U8)
    c += bad_zero_point_params("output_zero_point", U8, output_scale=0.01)
    return c


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_softmax_rejects(changes, exc, match):
    kw = dict(x=_X, axis=-1, input_scale=0.1, input_zero_point=0)
    kw.update(changes)
    x, axis = kw.pop("x"), kw.pop("axis")
    with pytest.raises(exc, match=match):
        qs.softmax(x, axis, **kw)

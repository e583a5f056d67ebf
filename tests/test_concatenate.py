"""qs.concatenate against reference.concatenate (exact parity: each input requantized per
API.md §3), plus errors.

Random cases: 1-5 inputs of rank 1-4 joined along any axis (negative too), uint8 and int8,
per-input scales and zero points (equal to the output's for some inputs, so the copy path
runs too), scalar qparams for all, clamps, non-contiguous inputs, `out=`.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, OUT_MM, U8, Case, assert_same, assert_unchanged, log_uniform,
                      non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref, snapshot,
                      with_clamp)

TAG = 304
N_CASES = 150


class ConcatCase(Case):
    id_keys = ("dt", "shapes", "axis", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    rank = int(rng.integers(1, 5))
    base = [int(pick(rng, [1, 2, 3, 5, 16, 17])) for _ in range(rank)]
    axis = int(rng.integers(-rank, rank))
    count = int(rng.integers(1, 6))
    shapes = []
    for _ in range(count):
        s = list(base)
        s[axis] = int(pick(rng, [0, 1, 2, 3, 7, 16, 33], p=[0.05, 0.2, 0.2, 0.15, 0.15, 0.15, 0.1]))
        shapes.append(tuple(s))
    arrays = [rand_q(rng, s, dtype) for s in shapes]
    out_s = float(log_uniform(rng, 1e-3, 1))
    out_zp = rand_zero_point(rng, dtype)
    if rng.random() < 0.2:
        scales, zps = out_s, out_zp          # scalar qparams for all, equal to the output's
    else:
        scales = [out_s if rng.random() < 0.3 else out_s * float(log_uniform(rng, 0.2, 5))
                  for _ in range(count)]
        zps = [rand_zero_point(rng, dtype) for _ in range(count)]
    omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.75)
    kwargs = dict(input_scales=scales, input_zero_points=zps, output_scale=out_s,
                  output_zero_point=out_zp)
    with_clamp(kwargs, omin, omax)
    expected = ref.concatenate(arrays, axis, **kwargs)
    calls = [non_contiguous(rng, a) if a.size and rng.random() < 0.2 else a for a in arrays]
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, shapes=shapes, axis=axis, out=use_out, **kwargs)
    return ConcatCase("concatenate", seed, params, (calls, axis), kwargs, expected, use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {len(c.params["shapes"]) for c in CASES} == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_concatenate_parity(case, threads, kernel_family):
    arrays, axis = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = qs.concatenate(arrays, axis, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    assert_same(got, case.expected, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_concatenate_every_value_and_wide(dtype, threads, kernel_family):
    """All 256 values through extreme qparam pairs; 1000+ channels; big enough for threads."""
    qmin, qmax = ref.qrange(dtype)
    values = np.tile(np.arange(qmin, qmax + 1).astype(dtype), (300, 5))  # [300, 1280]
    other = np.full((300, 3), qmin + 9, dtype)
    for s_in, zp_in, s_out, zp_out in ((1.0, qmin, 0.01, qmax), (0.001, qmax, 10.0, qmin),
                                       (0.5, qmin + 100, 0.25, qmin + 128)):
        kw = dict(input_scales=[s_in, 2.0], input_zero_points=[zp_in, qmin], output_scale=s_out,
                  output_zero_point=zp_out)
        assert_same(qs.concatenate([values, other], **kw), ref.concatenate([values, other], **kw))


def test_concatenate_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    a, b = non_contiguous(rng, rand_q(rng, (3, 4), I8)), rand_q(rng, (3, 2), I8)
    before = snapshot(a, b)
    kw = dict(input_scales=[0.1, 0.2], input_zero_points=[-3, 7], output_scale=0.3,
              output_zero_point=1)
    assert_same(qs.concatenate((a, b), **kw), ref.concatenate([a, b], **kw))
    assert_unchanged(before, (a, b), ("a", "b"))


_A = np.full((2, 3), 100, np.uint8)
_B = np.full((2, 2), 50, np.uint8)


def _bad_cases():
    P = pytest.param
    return [
        P(dict(arrays=[]), ValueError, "arrays", id="no-arrays"),
        P(dict(arrays=_A), ValueError, "arrays", id="ndarray-not-sequence"),
        P(dict(arrays=[_A, _B.view(np.int8)]), TypeError, r"dtype", id="mixed-dtypes"),
        P(dict(arrays=[_A, _B.astype(np.float32)]), TypeError, r"arrays\[1\]", id="float-input"),
        P(dict(arrays=[_A, np.zeros((3, 2), np.uint8)]), ValueError, "shape", id="shape-mismatch"),
        P(dict(arrays=[_A, np.zeros((2, 3, 1), np.uint8)]), ValueError, "shape", id="rank-mismatch"),
        P(dict(axis=2), ValueError, "axis", id="axis-out-of-range"),
        P(dict(axis=-3), ValueError, "axis", id="axis-negative-out-of-range"),
        P(dict(arrays=[np.uint8(3)], input_scales=1.0, input_zero_points=0), ValueError,
          "dimension", id="0-d"),
        P(dict(input_scales=[1.0]), ValueError, "input_scales", id="scales-length"),
        P(dict(input_scales=[1.0, 0.0]), ValueError, "input_scales", id="scale-zero"),
        P(dict(input_zero_points=[0, 256]), ValueError, "input_zero_points", id="zp-range"),
        P(dict(output_scale=-1.0), ValueError, "output_scale", id="output_scale"),
        P(dict(output_zero_point=-1), ValueError, "output_zero_point", id="output_zp"),
        P(dict(output_min=5, output_max=4), ValueError, OUT_MM, id="clamp"),
        P(dict(out=np.empty((2, 4), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
    ]


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_concatenate_rejects(changes, exc, match):
    kw = dict(arrays=[_A, _B], axis=-1, input_scales=[1.0, 0.5], input_zero_points=[0, 3],
              output_scale=1.0, output_zero_point=0)
    kw.update(changes)
    arrays, axis = kw.pop("arrays"), kw.pop("axis")
    with pytest.raises(exc, match=match):
        qs.concatenate(arrays, axis, **kw)


def test_overflowing_multiplier_is_a_value_error():
    # Found by fuzzing: the native side reported it as NotImplementedError.
    x = np.zeros((2, 3), np.uint8)
    with pytest.raises(ValueError, match="input_scales"):
        qs.concatenate([x, x], input_scales=[1e33, 1.0], input_zero_points=0, output_scale=1e-12,
                       output_zero_point=0)

"""qs.requantize against reference.requantize (exact parity), plus errors.

uint8 / int8 in and out (dtype None keeps the input's), arrays of rank 0..4, scale ratios
from 1e-3 to 1e3 (powers of two with exact .5 ties), zero points at the extremes,
non-contiguous inputs, `out=`. Rebuild a failing case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (I8, U8, Case, assert_same, assert_unchanged, first_informative, informative,
                      log_uniform, non_contiguous, pick, rand_q, rand_shape_or_long,
                      rand_zero_point, ref, snapshot)

TAG = 110
N_CASES = 120


class RequantizeCase(Case):
    id_keys = ("dt", "to", "shape", "layout", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    to = pick(rng, [None, U8, I8])
    out_dtype = dtype if to is None else to
    shape = rand_shape_or_long(rng)
    rank = len(shape)
    q = rand_q(rng, shape, dtype)
    ties = rng.random() < 0.15
    if ties:
        s_in = 2.0 ** -int(rng.integers(0, 8))
        s_out = s_in * 2.0 ** int(rng.integers(0, 3))
    else:
        s_in = float(log_uniform(rng, 1e-4, 10))
        s_out = s_in * float(log_uniform(rng, 0.3, 3) if rng.random() < 0.8 else
                             log_uniform(rng, 1e-3, 1e3))
    zp_in, zp_out = rand_zero_point(rng, dtype), rand_zero_point(rng, out_dtype)
    expected = ref.requantize(q, s_in, zp_in, s_out, zp_out, dtype=to)
    if not informative(expected, *ref.qrange(out_dtype)):
        return None
    layout = "non-contiguous" if rank and rng.random() < 0.25 else "contiguous"
    q_call = non_contiguous(rng, q) if layout == "non-contiguous" else q
    use_out = rng.random() < 0.25
    kwargs = {} if to is None and rng.random() < 0.5 else dict(dtype=to)
    params = dict(dt=dtype, to=to if to is not None else "same", shape=shape, layout=layout,
                  out=use_out, ties=ties, input_scale=s_in, input_zero_point=zp_in,
                  output_scale=s_out, output_zero_point=zp_out)
    return RequantizeCase("requantize", seed, params, (q_call, s_in, zp_in, s_out, zp_out),
                          kwargs, expected, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "requantize")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["to"] for c in CASES} == {"same", U8, I8}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_requantize_parity(case, threads, kernel_family):
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.requantize(*case.args, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.requantize(*case.args, **case.kwargs)
    assert_same(got, case.expected, case)


def _all_values_cases():
    """All 256 inputs for scale pairs chosen to hold near ties (see _near_ties.py)."""
    cases = []
    for i, (dtype, to) in enumerate([(U8, None), (I8, None), (U8, I8), (I8, U8)]):
        rng = np.random.default_rng([TAG, 8000 + i])
        out_dtype = dtype if to is None else to
        qmin, qmax = ref.qrange(dtype)
        q = np.arange(qmin, qmax + 1, dtype=np.int64).astype(dtype)
        for j, (s_in, s_out) in enumerate(nt.requantize_pairs(rng, 3)):
            zp_in = int(rng.integers(qmin, qmax + 1))
            zp_out = (sum(ref.qrange(out_dtype)) + 1) // 2
            want = ref.requantize(q, s_in, zp_in, s_out, zp_out, dtype=to)
            cases.append(RequantizeCase("requantize", 8000 + 10 * i + j,
                                        dict(kind="all-values", dt=dtype, to=to or "same",
                                             input_scale=s_in, input_zero_point=zp_in,
                                             output_scale=s_out, output_zero_point=zp_out),
                                        (q, s_in, zp_in, s_out, zp_out), dict(dtype=to), want))
    for c in cases:
        c.origin = "_all_values_cases()"
    return cases


ALL_VALUES = _all_values_cases()


@pytest.mark.parametrize("case", ALL_VALUES, ids=lambda c: c.id)
def test_requantize_all_values_near_ties(case, threads, kernel_family):
    assert_same(qs.requantize(*case.args, **case.kwargs), case.expected, case)


def test_requantize_keywords():
    q = np.array([0, 100, 255], np.uint8)
    got = qs.requantize(q, input_scale=0.5, input_zero_point=100, output_scale=1.0,
                        output_zero_point=0, dtype=np.int8)
    assert_same(got, ref.requantize(q, 0.5, 100, 1.0, 0, dtype=np.int8))


@pytest.mark.parametrize("shape", [(0,), (0, 2)])
def test_requantize_empty(shape):
    got = qs.requantize(np.zeros(shape, np.int8), 0.5, 0, 0.25, 3, dtype=np.uint8)
    assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.uint8


def test_requantize_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    q = non_contiguous(rng, rand_q(rng, (6, 7), U8))
    before = snapshot(q)
    assert_same(qs.requantize(q, 0.3, 128, 0.2, 0, dtype=np.int8),
                ref.requantize(q, 0.3, 128, 0.2, 0, dtype=np.int8))
    assert_unchanged(before, (q,), ("q",))


_Q = np.arange(12, dtype=np.uint8).reshape(3, 4)


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(q=_Q.astype(np.float32)), TypeError, r"(?i)\bq\b|dtype|u?int8|input",
                 id="q-float32"),
    pytest.param(dict(dtype=np.int16), TypeError, r"(?i)dtype|u?int8", id="dtype-int16"),
    pytest.param(dict(dtype=np.float32), TypeError, r"(?i)dtype|u?int8", id="dtype-float32"),
    *[pytest.param({name: v}, ValueError, name, id=f"{name}={v}")
      for name in ("input_scale", "output_scale")
      for v in (0.0, -1.0, float("nan"), float("inf"))],
    pytest.param(dict(input_zero_point=256), ValueError, "input_zero_point", id="u8-in-zp=256"),
    pytest.param(dict(input_zero_point=-1), ValueError, "input_zero_point", id="u8-in-zp=-1"),
    pytest.param(dict(q=_Q.view(np.int8), input_zero_point=128), ValueError,
                 "input_zero_point", id="i8-in-zp=128"),
    pytest.param(dict(output_zero_point=256), ValueError, "output_zero_point",
                 id="u8-out-zp=256"),
    pytest.param(dict(output_zero_point=200, dtype=np.int8), ValueError, "output_zero_point",
                 id="to-i8-out-zp=200"),
    pytest.param(dict(output_zero_point=-5, dtype=np.uint8, q=_Q.view(np.int8)), ValueError,
                 "output_zero_point", id="i8-to-u8-out-zp=-5"),
    pytest.param(dict(out=np.empty((3, 4), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
    pytest.param(dict(out=np.empty((12,), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
])
def test_requantize_rejects(changes, exc, match):
    kw = dict(q=_Q, input_scale=0.1, input_zero_point=10, output_scale=0.2,
              output_zero_point=20, dtype=None, out=None)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.requantize(kw.pop("q"), kw.pop("input_scale"), kw.pop("input_zero_point"),
                      kw.pop("output_scale"), kw.pop("output_zero_point"), **kw)

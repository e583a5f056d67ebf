"""Shared builder and tests of the lookup-table operators (sigmoid, tanh, hardsigmoid,
hardswish, leaky_relu): each test_<op>.py instantiates them for its operator.

A case draws a dtype, input qparams, output qparams (PyTorch's fixed ones when the operator
has them, else a scale that covers the function's range), a clamp and an array shape. The
parity test checks (1) all 256 inputs: at most 1 LSB from the float64 reference, exact
matches tallied; (2) the array: exactly the operator's own table applied (the gather kernel
of every family and thread count is exact) and within 1 LSB of the reference.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, OUT_MM, U8, Case, ExactTally, all_values, assert_same, assert_unchanged,
                      assert_within_one_lsb, bad_scale_params, bad_zero_point_params,
                      covering_array, log_uniform, non_contiguous, pick, rand_clamp, rand_shape,
                      rand_zero_point, ref, snapshot, with_clamp)

# Output range of each function over |x| <= r, for output scales that resolve it.
_RANGE = {
    "sigmoid": lambda r: (0.0, 1.0),
    "tanh": lambda r: (-1.0, 1.0),
    "hardsigmoid": lambda r: (0.0, 1.0),
    "hardswish": lambda r: (-0.375, max(r, 0.5)),
    "leaky_relu": lambda r: (-r, r),
}
FIXED = ("sigmoid", "tanh", "hardsigmoid")


class LookupCase(Case):
    id_keys = ("dt", "shape", "fixed", "out")


def build_case(op, tag, seed):
    rng = np.random.default_rng([tag, seed])
    dtype = pick(rng, [U8, I8])
    in_s = float(log_uniform(rng, 1e-3, 0.5))
    in_zp = rand_zero_point(rng, dtype)
    kwargs = dict(input_scale=in_s, input_zero_point=in_zp)
    args = ()
    if op == "leaky_relu" and rng.random() < 0.8:
        args = (float(pick(rng, [0.01, 0.1, 0.2, 0.5, 1.0, -0.3, 2.0, 0.0])),)
    fixed = op in FIXED and rng.random() < 0.4
    if not fixed:
        qmin, qmax = ref.qrange(dtype)
        lo, hi = _RANGE[op](255 * in_s)
        out_s = (hi - lo) / 255 * float(log_uniform(rng, 0.5, 2))
        out_zp = int(np.clip(round(qmin - lo / out_s), qmin, qmax))
        if rng.random() < 0.3:
            out_zp = rand_zero_point(rng, dtype)
        kwargs.update(output_scale=out_s, output_zero_point=out_zp)
        omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.7)
        with_clamp(kwargs, omin, omax)
    shape = pick(rng, [(), (1,), (1, 1, 1, 1), (256,), (3, 100), rand_shape(rng), (2, 17, 9)],
                 p=[0.05, 0.05, 0.05, 0.2, 0.15, 0.3, 0.2])
    x = covering_array(rng, shape, dtype)
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if x.ndim and rng.random() < 0.2 else x
    params = dict(dt=dtype, shape=shape, fixed=fixed, out=use_out, args=args, **kwargs)
    return LookupCase(op, seed, params, (x_call, *args), kwargs,
                      getattr(ref, op)(x, *args, **kwargs), use_out=use_out)


def cases(op, tag, count):
    return [build_case(op, tag, s) for s in range(count)]


def table_check(op, case):
    """The operator on all 256 inputs: (its outputs, how many equal the reference exactly)."""
    x, *args = case.args
    dtype = case.params["dt"]
    table = getattr(qs, op)(all_values(dtype), *args, **case.kwargs)
    expected = getattr(ref, op)(all_values(dtype), *args, **case.kwargs)
    return table, assert_within_one_lsb(table, expected, case)


def exact_match_report(op, all_cases, record_property):
    tally = ExactTally()
    for case in all_cases:
        tally.add(table_check(op, case)[1], 256)
    tally.report(op, record_property)


def run_parity(op, case):
    fn = getattr(qs, op)
    x, *args = case.args
    dtype = case.params["dt"]
    table, _ = table_check(op, case)
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = fn(x, *args, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    qmin = ref.qrange(dtype)[0]
    assert_same(got, table[np.asarray(x).astype(np.int64) - qmin], case)
    assert_within_one_lsb(got, case.expected, case)


def check_case_counts(all_cases):
    assert len(all_cases) >= 100
    assert {c.params["dt"] for c in all_cases} == {U8, I8}
    assert sum(int(np.prod(c.params["shape"])) >= 256 for c in all_cases) >= 50
    assert any(int(np.prod(c.params["shape"])) == 1 for c in all_cases)


def check_large(op, dtype, args=()):
    """An array long enough for several threads and a tail that is not a multiple of 32."""
    rng = np.random.default_rng([7, len(op)])
    x = covering_array(rng, (1_000_003,), dtype)
    kwargs = dict(input_scale=0.05, input_zero_point=int(ref.qrange(dtype)[0]) + 100,
                  output_scale=0.02, output_zero_point=int(ref.qrange(dtype)[0]) + 20)
    fn = getattr(qs, op)
    table = fn(all_values(dtype), *args, **kwargs)
    assert_same(fn(x, *args, **kwargs), table[x.astype(np.int64) - ref.qrange(dtype)[0]])


def check_does_not_modify_input(op):
    rng = np.random.default_rng([8, len(op)])
    x = non_contiguous(rng, covering_array(rng, (4, 100), I8))
    before = snapshot(x)
    kw = dict(input_scale=0.05, input_zero_point=3, output_scale=0.01, output_zero_point=0)
    getattr(qs, op)(x, **kw)
    assert_unchanged(before, (x,), ("x",))


def check_empty(op):
    kw = dict(input_scale=0.05, input_zero_point=0, output_scale=0.01, output_zero_point=0)
    for shape in ((0,), (3, 0, 2)):
        got = getattr(qs, op)(np.zeros(shape, np.uint8), **kw)
        assert got.shape == shape and got.dtype == np.uint8


_X = np.arange(256).astype(np.uint8).reshape(4, 64)


def bad_cases():
    P = pytest.param
    c = [
        P(dict(x=_X.astype(np.float32)), TypeError, r"(?i)\bx\b", id="x-float32"),
        P(dict(x=_X.astype(np.int16)), TypeError, r"(?i)\bx\b", id="x-int16"),
        P(dict(out=np.empty((4, 64), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((64, 4), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_", id="only-output_scale"),
        P(dict(output_scale=...), (TypeError, ValueError), "output_", id="only-output_zero_point"),
        P(dict(input_scale=...), (TypeError, ValueError), "input_scale", id="no-input_scale"),
    ]
    c += bad_scale_params("input_scale") + bad_scale_params("output_scale")
    c += bad_zero_point_params("input_zero_point", U8) + bad_zero_point_params("output_zero_point", U8)
    c += bad_zero_point_params("input_zero_point", I8, x=_X.view(np.int8), input_zero_point=0,
                               output_zero_point=0)
    return c


def call_with_changes(op, changes):
    changes = dict(changes)
    x = changes.pop("x", _X)
    out = changes.pop("out", None)
    kw = dict(input_scale=0.05, input_zero_point=128, output_scale=0.01, output_zero_point=10)
    kw.update(changes)
    kw = {k: v for k, v in kw.items() if v is not ...}
    return getattr(qs, op)(x, **kw, out=out)


def fixed_qparams_check(op, unit):
    """output_scale=None gives PyTorch's fixed qparams for both dtypes."""
    for dtype in (U8, I8):
        x = all_values(dtype)
        got = getattr(qs, op)(x, input_scale=0.05, input_zero_point=int(ref.qrange(dtype)[0]) + 128)
        if unit == 1:
            scale, zp = 1 / 256, 0 if dtype == U8 else -128
        else:
            scale, zp = 2 / 256, 128 if dtype == U8 else 0
        explicit = getattr(qs, op)(x, input_scale=0.05,
                                   input_zero_point=int(ref.qrange(dtype)[0]) + 128,
                                   output_scale=scale, output_zero_point=zp)
        assert_same(got, explicit)


__all__ = ["LookupCase", "bad_cases", "build_case", "call_with_changes", "cases",
           "check_case_counts", "check_does_not_modify_input", "check_empty", "check_large",
           "exact_match_report", "fixed_qparams_check", "run_parity"]

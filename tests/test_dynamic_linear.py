"""qs.dynamic_linear and qs.DynamicLinear against reference.dynamic_linear: the documented
definition (MinMax uint8 quantization of x per call, exact integer accumulators,
y = f32(acc) * f32(f32(x_scale) * f32(w_scale[c])) + bias[c]) is met bit-exactly, plus errors.

Random cases: x of rank 1-3 ([..., K]) with K 1..300 and 1000+, C_out 1..70, int8 weights
with per-tensor or per-channel qparams, float bias or None, reduce_range, `out=`, the
function and the class; accumulators beyond int32 (the 64-bit kernel)."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, Case, assert_same, assert_unchanged, log_uniform, non_contiguous, pick,
                      rand_q, rand_zero_point, ref, snapshot)

TAG = 310
N_CASES = 120


class DynCase(Case):
    id_keys = ("x", "Co", "pc", "bias", "rr", "form")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    K = int(pick(rng, [1, 2, 3, 17, 64, 100, 300, 1100]))
    Co = int(pick(rng, [1, 3, 16, 17, 33, 70]))
    lead = tuple(int(pick(rng, [0, 1, 2, 5, 9])) if rng.random() < 0.95 else 0
                 for _ in range(int(rng.integers(0, 3))))
    x = (rng.normal(float(rng.normal(0, 2)), float(log_uniform(rng, 0.01, 100)), lead + (K,))
         .astype(pick(rng, [np.float32, np.float64])))
    w = rand_q(rng, (Co, K), I8)
    per_channel = rng.random() < 0.5
    w_s = log_uniform(rng, 1e-3, 0.1, Co).astype(np.float32) if per_channel else \
        float(log_uniform(rng, 1e-3, 0.1))
    w_zp = np.array([rand_zero_point(rng, I8) for _ in range(Co)], np.int32) if \
        rng.random() < 0.3 else rand_zero_point(rng, I8)
    bias = None if rng.random() < 0.3 else rng.normal(0, 1, Co).astype(pick(rng, [np.float32, np.float64]))
    kwargs = dict(weight_scale=w_s, weight_zero_point=w_zp, reduce_range=bool(rng.random() < 0.3))
    form = pick(rng, ["function", "class"])
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if x.size and rng.random() < 0.2 else x
    params = dict(x=x.shape, Co=Co, pc="pc" if per_channel else "pt",
                  bias="none" if bias is None else "float", rr=kwargs["reduce_range"], form=form,
                  out=use_out, **kwargs)
    return DynCase("dynamic_linear", seed, params, (x_call, w, bias), kwargs,
                   ref.dynamic_linear(x, w, bias, **kwargs), form=form, use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["form"] for c in CASES} == {"function", "class"}
    assert any(0 in c.params["x"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_dynamic_linear_parity(case, threads, kernel_family):
    x, w, bias = case.args
    out = np.empty(case.expected.shape, np.float32) if case.use_out else None
    if case.form == "function":
        got = qs.dynamic_linear(x, w, bias, **case.kwargs, out=out)
    else:
        got = qs.DynamicLinear(w, bias, **case.kwargs)(x, out=out)
    if case.use_out:
        assert got is out
    assert_same(got, case.expected, case)


@pytest.mark.parametrize("Co", [5, 8, 24, 40])
@pytest.mark.parametrize("rows", [1, 3, 9, 15, 38])
def test_dynamic_linear_column_tails(Co, rows, threads, kernel_family):
    """A last block of 1-8 columns (the AVX2 8-column tile's float32 epilogue) under every
    row remainder of its 8-row tiles, and in more than one 32-row task."""
    rng = np.random.default_rng([TAG, 5, Co, rows])
    x = rng.normal(0, 1, (rows, 33)).astype(np.float32)
    w = rand_q(rng, (Co, 33), I8)
    bias = rng.normal(0, 1, Co)
    kw = dict(weight_scale=log_uniform(rng, 1e-3, 0.1, Co).astype(np.float32), weight_zero_point=0)
    assert_same(qs.DynamicLinear(w, bias, **kw)(x), ref.dynamic_linear(x, w, bias, **kw))


def test_dynamic_linear_accumulators_never_wrap(threads, kernel_family):
    """K = 70000 with x at one end of its range and weights at -128: |acc| ~ 2.3e9."""
    x = np.full((2, 70000), 5.0, np.float32)
    x[:, 0] = -5.0
    w = np.full((3, 70000), -128, np.int8)
    kw = dict(weight_scale=0.01, weight_zero_point=127)
    want = ref.dynamic_linear(x, w, None, **kw)
    assert np.abs(want).max() > 0
    assert_same(qs.dynamic_linear(x, w, None, **kw), want)


def test_dynamic_linear_prepacked_reuse(threads, kernel_family):
    """Each call picks its own input qparams."""
    rng = np.random.default_rng([TAG, 3])
    w = rand_q(rng, (20, 40), I8)
    op = qs.DynamicLinear(w, np.ones(20), weight_scale=0.02, weight_zero_point=0)
    for scale in (0.01, 1.0, 100.0, 1.0):
        x = rng.normal(0, scale, (4, 40)).astype(np.float32)
        assert_same(op(x), ref.dynamic_linear(x, w, np.ones(20), weight_scale=0.02,
                                              weight_zero_point=0))


def test_dynamic_linear_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 4])
    x = non_contiguous(rng, rng.normal(0, 1, (3, 8)).astype(np.float32))
    w = rand_q(rng, (5, 8), I8)
    bias = rng.normal(0, 1, 5)
    before = snapshot(x, w, bias)
    qs.dynamic_linear(x, w, bias, weight_scale=0.1, weight_zero_point=0)
    assert_unchanged(before, (x, w, bias), ("x", "weight", "bias"))


_X = np.ones((2, 4), np.float32)
_W = np.ones((3, 4), np.int8)


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(x=np.ones((2, 4), np.uint8)), TypeError, r"(?i)\bx\b", id="x-uint8"),
    pytest.param(dict(x=np.ones((2, 5), np.float32)), ValueError, r"(?i)\bx\b", id="x-K"),
    pytest.param(dict(x=np.float32(1)), ValueError, r"(?i)\bx\b", id="x-0d"),
    pytest.param(dict(x=np.array([[1, np.nan, 0, 0]], np.float32)), ValueError, "finite", id="x-nan"),
    pytest.param(dict(x=np.array([[1, np.inf, 0, 0]], np.float32)), ValueError, "finite", id="x-inf"),
    pytest.param(dict(w=_W.view(np.uint8)), TypeError, "weight", id="weight-uint8"),
    pytest.param(dict(w=np.ones(4, np.int8)), ValueError, "weight", id="weight-1d"),
    pytest.param(dict(w=np.ones((0, 4), np.int8)), ValueError, "weight", id="weight-empty"),
    pytest.param(dict(bias=np.ones(2)), ValueError, "bias", id="bias-length"),
    pytest.param(dict(bias=np.ones(3, np.int32)), TypeError, "bias", id="bias-int"),
    pytest.param(dict(weight_scale=0.0), ValueError, "weight_scale", id="weight_scale"),
    pytest.param(dict(weight_scale=np.ones(2)), ValueError, "weight_scale", id="weight_scale-len"),
    pytest.param(dict(weight_zero_point=128), ValueError, "weight_zero_point", id="weight_zp"),
    pytest.param(dict(out=np.empty((2, 3), np.float64)), TypeError, r"\bout\b", id="out-dtype"),
])
def test_dynamic_linear_rejects(changes, exc, match):
    kw = dict(x=_X, w=_W, bias=None, weight_scale=0.1, weight_zero_point=0)
    kw.update(changes)
    x, w, bias = kw.pop("x"), kw.pop("w"), kw.pop("bias")
    with pytest.raises(exc, match=match):
        qs.dynamic_linear(x, w, bias, **kw)

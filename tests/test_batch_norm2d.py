"""qs.batch_norm2d against reference.batch_norm2d (float64): at most 1 LSB, exact matches
tallied (printed with -s), plus errors. Random NHWC inputs, running statistics, gamma/beta
or None, both dtypes, clamps, `out=`; all 256 values; 1 and 1000+ channels."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _norm_support import (I8, U8, affine, common_bad_cases, draw_qparams, make_case, report,
                           run)
from _support import all_values, assert_within_one_lsb, covering_array, pick, ref

TAG = 308
N_CASES = 110


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    C = int(pick(rng, [1, 3, 16, 33, 1024]))
    shape = (int(rng.integers(1, 3)), int(pick(rng, [1, 3, 8])), int(pick(rng, [1, 5, 8])), C)
    x = covering_array(rng, shape, dtype)
    kwargs = draw_qparams(rng, dtype)
    span = kwargs["input_scale"] * 128
    mean = rng.normal(0, span / 2, C)
    var = (rng.uniform(0.1, 1, C) * span) ** 2
    gamma, beta = affine(rng, (C,))
    kwargs.update(gamma=gamma, beta=beta, eps=float(pick(rng, [1e-5, 1e-3])))
    return make_case("batch_norm2d", seed, rng, x, (mean, var), kwargs, {})


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["shape"][-1] for c in CASES} >= {1, 1024}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_batch_norm2d_parity(case, threads, kernel_family):
    run(qs.batch_norm2d, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_batch_norm2d_all_256_values(dtype):
    x = all_values(dtype).reshape(1, 16, 16, 1).repeat(3, axis=3)
    shift = 0 if dtype == U8 else -128
    mean, var = np.array([0.0, 1.0, -2.0]), np.array([1.0, 4.0, 0.25])
    for in_s, in_zp, out_s, out_zp in ((0.05, 128, 0.05, 128), (0.02, 0, 0.01, 0), (0.01, 255, 0.03, 250)):
        kw = dict(input_scale=in_s, input_zero_point=in_zp + shift, output_scale=out_s,
                  output_zero_point=out_zp + shift)
        assert_within_one_lsb(qs.batch_norm2d(x, mean, var, **kw), ref.batch_norm2d(x, mean, var, **kw))


def test_batch_norm2d_exact_match_report(record_property):
    report(qs.batch_norm2d, "batch_norm2d", CASES, record_property)


_X = np.arange(48).astype(np.uint8).reshape(1, 2, 4, 6)


@pytest.mark.parametrize("changes, exc, match", common_bad_cases(6) + [
    pytest.param(dict(mean=np.zeros(5)), ValueError, "mean", id="mean-length"),
    pytest.param(dict(var=np.ones(7)), ValueError, "var", id="var-length"),
    pytest.param(dict(var=-np.ones(6)), ValueError, "var", id="var-negative"),
    pytest.param(dict(x=np.zeros((2, 6), np.uint8)), ValueError, r"(?i)\bx\b", id="x-2d"),
])
def test_batch_norm2d_rejects(changes, exc, match):
    kw = dict(x=_X, mean=np.zeros(6), var=np.ones(6), input_scale=0.1, input_zero_point=0,
              output_scale=0.05, output_zero_point=128)
    kw.update(changes)
    if isinstance(kw["x"], str):
        kw["x"] = _X.astype(np.float32)
    x, mean, var = kw.pop("x"), kw.pop("mean"), kw.pop("var")
    with pytest.raises(exc, match=match):
        qs.batch_norm2d(x, mean, var, **kw)

"""qs.layer_norm against reference.layer_norm (float64): at most 1 LSB, exact matches
tallied (printed with -s), plus errors. Random ranks 1-4 with normalized_shape the last
1-3 axes (int or tuple), gamma/beta or None, both dtypes, clamps, `out=`; all 256 values;
1000+ features."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _norm_support import (I8, U8, affine, common_bad_cases, draw_qparams, make_case, report,
                           run)
from _support import all_values, assert_within_one_lsb, covering_array, pick, ref

TAG = 309
N_CASES = 110


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    rank = int(rng.integers(1, 5))
    shape = tuple(int(pick(rng, [1, 2, 3, 7, 16, 33])) for _ in range(rank))
    if rng.random() < 0.1:
        shape = shape[:-1] + (1024,)
    k = int(rng.integers(1, min(rank, 3) + 1))
    normalized = shape[rank - k:]
    normalized_arg = normalized[0] if k == 1 and rng.random() < 0.5 else normalized
    x = covering_array(rng, shape, dtype)
    gamma, beta = affine(rng, normalized)
    kwargs = draw_qparams(rng, dtype)
    kwargs.update(gamma=gamma, beta=beta, eps=float(pick(rng, [1e-5, 1e-3])))
    return make_case("layer_norm", seed, rng, x, (normalized_arg,), kwargs,
                     dict(normalized=normalized_arg))


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert any(c.params["shape"][-1] == 1024 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_layer_norm_parity(case, threads, kernel_family):
    run(qs.layer_norm, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_layer_norm_all_256_values(dtype):
    x = np.stack([all_values(dtype), all_values(dtype)[::-1]])
    shift = 0 if dtype == U8 else -128
    for in_s, in_zp, out_s, out_zp in ((0.05, 128, 0.02, 128), (1.0, 0, 0.015, 0), (0.01, 255, 0.03, 250)):
        kw = dict(input_scale=in_s, input_zero_point=in_zp + shift, output_scale=out_s,
                  output_zero_point=out_zp + shift)
        assert_within_one_lsb(qs.layer_norm(x, 256, **kw), ref.layer_norm(x, 256, **kw))


def test_layer_norm_exact_match_report(record_property):
    report(qs.layer_norm, "layer_norm", CASES, record_property)


_X = np.arange(48).astype(np.uint8).reshape(2, 4, 6)


@pytest.mark.parametrize("changes, exc, match", common_bad_cases(6) + [
    pytest.param(dict(normalized_shape=5), ValueError, "normalized_shape", id="shape-mismatch"),
    pytest.param(dict(normalized_shape=(3, 6)), ValueError, "normalized_shape", id="shape-mismatch-2"),
    pytest.param(dict(normalized_shape=(1, 2, 4, 6)), ValueError, "normalized_shape", id="too-long"),
    pytest.param(dict(normalized_shape=()), ValueError, "normalized_shape", id="empty"),
    pytest.param(dict(normalized_shape=0), ValueError, "normalized_shape", id="zero"),
])
def test_layer_norm_rejects(changes, exc, match):
    kw = dict(x=_X, normalized_shape=6, input_scale=0.1, input_zero_point=0, output_scale=0.05,
              output_zero_point=128)
    kw.update(changes)
    if isinstance(kw["x"], str):
        kw["x"] = _X.astype(np.float32)
    x, shape = kw.pop("x"), kw.pop("normalized_shape")
    with pytest.raises(exc, match=match):
        qs.layer_norm(x, shape, **kw)

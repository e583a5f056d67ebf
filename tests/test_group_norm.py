"""qs.group_norm against reference.group_norm (float64): at most 1 LSB everywhere, exact
matches tallied (printed with -s), plus errors. Random [N, ..., C] inputs (rank 2-4),
num_groups from 1 to C, gamma/beta or None, both dtypes, clamps, `out=`; inputs holding all
256 values; 1 and 1000+ channels."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _norm_support import (I8, U8, affine, common_bad_cases, draw_qparams, make_case, report,
                           run)
from _support import all_values, assert_within_one_lsb, covering_array, pick, ref

TAG = 307
N_CASES = 110


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    C = int(pick(rng, [1, 2, 4, 6, 12, 32, 60, 1024]))
    groups = int(pick(rng, [g for g in range(1, C + 1) if C % g == 0]))
    spatial = tuple(int(pick(rng, [1, 2, 5, 8])) for _ in range(int(rng.integers(0, 3))))
    x = covering_array(rng, (int(rng.integers(1, 4)),) + spatial + (C,), dtype)
    gamma, beta = affine(rng, (C,))
    kwargs = draw_qparams(rng, dtype)
    kwargs.update(gamma=gamma, beta=beta, eps=float(pick(rng, [1e-5, 1e-3, 0.1])))
    return make_case("group_norm", seed, rng, x, (groups,), kwargs, dict(groups=groups))


CASES = [build_case(s) for s in range(N_CASES)]


def build_split_case(seed):
    """Samples of more rows than one task takes (16 and up, 16384 / C, 1/64 of the rows):
    tasks of rows within a sample, whose moments add up across tasks."""
    rng = np.random.default_rng([TAG, 500 + seed])
    dtype = pick(rng, [U8, I8])
    C = int(pick(rng, [3, 8, 12, 64, 1024]))
    groups = int(pick(rng, [g for g in range(1, C + 1) if C % g == 0]))
    rows = int(rng.integers(2, 6)) * max(16, 16384 // C) + int(rng.integers(0, 40))
    H = int(pick(rng, [1, 2, 4]))
    x = covering_array(rng, (int(rng.integers(1, 3)), H, -(-rows // H), C), dtype)
    gamma, beta = affine(rng, (C,))
    kwargs = draw_qparams(rng, dtype)
    kwargs.update(gamma=gamma, beta=beta, eps=float(pick(rng, [1e-5, 1e-3])))
    return make_case("group_norm", 500 + seed, rng, x, (groups,), kwargs, dict(groups=groups))


SPLIT_CASES = [build_split_case(s) for s in range(8)]


@pytest.mark.parametrize("case", SPLIT_CASES, ids=lambda c: c.id)
def test_group_norm_samples_split_over_tasks(case, threads, kernel_family):
    run(qs.group_norm, case)


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["shape"][-1] for c in CASES} >= {1, 1024}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_group_norm_parity(case, threads, kernel_family):
    run(qs.group_norm, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_group_norm_all_256_values(dtype):
    x = np.tile(all_values(dtype), 4).reshape(2, 8, 8, 8)
    shift = 0 if dtype == U8 else -128
    for in_s, in_zp, out_s, out_zp in ((0.1, 128, 0.02, 128), (1.0, 0, 0.05, 0), (0.003, 255, 0.01, 10)):
        kw = dict(input_scale=in_s, input_zero_point=in_zp + shift, output_scale=out_s,
                  output_zero_point=out_zp + shift)
        assert_within_one_lsb(qs.group_norm(x, 4, **kw), ref.group_norm(x, 4, **kw))


def test_group_norm_constant_input_with_zero_eps():
    x = np.full((1, 3, 3, 4), 7, np.uint8)
    kw = dict(eps=0.0, input_scale=0.1, input_zero_point=0, output_scale=0.1, output_zero_point=50)
    assert np.array_equal(qs.group_norm(x, 2, **kw), ref.group_norm(x, 2, **kw))


def test_group_norm_exact_match_report(record_property):
    report(qs.group_norm, "group_norm", CASES, record_property)


_X = np.arange(48).astype(np.uint8).reshape(1, 2, 4, 6)


@pytest.mark.parametrize("changes, exc, match", common_bad_cases(6) + [
    pytest.param(dict(num_groups=4), ValueError, "num_groups", id="groups-not-dividing"),
    pytest.param(dict(num_groups=0), ValueError, "num_groups", id="groups-zero"),
    pytest.param(dict(x=np.zeros(6, np.uint8)), ValueError, r"(?i)\bx\b", id="x-1d"),
])
def test_group_norm_rejects(changes, exc, match):
    kw = dict(x=_X, num_groups=3, input_scale=0.1, input_zero_point=0, output_scale=0.05,
              output_zero_point=128)
    kw.update(changes)
    if isinstance(kw["x"], str):
        kw["x"] = _X.astype(np.float32)
    x, groups = kw.pop("x"), kw.pop("num_groups")
    with pytest.raises(exc, match=match):
        qs.group_norm(x, groups, **kw)


def test_group_norm_empty_batch():
    got = qs.group_norm(np.zeros((0, 2, 4), np.int8), 2, input_scale=0.1, input_zero_point=0,
                        output_scale=0.1, output_zero_point=0)
    assert got.shape == (0, 2, 4) and got.dtype == np.int8

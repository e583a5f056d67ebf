"""qs.channel_shuffle against reference.channel_shuffle (exact: values only move), plus
errors. Random shapes of rank 1-4, groups dividing the last axis (1, the whole axis and
between), both dtypes, non-contiguous inputs, `out=`; 1 and 1000+ channels; large inputs."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, U8, Case, assert_same, assert_unchanged, non_contiguous, pick, rand_q,
                      ref, snapshot)

TAG = 305
N_CASES = 140


class ShuffleCase(Case):
    id_keys = ("dt", "shape", "groups", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    C = int(pick(rng, [1, 2, 4, 6, 12, 15, 24, 60, 116, 1024]))
    divisors = [g for g in range(1, C + 1) if C % g == 0]
    groups = int(pick(rng, divisors))
    lead = tuple(int(pick(rng, [1, 2, 3, 7, 9])) for _ in range(int(rng.integers(0, 4))))
    x = rand_q(rng, lead + (C,), dtype)
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(dt=dtype, shape=x.shape, groups=groups, out=use_out)
    return ShuffleCase("channel_shuffle", seed, params, (x_call, groups), {},
                       ref.channel_shuffle(x, groups), use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["shape"][-1] for c in CASES} >= {1, 1024}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_channel_shuffle_parity(case, threads, kernel_family):
    x, groups = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = qs.channel_shuffle(x, groups, out=out)
    if case.use_out:
        assert got is out
    assert_same(got, case.expected, case)


def test_channel_shuffle_large_and_inverse(threads, kernel_family):
    rng = np.random.default_rng([TAG, 1])
    x = rand_q(rng, (2, 56, 56, 116), U8)
    y = qs.channel_shuffle(x, 2)
    assert_same(y, ref.channel_shuffle(x, 2))
    assert_same(qs.channel_shuffle(y, 58), x)   # shuffling by C/g undoes shuffling by g


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("group_channels", [16, 17, 31, 48, 5461, 5462, 6000, 224 * 224])
def test_channel_shuffle_three_groups(rows, group_channels, threads, kernel_family):
    # Three groups (an RGB image to channels-last) have their own AVX2 kernel: 16 columns at a
    # time and a tail, rows above ~16 KB split into column ranges.
    rng = np.random.default_rng([TAG, 2, rows, group_channels])
    for dtype in (U8, I8):
        x = rand_q(rng, (rows, 3 * group_channels), dtype)
        assert_same(qs.channel_shuffle(x, 3), ref.channel_shuffle(x, 3))


def test_channel_shuffle_empty_and_input_kept():
    assert qs.channel_shuffle(np.zeros((0, 6), np.int8), 3).shape == (0, 6)
    rng = np.random.default_rng([TAG, 2])
    x = non_contiguous(rng, rand_q(rng, (3, 12), I8))
    before = snapshot(x)
    assert_same(qs.channel_shuffle(x, 4), ref.channel_shuffle(x, 4))
    assert_unchanged(before, (x,), ("x",))


@pytest.mark.parametrize("x, groups, exc", [
    (np.zeros((2, 6), np.uint8), 4, ValueError),
    (np.zeros((2, 6), np.uint8), 0, ValueError),
    (np.zeros((2, 6), np.uint8), -2, ValueError),
    (np.zeros((2, 6), np.uint8), 2.0, TypeError),
    (np.zeros((2, 0), np.uint8), 1, ValueError),
    (np.uint8(3), 1, ValueError),
    (np.zeros((2, 6), np.float32), 2, TypeError),
], ids=["not-dividing", "zero", "negative", "float-groups", "zero-channels", "0-d", "float-x"])
def test_channel_shuffle_rejects(x, groups, exc):
    with pytest.raises(exc, match=r"(?i)groups|\bx\b"):
        qs.channel_shuffle(x, groups)

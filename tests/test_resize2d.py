"""qs.resize2d against reference.resize2d: "nearest" exact (PyTorch's float32 index rule),
"bilinear" at most 1 LSB from float64 (exact matches tallied, printed with -s), plus errors.

Random cases: NHWC inputs 1..9 x 1..9, sizes up and down (int or pair, 1x1 included), both
dtypes, align_corners for bilinear, non-contiguous inputs, `out=`; 1 and 1000+ channels;
inputs holding all 256 values; a large upsample split over threads."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (I8, U8, Case, ExactTally, assert_same, assert_unchanged,
                      assert_within_one_lsb, covering_array, non_contiguous, pick, rand_q, ref,
                      snapshot)

TAG = 311
N_CASES = 160


class ResizeCase(Case):
    id_keys = ("dt", "shape", "size", "mode", "ac", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    dtype = pick(rng, [U8, I8])
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 10)), int(rng.integers(1, 10)),
             int(pick(rng, [1, 3, 8, 17, 1024], p=[0.2, 0.3, 0.25, 0.2, 0.05])))
    x = covering_array(rng, shape, dtype)
    size = int(rng.integers(1, 20)) if rng.random() < 0.3 else \
        (int(rng.integers(1, 20)), int(rng.integers(1, 20)))
    mode = pick(rng, ["nearest", "bilinear"])
    ac = mode == "bilinear" and rng.random() < 0.4
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(dt=dtype, shape=shape, size=size, mode=mode, ac=ac, out=use_out)
    return ResizeCase("resize2d", seed, params, (x_call, size, mode, ac), {},
                      ref.resize2d(x, size, mode, ac), use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def run(case):
    x, size, mode, ac = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = qs.resize2d(x, size, mode, ac, out=out)
    if case.use_out:
        assert got is out
    if mode == "nearest":
        assert_same(got, case.expected, case)
        return case.expected.size
    return assert_within_one_lsb(got, case.expected, case)


def test_case_counts():
    assert len(CASES) >= 100
    assert {c.params["mode"] for c in CASES} == {"nearest", "bilinear"}
    assert any(c.params["ac"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_resize2d_parity(case, threads, kernel_family):
    run(case)


@pytest.mark.parametrize("mode, ac", [("nearest", False), ("bilinear", False), ("bilinear", True)])
def test_resize2d_large_and_every_value(mode, ac, threads, kernel_family):
    rng = np.random.default_rng([TAG, 2])
    for dtype in (U8, I8):
        x = covering_array(rng, (1, 28, 28, 64), dtype)
        for size in ((56, 56), (17, 45), (1, 1), (28, 28)):
            want = ref.resize2d(x, size, mode, ac)
            got = qs.resize2d(x, size, mode, ac)
            (assert_same if mode == "nearest" else assert_within_one_lsb)(got, want)


def test_resize2d_bilinear_exact_match_report(record_property):
    tally = ExactTally()
    for case in CASES:
        if case.params["mode"] == "bilinear":
            tally.add(run(case), case.expected.size)
    tally.report("resize2d bilinear", record_property)


def test_resize2d_identity_and_nearest_doubling():
    rng = np.random.default_rng([TAG, 3])
    x = rand_q(rng, (2, 5, 7, 3), U8)
    for mode in ("nearest", "bilinear"):
        assert_same(qs.resize2d(x, (5, 7), mode), x)
    assert_same(qs.resize2d(x, (10, 14)), x.repeat(2, axis=1).repeat(2, axis=2))


def test_resize2d_empty_batch_and_input_kept():
    assert qs.resize2d(np.zeros((0, 3, 3, 2), np.int8), 5).shape == (0, 5, 5, 2)
    rng = np.random.default_rng([TAG, 4])
    x = non_contiguous(rng, rand_q(rng, (1, 4, 4, 3), I8))
    before = snapshot(x)
    qs.resize2d(x, 7, "bilinear")
    assert_unchanged(before, (x,), ("x",))


_X = np.zeros((1, 4, 4, 2), np.uint8)


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(size=0), ValueError, "size", id="size-0"),
    pytest.param(dict(size=(3, 0)), ValueError, "size", id="size-w0"),
    pytest.param(dict(size=(-1, 3)), ValueError, "size", id="size-negative"),
    pytest.param(dict(size=(1, 2, 3)), ValueError, "size", id="size-3"),
    pytest.param(dict(size=2.5), TypeError, "size", id="size-float"),
    pytest.param(dict(mode="cubic"), ValueError, "mode", id="mode"),
    pytest.param(dict(align_corners=True), ValueError, "align_corners", id="ac-nearest"),
    pytest.param(dict(x=np.zeros((4, 4, 2), np.uint8)), ValueError, r"(?i)\bx\b", id="x-3d"),
    pytest.param(dict(x=np.zeros((1, 0, 4, 2), np.uint8)), ValueError, r"(?i)\bx\b", id="x-h0"),
    pytest.param(dict(x=np.zeros((1, 4, 4, 2), np.float32)), TypeError, r"(?i)\bx\b", id="x-float"),
    pytest.param(dict(out=np.zeros((1, 4, 3, 2), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
])
def test_resize2d_rejects(changes, exc, match):
    kw = dict(x=_X, size=3, mode="nearest", align_corners=False, out=None)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.resize2d(kw.pop("x"), kw.pop("size"), **kw)

"""qs.embedding_bag against reference.embedding_bag (float64): float32 results within a
tight tolerance (|got - want| <= 4 float32 ulps of the bag's Σ|terms|), "max" exact, plus
errors. Random tables with 8-bit and 4-bit rows, sum/mean/max, offsets (with and without
include_last_offset) or 2-D indices, per-sample weights, `out=`; 1 and 1000+ dims."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import Case, assert_unchanged, pick, ref, snapshot

TAG = 312
N_CASES = 140
EPS32 = float(np.finfo(np.float32).eps)


class BagCase(Case):
    id_keys = ("bits", "mode", "rows", "dim", "layout", "psw", "out")


def build_case(seed):
    rng = np.random.default_rng([TAG, seed])
    bits = int(pick(rng, [8, 4]))
    rows = int(pick(rng, [1, 5, 50, 300]))
    dim = int(pick(rng, [2, 8, 16, 34, 1024] if bits == 4 else [1, 3, 16, 33, 1024],
                   p=[0.2, 0.25, 0.25, 0.2, 0.1]))
    cols = dim // 2 if bits == 4 else dim
    weight = rng.integers(0, 256, (rows, cols)).astype(np.uint8)
    scales = rng.uniform(1e-3, 0.1, rows).astype(pick(rng, [np.float32, np.float64]))
    biases = rng.normal(0, 1, rows).astype(np.float32)
    mode = pick(rng, ["sum", "mean", "max"])
    layout = pick(rng, ["offsets", "last_offset", "2d"])
    bags = int(rng.integers(1, 8))
    kwargs = dict(mode=mode, bits=bits)
    if layout == "2d":
        indices = rng.integers(0, rows, (bags, int(rng.integers(1, 6))))
        offsets = None
    else:
        lengths = rng.integers(1, 7, bags)
        indices = rng.integers(0, rows, int(lengths.sum()))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        if layout == "last_offset":
            offsets = np.append(offsets, len(indices))
            kwargs["include_last_offset"] = True
        offsets = offsets.astype(pick(rng, [np.int64, np.int32]))
    indices = indices.astype(pick(rng, [np.int64, np.int32]))
    psw = mode == "sum" and rng.random() < 0.4
    if psw:
        kwargs["per_sample_weights"] = rng.normal(0, 1, indices.shape).astype(np.float32)
    use_out = rng.random() < 0.25
    params = dict(bits=bits, mode=mode, rows=rows, dim=dim, layout=layout, psw=psw, out=use_out)
    return BagCase("embedding_bag", seed, params, (weight, scales, biases, indices, offsets),
                   kwargs, ref.embedding_bag(weight, scales, biases, indices, offsets, **kwargs),
                   use_out=use_out)


CASES = [build_case(s) for s in range(N_CASES)]


def _bound(case):
    """4 float32 ulps of Σ|terms| per output (the float32 row values, the weights, one final
    rounding)."""
    weight, scales, biases, indices, offsets = case.args
    absolute = dict(case.kwargs, mode="sum" if case.kwargs["mode"] == "mean" else case.kwargs["mode"])
    if "per_sample_weights" in absolute:
        absolute["per_sample_weights"] = np.abs(absolute["per_sample_weights"])
    total = np.abs(ref.embedding_bag(weight, np.abs(scales), np.abs(biases), indices, offsets,
                                     **absolute))
    return 4 * EPS32 * (total + np.abs(case.expected))


def test_case_counts():
    assert len(CASES) >= 100
    assert {(c.params["bits"], c.params["mode"]) for c in CASES} == \
        {(b, m) for b in (4, 8) for m in ("sum", "mean", "max")}
    assert {c.params["layout"] for c in CASES} == {"offsets", "last_offset", "2d"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_embedding_bag_parity(case):
    out = np.empty(case.expected.shape, np.float32) if case.use_out else None
    got = qs.embedding_bag(*case.args, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    assert got.dtype == np.float32 and got.shape == case.expected.shape, case.describe()
    error = np.abs(got.astype(np.float64) - case.expected)
    if case.kwargs["mode"] == "max":
        assert np.array_equal(got, case.expected.astype(np.float32)), case.describe()
    else:
        assert (error <= _bound(case)).all(), f"max error {error.max()}\n{case.describe()}"


def test_embedding_bag_4bit_nibble_order():
    """Low nibble first: byte 0x21 holds 1 then 2."""
    w = np.array([[0x21, 0xF0]], np.uint8)
    got = qs.embedding_bag(w, np.ones(1), np.zeros(1), np.array([[0]]), bits=4)
    assert np.array_equal(got, np.array([[1, 2, 0, 15]], np.float32))


def test_embedding_bag_no_bags_and_input_kept():
    got = qs.embedding_bag(np.ones((3, 4), np.uint8), np.ones(3), np.zeros(3),
                           np.zeros((0, 2), np.int64))
    assert got.shape == (0, 4) and got.dtype == np.float32
    w, s, b = np.ones((3, 4), np.uint8), np.ones(3, np.float32), np.zeros(3, np.float32)
    idx, off = np.array([0, 2, 1]), np.array([0, 2])
    before = snapshot(w, s, b, idx, off)
    qs.embedding_bag(w, s, b, idx, off)
    assert_unchanged(before, (w, s, b, idx, off), ("weight", "scales", "biases", "indices", "offsets"))


_W = np.ones((5, 4), np.uint8)


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(offsets=np.array([0, 2, 2])), ValueError, "empty bag", id="empty-bag"),
    pytest.param(dict(indices=np.array([1, 2, 3]), offsets=np.array([0, 3])), ValueError,
                 "empty bag", id="empty-last-bag"),
    pytest.param(dict(indices=np.zeros((2, 0), np.int64), offsets=None), ValueError, "empty bag",
                 id="empty-2d-bags"),
    pytest.param(dict(indices=np.array([0, 5, 1])), ValueError, "indices", id="index-too-big"),
    pytest.param(dict(indices=np.array([0, -1, 1])), ValueError, "indices", id="index-negative"),
    pytest.param(dict(indices=np.array([0.0, 1.0, 2.0])), TypeError, "indices", id="index-float"),
    pytest.param(dict(offsets=np.array([1, 2])), ValueError, "offsets", id="offsets-not-0"),
    pytest.param(dict(offsets=np.array([0, 2, 1])), ValueError, "offsets", id="offsets-decreasing"),
    pytest.param(dict(offsets=np.array([0, 4])), ValueError, "offsets", id="offsets-beyond"),
    pytest.param(dict(offsets=np.array([0, 2]), include_last_offset=True), ValueError, "offsets",
                 id="last-offset-not-end"),
    pytest.param(dict(offsets=None), ValueError, "indices", id="1d-indices-without-offsets"),
    pytest.param(dict(mode="min"), ValueError, "mode", id="mode"),
    pytest.param(dict(bits=2), ValueError, "bits", id="bits"),
    pytest.param(dict(weight=_W.astype(np.int8)), TypeError, "weight", id="weight-int8"),
    pytest.param(dict(weight=np.ones(4, np.uint8)), ValueError, "weight", id="weight-1d"),
    pytest.param(dict(scales=np.ones(4)), ValueError, "scales", id="scales-length"),
    pytest.param(dict(biases=np.ones((5, 1))), ValueError, "biases", id="biases-shape"),
    pytest.param(dict(per_sample_weights=np.ones(2)), ValueError, "per_sample_weights", id="psw-shape"),
    pytest.param(dict(per_sample_weights=np.ones(3), mode="max"), ValueError, "per_sample_weights",
                 id="psw-with-max"),
])
def test_embedding_bag_rejects(changes, exc, match):
    kw = dict(weight=_W, scales=np.ones(5), biases=np.zeros(5), indices=np.array([0, 1, 2]),
              offsets=np.array([0, 1]))
    kw.update(changes)
    args = [kw.pop(k) for k in ("weight", "scales", "biases", "indices", "offsets")]
    with pytest.raises(exc, match=match):
        qs.embedding_bag(*args, **kw)

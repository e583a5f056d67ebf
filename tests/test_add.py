"""qs.add against reference.add (exact parity, NumPy broadcasting), plus errors.

Shapes of rank 0..4 broadcast against each other (0-d arrays, size-1 axes, missing leading
axes), uint8 and int8, scales from 1e-4 to 10 (powers of two for exact ties), zero points
at the extremes, fused clamps, non-contiguous and stride-0 (np.broadcast_to) inputs, `out=`.
Rebuild a failing case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (BINARY_A, BINARY_AB, BINARY_B, I8, OUT_MM, U8, Case, assert_same,
                      assert_unchanged, bad_scale_params, bad_zero_point_params, bounds,
                      broadcast_operand_shape, call_binary, first_informative, informative,
                      log_uniform, non_contiguous, pick, rand_clamp, rand_q, rand_zero_point, ref,
                      snapshot)

TAG = 103
N_CASES = 160


class AddCase(Case):
    id_keys = ("dt", "a", "b", "layout", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    rank = int(rng.integers(0, 5))
    full = tuple(int(pick(rng, [1, 2, 3, 4, 5, 7, 16, 17, 33])) for _ in range(rank))
    sa, sb = broadcast_operand_shape(rng, full), broadcast_operand_shape(rng, full)
    if rng.random() < 0.15:
        sa = full                       # one side has the full shape
    if rng.random() < 0.08:
        sa = sb = full                  # no broadcasting at all
    a, b = rand_q(rng, sa, dtype), rand_q(rng, sb, dtype)
    ties = rng.random() < 0.12
    if ties:
        a_s, b_s = 2.0 ** -int(rng.integers(0, 6)), 2.0 ** -int(rng.integers(0, 6))
        o_s = 2.0 ** -int(rng.integers(0, 4))
    else:
        a_s, b_s = float(log_uniform(rng, 1e-4, 10)), float(log_uniform(rng, 1e-4, 10))
        if rng.random() < 0.7:           # comparable scales: both operands matter
            b_s = a_s * float(log_uniform(rng, 0.2, 5))
        o_s = max(a_s, b_s) * float(log_uniform(rng, 0.4, 3))
    o_zp = rand_zero_point(rng, dtype)
    omin, omax = rand_clamp(rng, dtype, o_zp, o_s, p_none=0.7)
    kwargs = dict(a_scale=a_s, a_zero_point=rand_zero_point(rng, dtype), b_scale=b_s,
                  b_zero_point=rand_zero_point(rng, dtype), output_scale=o_s,
                  output_zero_point=o_zp)
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    expected = ref.add(a, b, **kwargs)
    if not informative(expected, *bounds(dtype, omin, omax)):
        return None
    layout = pick(rng, ["contiguous", "non-contiguous", "broadcast_to"], p=[0.65, 0.25, 0.1])
    a_call, b_call = a, b
    if layout == "non-contiguous":
        a_call = non_contiguous(rng, a)
        b_call = non_contiguous(rng, b)
    elif layout == "broadcast_to":      # stride-0, read-only views of the full shape
        a_call = np.broadcast_to(a, expected.shape)
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, a=sa, b=sb, out_shape=expected.shape, layout=layout, out=use_out,
                  ties=ties, **kwargs)
    return AddCase("add", seed, params, (a_call, b_call), kwargs, expected, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "add")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    ranks = {len(c.params["a"]) for c in CASES} | {len(c.params["b"]) for c in CASES}
    assert ranks == {0, 1, 2, 3, 4}
    assert any(c.params["a"] != c.params["b"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_add_parity(case, threads, kernel_family):
    a, b = case.args
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.add(a, b, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.add(a, b, **case.kwargs)
    assert_same(got, case.expected, case)


def _grid_cases():
    """Every pair of quantized values (a 256x256 grid through broadcasting) for scale
    triples chosen to hold near ties (see _near_ties.py)."""
    cases = []
    for dtype in (U8, I8):
        rng = np.random.default_rng([TAG, 8000, int(dtype == I8)])
        qmin, qmax = ref.qrange(dtype)
        grid = np.arange(qmin, qmax + 1, dtype=np.int64).astype(dtype)
        for t, (a_s, azp, b_s, bzp, o_s, ozp) in enumerate(nt.add_triples(rng, 4, dtype)):
            kw = dict(a_scale=a_s, a_zero_point=azp, b_scale=b_s, b_zero_point=bzp,
                      output_scale=o_s, output_zero_point=ozp)
            a, b = grid[:, None], grid[None, :]
            want = ref.add(a, b, **kw)
            assert informative(want, qmin, qmax)
            cases.append(AddCase("add", 8000 + t, dict(kind="grid", dt=dtype, **kw), (a, b), kw,
                                 want, use_out=False))
    for c in cases:
        c.origin = "_grid_cases()"
    return cases


GRID = _grid_cases()


@pytest.mark.parametrize("case", GRID, ids=lambda c: f"s{c.seed}-{c.id.split('-', 1)[1]}")
def test_add_every_pair_near_ties(case, threads, kernel_family):
    a, b = case.args
    assert_same(qs.add(a, b, **case.kwargs), case.expected, case)
    flat_a, flat_b = np.broadcast_arrays(a, b)
    assert_same(qs.add(flat_a.copy(), flat_b.copy(), **case.kwargs), case.expected, case)


@pytest.mark.parametrize("sa, sb", [((0,), ()), ((0, 3), (3,)), ((2, 0, 4), (1, 1, 4)),
                                    ((5, 1), (0, 1, 7)), ((0,), (0,))])
def test_add_empty(sa, sb):
    a, b = np.zeros(sa, np.uint8), np.zeros(sb, np.uint8)
    got = qs.add(a, b, a_scale=1.0, a_zero_point=0, b_scale=1.0, b_zero_point=0,
                 output_scale=1.0, output_zero_point=0)
    assert isinstance(got, np.ndarray) and got.dtype == np.uint8
    assert got.shape == np.broadcast_shapes(sa, sb)


def test_add_large_broadcast(threads, kernel_family):
    """Big enough for the kernels to split the work between threads."""
    rng = np.random.default_rng([TAG, 11])
    a = rand_q(rng, (4, 64, 64, 32), U8)
    b = rand_q(rng, (64, 1, 32), U8)
    kw = dict(a_scale=0.02, a_zero_point=128, b_scale=0.03, b_zero_point=120,
              output_scale=0.05, output_zero_point=128)
    assert_same(qs.add(a, b, **kw), ref.add(a, b, **kw))
    assert_same(qs.add(b, a, **kw), ref.add(b, a, **kw))


def test_add_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    a = non_contiguous(rng, rand_q(rng, (3, 4, 5), I8))
    b = rand_q(rng, (4, 1), I8)
    before = snapshot(a, b)
    kw = dict(a_scale=0.1, a_zero_point=-3, b_scale=0.2, b_zero_point=7, output_scale=0.3,
              output_zero_point=1)
    assert_same(qs.add(a, b, **kw), ref.add(a, b, **kw))
    assert_unchanged(before, (a, b), ("a", "b"))


# ---- errors --------------------------------------------------------------------------------
_A, _B, AB = BINARY_A, BINARY_B, BINARY_AB


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(a=_A.astype(np.float32)), TypeError, AB, id="a-float32"),
        P(dict(b=_B.astype(np.int16)), TypeError, AB, id="b-int16"),
        P(dict(b=_B.view(np.int8)), TypeError, AB, id="uint8+int8"),
        P(dict(out=np.empty((2, 3), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((3, 2), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
        P(dict(out=np.empty((1, 2, 3), np.uint8)), ValueError, r"\bout\b", id="out-rank"),
        P(dict(b=np.zeros((4,), np.uint8)), ValueError, r"(?i)broadcast|shape|\ba\b|\bb\b",
          id="not-broadcastable"),
        P(dict(b=np.zeros((2, 2, 3), np.uint8), a=np.zeros((3, 3), np.uint8)), ValueError,
          r"(?i)broadcast|shape|\ba\b|\bb\b", id="not-broadcastable-rank3"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_zero_point",
          id="only-output_scale"),
        P(dict(output_scale=...), (TypeError, ValueError), "output_scale",
          id="only-output_zero_point"),
    ]
    for name in ("a_scale", "b_scale", "output_scale"):
        c += bad_scale_params(name)
    for name in ("a_zero_point", "b_zero_point", "output_zero_point"):
        c += bad_zero_point_params(name, U8)
        c += bad_zero_point_params(name, I8, a=_A.view(np.int8), b=_B.view(np.int8),
                                   a_zero_point=0, b_zero_point=0, output_zero_point=0)
    return c


def test_add_base_error_call_is_valid():
    out = qs.add(_A, _B, a_scale=0.5, a_zero_point=128, b_scale=0.25, b_zero_point=100,
                 output_scale=1.0, output_zero_point=128)
    assert out.shape == (2, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_add_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_binary(qs.add, changes)

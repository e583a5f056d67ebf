"""qs.softmax equals reference.softmax exactly, and why it can.

The kernels (portable and avx2) rebuild the reference's float64 operations: `e` from a
table `exp(-input_scale * k)`, the sum in NumPy's order, `(e / sum) / output_scale` wherever
a cheaper product could round differently. The first tests pin down what they rely on: the
table entries are the reference's exp values bit for bit, and NumPy sums a contiguous last
axis pairwise and any other axis row after row. Then whole arrays: every length 1..300 (all
branches of the pairwise sum) and a few longer ones, over the last and a middle axis; outputs
on or next to .5 rounding boundaries; clamps and extreme zero points.
"""
import math

import numpy as np
import pytest

import qnnpack_swift as qs
from _support import I8, U8, assert_same, log_uniform, qrange, rand_q, rand_zero_point, ref

TAG = 307
LENGTHS = list(range(1, 301)) + [383, 512, 1000, 1031]


def _dequantized(x, input_scale, input_zero_point):
    """The reference's `d` (float64 of the float32 scale times the centred values)."""
    return np.float64(np.float32(input_scale)) * (x.astype(np.float64) - int(input_zero_point))


def _softmax_f64(x, axis, input_scale, input_zero_point):
    """The reference's float64 `y`, by the same NumPy operations."""
    d = _dequantized(x, input_scale, input_zero_point)
    e = np.exp(d - d.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("input_scale", [1e-3, 0.0078125, 0.05, 0.1, 0.3, 1.0, 2.9, 7.5, 100.0,
                                         0.123456789])
def test_exp_table_is_the_reference_exp(input_scale):
    """For every (x, max x) pair, exp(d - max d) as the reference computes it equals the
    table entry exp(-float32(scale) * (max x - x)) the kernels use (libm exp, as math.exp)."""
    s = np.float64(np.float32(input_scale))
    table = np.array([math.exp(-s * k) for k in range(256)])
    q = np.arange(256)
    k = q[None, :] - q[:, None]  # [x, max x]
    below = k >= 0
    for zero_point in (0, 77, 128, 255):
        d = _dequantized(q.astype(np.uint8), input_scale, zero_point)
        with np.errstate(over="ignore"):
            argument = d[:, None] - d[None, :]
            e = np.exp(argument)
        assert np.array_equal(argument[below], -(s * k[below]))
        assert np.array_equal(e[below], table[k[below]])


def _pairwise(a):
    """NumPy's pairwise summation of a contiguous float64 axis (loops_utils.h.src)."""
    n = len(a)
    if n < 8:
        s = 0.0
        for v in a:
            s += v
        return s
    if n <= 128:
        r = list(a[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in a[i:]:
            s += v
        return s
    half = n // 2 - (n // 2) % 8
    return _pairwise(a[:half]) + _pairwise(a[half:])


def test_numpy_sum_order():
    """The summation orders the kernels reproduce: pairwise along a contiguous last axis
    (also with size-1 axes after it), row after row along any other axis."""
    rng = np.random.default_rng([TAG, 1])
    for n in LENGTHS + [8192, 8193, 20000]:
        e = np.exp(-rng.random((2, n, 1)) * rng.uniform(0.1, 30))
        for s, row in zip(e.sum(axis=1)[:, 0], e[:, :, 0]):
            assert s == _pairwise(list(row)), n
    for shape, axis in [((40, 3), 0), ((3, 200, 2), 1), ((2, 130, 37), 1), ((9, 2, 4, 5), 1)]:
        e = np.exp(-rng.random(shape) * 9)
        got = e.sum(axis=axis)
        sequential = np.zeros(got.shape)
        for i in range(shape[axis]):
            sequential = sequential + np.take(e, i, axis=axis)
        assert np.array_equal(got, sequential), (shape, axis)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
@pytest.mark.parametrize("layout", ["last", "middle"])
def test_softmax_every_length(dtype, layout, threads, kernel_family):
    """Lengths 1..300 and longer over the last axis (two rows) or a middle axis (inner sizes
    2..37, so every vector tail of the strided kernel)."""
    rng = np.random.default_rng([TAG, 2, dtype == I8, layout == "middle"])
    for n in LENGTHS:
        shape, axis = ((2, n), -1) if layout == "last" else ((1 + n % 2, n, 2 + n % 36), 1)
        x = rand_q(rng, shape, dtype)
        kw = dict(input_scale=float(log_uniform(rng, 1e-3, 2)),
                  input_zero_point=rand_zero_point(rng, dtype))
        if n % 3:
            kw.update(output_scale=float(log_uniform(rng, 1 / 2048, 1 / 64)),
                      output_zero_point=rand_zero_point(rng, dtype))
        assert_same(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))


def _tie_scale(y, k):
    """The float32 output scale that puts float64 y / scale nearest k + 0.5."""
    s0 = np.float32(y / (k + 0.5))
    candidates = (np.array([s0]).view(np.int32) + np.arange(-64, 65, dtype=np.int32)).view(np.float32)
    miss = np.abs(y / candidates.astype(np.float64) - (k + 0.5))
    return float(candidates[int(np.argmin(miss))])


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_softmax_near_ties(dtype, threads, kernel_family):
    """Output scales chosen so that one element's y / output_scale lies within ~1e-7 of a
    .5 boundary (the others fall anywhere, many clamped), over the last and a middle axis."""
    rng = np.random.default_rng([TAG, 3, dtype == I8])
    qmin, qmax = qrange(dtype)
    for trial in range(120):
        n = int(rng.choice([2, 3, 7, 8, 9, 64, 129, 300]))
        middle = trial % 2 == 1
        shape, axis = ((n, 5), 0) if middle else ((n,), 0)
        x = rand_q(rng, shape, dtype)
        kw = dict(input_scale=float(log_uniform(rng, 1e-2, 0.5)),
                  input_zero_point=rand_zero_point(rng, dtype))
        y = _softmax_f64(x, axis, kw["input_scale"], kw["input_zero_point"])
        column = y[:, 2] if middle else y
        target = column[int(rng.choice(np.flatnonzero(column > 1e-3)))]
        k = int(rng.integers(0, 120))
        scale = _tie_scale(target, k)
        assert abs(target / scale - (k + 0.5)) < 1e-6 * (k + 1)
        kw.update(output_scale=scale, output_zero_point=qmin + int(rng.integers(0, 3)))
        if trial % 4 == 0:
            kw.update(output_min=qmin + k // 2, output_max=min(qmax, qmin + k + 2))
        assert_same(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))


# Found by search: (input scale, output scale, element) where the product
# e * (1 / (sum * output_scale)) rounds to the other side of .5 from the reference's
# (e / sum) / output_scale, on the row (37 i + 11) mod 256 of 300 values (zero point 0).
PRODUCT_ROUNDS_APART = [(0.0017202278831973672, 1.4425196241063531e-05, 177),
                        (0.0006092846742831171, 2.7493026209413074e-05, 56)]


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
@pytest.mark.parametrize("input_scale, output_scale, i", PRODUCT_ROUNDS_APART)
def test_softmax_divides_where_the_product_rounds_apart(dtype, input_scale, output_scale, i,
                                                        threads, kernel_family):
    shift = 0 if dtype == U8 else -128
    x = ((np.arange(300) * 37 + 11) % 256 + shift).astype(dtype)
    d = _dequantized(x, input_scale, shift)
    e = np.exp(d - d.max())
    total = e.sum()
    assert np.rint(e[i] / total / np.float32(output_scale)) != np.rint(
        e[i] * (1 / (total * np.float64(np.float32(output_scale)))))
    kw = dict(input_scale=input_scale, input_zero_point=shift, output_scale=output_scale,
              output_zero_point=shift)
    assert_same(qs.softmax(x, **kw), ref.softmax(x, **kw))
    assert_same(qs.softmax(x[None], **kw), ref.softmax(x[None], **kw))


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_softmax_exact_ties(dtype, threads, kernel_family):
    """y / output_scale exactly 0.5: m = 1, 2, 4, ... equal maxima, every other element so far
    below that its exp underflows to 0, output scale 2 / m; rounds half to even (to 0). Over
    a middle axis the 7 positions hold m/2, m or 2m maxima (0.5 next to 1 and 0.25 in one
    vector: each position's own sum where the kernels divide)."""
    rng = np.random.default_rng([TAG, 4, dtype == I8])
    qmin, qmax = qrange(dtype)

    def row(n, m):
        x = rand_q(rng, (n,), dtype) // 4  # at least 96 below the maxima
        x[rng.permutation(n)[:m]] = qmax
        return x

    for n in (1, 2, 5, 8, 16, 17, 64, 130, 300):
        for m in (1, 2, 4, 8, 16, 64, 128):
            if m > n:
                continue
            kw = dict(input_scale=10.0, input_zero_point=0, output_scale=2.0 / m,
                      output_zero_point=qmin + 1)
            x = row(n, m)[None, :]
            expected = ref.softmax(x, -1, **kw)
            assert set(np.unique(expected).tolist()) <= {qmin + 1}
            assert_same(qs.softmax(x, -1, **kw), expected)
            counts = [min(n, max(1, m * 2 ** (j % 3) // 2)) for j in range(7)]
            x = np.stack([row(n, c) for c in counts], axis=1)
            expected = ref.softmax(x, 0, **kw)
            assert (expected == qmin + 1).any()
            assert_same(qs.softmax(x, 0, **kw), expected)
            kw["output_scale"] = 2.0 / (3 * m)  # ~1.5, float32 a hair off
            assert_same(qs.softmax(x, 0, **kw), ref.softmax(x, 0, **kw))


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_softmax_clamps_and_zero_points(dtype, threads, kernel_family):
    rng = np.random.default_rng([TAG, 5, dtype == I8])
    qmin, qmax = qrange(dtype)
    for trial in range(60):
        shape, axis = [((3, 70), -1), ((4, 33, 6), 1), ((129, 2), 0)][trial % 3]
        x = rand_q(rng, shape, dtype)
        zp = int(rng.choice([qmin, qmax, qmin + 1, int(rng.integers(qmin, qmax + 1))]))
        lo, hi = sorted(int(v) for v in rng.integers(qmin, qmax + 1, 2))
        kw = dict(input_scale=float(log_uniform(rng, 1e-3, 5)), input_zero_point=zp,
                  output_scale=float(log_uniform(rng, 1e-4, 1)), output_zero_point=zp,
                  output_min=lo, output_max=hi)
        assert_same(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))

"""Exact parity of the elementwise and pooling operators on every vector tail.

The AVX2 kernels work 32 elements (or channels) a step, then 16 / 8 wide steps or a buffered
remainder; these cases cover row lengths 1..70 and around 32/64/96/128, every stride
pattern of the binary operators (same shape, either operand broadcast, broadcast rows),
int8 and uint8, zero points at the extremes, huge and tiny multipliers, and clamps.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import I8, U8, assert_same, qrange, rand_q, ref

LENGTHS = list(range(1, 71)) + [95, 96, 97, 127, 128, 129, 255, 1000]
CHANNELS = list(range(1, 18)) + [23, 24, 31, 32, 33, 39, 40, 47, 63, 64, 65, 70, 96, 97]
DTYPES = pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])


def _qparams(rng, dtype, k):
    """The k-th of a few qparam sets: extremes, middle, random; tiny and huge multipliers."""
    qmin, qmax = qrange(dtype)
    zps = [qmin, qmax, (qmin + qmax + 1) // 2, int(rng.integers(qmin, qmax + 1))]
    # The last two: |y| may pass 2^30, the AVX2 kernels' float-clamp path.
    scales = [(0.05, 0.03, 0.06), (1.0, 1.0, 1.0), (1e-4, 3.0, 1e-3), (10.0, 0.5, 1e3),
              (0.25, 0.5, 0.125), (2e-3, 2e-3, 1e-7), (1.0, 3.0, 1e-7), (5.0, 1e-3, 1e-9)]
    return zps[k % 4], zps[(k + 1) % 4], zps[(k + 2) % 4], scales[k % len(scales)]


def _clamp(rng, dtype, k):
    qmin, qmax = qrange(dtype)
    if k % 3 == 0:
        return {}
    lo = int(rng.integers(qmin, qmin + 100))
    return dict(output_min=lo, output_max=int(rng.integers(lo, qmax + 1)))


@DTYPES
@pytest.mark.parametrize("op", ["add", "multiply"])
@pytest.mark.parametrize("pattern", ["same", "a_scalar", "b_scalar", "rows", "outer"])
def test_binary_tails(op, pattern, dtype, threads, kernel_family):
    rng = np.random.default_rng([901, LENGTHS[-1], len(pattern)])
    for k, n in enumerate(LENGTHS):
        shapes = {"same": ((n,), (n,)), "a_scalar": ((1,), (n,)), "b_scalar": ((2, n), (1,)),
                  "rows": ((3, n), (n,)), "outer": ((n, 1), (1, 5))}[pattern]
        a, b = rand_q(rng, shapes[0], dtype), rand_q(rng, shapes[1], dtype)
        a_zp, b_zp, o_zp, (a_s, b_s, o_s) = _qparams(rng, dtype, k)
        kw = dict(a_scale=a_s, a_zero_point=a_zp, b_scale=b_s, b_zero_point=b_zp,
                  output_scale=o_s, output_zero_point=o_zp, **_clamp(rng, dtype, k))
        assert_same(getattr(qs, op)(a, b, **kw), getattr(ref, op)(a, b, **kw))


@DTYPES
def test_quantize_dequantize_tails(dtype, threads, kernel_family):
    rng = np.random.default_rng([902, dtype.itemsize, dtype.kind == "i"])
    qmin, qmax = qrange(dtype)
    for k, n in enumerate(LENGTHS):
        x = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
        x[rng.random(n) < 0.05] = np.inf
        x[rng.random(n) < 0.05] = -np.inf
        x[rng.random(n) < 0.05] = np.nan
        zp = [qmin, qmax, 0 if dtype == I8 else 128, int(rng.integers(qmin, qmax + 1))][k % 4]
        scale = [0.01, 1.0, 1e-5, 0.5, 300.0][k % 5]
        # NaN has no reference result; both kernel families give the zero point.
        expected = ref.quantize(np.where(np.isnan(x), 0, x), scale, zp, dtype=dtype)
        assert_same(qs.quantize(x, scale, zp, dtype=dtype), expected)
        q = rand_q(rng, (n,), dtype)
        assert_same(qs.dequantize(q, scale, zp), ref.dequantize(q, scale, zp))
        # Per-axis: runs of n (axis 0) and runs of one element (axis 1).
        x2 = rng.standard_normal((3, n)).astype(np.float32)
        scales, zps = np.array([0.01, 0.5, 2e-3], np.float32), np.array([qmin, zp, qmax], np.int32)
        assert_same(qs.quantize(x2, scales, zps, dtype=dtype, axis=0),
                    ref.quantize(x2, scales, zps, dtype=dtype, axis=0))
        q2 = rand_q(rng, (3, n), dtype)
        assert_same(qs.dequantize(q2, scales, zps, axis=0), ref.dequantize(q2, scales, zps, axis=0))


@DTYPES
@pytest.mark.parametrize("out_dtype", [U8, I8], ids=["to_u8", "to_i8"])
def test_requantize_clamp_tails(dtype, out_dtype, threads, kernel_family):
    rng = np.random.default_rng([903, dtype.kind == "i", out_dtype.kind == "i"])
    qmin, qmax = qrange(dtype)
    omin, omax = qrange(out_dtype)
    for k, n in enumerate(LENGTHS):
        q = rand_q(rng, (n,), dtype)
        izp = [qmin, qmax, int(rng.integers(qmin, qmax + 1))][k % 3]
        ozp = [omax, omin, int(rng.integers(omin, omax + 1))][k % 3]
        s_in, s_out = [(0.02, 0.03), (1.0, 1.0), (10.0, 1e-3), (1e-4, 1.0), (0.5, 0.25),
                       (1.0, 1e-8)][k % 6]
        assert_same(qs.requantize(q, s_in, izp, s_out, ozp, dtype=out_dtype),
                    ref.requantize(q, s_in, izp, s_out, ozp, dtype=out_dtype))
        lo = int(rng.integers(qmin, qmax + 1))
        hi = int(rng.integers(lo, qmax + 1))
        assert_same(qs.clamp(q, lo, hi), ref.clamp(q, lo, hi))
        parts = [rand_q(rng, (2, m), dtype) for m in (n, k % 5 + 1, 33)]
        kw = dict(input_scales=[s_in, 0.5, s_out], input_zero_points=[izp, 3, qmin],
                  output_scale=s_out, output_zero_point=qmax if k % 2 else qmin)
        assert_same(qs.concatenate(parts, axis=1, **kw), ref.concatenate(parts, axis=1, **kw))


@DTYPES
def test_max_pool_channel_tails(dtype, threads, kernel_family):
    rng = np.random.default_rng([904, dtype.kind == "i"])
    for k, c in enumerate(CHANNELS):
        x = rand_q(rng, (1, 5, 6, c), dtype)
        kernel, stride, padding = [(3, 2, 1), (2, 2, 0), (1, 1, 0), ((2, 3), 1, (1, 1))][k % 4]
        kw = _clamp(rng, dtype, k)
        assert_same(qs.max_pool2d(x, kernel, stride, padding, **kw),
                    ref.max_pool2d(x, kernel, stride, padding, **kw))


@DTYPES
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_channel_tails(dtype, count_include_pad, threads, kernel_family):
    rng = np.random.default_rng([905, dtype.kind == "i", count_include_pad])
    for k, c in enumerate(CHANNELS):
        x = rand_q(rng, (1, 5, 6, c), dtype)
        kernel, stride, padding = [(3, 1, 1), (2, 2, 0), (3, 2, 1), ((2, 3), 1, (1, 1))][k % 4]
        x_zp, _, o_zp, (s_in, _, s_out) = _qparams(rng, dtype, k)
        kw = dict(input_scale=s_in, input_zero_point=x_zp, output_scale=s_out,
                  output_zero_point=o_zp, count_include_pad=count_include_pad,
                  **_clamp(rng, dtype, k))
        assert_same(qs.avg_pool2d(x, kernel, stride, padding, **kw),
                    ref.avg_pool2d(x, kernel, stride, padding, **kw))


@DTYPES
def test_global_avg_pool_channel_tails(dtype, threads, kernel_family):
    rng = np.random.default_rng([906, dtype.kind == "i"])
    for k, c in enumerate(CHANNELS):
        hw = [(1, 1), (7, 7), (2, 3), (13, 11)][k % 4]
        x = rand_q(rng, (2, *hw, c), dtype)
        x_zp, _, o_zp, (s_in, _, s_out) = _qparams(rng, dtype, k)
        kw = dict(input_scale=s_in, input_zero_point=x_zp, output_scale=s_out,
                  output_zero_point=o_zp, **_clamp(rng, dtype, k))
        assert_same(qs.global_avg_pool2d(x, **kw), ref.global_avg_pool2d(x, **kw))

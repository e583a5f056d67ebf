"""Exact accumulation for any size (API.md §3): reductions whose sums leave int32 — fully
connected and convolution reductions up to K = 100 000, depthwise windows of 10^5 taps,
average pooling past 8 421 504 taps (255 · taps > 2^31 - 1), global average pooling over
huge H×W, biases near ±2^31 — give the exact reference result on every kernel family and
thread count. Values are extreme (x - x_zp and w - w_zp at ±255) and output scales keep
the outputs informative, so a wrapped int32 sum would show.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import assert_same, ref

INT32_MAX = 2**31 - 1
TAPS_INT32 = INT32_MAX // 255  # 8 421 504: the most taps whose sum of 255s fits int32


def informative_scales(acc, input_scale, output_scale, target=90.0):
    """Per-channel weight scales putting each channel's largest |acc| near `target` steps."""
    peak = np.abs(acc.reshape(-1, acc.shape[-1])).max(axis=0).astype(np.float64)
    return np.where(peak > 0, target * output_scale / (input_scale * np.maximum(peak, 1)), 1.0).astype(np.float32)


def extreme_weights(rng, c_out, k):
    """int8 [c_out, k] with zero point 127 per channel: channel 0 all -128 (every w - w_zp =
    -255), channel 1 random extremes, channel 2 all 127 (w - w_zp = 0, the bias alone),
    channel 3 a mix summing near 0 with a huge bound."""
    w = np.empty((c_out, k), np.int8)
    w[0] = -128
    w[1] = rng.choice([-128, 127], size=k)
    w[2] = 127
    w[3] = np.where(np.arange(k) % 2 == 0, -128, 126)
    w[4:] = rng.integers(-128, 128, size=(c_out - 4, k))
    return w


@pytest.mark.parametrize("k", [70_000, 100_000])
def test_linear_large_k(k, kernel_family, threads):
    rng = np.random.default_rng(k)
    x = np.zeros((3, k), np.uint8)  # x - x_zp = -255 everywhere on row 0
    x[1] = rng.choice([0, 255], size=k)
    x[2] = rng.integers(0, 256, size=k)
    w = extreme_weights(rng, 6, k)
    bias = np.array([INT32_MAX, -(2**31), INT32_MAX - 5, -(2**31), 7, -7], np.int32)
    q = dict(input_scale=0.5, input_zero_point=255, weight_zero_point=127)
    acc = ref.linear_accumulators(x, w, bias, weight_scale=1.0, **q)
    assert np.abs(acc).max() > 2**32
    kw = dict(q, weight_scale=informative_scales(acc, 0.5, 0.2), output_scale=0.2, output_zero_point=128)
    expected = ref.linear(x, w, bias, **kw)
    assert len(np.unique(expected)) > 4
    assert_same(qs.linear(x, w, bias, **kw), expected)
    assert_same(qs.Linear(w, bias, **kw)(x), expected)


def test_linear_int32_boundary(kernel_family):
    # |bias| + 255 · Σ|w - w_zp| = 2^31 - 1 exactly (int32 suffices) and one more (it does not):
    # the sums reach 2^31 - 1 and 2^31.
    k = 1000
    x = np.full((1, k), 255, np.uint8)
    w = np.full((2, k), 127, np.int8)  # w - w_zp = 255 with zero point -128
    bias = np.array([INT32_MAX - 255 * 255 * k, INT32_MAX - 255 * 255 * k + 1], np.int32)
    for b in (bias[:1], bias[1:], bias):
        kw = dict(input_scale=1.0, input_zero_point=0, weight_scale=1.0, weight_zero_point=-128,
                  output_scale=2.0**24, output_zero_point=0)
        expected = ref.linear(x, w[:len(b)], b, **kw)
        assert_same(qs.linear(x, w[:len(b)], b, **kw), expected)
    assert expected.tolist() == [[128, 128]]  # 2^31 - 1 rounds to 2^31 in float32: 2^31 / 2^24


@pytest.mark.parametrize("form", ["linear", "depthwise", "winograd", "pointwise"])
def test_products_beyond_int32(form, kernel_family, threads):
    # Requantized sums far beyond int32 (biases near +-2^31, output scales down to 1e-9): the
    # AVX2 epilogue bounds only the upper side in float32 (a lower overflow converts to INT32_MIN
    # and saturates low), then packs with saturation before applying output_min / output_max.
    rng = np.random.default_rng(11)

    def biases(n):  # every other channel near +-2^31, the others small
        b = rng.integers(-(2**31) + 70_000_000, 2**31 - 70_000_000, size=n)
        b[::2] = rng.integers(-3000, 3000, size=len(b[::2]))
        return b.astype(np.int32)

    for output_scale, clamp in ((1e-9, (None, None)), (1e-6, (30, 200)), (2.0, (0, 255))):
        q = dict(input_scale=0.5, input_zero_point=int(rng.integers(0, 256)), weight_zero_point=0,
                 weight_scale=0.25, output_scale=output_scale, output_zero_point=int(rng.integers(0, 256)),
                 output_min=clamp[0], output_max=clamp[1])
        if form == "linear":
            x = rng.integers(0, 256, size=(6, 40), dtype=np.uint8)
            w = rng.integers(-128, 128, size=(41, 40), dtype=np.int8)
            bias = biases(41)
            assert_same(qs.linear(x, w, bias, **q), ref.linear(x, w, bias, **q))
            continue
        shape, wshape, kw = {
            "depthwise": ((1, 5, 6, 24), (24, 3, 3, 1), dict(groups=24, padding=1)),
            "winograd": ((1, 9, 10, 16), (20, 3, 3, 16), dict(padding=1)),
            "pointwise": ((1, 40, 40, 33), (40, 1, 1, 33), {}),
        }[form]
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        w = rng.integers(-128, 128, size=wshape, dtype=np.int8)
        bias = biases(wshape[0])
        expected = ref.conv2d(x, w, bias, **kw, **q)
        # Both bounds reached at the small scales (sums beyond int32 both ways), values at 2.0.
        values = set(np.unique(expected).tolist())
        bounds = {0 if clamp[0] is None else clamp[0], 255 if clamp[1] is None else clamp[1]}
        assert bounds <= values if output_scale < 1 else len(values) > 2
        assert_same(qs.conv2d(x, w, bias, **kw, **q), expected)


@pytest.mark.parametrize("form", ["linear", "conv2d"])
def test_winograd_dot_int32_boundary(form, kernel_family, threads):
    # 1x1 reductions of K = 33 025 (an odd pair) whose sums reach +-(2^31 - 1) exactly, with the
    # bound |bias| + 255 * sum|w - w_zp| at 2^31 - 1, so AVX2's Winograd inner product runs: its
    # operand sums (x - x_zp) + (w - w_zp) reach +-510 and its partial sums and row and column
    # terms wrap many times. 41 channels: two blocks and 9 in a third; 40 rows take the
    # tasks-over-blocks GEMM, 8x8 pixels the tasks that convert their own rows.
    rng = np.random.default_rng(5)
    k, co = 33_025, 41
    w_zp = np.where(np.arange(co) % 2 == 0, 0, 255).astype(np.int32)
    w = np.where(w_zp == 0, 255, 0).astype(np.uint8)[:, None].repeat(k, axis=1)  # w - w_zp = +-255
    w[:, ::7] = rng.integers(0, 256, size=(co, len(range(0, k, 7))))
    sign = np.where(w_zp == 0, 1, -1)
    bound = 255 * np.abs(w.astype(np.int64) - w_zp[:, None]).sum(axis=1)
    bias = (sign * (INT32_MAX - bound)).astype(np.int32)  # the bound is exactly 2^31 - 1
    pixels = 40 if form == "linear" else 64
    # Rows at levels 0...255 (and noise), so their sums spread over the whole range.
    levels = rng.integers(0, 256, size=(pixels, 1))
    x = np.clip(levels + rng.integers(-3, 4, size=(pixels, k)), 0, 255).astype(np.uint8)
    x[::3] = 255  # x - x_zp = 255: the extreme sums
    q = dict(input_scale=1.0, input_zero_point=0, weight_zero_point=w_zp)
    acc = ref.linear_accumulators(x, w, bias, weight_scale=1.0, **q)
    assert acc.max() == INT32_MAX and acc.min() == -INT32_MAX
    kw = dict(q, weight_scale=informative_scales(acc, 1.0, 1.0), output_scale=1.0, output_zero_point=128)
    expected = ref.linear(x, w, bias, **kw)
    assert len(np.unique(expected)) > 16
    if form == "linear":
        assert_same(qs.Linear(w, bias, **kw)(x), expected)
    else:
        y = qs.Conv2d(w.reshape(co, 1, 1, k), bias, **kw)(x.reshape(1, 8, 8, k))
        assert_same(y.reshape(pixels, co), expected)


@pytest.mark.parametrize("groups", [1, 3])
def test_conv2d_large_reduction(groups, kernel_family, threads):
    # 3x3 kernel over 11 112 channels per group: K = 100 008; "same" padding gives border
    # pixels partial sums.
    rng = np.random.default_rng(groups)
    cg = 11_112
    x = rng.choice(np.array([-128, 127], np.int8), size=(1, 3, 3, groups * cg), p=[0.8, 0.2])
    w = extreme_weights(rng, 6, 9 * cg)[np.arange(2 * groups) % 6].reshape(2 * groups, 3, 3, cg)
    q = dict(padding="same", groups=groups, input_scale=0.25, input_zero_point=127, weight_zero_point=127)
    acc = ref.conv2d_accumulators(x, w, None, weight_scale=1.0, **q)
    assert np.abs(acc).max() > 2**32
    kw = dict(q, weight_scale=informative_scales(acc, 0.25, 1.0), output_scale=1.0, output_zero_point=0)
    expected = ref.conv2d(x, w, None, **kw)
    assert len(np.unique(expected)) >= 3
    assert_same(qs.conv2d(x, w, None, **kw), expected)


def test_depthwise_conv2d_huge_window(kernel_family, threads):
    # 320x320 taps (102 400) per channel, channel multiplier 2, two output columns.
    rng = np.random.default_rng(9)
    x = np.zeros((1, 320, 321, 3), np.uint8)
    x[..., 1] = rng.choice([0, 255], size=(320, 321))
    x[..., 2] = 255
    w = np.empty((6, 320, 320, 1), np.uint8)
    w[:2] = 255
    w[2:4] = rng.choice([0, 255], size=(2, 320, 320, 1))
    w[4:] = 0
    q = dict(groups=3, input_scale=0.5, input_zero_point=255, weight_zero_point=0)
    acc = ref.conv2d_accumulators(x, w, None, weight_scale=1.0, **q)
    assert np.abs(acc).max() > 2**32
    kw = dict(q, weight_scale=informative_scales(acc, 0.5, 1.0), output_scale=1.0, output_zero_point=100)
    assert_same(qs.conv2d(x, w, None, **kw), ref.conv2d(x, w, None, **kw))


def window_average(x, kernel, **q):
    """avg_pool2d of `kernel` (stride 1, no padding) as global averages of the windows: the
    same §3 formula (divisor = window area), without the reference's per-tap loop."""
    n, h, w, c = x.shape
    kh, kw = kernel
    return np.stack([np.stack([ref.global_avg_pool2d(x[:, i:i + kh, j:j + kw], **q)
                               for j in range(w - kw + 1)], axis=1) for i in range(h - kh + 1)], axis=1)


@pytest.mark.parametrize("kernel", [(2892, 2912), (2902, 2902)], ids=["int32-limit", "beyond"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_avg_pool2d_huge_window(kernel, dtype, threads):
    kh, kw = kernel
    assert (kh * kw > TAPS_INT32) == (kernel == (2902, 2902))
    qmin, qmax = (0, 255) if dtype == np.uint8 else (-128, 127)
    x = np.full((1, kh, kw + 1, 2), qmax, dtype)
    x[..., 1] = qmin
    x[0, :, 0, 1] = qmax  # the two windows differ
    q = dict(input_scale=1.0, input_zero_point=qmin if dtype == np.uint8 else qmax,
             output_scale=2.0, output_zero_point=0)
    expected = window_average(x, kernel, **q)
    for include_pad in (True, False):
        assert_same(qs.avg_pool2d(x, kernel, stride=1, count_include_pad=include_pad, **q), expected)


@pytest.mark.parametrize("size", [(2892, 2912), (3000, 3000)], ids=["int32-limit", "beyond"])
def test_global_avg_pool2d_huge_image(size, threads):
    x = np.full((1, *size, 2), 255, np.uint8)
    x[0, ::2, :, 1] = 0
    for zero_point in (0, 255):
        q = dict(input_scale=1.0, input_zero_point=zero_point, output_scale=1.5, output_zero_point=100)
        assert_same(qs.global_avg_pool2d(x, **q), ref.global_avg_pool2d(x, **q))

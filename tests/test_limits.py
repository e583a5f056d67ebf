"""Sizes and values at and beyond the limits never crash (API.md §1): inputs whose copies or
outputs exceed memory raise MemoryError (or ValueError when the byte count overflows),
integers the C ABI cannot take and float32 multipliers that overflow raise ValueError,
and the extension re-checks sizes claimed by its callers.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from qnnpack_swift import _native
from _support import as_layout, ref

HUGE = 2**44  # elements of a zero-stride view: its copy (16 TiB and more) cannot be allocated
Q = dict(input_scale=0.5, input_zero_point=3, output_scale=0.25, output_zero_point=7)
W = dict(Q, weight_scale=0.01, weight_zero_point=0)


def _overcommit_always():
    try:
        with open("/proc/sys/vm/overcommit_memory") as f:
            return f.read().strip() == "1"
    except OSError:
        return False


# Under vm.overcommit_memory=1 an allocation beyond memory succeeds and the process is
# killed when it touches it; the default heuristic (0) and strict mode (2) refuse it.
beyond_memory = pytest.mark.skipif(_overcommit_always(), reason="vm.overcommit_memory=1 grants any allocation")


def view(shape, dtype=np.uint8):
    """A zero-stride view claiming `shape` over one element."""
    return np.lib.stride_tricks.as_strided(np.ones(1, dtype), shape=shape, strides=(0,) * len(shape))


SIDE = 2**22  # SIDE * SIDE = HUGE
HUGE_INPUTS = {
    "conv2d": lambda: qs.conv2d(view((1, SIDE, SIDE, 1)), np.ones((1, 1, 1, 1), np.int8), **W),
    "Conv2d": lambda: qs.Conv2d(np.ones((1, 1, 1, 1), np.int8), **W)(view((1, SIDE, SIDE, 1))),
    "linear": lambda: qs.linear(view((HUGE, 1)), np.ones((1, 1), np.int8), **W),
    "Linear": lambda: qs.Linear(view((1, HUGE)), **W),  # a huge weight: its private copy
    "max_pool2d": lambda: qs.max_pool2d(view((1, SIDE, SIDE, 1)), 2),
    "avg_pool2d": lambda: qs.avg_pool2d(view((1, SIDE, SIDE, 1)), 2, **Q),
    "global_avg_pool2d": lambda: qs.global_avg_pool2d(view((1, SIDE, SIDE, 1)), **Q),
    "add": lambda: qs.add(view((HUGE,)), np.ones(1, np.uint8), a_scale=1.0, a_zero_point=0, b_scale=1.0,
                          b_zero_point=0, output_scale=1.0, output_zero_point=0),
    "clamp": lambda: qs.clamp(view((HUGE,)), 1, 2),
    "quantize": lambda: qs.quantize(view((HUGE,), np.float32), 0.5, 3),
    "dequantize": lambda: qs.dequantize(view((HUGE,)), 0.5, 3),
    "requantize": lambda: qs.requantize(view((HUGE,)), 0.5, 3, 0.25, 7),
}


@beyond_memory
@pytest.mark.parametrize("op", list(HUGE_INPUTS))
def test_inputs_beyond_memory_raise(op):
    with pytest.raises(MemoryError):
        HUGE_INPUTS[op]()


@beyond_memory
def test_outputs_beyond_memory_raise():
    x, w = np.ones((1, 1, 1, 1), np.uint8), np.ones((1, 1, 1, 1), np.int8)
    with pytest.raises(MemoryError):  # (2**22 + 1)**2 pixels
        qs.conv2d(x, w, padding=2**21, **W)
    with pytest.raises(ValueError):  # a byte count beyond Int
        qs.conv2d(x, w, padding=2**40, **W)
    a, b = view((2**22, 1)), view((1, 2**22))
    with pytest.raises(MemoryError):
        qs.add(a, b, a_scale=1.0, a_zero_point=0, b_scale=1.0, b_zero_point=0, output_scale=1.0,
               output_zero_point=0)


@beyond_memory
def test_a_workspace_beyond_memory_raises():
    # An indirect GEMM whose indirection buffer (one pointer per output pixel and tap,
    # 10**6 * 10**6 * 8 bytes) cannot be allocated: the library's out_of_memory status.
    x = np.ones((1, 1000, 1000, 2), np.uint8)
    conv = qs.Conv2d(np.ones((1, 1000, 1000, 2), np.int8), padding="same", **W)
    with pytest.raises(MemoryError):
        conv(x)


TOO_BIG = [2**63, 2**70]


@pytest.mark.parametrize("value", TOO_BIG)
@pytest.mark.parametrize("name", ["stride", "dilation", "padding", "groups"])
def test_conv2d_integers_beyond_the_abi(name, value):
    x, w = np.ones((1, 4, 4, 1), np.uint8), np.ones((1, 1, 1, 1), np.int8)
    with pytest.raises(ValueError, match=name):
        qs.conv2d(x, w, **{name: value}, **W)


@pytest.mark.parametrize("value", TOO_BIG)
@pytest.mark.parametrize("name", ["kernel_size", "stride", "dilation", "padding"])
def test_max_pool2d_integers_beyond_the_abi(name, value):
    args = dict(dict(kernel_size=1, stride=None, dilation=1, padding=0), **{name: value})
    with pytest.raises(ValueError, match=name):
        qs.max_pool2d(np.ones((1, 4, 4, 1), np.uint8), **args)


@pytest.mark.parametrize("value", TOO_BIG)
def test_num_threads_beyond_the_abi(value):
    before = qs.get_num_threads()
    with pytest.raises(ValueError, match="num_threads"):
        qs.set_num_threads(value)
    assert qs.get_num_threads() == before


def test_huge_valid_strides_and_dilations_match_the_reference():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, (2, 5, 6, 3), dtype=np.uint8)
    w = rng.integers(-128, 128, (4, 1, 2, 3), dtype=np.int8)
    kw = dict(stride=2**62, dilation=(2**62, 1), **W)  # one output pixel; a 1-tap axis
    assert np.array_equal(qs.conv2d(x, w, **kw), ref.conv2d(x, w, **kw))
    assert np.array_equal(qs.Conv2d(w, input_dtype=np.uint8, **kw)(x), ref.conv2d(x, w, **kw))
    pool = dict(kernel_size=(1, 2), stride=2**62, dilation=(2**62, 3))
    assert np.array_equal(qs.max_pool2d(x, **pool), ref.max_pool2d(x, **pool))


def test_a_dilated_window_beyond_int_is_a_value_error():
    w = np.ones((1, 2, 2, 1), np.int8)
    with pytest.raises(ValueError):
        qs.Conv2d(w, dilation=2**62, input_dtype=np.uint8, **W)


OVERFLOWING = [
    ("conv2d", lambda: qs.conv2d(np.ones((1, 2, 2, 1), np.uint8), np.ones((1, 1, 1, 1), np.int8),
                                 **dict(W, input_scale=1e30, weight_scale=1e30))),
    ("Conv2d", lambda: qs.Conv2d(np.ones((2, 1, 1, 1), np.int8), **dict(W, weight_scale=[1.0, 1e30],
                                                                          output_scale=1e-30))),
    ("linear", lambda: qs.linear(np.ones((1, 3), np.int8), np.ones((2, 3), np.int8),
                                 **dict(W, input_zero_point=0, output_zero_point=0, output_scale=1e-38,
                                        input_scale=1e3, weight_scale=1e3))),
    ("avg_pool2d", lambda: qs.avg_pool2d(np.ones((1, 2, 2, 1), np.uint8), 2, **dict(Q, input_scale=1e30,
                                                                                      output_scale=1e-30))),
    ("global_avg_pool2d", lambda: qs.global_avg_pool2d(np.ones((1, 2, 2, 1), np.uint8),
                                                       **dict(Q, input_scale=1e30, output_scale=1e-30))),
    ("add a", lambda: qs.add(np.ones(3, np.uint8), np.ones(3, np.uint8), a_scale=2e36, a_zero_point=0,
                             b_scale=1.0, b_zero_point=0, output_scale=1.0, output_zero_point=0)),
    ("add b", lambda: qs.add(np.ones(3, np.uint8), np.ones(3, np.uint8), a_scale=1.0, a_zero_point=0,
                             b_scale=1e10, b_zero_point=0, output_scale=1e-27, output_zero_point=0)),
    ("requantize", lambda: qs.requantize(np.ones(3, np.uint8), 1e30, 0, 1e-30, 0)),
]


@pytest.mark.parametrize("call", [c for _, c in OVERFLOWING], ids=[n for n, _ in OVERFLOWING])
def test_multipliers_overflowing_float32_raise(call):
    # The reference output is undefined there (inf * 0 is NaN): a ValueError naming the scales.
    with pytest.raises(ValueError, match="scale"):
        call()


def test_add_multipliers_just_below_the_limit_are_exact():
    # a_scale / output_scale * 255 stays finite: saturating, never NaN.
    a = np.array([0, 1, 255, 128], np.uint8)
    b = np.array([255, 0, 0, 128], np.uint8)
    kw = dict(a_scale=1e36, a_zero_point=128, b_scale=1e36, b_zero_point=0, output_scale=1.0,
              output_zero_point=0)
    np.testing.assert_array_equal(qs.add(a, b, **kw), ref.add(a, b, **kw))


def test_byteswapped_int32_bias_is_an_int32_bias():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (2, 7), dtype=np.uint8)
    w = rng.integers(-128, 128, (5, 7), dtype=np.int8)
    bias = rng.integers(-2**31, 2**31, 5, dtype=np.int64).astype(np.int32)
    want = qs.linear(x, w, bias, **W)
    assert np.array_equal(qs.linear(x, w, as_layout(bias, "byteswapped"), **W), want)
    assert np.array_equal(want, ref.linear(x, w, as_layout(bias, "byteswapped"), **W))


def test_native_rechecks_claimed_sizes():
    x, y = np.zeros(12, np.float32), np.zeros(12, np.uint8)
    s, z = np.ones(3, np.float32), np.zeros(3, np.int32)
    with pytest.raises(ValueError, match="element count"):
        _native.quantize(x, y, 2, 3, 3, s, z)
    with pytest.raises(ValueError, match="overflow"):
        _native.quantize(x, y, 2**62, 3, 2**62, s, z)
    with pytest.raises(ValueError, match="non-negative"):
        _native.quantize(x, y, -4, 3, -1, s, z)
    q = np.zeros((1, 4, 4, 2), np.uint8)
    with pytest.raises(ValueError, match="shape"):  # the output of a 2x2/2 window is 2x2
        _native.max_pool2d(q, np.zeros((1, 3, 3, 2), np.uint8), 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 255)
    w = np.zeros((4, 1, 1, 3), np.int8)
    with pytest.raises(ValueError, match="weights"):  # sizes claiming more weights than given
        _native.conv2d_create(0, (1, 3, 4, 2**40, 1, 1, 1, 1, 1, 0, 0, 0, 0), 0.5, 0, w,
                              np.ones(4, np.float32), np.zeros(4, np.int32), None, 1.0, 0, 0, 255)
    with pytest.raises(ValueError, match="overflow"):
        _native.conv2d_create(0, (2**62, 3, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), 0.5, 0, w,
                              np.ones(4, np.float32), np.zeros(4, np.int32), None, 1.0, 0, 0, 255)

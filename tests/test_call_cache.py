"""The fast paths of repeated calls (arguments validated before, cached by value; prepacked
runs planned per input shape) behave exactly as the first, checked call: equal values of
other types are still refused, unusual inputs and `out=` arrays still work or fail alike."""
import numpy as np
import pytest

import qnnpack_swift as qs
from qnnpack_swift import reference as ref

BINARY = dict(a_scale=0.05, a_zero_point=1, b_scale=0.04, b_zero_point=0, output_scale=0.1,
              output_zero_point=1)
W = np.array([[[[3, -1]]], [[[-5, 2]]]], np.int8)  # [C_out 2, 1, 1, C_in 2]
CONV = dict(input_scale=0.05, input_zero_point=1, weight_scale=0.02, weight_zero_point=0,
            output_scale=0.1, output_zero_point=1)


def _x(shape=(2, 3, 4, 2)):
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("name, bad, error", [
    ("a_zero_point", True, TypeError), ("a_zero_point", 1.0, TypeError),
    ("b_zero_point", False, TypeError), ("a_scale", True, TypeError),
    ("output_min", True, TypeError), ("output_zero_point", np.float64(1.0), TypeError),
])
def test_equal_values_of_other_types_are_still_refused(name, bad, error):
    x = _x((3,))
    base = dict(BINARY, output_min=1)
    qs.add(x, x, **base)  # cached
    qs.add(x, x, **base)
    with pytest.raises(error):
        qs.add(x, x, **dict(base, **{name: bad}))
    qs.clamp(x, 1, None)
    with pytest.raises(TypeError):
        qs.clamp(x, True, None)
    qs.requantize(x, 0.05, 1, 0.1, 1)
    with pytest.raises(TypeError):
        qs.requantize(x, 0.05, 1.0, 0.1, 1)
    qs.sigmoid(x, input_scale=0.05, input_zero_point=1)
    with pytest.raises(TypeError):
        qs.sigmoid(x, input_scale=0.05, input_zero_point=True)
    qs.max_pool2d(_x(), (2, 1))
    with pytest.raises(TypeError):
        qs.max_pool2d(_x(), (2, True))
    gap = dict(input_scale=0.05, input_zero_point=1, output_scale=0.1, output_zero_point=2)
    qs.global_avg_pool2d(_x(), **gap)
    with pytest.raises(TypeError):
        qs.global_avg_pool2d(_x(), **dict(gap, output_zero_point=2.0))
    qs.dequantize(x, 0.05, 1)
    with pytest.raises(TypeError):
        qs.dequantize(x, 0.05, 1.0)


def _calls():
    """(name, call(x, out)) of operators with a fast path, each on uint8 [2, 3, 4, 2]."""
    conv = qs.Conv2d(W, **CONV, input_dtype=np.uint8)
    return [
        ("add", lambda x, out: qs.add(x, x, **BINARY, out=out)),
        ("clamp", lambda x, out: qs.clamp(x, 3, 200, out=out)),
        ("requantize", lambda x, out: qs.requantize(x, 0.05, 1, 0.1, 2, out=out)),
        ("sigmoid", lambda x, out: qs.sigmoid(x, input_scale=0.05, input_zero_point=1, out=out)),
        ("Conv2d", lambda x, out: conv(x, out=out)),
        ("max_pool2d", lambda x, out: qs.max_pool2d(x, 1, out=out)),
        ("softmax", lambda x, out: qs.softmax(x, 1, input_scale=0.05, input_zero_point=1, out=out)),
        ("global_avg_pool2d", lambda x, out: qs.global_avg_pool2d(
            x, input_scale=0.05, input_zero_point=1, output_scale=0.1, output_zero_point=2, out=out)),
    ]


@pytest.mark.parametrize("name, call", _calls())
def test_fast_path_matches_the_checked_one(name, call):
    x = _x()
    first = call(x, None)
    again = call(x, None)
    np.testing.assert_array_equal(first, again)
    # Not C-contiguous, read-only, in place (out is the input), out of another dtype / shape.
    wide = np.zeros((*x.shape[:-1], 2 * x.shape[-1]), x.dtype)
    wide[..., ::2] = x
    strided = wide[..., ::2]
    np.testing.assert_array_equal(call(strided, None), first)
    frozen = x.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(call(frozen, None), first)
    if first.shape == x.shape:
        inplace = x.copy()
        assert call(inplace, inplace) is inplace
        np.testing.assert_array_equal(inplace, first)
    out = np.empty_like(first)
    assert call(x, out) is out
    np.testing.assert_array_equal(out, first)
    with pytest.raises(ValueError, match="out must be a C-contiguous"):
        call(x, np.empty(first.shape[::-1], first.dtype).T)
    readonly = np.empty_like(first)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out must be a C-contiguous"):
        call(x, readonly)
    with pytest.raises(TypeError, match="out must have dtype"):
        call(x, np.empty(first.shape, np.int8))
    with pytest.raises(ValueError, match="out must have shape"):
        call(x, np.empty((1, *first.shape), first.dtype))
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        call(x, [0])
    np.testing.assert_array_equal(x, _x())  # the input is never written


def test_keys_tell_dtypes_and_shapes_apart():
    """The lookup, softmax and global-pooling caches key the dtype by number and not the
    shape: int8 after uint8 with the same arguments, other shapes and axes, empty or
    zero-sized inputs still get the checked call's result or error."""
    kw = dict(input_scale=0.05, input_zero_point=1)
    gap = dict(kw, output_scale=0.1, output_zero_point=2)
    for _ in range(2):
        for dtype in (np.uint8, np.int8):
            x = _x().astype(dtype)
            np.testing.assert_array_equal(qs.sigmoid(x, **kw), ref.sigmoid(x, **kw))
            for shape in [(2, 3, 4, 2), (1, 1, 1, 5), (3, 2, 1, 17)]:
                x = _x(shape).astype(dtype)
                np.testing.assert_array_equal(qs.global_avg_pool2d(x, **gap),
                                              ref.global_avg_pool2d(x, **gap))
            assert qs.global_avg_pool2d(_x((0, 2, 2, 3)).astype(dtype), **gap).shape == (0, 3)
            with pytest.raises(ValueError, match="zero-sized axis"):
                qs.global_avg_pool2d(_x((1, 0, 2, 3)).astype(dtype), **gap)
            with pytest.raises(ValueError, match="4-D"):
                qs.global_avg_pool2d(_x((2, 3, 3)).astype(dtype), **gap)
            for shape, axis in [((2, 3, 4, 2), -1), ((2, 3, 4, 2), 1), ((7,), 0)]:
                x = _x(shape).astype(dtype)
                np.testing.assert_array_equal(qs.softmax(x, axis, **kw), ref.softmax(x, axis, **kw))
            assert qs.softmax(_x((3, 0)).astype(dtype), -1, **kw).shape == (3, 0)
            with pytest.raises(ValueError, match="axis"):
                qs.softmax(_x((3, 2)).astype(dtype), 2, **kw)


def test_quantize_fast_path_unaligned_and_swapped_inputs():
    x = np.linspace(-3, 3, 17, dtype=np.float32)
    first = qs.quantize(x, 0.05, 128)
    np.testing.assert_array_equal(first, ref.quantize(x, 0.05, 128))
    raw = np.zeros(x.nbytes + 1, np.uint8)
    unaligned = raw[1:].view(np.float32)
    unaligned[...] = x
    np.testing.assert_array_equal(qs.quantize(unaligned, 0.05, 128), first)
    np.testing.assert_array_equal(qs.quantize(x.astype(">f4"), 0.05, 128), first)
    np.testing.assert_array_equal(qs.dequantize(first, 0.05, 128),
                                  qs.dequantize(first.copy(), 0.05, 128))


def test_prepacked_plan_follows_input_shape_and_dtype():
    conv = qs.Conv2d(W, **CONV)  # int8 weights: uint8 and int8 activations
    for shape in [(1, 2, 2, 2), (3, 1, 5, 2), (1, 2, 2, 2)]:
        x = _x(shape)
        np.testing.assert_array_equal(conv(x), conv(x.copy()))
        assert conv(x).shape == (*shape[:3], 2)
    xi = np.zeros((1, 2, 2, 2), np.int8)
    assert conv(xi).dtype == np.int8
    with pytest.raises(ValueError, match="channels"):
        conv(np.zeros((1, 2, 2, 3), np.uint8))
    fc = qs.Linear(np.array([[3], [-5]], np.int8), **CONV)
    x = _x((4, 1))
    np.testing.assert_array_equal(fc(x), fc(x.copy()))
    assert fc(np.zeros((0, 1), np.uint8)).shape == (0, 2)

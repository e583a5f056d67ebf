"""Pooling over NHWC activations: max, average and global average."""
import numpy as np

from . import _native
from . import _validation as v

# (native function, output shape, arguments after input and output) of calls validated
# before, by (function, input dtype number, input shape, value_key of the other arguments).
_CALLS = {}


def _cached_call(function, x, out, arguments):
    """(key, result): the result of a call validated before (None otherwise, or when `x` or
    `out` need the checked path) and the key to remember it under (None: not cacheable)."""
    if type(x) is not np.ndarray or (arguments := v.value_key(arguments)) is None:
        return None, None
    key = (function, x.dtype.num, x.shape, arguments)
    call = _CALLS.get(key)
    if call is None:
        return key, None
    native, shape, args = call
    return key, v.fast_run(native, x, out, x.dtype, shape, *args)


def _remember(key, native, shape, *args):
    if key is not None and all(shape):
        v.remember(_CALLS, key, (native, shape, args))

__all__ = ["avg_pool2d", "global_avg_pool2d", "max_pool2d"]


def _window(x, kernel_size, stride, padding, dilation, what):
    """Validated (kernel, stride, dilation, pads, output shape) of a pooling window over x.

    `stride=None` means the kernel size; padding may not exceed half the effective window
    ((kernel - 1) * dilation + 1) // 2 on any side (PyTorch's rule).
    """
    kernel = v.pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else v.pair(stride, "stride")
    dilation = v.pair(dilation, "dilation")
    pads = v.padding4(padding)
    for pad, k, d in zip(pads, kernel * 2, dilation * 2):
        limit = ((k - 1) * d + 1) // 2
        if pad > limit:
            raise ValueError(f"padding ({pad}) must be at most half the effective {what} window "
                             f"({limit}) for kernel_size {kernel}, dilation {dilation}")
    v.check_ndim(x, 4, "x", "[N, H, W, C]")
    n, height, width, channels = x.shape
    size = v.window_output_shape((height, width), pads, kernel, stride, dilation, "kernel_size")
    return kernel, stride, dilation, pads, (n, *size, channels)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, *,
               output_min=None, output_max=None, out=None):
    """Max pooling of ``x`` ``[N, H, W, C]`` (uint8 or int8) → ``[N, OH, OW, C]``.

    The output keeps the input's dtype and quantization parameters; padded positions are
    never the maximum. ``kernel_size``, ``stride`` (None: ``kernel_size``), ``dilation``:
    int or ``(h, w)``; ``padding``: int, ``(h, w)`` or ``(top, left, bottom, right)``, at most
    half the dilated window. ``output_min`` / ``output_max`` clamp the result.
    """
    key, y = _cached_call(max_pool2d, x, out, (kernel_size, stride, padding, dilation,
                                                output_min, output_max))
    if y is not None:
        return y
    x = v.q_array(x, "x")
    kernel, stride, dilation, pads, shape = _window(x, kernel_size, stride, padding, dilation,
                                                    "max pooling")
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    _remember(key, _native.max_pool2d, shape, *kernel, *stride, *dilation, *pads, lo, hi)
    return v.run_into(out, shape, x.dtype, (x,), lambda y: _native.max_pool2d(
        x, y, *kernel, *stride, *dilation, *pads, lo, hi))


def avg_pool2d(x, kernel_size, stride=None, padding=0, *, count_include_pad=True,
               input_scale, input_zero_point, output_scale, output_zero_point,
               output_min=None, output_max=None, out=None):
    """Average pooling of ``x`` ``[N, H, W, C]`` → ``[N, OH, OW, C]``, requantized to
    ``output_scale`` / ``output_zero_point``.

    The divisor is the window area, or the number of positions inside the input when
    ``count_include_pad=False``. ``kernel_size``, ``stride`` (None: ``kernel_size``): int or
    ``(h, w)``; ``padding``: int, ``(h, w)`` or ``(top, left, bottom, right)``, at most half
    the window.
    """
    key, y = _cached_call(avg_pool2d, x, out, (
        kernel_size, stride, padding, count_include_pad, input_scale, input_zero_point,
        output_scale, output_zero_point, output_min, output_max))
    if y is not None:
        return y
    x = v.q_array(x, "x")
    kernel, stride, _, pads, shape = _window(x, kernel_size, stride, padding, 1, "average pooling")
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype, "input")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, x.dtype, "output")
    v.check_multiplier("input_scale / output_scale", output_scale, input_scale)
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    _remember(key, _native.avg_pool2d, shape, *kernel, *stride, *pads, bool(count_include_pad),
              input_scale, input_zero_point, output_scale, output_zero_point, lo, hi)
    return v.run_into(out, shape, x.dtype, (x,), lambda y: _native.avg_pool2d(
        x, y, *kernel, *stride, *pads, bool(count_include_pad), input_scale, input_zero_point,
        output_scale, output_zero_point, lo, hi))


# The validated native arguments of global_avg_pool2d by (dtype number, raw qparams), for exact Python float scales
# and int zero points / bounds (or None): a small call's key checks and hashes little (not the dtype, the shape).
_GLOBAL_AVG_POOL_ARGS = {}


def global_avg_pool2d(x, *, input_scale, input_zero_point, output_scale, output_zero_point,
                      output_min=None, output_max=None, out=None):
    """Average of ``x`` ``[N, H, W, C]`` over H and W → ``[N, C]``, requantized to
    ``output_scale`` / ``output_zero_point``."""
    key = None
    if (type(x) is np.ndarray and type(input_scale) is float and type(input_zero_point) is int
            and type(output_scale) is float and type(output_zero_point) is int
            and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)):
        key = (x.dtype.num, input_scale, input_zero_point, output_scale, output_zero_point,
               output_min, output_max)
        args = _GLOBAL_AVG_POOL_ARGS.get(key)
        if args is not None and x.ndim == 4:
            if out is None:
                try:  # a C-contiguous x: the native side makes the output
                    y = _native.global_avg_pool(x, None, *args)
                    if y is not NotImplemented:
                        return y
                except ValueError:  # no pixels or channels: the checked path answers
                    pass
            elif (y := v.fast_run(_native.global_avg_pool, x, out, x.dtype,
                                  (x.shape[0], x.shape[3]), *args)) is not None:
                return y
    x = v.q_array(x, "x")
    v.check_ndim(x, 4, "x", "[N, H, W, C]")
    n, height, width, channels = x.shape
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype, "input")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, x.dtype, "output")
    v.check_multiplier("input_scale / output_scale", output_scale, input_scale)
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    args = (input_scale, input_zero_point, output_scale, output_zero_point, lo, hi)
    if key is not None:
        v.remember(_GLOBAL_AVG_POOL_ARGS, key, args)
    return v.run_into(out, (n, channels), x.dtype, (x,),
                      lambda y: _native.global_avg_pool(x, y, *args))

"""Elementwise operators on quantized arrays of any shape."""
import math

import numpy as np

from . import _native
from . import _validation as v

__all__ = ["add", "channel_shuffle", "clamp", "concatenate", "multiply"]


# Validated (scales, zero points, clamp) of add / multiply calls by (native, dtype, raw
# arguments), for arguments of the exact types whose equal values validate alike.
_BINARY_PARAMS = {}


def _binary(native, a, b, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
            output_zero_point, output_min, output_max, out):
    """The checks and broadcasting add and multiply share."""
    key = None
    if (type(a_scale) is float and type(b_scale) is float and type(output_scale) is float
            and type(a_zero_point) is int and type(b_zero_point) is int
            and type(output_zero_point) is int
            and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)
            and type(a) is np.ndarray and type(b) is np.ndarray):
        key = (native, a.dtype, b.dtype, a_scale, a_zero_point, b_scale, b_zero_point,
               output_scale, output_zero_point, output_min, output_max)
        params = _BINARY_PARAMS.get(key)
        if params is not None:
            if out is None:
                # Same shapes, C-contiguous: the native side makes the output.
                y = native(a, b, None, *params)
                if y is not NotImplemented:
                    return y
            elif type(out) is np.ndarray and out.shape == a.shape == b.shape and \
                    out.dtype == a.dtype:
                try:  # the native side checks the rest first (see v.fast_run)
                    native(a, b, out, *params)
                    return out
                except (TypeError, ValueError):
                    pass
    a = v.q_array(a, "a")
    b = v.q_array(b, "b")
    if a.dtype != b.dtype:
        raise TypeError(f"a and b must have the same dtype, got {a.dtype} and {b.dtype}")
    a_scale, a_zero_point = v.qparams(a_scale, a_zero_point, a.dtype, "a")
    b_scale, b_zero_point = v.qparams(b_scale, b_zero_point, a.dtype, "b")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, a.dtype, "output")
    if native is _native.add:
        # Each term multiplies |x - zero_point| <= 255: an infinite one could meet -inf (NaN).
        v.check_multiplier("a_scale / output_scale", output_scale, a_scale, headroom=255)
        v.check_multiplier("b_scale / output_scale", output_scale, b_scale, headroom=255)
    else:  # one multiplier of the product: finite, it never makes NaN
        v.check_multiplier("a_scale * b_scale / output_scale", output_scale, a_scale, b_scale)
    lo, hi = v.clamp_range(output_min, output_max, a.dtype)
    if key is not None:
        v.remember(_BINARY_PARAMS, key, (a_scale, a_zero_point, b_scale, b_zero_point,
                                         output_scale, output_zero_point, lo, hi))
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"a {a.shape} and b {b.shape} do not broadcast together") from None
    if len(shape) > _native.ADD_MAX_DIMS:
        # Beyond the ABI's rank the native side may be unable to merge axes: broadcast here.
        a, b = (np.ascontiguousarray(np.broadcast_to(t, shape)) for t in (a, b))
    return v.run_into(out, shape, a.dtype, (a, b), lambda y: native(
        a, b, y, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
        output_zero_point, lo, hi))


def add(a, b, *, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
        output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized ``a + b`` with NumPy broadcasting; ``a`` and ``b`` share a dtype (uint8 or
    int8), which the output keeps.

    ``y = (a_scale / output_scale) * (a - a_zero_point) + (b_scale / output_scale) *
    (b - b_zero_point)`` in float32, rounded half to even, plus ``output_zero_point``,
    clamped to ``[output_min, output_max]`` (None: qmin / qmax).
    """
    return _binary(_native.add, a, b, a_scale, a_zero_point, b_scale, b_zero_point,
                   output_scale, output_zero_point, output_min, output_max, out)


def multiply(a, b, *, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
             output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized ``a * b`` with NumPy broadcasting; keywords and dtypes as :func:`add`.

    ``m = float32(float32(a_scale) * float32(b_scale)) / float32(output_scale)``,
    ``y = m * float32((a - a_zero_point) * (b - b_zero_point))`` in float32, rounded half to
    even, plus ``output_zero_point``, clamped (bit-exact, API.md §3).
    """
    return _binary(_native.multiply, a, b, a_scale, a_zero_point, b_scale,
                   b_zero_point, output_scale, output_zero_point, output_min, output_max, out)


# Validated (scales, zero points, output qparams, clamp) by (dtype, count, value_key of
# the qparam arguments).
_CONCATENATE_PARAMS = {}


def concatenate(arrays, axis=-1, *, input_scales, input_zero_points, output_scale,
                output_zero_point, output_min=None, output_max=None, out=None):
    """Joins quantized arrays along ``axis``, requantizing each to the output's qparams.

    ``arrays``: a non-empty sequence of q-arrays of one dtype and rank, equal shapes but on
    ``axis``. ``input_scales`` / ``input_zero_points``: one per array (or one scalar for
    all). Each element becomes ``clamp(rint(float32(q - zp_i) * (float32(s_i) /
    float32(output_scale))) + output_zero_point, lo, hi)`` (API.md §3's requantize; bit-exact);
    arrays already in the output's qparams are copied.
    """
    if isinstance(arrays, np.ndarray) or not hasattr(arrays, "__len__") or len(arrays) == 0:
        raise ValueError("arrays must be a non-empty sequence of arrays")
    xs = [v.q_array(a, f"arrays[{i}]") for i, a in enumerate(arrays)]
    dtype = xs[0].dtype
    for i, a in enumerate(xs):
        if a.dtype != dtype:
            raise TypeError(f"arrays[{i}] has dtype {a.dtype}; every array must be {dtype}")
    ndim = xs[0].ndim
    if ndim == 0:
        raise ValueError("arrays must have at least one dimension")
    axis = v.axis_index(axis, ndim)
    for i, a in enumerate(xs):
        if a.ndim != ndim or a.shape[:axis] + a.shape[axis + 1:] != \
                xs[0].shape[:axis] + xs[0].shape[axis + 1:]:
            raise ValueError(f"arrays[{i}] has shape {a.shape}; all shapes must match "
                             f"{xs[0].shape} except on axis {axis}")
    count = len(xs)
    key = v.value_key((input_scales, input_zero_points, output_scale, output_zero_point,
                       output_min, output_max))
    if key is not None:
        key = (dtype, count, key)
    params = _CONCATENATE_PARAMS.get(key) if key is not None else None
    if params is None:
        scales = v.scale(input_scales, "input_scales", count)
        zero_points = v.zero_point(input_zero_points, "input_zero_points", dtype, count)
        output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, dtype,
                                                    "output")
        v.check_multiplier("input_scales / output_scale", output_scale, scales)
        scales.flags.writeable = zero_points.flags.writeable = False
        params = (scales, zero_points, output_scale, output_zero_point,
                  *v.clamp_range(output_min, output_max, dtype))
        if key is not None:
            v.remember(_CONCATENATE_PARAMS, key, params)
    shape = list(xs[0].shape)
    shape[axis] = sum(a.shape[axis] for a in xs)
    outer = math.prod(shape[:axis])
    return v.run_into(out, shape, dtype, xs, lambda y: _native.concatenate(xs, y, outer, *params))


def channel_shuffle(x, groups, out=None):
    """ShuffleNet's channel shuffle over the last axis (C = groups * k): output channel
    ``j * groups + g`` is input channel ``g * k + j``. Any shape, qparams kept (exact)."""
    x = v.q_array(x, "x")
    groups = v.integer(groups, "groups", 1)
    if x.ndim == 0 or x.shape[-1] == 0 or x.shape[-1] % groups:
        raise ValueError(f"groups ({groups}) must divide the last axis of x (shape {x.shape})")
    return v.run_into(out, x.shape, x.dtype, (x,),
                      lambda y: _native.channel_shuffle(x, y, groups))


_CLAMP_RANGES = {}  # (dtype, output_min, output_max) -> validated (lo, hi)


def clamp(x, output_min, output_max, out=None):
    """Clamps the quantized values of ``x`` to ``[output_min, output_max]`` (None: qmin /
    qmax); dtype and quantization parameters are kept (quantized ReLU / ReLU6)."""
    key = None
    if (type(x) is np.ndarray and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)):
        key = (x.dtype, output_min, output_max)
        bounds = _CLAMP_RANGES.get(key)
        if bounds is not None and (y := v.fast_run(_native.clamp, x, out, x.dtype, x.shape,
                                                   *bounds)) is not None:
            return y
    x = v.q_array(x, "x")
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    if key is not None:
        v.remember(_CLAMP_RANGES, key, (lo, hi))
    return v.run_into(out, x.shape, x.dtype, (x,), lambda y: _native.clamp(x, y, lo, hi))

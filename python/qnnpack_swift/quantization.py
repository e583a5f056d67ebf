"""Quantization helpers (API.md §2): quantize, dequantize, requantize, choose_qparams."""
import math

import numpy as np

from . import _native
from . import _validation as v

__all__ = ["choose_qparams", "dequantize", "quantize", "requantize"]


def _channel_layout(shape, scale, zero_point, dtype, axis):
    """The ABI's [outer, channels, inner] view of `shape` with float32/int32 qparam vectors:
    per tensor when axis is None, else per channel along `axis` (scalars broadcast)."""
    size = math.prod(shape)
    if axis is None:
        scales = np.array([v.scale(scale, "scale")], dtype=v.FLOAT32)
        zero_points = np.array([v.zero_point(zero_point, "zero_point", dtype)], dtype=v.INT32)
        return (1, 1, size), scales, zero_points
    axis = v.axis_index(axis, len(shape))
    channels = shape[axis]
    outer = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1:])
    return ((outer, channels, inner), v.scale(scale, "scale", channels),
            v.zero_point(zero_point, "zero_point", dtype, channels))


# Per-tensor (de)quantize and requantize arguments validated before, by raw value (exact
# Python float scales and int zero points only: equal values of those validate alike).
_PER_TENSOR = {}
_REQUANTIZE = {}
_FLOAT32_EPS = float(np.finfo(np.float32).eps)
_FAST_DTYPES = {np.uint8: v.UINT8, np.int8: v.INT8, v.UINT8: v.UINT8, v.INT8: v.INT8}


def _per_tensor(scale, zero_point, dtype):
    """The cached (float32[1] scales, int32[1] zero points) of a per-tensor call, or None."""
    return _PER_TENSOR.get((dtype, scale, zero_point)) if (
        type(scale) is float and type(zero_point) is int) else None


def _remember_per_tensor(scale, zero_point, dtype, scales, zero_points):
    if type(scale) is float and type(zero_point) is int:
        scales.flags.writeable = zero_points.flags.writeable = False
        v.remember(_PER_TENSOR, (dtype, scale, zero_point), (scales, zero_points))


def quantize(x, scale, zero_point, dtype=np.uint8, axis=None, out=None):
    """Quantizes the float array ``x``: ``clamp(rint(float32(x) / float32(scale)) +
    zero_point, qmin, qmax)``, rounding half to even.

    ``dtype``: uint8 (default) or int8. With ``axis``, ``scale`` / ``zero_point`` may be 1-D
    of length ``x.shape[axis]`` (per channel along ``axis``, negative allowed).
    """
    if axis is None and type(x) is np.ndarray and x.dtype == v.FLOAT32:
        try:
            qdtype = _FAST_DTYPES.get(dtype)
        except TypeError:  # unhashable: q_dtype says why
            qdtype = None
        vectors = _per_tensor(scale, zero_point, qdtype) if qdtype is not None else None
        if vectors is not None and (y := v.fast_run(_native.quantize, x, out, qdtype, x.shape,
                                                     1, 1, x.size, *vectors)) is not None:
            return y
    dtype = v.q_dtype(dtype)
    x = v.float_array(x, "x")
    layout, scales, zero_points = _channel_layout(x.shape, scale, zero_point, dtype, axis)
    if axis is None:
        _remember_per_tensor(scale, zero_point, dtype, scales, zero_points)
    return v.run_into(out, x.shape, dtype, (x,), lambda y: _native.quantize(
        x, y, *layout, scales, zero_points))


def dequantize(q, scale, zero_point, axis=None, out=None):
    """Dequantizes the uint8/int8 array ``q`` to float32: ``float32(scale) *
    float32(q - zero_point)``; per channel along ``axis`` as in :func:`quantize`."""
    if axis is None and type(q) is np.ndarray:
        vectors = _per_tensor(scale, zero_point, q.dtype)
        if vectors is not None and (y := v.fast_run(_native.dequantize, q, out, v.FLOAT32,
                                                     q.shape, 1, 1, q.size, *vectors)) is not None:
            return y
    q = v.q_array(q, "q")
    layout, scales, zero_points = _channel_layout(q.shape, scale, zero_point, q.dtype, axis)
    if axis is None:
        _remember_per_tensor(scale, zero_point, q.dtype, scales, zero_points)
    return v.run_into(out, q.shape, v.FLOAT32, (q,), lambda y: _native.dequantize(
        q, y, *layout, scales, zero_points))


def requantize(q, input_scale, input_zero_point, output_scale, output_zero_point, dtype=None,
               *, output_min=None, output_max=None, out=None):
    """Moves ``q`` to new quantization parameters: ``float32(q - input_zero_point) *
    (float32(input_scale) / float32(output_scale))``, rounded half to even, plus
    ``output_zero_point``, clamped. ``dtype`` (uint8 / int8) defaults to ``q``'s dtype;
    ``output_min`` / ``output_max`` (extension) clamp further."""
    key = None
    if (type(q) is np.ndarray and type(input_scale) is float and type(output_scale) is float
            and type(input_zero_point) is int and type(output_zero_point) is int
            and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)):
        try:
            key = (q.dtype, input_scale, input_zero_point, output_scale, output_zero_point,
                   dtype, output_min, output_max)
            params = _REQUANTIZE.get(key)
        except TypeError:  # an unhashable dtype: q_dtype says why
            key = params = None
        if params is not None and (y := v.fast_run(_native.requantize, q, out, params[0],
                                                   q.shape, *params[1:])) is not None:
            return y
    q = v.q_array(q, "q")
    dtype = q.dtype if dtype is None else v.q_dtype(dtype)
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, q.dtype, "input")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, dtype, "output")
    v.check_multiplier("input_scale / output_scale", output_scale, input_scale)
    lo, hi = v.clamp_range(output_min, output_max, dtype)
    if key is not None:
        v.remember(_REQUANTIZE, key, (dtype, input_scale, input_zero_point, output_scale,
                                      output_zero_point, lo, hi))
    return v.run_into(out, q.shape, dtype, (q,), lambda y: _native.requantize(
        q, y, input_scale, input_zero_point, output_scale, output_zero_point, lo, hi))


def _min_max(x):
    """float32 (min, max) of a float array, or of a (min, max) pair."""
    if isinstance(x, tuple) and len(x) == 2:
        with np.errstate(over="ignore"):
            lo, hi = (np.float32(value) for value in x)
        if not lo <= hi:
            raise ValueError(f"the (min, max) pair must have min <= max, got {x!r}")
    else:
        a = np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"x must be a real array or a (min, max) pair, got dtype {a.dtype}")
        if a.size == 0:
            raise ValueError("x must not be empty")
        with np.errstate(over="ignore"):
            lo, hi = np.float32(a.min()), np.float32(a.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"x must be finite, got min {lo} and max {hi}")
    return lo, hi


def choose_qparams(x, dtype=np.uint8, symmetric=False, reduce_range=False):
    """(scale, zero_point) for ``x`` (a real array, or a ``(min, max)`` pair) exactly as
    ``torch.ao.quantization.MinMaxObserver(dtype, per_tensor_affine or per_tensor_symmetric,
    reduce_range).calculate_qparams()`` gives them, in float32 arithmetic.

    The range always contains 0. ``reduce_range`` uses 0..127 (uint8) or -64..63 (int8);
    symmetric uint8 uses zero point 128, symmetric int8 zero point 0; symmetric uint8 with
    ``reduce_range`` is refused (ValueError), as the observer refuses it.
    """
    dtype = v.q_dtype(dtype)
    if symmetric and reduce_range and dtype == v.UINT8:
        raise ValueError("symmetric uint8 quantization cannot use reduce_range "
                         "(MinMaxObserver refuses it)")
    qmin, qmax = v.qrange(dtype)
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    lo, hi = _min_max(x)
    # float32 arithmetic on Python floats: each operation on float32 values done in float64
    # and rounded once to float32 (v.float32) is the float32 operation.
    min_neg, max_pos = min(float(lo), 0.0), max(float(hi), 0.0)
    if symmetric:
        max_pos = max(-min_neg, max_pos)
        scale = max(v.float32(max_pos / ((qmax - qmin) / 2)), _FLOAT32_EPS)
        zero_point = 128 if dtype == v.UINT8 else 0
    else:
        scale = max(v.float32(v.float32(max_pos - min_neg) / (qmax - qmin)), _FLOAT32_EPS)
        # round() of a float rounds half to even, as np.rint.
        zero_point = min(max(qmin - round(v.float32(min_neg / scale)), qmin), qmax)
    if not math.isfinite(scale):
        raise ValueError(f"the range [{lo}, {hi}] is too wide for a float32 scale")
    return scale, zero_point

"""Argument checks and conversions shared by every operator (API.md §1).

Each rule lives here once: dtypes, scales, zero points, output clamps, weight qparams,
float bias quantization, window sizes and `out=`. Errors name the offending parameter:
a wrong dtype is a TypeError, anything else a ValueError.
"""
import functools
import math
import operator
import struct
import sys

import numpy as np

from . import _native

UINT8 = np.dtype(np.uint8)
INT8 = np.dtype(np.int8)
FLOAT32 = np.dtype(np.float32)
INT32 = np.dtype(np.int32)
_QRANGE = {UINT8: (0, 255), INT8: (-128, 127)}
_NATIVE_DTYPE = {UINT8: _native.DTYPE_UINT8, INT8: _native.DTYPE_INT8}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
# The largest size, stride, padding or count the C ABI takes (a size_t held in a Py_ssize_t).
MAX_SIZE = sys.maxsize
_FLOAT32 = struct.Struct("f")
# Caches of validated arguments keyed by value hold at most this many entries each.
CACHE_SIZE = 256


# ---- dtypes and arrays -------------------------------------------------------------------

def qrange(dtype):
    """(qmin, qmax) of a quantized dtype."""
    return _QRANGE[np.dtype(dtype)]


def native_dtype(dtype):
    """The qnnps_dtype code of uint8 / int8."""
    return _NATIVE_DTYPE[np.dtype(dtype)]


def q_dtype(dtype, name="dtype"):
    """Normalises a dtype argument that must be uint8 or int8."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _QRANGE:
        raise TypeError(f"{name} must be uint8 or int8, got {dtype!r}")
    return dt


def contiguous(a):
    """`a` itself when the library can read it in place, else a C-contiguous copy."""
    if a.flags.c_contiguous and a.flags.aligned and a.dtype.isnative:
        return a
    return np.array(a, dtype=a.dtype.newbyteorder("="), order="C")


def q_array(x, name):
    """A uint8/int8 array (TypeError otherwise, floats included), C-contiguous."""
    a = np.asarray(x)
    if a.dtype not in _QRANGE:
        raise TypeError(f"{name} must be a uint8 or int8 array, got dtype {a.dtype}"
                        + (" (quantize float data first)" if a.dtype.kind == "f" else ""))
    return contiguous(a)


def float_array(x, name):
    """A floating-point array (TypeError otherwise) as C-contiguous float32."""
    a = np.asarray(x)
    if a.dtype.kind != "f":
        raise TypeError(f"{name} must be a floating-point array, got dtype {a.dtype}")
    with np.errstate(over="ignore"):
        return contiguous(a.astype(FLOAT32, copy=False))


def check_weight_dtype(input_dtype, weight_dtype):
    """uint8 activations take uint8 or int8 weights; int8 activations take int8 weights."""
    if np.dtype(input_dtype) == INT8 and np.dtype(weight_dtype) != INT8:
        raise TypeError(f"int8 inputs need int8 weights, got {np.dtype(weight_dtype)} weights")


def check_ndim(a, ndim, name, layout, batch=True):
    """ValueError unless `a` has rank `ndim` and no zero-sized axis (but the first when
    `batch`: an empty batch is allowed)."""
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}, got shape {a.shape}")
    if 0 in a.shape[1 if batch else 0:]:
        raise ValueError(f"{name} {layout} must not have a zero-sized axis"
                         f"{' other than the batch' if batch else ''}, got shape {a.shape}")


# ---- scalars -------------------------------------------------------------------------------

def integer(value, name, minimum=None, maximum=None):
    """A Python int from an integer argument (TypeError otherwise), optionally in
    [minimum, maximum]."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {result}")
    return result


def axis_index(axis, ndim, name="axis"):
    """`axis` (negative counts from the end) as an index in [0, ndim); ValueError otherwise."""
    a = integer(axis, name)
    if not -ndim <= a < ndim:
        raise ValueError(f"{name} {a} is out of range for an array of {ndim} dimensions")
    return a % ndim


def _per_channel(value, name, length, kinds, what):
    """`value` as an array: a scalar when length is None, else a scalar or length-long 1-D."""
    a = np.asarray(value)
    if a.dtype.kind not in kinds:
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if length is None:
        if a.ndim != 0:
            raise ValueError(f"{name} must be a scalar, got shape {a.shape}")
    elif a.ndim > 1 or (a.ndim == 1 and a.shape[0] != length):
        raise ValueError(f"{name} must be a scalar or a 1-D array of length {length}, "
                         f"got shape {a.shape}")
    return a


def float32(value):
    """The Python float `value` rounded to float32 (±inf beyond its range), without NumPy."""
    try:
        return _FLOAT32.unpack(_FLOAT32.pack(value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def scale(value, name, length=None):
    """A positive, finite float32 scale: a Python float (length None) or a float32 array.

    With `length`, `value` may be a scalar or a 1-D array of that length (per channel).
    """
    if length is None and type(value) in (float, int):  # the common case, without NumPy calls
        s = float32(value) if abs(value) < 1e39 else math.inf
        if not (math.isfinite(s) and s > 0):
            raise ValueError(f"{name} must be positive and finite (as float32), got {value!r}")
        return s
    a = _per_channel(value, name, length, "fiu", "a real number")
    with np.errstate(over="ignore", under="ignore"):
        s = a.astype(FLOAT32)
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"{name} must be positive and finite (as float32), got {value!r}")
    if length is None:
        return float(s)
    return np.array(np.broadcast_to(s, (length,)), dtype=FLOAT32)


def zero_point(value, name, dtype, length=None):
    """An integer zero point in [qmin, qmax] of `dtype`: a Python int or an int32 array."""
    qmin, qmax = qrange(dtype)
    if length is None and type(value) is int and qmin <= value <= qmax:
        return value
    # A Python int of any size is an integer: out of range is a ValueError, not a TypeError.
    in_range = not isinstance(value, int) or isinstance(value, bool) or qmin <= value <= qmax
    if in_range:
        a = _per_channel(value, name, length, "iu", "an integer")
        in_range = bool(np.all((a >= qmin) & (a <= qmax)))
    if not in_range:
        raise ValueError(f"{name} must be in [{qmin}, {qmax}] for {np.dtype(dtype)}, got {value!r}")
    if length is None:
        return int(a)
    return np.array(np.broadcast_to(a, (length,)), dtype=INT32)


def qparams(scale_value, zero_point_value, dtype, prefix):
    """Validates the pair `{prefix}_scale`, `{prefix}_zero_point` for `dtype` data."""
    names = f"{prefix}_scale", f"{prefix}_zero_point"
    if scale_value is None and zero_point_value is None:
        raise ValueError(f"{names[0]} and {names[1]} are required")
    if scale_value is None or zero_point_value is None:
        raise ValueError(f"only one of {names[0]} / {names[1]} was given; give both")
    return scale(scale_value, names[0]), zero_point(zero_point_value, names[1], dtype)


def check_multiplier(what, output_scale, *scales, headroom=1):
    """API.md §3's requantization multiplier: the float32 product of `scales` (validated
    scales; one may be a float32 array) divided by float32(output_scale). ValueError naming
    `what` when it, times `headroom` (the largest value it multiplies), overflows float32:
    the output would be undefined there (inf · 0 is NaN)."""
    if type(output_scale) is float and all(type(s) is float for s in scales):  # validated Python floats: float32 math exactly
        m = scales[0]
        for s in scales[1:]:
            m = float32(m * s)  # a product of two float32 values is exact in float64
        if math.isfinite(float32(float32(m / output_scale) * headroom)):
            return  # (float64 division then float32 rounding is float32 division)
    with np.errstate(over="ignore", under="ignore"):
        m = functools.reduce(np.multiply, (np.asarray(s, FLOAT32) for s in scales)) / FLOAT32.type(output_scale)
        if not np.all(np.isfinite(m * FLOAT32.type(headroom))):
            raise ValueError(f"{what} overflows float32 ({np.max(m)}); the output would be undefined")


def clamp_range(output_min, output_max, dtype):
    """The quantized-domain clamp (lo, hi): [output_min, output_max] (None: qmin / qmax)
    intersected with [qmin, qmax] (API.md §3). ValueError when output_min > output_max or
    the range misses [qmin, qmax] entirely."""
    qmin, qmax = qrange(dtype)
    lo = qmin if output_min is None else integer(output_min, "output_min")
    hi = qmax if output_max is None else integer(output_max, "output_max")
    if lo > hi:
        raise ValueError(f"output_min ({lo}) must not exceed output_max ({hi})")
    if lo > qmax or hi < qmin:
        raise ValueError(f"output_min / output_max [{lo}, {hi}] lie outside [{qmin}, {qmax}] "
                         f"of {np.dtype(dtype)}")
    return max(lo, qmin), min(hi, qmax)


# ---- weights and bias -----------------------------------------------------------------------

def weight_qparams(weight_scale, weight_zero_point, weight_dtype, channels):
    """Per-tensor or per-channel weight qparams as (float32[channels], int32[channels])."""
    return (scale(weight_scale, "weight_scale", channels),
            zero_point(weight_zero_point, "weight_zero_point", weight_dtype, channels))


def quantize_bias(bias, input_scale, weight_scales, channels, shape=None):
    """None, or the int32 bias of `shape` (default (channels,); the last axis is the output
    channel); a float bias is quantized as API.md §3 says:
    rint(float32(bias) / float32(float32(input_scale) * float32(weight_scale[c]))),
    clamped to int32."""
    if bias is None:
        return None
    shape = (channels,) if shape is None else tuple(shape)
    b = np.asarray(bias)
    if b.dtype.newbyteorder("=") not in (INT32, FLOAT32, np.dtype(np.float64)):
        raise TypeError(f"bias must be None or an int32, float32 or float64 array, "
                        f"got dtype {b.dtype}")
    if b.shape != shape:
        raise ValueError(f"bias must have shape {shape}, got {b.shape}")
    if b.dtype.kind == "i":  # int32 in either byte order (contiguous() makes it native)
        return contiguous(b)
    with np.errstate(over="ignore", under="ignore"):
        b32 = b.astype(FLOAT32)
        denominator = (np.float32(input_scale) * weight_scales).astype(FLOAT32)
        if np.isnan(b32).any():
            raise ValueError("bias must not contain NaN")
        if not np.all((denominator > 0) & np.isfinite(denominator)):
            raise ValueError("input_scale * weight_scale underflows or overflows float32; "
                             "cannot quantize a float bias")
        q = np.rint(b32 / denominator).astype(np.float64)
    return contiguous(np.clip(q, _INT32_MIN, _INT32_MAX).astype(INT32))  # astype keeps an F order


# ---- windows ----------------------------------------------------------------------------------

def _is_sequence(value):
    return isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 1)


def pair(value, name, minimum=1):
    """An int or a length-2 sequence of ints, each >= minimum, as an (h, w) tuple."""
    if _is_sequence(value):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), got {value!r}")
        return tuple(integer(v, name, minimum, MAX_SIZE) for v in value)
    v = integer(value, name, minimum, MAX_SIZE)
    return v, v


def padding4(value, name="padding"):
    """int, (h, w) or (top, left, bottom, right), each >= 0, as (top, left, bottom, right)."""
    if _is_sequence(value) and len(value) not in (2, 4):
        raise ValueError(f"{name} must be an int, (h, w) or (top, left, bottom, right), "
                         f"got {value!r}")
    if _is_sequence(value) and len(value) == 4:
        return tuple(integer(v, name, 0, MAX_SIZE) for v in value)
    h, w = pair(value, name, 0)
    return h, w, h, w


def window_output_shape(spatial, pads, kernel, stride, dilation, name):
    """(OH, OW) of a window sliding over `spatial` = (H, W) with pads (top, left, bottom,
    right); ValueError naming `name` (the parameter that sets the window) when the dilated
    window is larger than the padded input."""
    shape = []
    for size, before, after, k, s, d in zip(spatial, pads[:2], pads[2:], kernel, stride, dilation):
        effective = (k - 1) * d + 1
        padded = size + before + after
        if padded < effective:
            raise ValueError(f"{name}: the window ({k} taps, {effective} wide with dilation) is "
                             f"larger than the padded input ({size} + padding = {padded})")
        shape.append((padded - effective) // s + 1)
    return tuple(shape)


# ---- outputs --------------------------------------------------------------------------------

def fast_run(native, x, out, dtype, shape, *args):
    """The fast paths' run: `native(x, y, *args)` into a new `y` of `shape` and `dtype`, or
    into `out` when it is an ndarray of exactly those; the native side checks the rest
    (contiguity, alignment, writeability, overlap) before it writes anything. Returns `y`,
    or None when the native side refuses an array: the checked path then says why, or
    goes through a copy or a temporary."""
    if out is None:
        y = np.empty(shape, dtype)
    elif type(out) is np.ndarray and out.shape == shape and out.dtype == dtype:
        y = out
    else:
        return None
    try:
        native(x, y, *args)
    except (TypeError, ValueError):
        return None
    return y


_KEYABLE = (int, float, str, type(None))


def value_key(values):
    """A cache key for validated arguments: `values` (a tuple) with each element's type, so
    that values comparing equal but validating differently (1, 1.0, True) differ; None when
    an element is not None, a Python int, float or str, or a tuple / list of those."""
    key = []
    for x in values:
        t = type(x)
        if t is tuple or t is list:
            x = value_key(x)
            if x is None:
                return None
        elif t not in _KEYABLE:
            return None
        key.append(x)
        key.append(t)
    return tuple(key)


def remember(cache, key, value):
    """Stores a validated result in one of the bounded caches; returns it."""
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def run_into(out, shape, dtype, inputs, run):
    """Checks `out` (None, or a C-contiguous writeable ndarray of `shape` and `dtype`), calls
    `run(output)` unless the output is empty, and returns `out` or the new array.

    When `out` shares memory with one of `inputs`, the result goes through a temporary,
    so no input is ever written while it is read.
    """
    if out is None:
        target = np.empty(shape, dtype)
        if target.size:
            run(target)
        return target
    shape = tuple(shape)
    dtype = np.dtype(dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"out must have dtype {dtype}, got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    if not (out.flags.c_contiguous and out.flags.writeable and out.flags.aligned
            and out.dtype.isnative):
        raise ValueError("out must be a C-contiguous, aligned, writeable array")
    target = out
    if any(np.may_share_memory(out, a) for a in inputs):
        target = np.empty(shape, dtype)
    if target.size:
        run(target)
    if target is not out:
        out[...] = target
    return out

"""Activation functions on quantized arrays of any shape: the lookup-table operators and
softmax (API.md §3: float64 math on the dequantized input, requantized).

The lookup-table operators (sigmoid, tanh, hardsigmoid, hardswish, leaky_relu) evaluate
``f(float64(input_scale) * (q - input_zero_point))`` for all 256 inputs once, when the
native operator is created (cached per parameters), and then gather bytes through the table.
"""
import functools
import math

import numpy as np

from . import _native
from . import _validation as v

__all__ = ["hardsigmoid", "hardswish", "leaky_relu", "sigmoid", "softmax", "tanh"]


def _fixed_qparams(dtype, unit):
    """PyTorch's fixed output qparams: scale unit/256 over [0, 1] (sigmoid, hardsigmoid,
    softmax: unit 1) or [-1, 1] (tanh: unit 2)."""
    if unit == 1:
        return 1.0 / 256, 0 if dtype == v.UINT8 else -128
    return 2.0 / 256, 128 if dtype == v.UINT8 else 0


def _output_qparams(x, output_scale, output_zero_point, fixed_unit):
    """The output (scale, zero point): the explicit pair, or the fixed one when both are None
    and the operator has one."""
    if output_scale is None and output_zero_point is None and fixed_unit is not None:
        return _fixed_qparams(x.dtype, fixed_unit)
    return v.qparams(output_scale, output_zero_point, x.dtype, "output")


@functools.lru_cache(maxsize=64)
def _lookup_operator(dtype_code, function, parameter, input_scale, input_zero_point,
                     output_scale, output_zero_point, lo, hi, kernel_family):
    """The native table operator; `kernel_family` (fixed at create) is part of the key."""
    return _native.lookup_create(dtype_code, function, parameter, input_scale, input_zero_point,
                                 output_scale, output_zero_point, lo, hi)


# The native table run (lookup_run bound to its operator) of a call by (dtype number, function, parameter, raw
# qparams, kernel family), for exact Python float scales and int zero points / bounds (or None). The dtype's number:
# hashing a dtype costs more than the rest of the key.
_LOOKUP_OPERATORS = {}


def _lookup(function, x, parameter, input_scale, input_zero_point, output_scale,
            output_zero_point, output_min, output_max, out, fixed_unit=None):
    key, isa = None, _native.get_isa()
    if (type(x) is np.ndarray and type(input_scale) is float and type(input_zero_point) is int
            and (type(output_scale) is float or output_scale is None)
            and (type(output_zero_point) is int or output_zero_point is None)
            and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)):
        key = (x.dtype.num, function, parameter, input_scale, input_zero_point, output_scale,
               output_zero_point, output_min, output_max, isa)
        run = _LOOKUP_OPERATORS.get(key)
        if run is not None:
            if out is None:
                y = run(x, None)  # a C-contiguous x of the operator's dtype: the output made natively
                if y is not NotImplemented:
                    return y
            elif (y := v.fast_run(run, x, out, x.dtype, x.shape)) is not None:
                return y
    x = v.q_array(x, "x")
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype, "input")
    output_scale, output_zero_point = _output_qparams(x, output_scale, output_zero_point,
                                                      fixed_unit)
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    op = _lookup_operator(v.native_dtype(x.dtype), function, parameter, input_scale,
                          input_zero_point, output_scale, output_zero_point, lo, hi, isa)
    if key is not None:
        v.remember(_LOOKUP_OPERATORS, key, functools.partial(_native.lookup_run, op))
    return v.run_into(out, x.shape, x.dtype, (x,), lambda y: _native.lookup_run(op, x, y))


def sigmoid(x, *, input_scale, input_zero_point, output_scale=None, output_zero_point=None,
            output_min=None, output_max=None, out=None):
    """Quantized logistic sigmoid ``1 / (1 + exp(-x))``; output qparams default to scale 1/256,
    zero point 0 (uint8) or -128 (int8). At most 1 LSB from the float64 definition."""
    return _lookup(_native.LOOKUP_SIGMOID, x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out, fixed_unit=1)


def tanh(x, *, input_scale, input_zero_point, output_scale=None, output_zero_point=None,
         output_min=None, output_max=None, out=None):
    """Quantized hyperbolic tangent; output qparams default to scale 2/256, zero point 128
    (uint8) or 0 (int8). At most 1 LSB from the float64 definition."""
    return _lookup(_native.LOOKUP_TANH, x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out, fixed_unit=2)


def hardsigmoid(x, *, input_scale, input_zero_point, output_scale=None,
                output_zero_point=None, output_min=None, output_max=None, out=None):
    """Quantized ``min(max(x + 3, 0), 6) / 6``; output qparams default as :func:`sigmoid`."""
    return _lookup(_native.LOOKUP_HARDSIGMOID, x, 0.0, input_scale, input_zero_point,
                   output_scale, output_zero_point, output_min, output_max, out, fixed_unit=1)


def hardswish(x, *, input_scale, input_zero_point, output_scale, output_zero_point,
              output_min=None, output_max=None, out=None):
    """Quantized ``x * min(max(x + 3, 0), 6) / 6``."""
    return _lookup(_native.LOOKUP_HARDSWISH, x, 0.0, input_scale, input_zero_point,
                   output_scale, output_zero_point, output_min, output_max, out)


def leaky_relu(x, negative_slope=0.01, *, input_scale, input_zero_point, output_scale,
               output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized ``x if x >= 0 else negative_slope * x`` (``negative_slope`` any finite
    real)."""
    try:
        slope = float(negative_slope)
    except (TypeError, ValueError):
        raise TypeError(f"negative_slope must be a real number, got {negative_slope!r}") from None
    if not math.isfinite(slope):
        raise ValueError(f"negative_slope must be finite, got {negative_slope!r}")
    return _lookup(_native.LOOKUP_LEAKY_RELU, x, slope, input_scale, input_zero_point,
                   output_scale, output_zero_point, output_min, output_max, out)


# Validated native qparams of softmax by (dtype number, raw qparams), for exact Python float scales and int zero points
# / bounds (or None).
_SOFTMAX_PARAMS = {}


def softmax(x, axis=-1, *, input_scale, input_zero_point, output_scale=None,
            output_zero_point=None, output_min=None, output_max=None, out=None):
    """Quantized softmax over ``axis`` (any axis): float64
    ``exp(x_i - max x) / Σ exp(x_j - max x)`` of the dequantized input, divided by the output
    scale, rounded half to even, offset and clamped; at most 1 LSB from that definition.
    Output qparams default to scale 1/256, zero point 0 (uint8) or -128 (int8)."""
    key = None
    if (type(x) is np.ndarray and type(input_scale) is float and type(input_zero_point) is int
            and (type(output_scale) is float or output_scale is None)
            and (type(output_zero_point) is int or output_zero_point is None)
            and (output_min is None or type(output_min) is int)
            and (output_max is None or type(output_max) is int)):
        key = (x.dtype.num, input_scale, input_zero_point, output_scale, output_zero_point,
               output_min, output_max)
        params = _SOFTMAX_PARAMS.get(key)
        if params is not None and out is None and type(axis) is int and -x.ndim <= axis < x.ndim:
            shape, a = x.shape, axis % x.ndim
            try:  # a C-contiguous x: the native side makes the output
                y = _native.softmax(x, None, math.prod(shape[:a]), shape[a],
                                    math.prod(shape[a + 1:]), *params)
                if y is not NotImplemented:
                    return y
            except ValueError:  # an empty axis: the checked path answers
                pass
    x = v.q_array(x, "x")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for softmax")
    axis = v.axis_index(axis, x.ndim)
    params = _SOFTMAX_PARAMS.get(key) if key is not None else None
    if params is None:
        input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype,
                                                  "input")
        params = (input_scale, input_zero_point,
                  *_output_qparams(x, output_scale, output_zero_point, 1),
                  *v.clamp_range(output_min, output_max, x.dtype))
        if key is not None:
            v.remember(_SOFTMAX_PARAMS, key, params)
    outer = math.prod(x.shape[:axis])
    inner = math.prod(x.shape[axis + 1:])
    return v.run_into(out, x.shape, x.dtype, (x,), lambda y: _native.softmax(
        x, y, outer, x.shape[axis], inner, *params))

"""Normalisations of quantized activations (API.md §3: float64 math on the dequantized input
with float affine parameters, then requantized): group_norm, batch_norm2d, layer_norm.

All three run one Swift kernel over a ``[batch, pixels, channels]`` view: batch norm with the
given statistics per channel, group norm with each sample's statistics per group of channels,
layer norm as group norm with one group over the flattened normalized axes.
"""
import math

import numpy as np

from . import _native
from . import _validation as v

__all__ = ["batch_norm2d", "group_norm", "layer_norm"]


def _epsilon(eps):
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise TypeError(f"eps must be a real number, got {eps!r}") from None
    if not (np.isfinite(e) and e >= 0):
        raise ValueError(f"eps must be finite and >= 0, got {eps!r}")
    return e


def _vector(value, name, shape):
    """None, or a C-contiguous float64 copy of a finite real array of exactly `shape`,
    flattened."""
    if value is None:
        return None
    a = np.asarray(value)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real array, got dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite")
    return a


def _normalize(x, view, groups, statistics, gamma, beta, eps, input_scale, input_zero_point,
               output_scale, output_zero_point, output_min, output_max, out):
    """Checks the qparams and runs the native normalisation over x seen as `view`
    (batch, pixels, channels)."""
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype, "input")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, x.dtype,
                                                "output")
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    mean, variance = statistics
    return v.run_into(out, x.shape, x.dtype, (x,), lambda y: _native.normalize(
        x, y, *view, groups, input_scale, input_zero_point, mean, variance, gamma, beta, eps,
        output_scale, output_zero_point, lo, hi))


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Group normalisation of ``x`` ``[N, ..., C]`` (channels last): the C channels form
    ``num_groups`` groups of consecutive channels; each (sample, group) is normalised by the
    mean and biased variance over its channels and every spatial position, then scaled by
    ``gamma[c]`` and shifted by ``beta[c]`` (length C; None: 1 and 0). At most 1 LSB from
    the float64 definition."""
    x = v.q_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must be [N, ..., C] with at least 2 dimensions, got shape {x.shape}")
    channels = x.shape[-1]
    groups = v.integer(num_groups, "num_groups", 1)
    if channels == 0 or channels % groups:
        raise ValueError(f"num_groups ({groups}) must divide the channels C ({channels})")
    if 0 in x.shape[1:]:
        raise ValueError(f"x must not have a zero-sized axis other than the batch, got {x.shape}")
    view = (x.shape[0], math.prod(x.shape[1:-1]), channels)
    return _normalize(x, view, groups, (None, None), _vector(gamma, "gamma", (channels,)),
                      _vector(beta, "beta", (channels,)), _epsilon(eps), input_scale,
                      input_zero_point, output_scale, output_zero_point, output_min,
                      output_max, out)


def batch_norm2d(x, mean, var, gamma=None, beta=None, eps=1e-5, *, input_scale,
                 input_zero_point, output_scale, output_zero_point, output_min=None,
                 output_max=None, out=None):
    """Inference batch normalisation of ``x`` ``[N, H, W, C]`` with the running statistics
    ``mean`` and ``var`` (length C, ``var + eps > 0``) over the last axis:
    ``(x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]`` (None: 1 and 0), fused clamp
    ``output_min`` / ``output_max``. At most 1 LSB from the float64 definition."""
    x = v.q_array(x, "x")
    v.check_ndim(x, 4, "x", "[N, H, W, C]")
    channels = x.shape[-1]
    mean = _vector(mean, "mean", (channels,))
    var = _vector(var, "var", (channels,))
    if mean is None or var is None:
        raise ValueError("mean and var are required")
    eps = _epsilon(eps)
    if not (var + eps > 0).all():
        raise ValueError("var + eps must be > 0 for every channel")
    view = (x.shape[0], x.shape[1] * x.shape[2], channels)
    return _normalize(x, view, 1, (mean, var), _vector(gamma, "gamma", (channels,)),
                      _vector(beta, "beta", (channels,)), eps, input_scale, input_zero_point,
                      output_scale, output_zero_point, output_min, output_max, out)


def layer_norm(x, normalized_shape, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Layer normalisation over the trailing axes ``normalized_shape`` (an int or a tuple equal
    to the end of ``x.shape``): each slice is normalised by its mean and biased variance, then
    scaled by ``gamma`` and shifted by ``beta`` (shape ``normalized_shape``; None: 1 and 0).
    At most 1 LSB from the float64 definition."""
    x = v.q_array(x, "x")
    shape = (normalized_shape,) if np.ndim(normalized_shape) == 0 else tuple(normalized_shape)
    shape = tuple(v.integer(s, "normalized_shape", 1) for s in shape)
    if not shape or len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"normalized_shape {shape} must be the trailing dimensions of x "
                         f"(shape {x.shape})")
    length = math.prod(shape)
    view = (x.size // length, 1, length)
    return _normalize(x, view, 1, (None, None), _vector(gamma, "gamma", shape),
                      _vector(beta, "beta", shape), _epsilon(eps), input_scale,
                      input_zero_point, output_scale, output_zero_point, output_min,
                      output_max, out)

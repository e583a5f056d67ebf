"""Normalisations of quantized activations (API.md §3: float64 math on the dequantized input
with float affine parameters, then requantized): group_norm, batch_norm2d, layer_norm.

These run in NumPy: each is a few vectorised float64 passes over the data.
"""
import numpy as np

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


def _affine(value, name, shape):
    """None, or a float64 array of exactly `shape`."""
    if value is None:
        return None
    a = np.asarray(value)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real array, got dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {a.shape}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite")
    return a


def _prepare(x, input_scale, input_zero_point, output_scale, output_zero_point, output_min,
             output_max):
    x = v.q_array(x, "x")
    input_scale, input_zero_point = v.qparams(input_scale, input_zero_point, x.dtype, "input")
    output = v.qparams(output_scale, output_zero_point, x.dtype, "output")
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    return x, (input_scale, input_zero_point), output, (lo, hi)


def _dequantized(x, input_qparams):
    scale, zero_point = input_qparams
    return np.float64(np.float32(scale)) * (x.astype(np.float64) - zero_point)


def _requantize(y, output_qparams, bounds, dtype):
    """clamp(rint(y / float64(output_scale)) + zero_point, lo, hi); NaN (0/0 with eps 0)
    counts as 0."""
    scale, zero_point = output_qparams
    lo, hi = bounds
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.rint(np.nan_to_num(y / np.float64(np.float32(scale)), nan=0.0)) + zero_point
    return np.clip(q, lo, hi).astype(dtype)


def _scale_shift(r, gamma, beta):
    """r * gamma + beta, each optional."""
    if gamma is not None:
        r = r * gamma
    return r if beta is None else r + beta


def _normalize(centred, variance, eps):
    """centred / sqrt(variance + eps), with 0/0 (eps 0, constant data) as 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return centred / np.sqrt(variance + eps)


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Group normalisation of ``x`` ``[N, ..., C]`` (channels last): the C channels form
    ``num_groups`` groups of consecutive channels; each (sample, group) is normalised by the
    mean and biased variance over its channels and every spatial position, then scaled by
    ``gamma[c]`` and shifted by ``beta[c]`` (length C; None: 1 and 0). At most 1 LSB from
    the float64 definition."""
    x, iq, oq, bounds = _prepare(x, input_scale, input_zero_point, output_scale,
                                 output_zero_point, output_min, output_max)
    if x.ndim < 2:
        raise ValueError(f"x must be [N, ..., C] with at least 2 dimensions, got shape {x.shape}")
    channels = x.shape[-1]
    groups = v.integer(num_groups, "num_groups", 1)
    if channels == 0 or channels % groups:
        raise ValueError(f"num_groups ({groups}) must divide the channels C ({channels})")
    gamma = _affine(gamma, "gamma", (channels,))
    beta = _affine(beta, "beta", (channels,))
    eps = _epsilon(eps)

    def run(y):
        d = _dequantized(x, iq).reshape(x.shape[0], -1, groups, channels // groups)
        mean = d.mean(axis=(1, 3), keepdims=True)
        variance = ((d - mean) ** 2).mean(axis=(1, 3), keepdims=True)
        r = _normalize(d - mean, variance, eps).reshape(x.shape)
        y[...] = _requantize(_scale_shift(r, gamma, beta), oq, bounds, x.dtype)

    return v.run_into(out, x.shape, x.dtype, (x,), run)


def batch_norm2d(x, mean, var, gamma=None, beta=None, eps=1e-5, *, input_scale,
                 input_zero_point, output_scale, output_zero_point, output_min=None,
                 output_max=None, out=None):
    """Inference batch normalisation of ``x`` ``[N, H, W, C]`` with the running statistics
    ``mean`` and ``var`` (length C, ``var + eps > 0``) over the last axis:
    ``(x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]`` (None: 1 and 0), fused clamp
    ``output_min`` / ``output_max``. At most 1 LSB from the float64 definition."""
    x, iq, oq, bounds = _prepare(x, input_scale, input_zero_point, output_scale,
                                 output_zero_point, output_min, output_max)
    v.check_ndim(x, 4, "x", "[N, H, W, C]")
    channels = x.shape[-1]
    mean = _affine(mean, "mean", (channels,))
    var = _affine(var, "var", (channels,))
    if mean is None or var is None:
        raise ValueError("mean and var are required")
    gamma = _affine(gamma, "gamma", (channels,))
    beta = _affine(beta, "beta", (channels,))
    eps = _epsilon(eps)
    if not (var + eps > 0).all():
        raise ValueError("var + eps must be > 0 for every channel")

    def run(y):
        r = (_dequantized(x, iq) - mean) / np.sqrt(var + eps)
        y[...] = _requantize(_scale_shift(r, gamma, beta), oq, bounds, x.dtype)

    return v.run_into(out, x.shape, x.dtype, (x,), run)


def layer_norm(x, normalized_shape, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Layer normalisation over the trailing axes ``normalized_shape`` (an int or a tuple equal
    to the end of ``x.shape``): each slice is normalised by its mean and biased variance, then
    scaled by ``gamma`` and shifted by ``beta`` (shape ``normalized_shape``; None: 1 and 0).
    At most 1 LSB from the float64 definition."""
    x, iq, oq, bounds = _prepare(x, input_scale, input_zero_point, output_scale,
                                 output_zero_point, output_min, output_max)
    shape = (normalized_shape,) if np.ndim(normalized_shape) == 0 else tuple(normalized_shape)
    shape = tuple(v.integer(s, "normalized_shape", 1) for s in shape)
    if not shape or len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"normalized_shape {shape} must be the trailing dimensions of x "
                         f"(shape {x.shape})")
    gamma = _affine(gamma, "gamma", shape)
    beta = _affine(beta, "beta", shape)
    eps = _epsilon(eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))

    def run(y):
        d = _dequantized(x, iq)
        mean = d.mean(axis=axes, keepdims=True)
        variance = ((d - mean) ** 2).mean(axis=axes, keepdims=True)
        r = _normalize(d - mean, variance, eps)
        y[...] = _requantize(_scale_shift(r, gamma, beta), oq, bounds, x.dtype)

    return v.run_into(out, x.shape, x.dtype, (x,), run)

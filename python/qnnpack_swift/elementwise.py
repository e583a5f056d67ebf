"""Elementwise operators on quantized arrays of any shape."""
import numpy as np

from . import _native
from . import _validation as v

__all__ = ["add", "clamp"]


def add(a, b, *, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
        output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized ``a + b`` with NumPy broadcasting; ``a`` and ``b`` share a dtype (uint8 or
    int8), which the output keeps.

    ``y = (a_scale / output_scale) * (a - a_zero_point) + (b_scale / output_scale) *
    (b - b_zero_point)`` in float32, rounded half to even, plus ``output_zero_point``,
    clamped to ``[output_min, output_max]`` (None: qmin / qmax).
    """
    a = v.q_array(a, "a")
    b = v.q_array(b, "b")
    if a.dtype != b.dtype:
        raise TypeError(f"a and b must have the same dtype, got {a.dtype} and {b.dtype}")
    a_scale, a_zero_point = v.qparams(a_scale, a_zero_point, a.dtype, "a")
    b_scale, b_zero_point = v.qparams(b_scale, b_zero_point, a.dtype, "b")
    output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, a.dtype, "output")
    # Each term multiplies |x - zero_point| <= 255: an infinite one could meet -inf (NaN).
    v.check_multiplier("a_scale / output_scale", output_scale, a_scale, headroom=255)
    v.check_multiplier("b_scale / output_scale", output_scale, b_scale, headroom=255)
    lo, hi = v.clamp_range(output_min, output_max, a.dtype)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"a {a.shape} and b {b.shape} do not broadcast together") from None
    if len(shape) > _native.ADD_MAX_DIMS:
        # Beyond the ABI's rank the native side may be unable to merge axes: broadcast here.
        a, b = (np.ascontiguousarray(np.broadcast_to(t, shape)) for t in (a, b))
    return v.run_into(out, shape, a.dtype, (a, b), lambda y: _native.add(
        a, b, y, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
        output_zero_point, lo, hi))


def clamp(x, output_min, output_max, out=None):
    """Clamps the quantized values of ``x`` to ``[output_min, output_max]`` (None: qmin /
    qmax); dtype and quantization parameters are kept (quantized ReLU / ReLU6)."""
    x = v.q_array(x, "x")
    lo, hi = v.clamp_range(output_min, output_max, x.dtype)
    return v.run_into(out, x.shape, x.dtype, (x,), lambda y: _native.clamp(x, y, lo, hi))

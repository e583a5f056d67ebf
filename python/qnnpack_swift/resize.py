"""Spatial resize of NHWC quantized activations (nearest, bilinear); qparams are kept."""
from . import _native
from . import _validation as v

__all__ = ["resize2d"]

_MODES = {"nearest": 0, "bilinear": 1}


def resize2d(x, size, mode="nearest", align_corners=False, out=None):
    """Resizes ``x`` ``[N, H, W, C]`` to ``[N, OH, OW, C]`` with ``size`` = OH (square) or
    ``(OH, OW)``, each >= 1. The output keeps the input's dtype and qparams.

    - ``"nearest"``: PyTorch's index rule, ``src = min(floor(dst * float32(in / out)), in - 1)``
      in float32 (exact).
    - ``"bilinear"``: PyTorch's source coordinates, ``(dst + 0.5) * in/out - 0.5`` clamped at 0
      (half-pixel centres) or ``dst * (in - 1)/(out - 1)`` with ``align_corners=True``, and the
      weighted sum of the 4 neighbours on the quantized values, rounded half to even (float32;
      at most 1 LSB from float64). ``align_corners`` is only for "bilinear".
    """
    x = v.q_array(x, "x")
    v.check_ndim(x, 4, "x", "[N, H, W, C]")
    if mode not in _MODES:
        raise ValueError(f'mode must be "nearest" or "bilinear", got {mode!r}')
    if not isinstance(align_corners, (bool, int)):
        raise TypeError(f"align_corners must be a bool, got {align_corners!r}")
    if align_corners and mode == "nearest":
        raise ValueError('align_corners=True needs mode="bilinear"')
    oh, ow = v.pair(size, "size", 1)
    return v.run_into(out, (x.shape[0], oh, ow, x.shape[3]), x.dtype, (x,),
                      lambda y: _native.resize2d(x, y, _MODES[mode], bool(align_corners)))

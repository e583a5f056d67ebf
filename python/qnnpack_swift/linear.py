"""Fully connected (linear) layer: ``[..., K]`` activations, ``[C_out, K]`` weights; and its
dynamically quantized form (float in, float out)."""
import numpy as np

from . import _native
from . import _validation as v
from ._prepacked import PrepackedOperator
from .quantization import choose_qparams, quantize

__all__ = ["DynamicLinear", "Linear", "dynamic_linear", "linear"]


class Linear(PrepackedOperator):
    """Prepacked quantized fully connected layer: ``Linear(weight, ...)(x)``.

    - ``x``: ``[..., K]`` uint8 or int8 (leading axes are flattened into the batch; any of
      them may be 0); the output is ``[..., C_out]`` of the same dtype.
    - ``weight``: ``[C_out, K]`` (PyTorch's layout), uint8 or int8 (int8 activations need
      int8 weights). ``bias``: None, int32 ``[C_out]`` or float ``[C_out]``.
    - ``weight_scale`` / ``weight_zero_point``: scalars or length ``C_out`` (per channel).
      ``output_min`` / ``output_max``: quantized-domain clamp, None means qmin / qmax.
    - ``input_dtype`` (extension): pins the activation dtype (see :class:`Conv2d`).

    Weights and quantization parameters are validated and prepacked here; the input at each
    call: ``fc(x, out=None)``.
    """

    _weight_ndim = 2
    _weight_layout = "[C_out, K]"

    def __init__(self, weight, bias=None, *, input_scale, input_zero_point, weight_scale,
                 weight_zero_point, output_scale, output_zero_point, output_min=None,
                 output_max=None, input_dtype=None):
        super().__init__(weight, bias, input_scale=input_scale,
                         input_zero_point=input_zero_point, weight_scale=weight_scale,
                         weight_zero_point=weight_zero_point, output_scale=output_scale,
                         output_zero_point=output_zero_point, output_min=output_min,
                         output_max=output_max, input_dtype=input_dtype)
        self.in_features = self._weight.shape[1]
        if len(self._input_dtypes) == 1:
            self._operator(self._input_dtypes[0])

    def _create(self, native_dtype, key, resolved):
        input_zero_point, output_scale, output_zero_point, lo, hi = resolved
        return _native.fully_connected_create(
            native_dtype, (self.in_features, self.output_channels), self._input_scale,
            input_zero_point, self._weight, self._weight_scales, self._weight_zero_points,
            self._bias, output_scale, output_zero_point, lo, hi)

    def __call__(self, x, out=None):
        """Runs the layer on ``x`` ``[..., K]``; returns ``[..., C_out]``."""
        if type(x) is np.ndarray and (y := self._run_planned(x, out)) is not None:
            return y
        x = self._check_input(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape [..., {self.in_features}], got {x.shape}")
        op = self._operator(x.dtype)
        shape = (*x.shape[:-1], self.output_channels)
        if x.ndim == 2:  # [batch, K] runs as it is; other ranks are reshaped on every call
            self._plan(x, shape, _native.fully_connected_run, op)
        rows = x.reshape(-1, self.in_features)
        return v.run_into(out, shape, x.dtype, (x,), lambda y: _native.fully_connected_run(
            op, rows, y.reshape(-1, self.output_channels)))


def linear(x, weight, bias=None, *, input_scale, input_zero_point, weight_scale,
           weight_zero_point, output_scale, output_zero_point, output_min=None,
           output_max=None, out=None):
    """Quantized fully connected layer: ``x`` ``[..., K]``, ``weight`` ``[C_out, K]`` →
    ``[..., C_out]``.

    Same as ``Linear(weight, bias, ...)(x, out=out)``; see :class:`Linear`.
    """
    return Linear(weight, bias, input_scale=input_scale, input_zero_point=input_zero_point,
                  weight_scale=weight_scale, weight_zero_point=weight_zero_point,
                  output_scale=output_scale, output_zero_point=output_zero_point,
                  output_min=output_min, output_max=output_max)(x, out=out)


class DynamicLinear:
    """Prepacked dynamically quantized linear layer (PyTorch's ``nn.quantized.dynamic.Linear``):
    ``DynamicLinear(weight, ...)(x_float32)`` → float32.

    - ``weight``: int8 ``[C_out, K]`` with ``weight_scale`` / ``weight_zero_point`` scalars or
      length ``C_out``; ``bias``: None or float ``[C_out]`` (kept in float32).
    - Each call quantizes ``x`` ``[..., K]`` (float) to uint8 with
      ``(x_scale, x_zp) = choose_qparams(x, uint8, reduce_range=reduce_range)`` (MinMax over
      the whole call) and :func:`quantize`, then returns ``[..., C_out]`` float32::

          acc[n, c] = Σ_k (xq[n, k] - x_zp) * (weight[c, k] - w_zp[c])        (exact integer)
          y[n, c]   = float32(acc) * float32(float32(x_scale) * float32(w_scale[c])) + bias[c]

      every operation a single float32 operation, in that order, without fused multiply-add.
    - ``x`` must be finite; an empty batch gives an empty result.
    """

    def __init__(self, weight, bias=None, *, weight_scale, weight_zero_point, reduce_range=False):
        w = v.q_array(weight, "weight")
        if w.dtype != v.INT8:
            raise TypeError(f"weight must be int8 for dynamic_linear, got {w.dtype}")
        v.check_ndim(w, 2, "weight", "[C_out, K]", batch=False)
        self.out_features, self.in_features = w.shape
        scales, zero_points = v.weight_qparams(weight_scale, weight_zero_point, w.dtype,
                                               self.out_features)
        if bias is not None:
            b = np.asarray(bias)
            if b.dtype.kind != "f":
                raise TypeError(f"bias must be None or a float array, got dtype {b.dtype}")
            if b.shape != (self.out_features,):
                raise ValueError(f"bias must have shape ({self.out_features},), got {b.shape}")
            bias = b.astype(v.FLOAT32)
        self._bias = bias
        self.reduce_range = bool(reduce_range)
        self._op = _native.dynamic_fully_connected_create(w, scales, zero_points)

    def __call__(self, x, out=None):
        """Runs the layer on float ``x`` ``[..., K]``; returns float32 ``[..., C_out]``."""
        x = v.float_array(x, "x")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape [..., {self.in_features}], got {x.shape}")
        rows = x.reshape(-1, self.in_features)
        shape = (*x.shape[:-1], self.out_features)

        def run(y):
            if not np.isfinite(rows).all():
                raise ValueError("x must be finite for dynamic quantization")
            scale, zero_point = choose_qparams(rows, np.uint8, reduce_range=self.reduce_range)
            xq = quantize(rows, scale, zero_point, np.uint8)
            flat = y.reshape(-1, self.out_features)
            _native.dynamic_fully_connected_run(self._op, xq, flat, scale, zero_point)
            if self._bias is not None:
                np.add(flat, self._bias, out=flat)

        return v.run_into(out, shape, v.FLOAT32, (x,), run)


def dynamic_linear(x_float32, weight, bias=None, *, weight_scale, weight_zero_point,
                   reduce_range=False, out=None):
    """Dynamically quantized linear layer: float ``x`` ``[..., K]``, int8 ``weight``
    ``[C_out, K]`` → float32 ``[..., C_out]``.

    Same as ``DynamicLinear(weight, bias, ...)(x_float32, out=out)``; see
    :class:`DynamicLinear` for the exact definition.
    """
    return DynamicLinear(weight, bias, weight_scale=weight_scale,
                         weight_zero_point=weight_zero_point,
                         reduce_range=reduce_range)(x_float32, out=out)

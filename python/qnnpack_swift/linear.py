"""Fully connected (linear) layer: ``[..., K]`` activations, ``[C_out, K]`` weights."""
from . import _native
from . import _validation as v
from ._prepacked import PrepackedOperator

__all__ = ["Linear", "linear"]


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
        x = self._check_input(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape [..., {self.in_features}], got {x.shape}")
        op = self._operator(x.dtype)
        rows = x.reshape(-1, self.in_features)
        return v.run_into(out, (*x.shape[:-1], self.output_channels), x.dtype, (x,),
                          lambda y: _native.fully_connected_run(
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

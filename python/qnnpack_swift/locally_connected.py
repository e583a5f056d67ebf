"""Locally connected 2-D layer: a convolution with its own weights at every output pixel."""
import numpy as np

from . import _native
from . import _validation as v
from ._prepacked import PrepackedOperator

__all__ = ["LocallyConnected2d", "locally_connected2d"]


class LocallyConnected2d(PrepackedOperator):
    """Prepacked quantized locally connected layer: ``LocallyConnected2d(weight, ...)(x)``.

    - ``x``: ``[N, H, W, C_in]`` uint8 or int8 whose window output size (as for
      :class:`Conv2d` with this kernel, stride, padding and dilation) is the weights'
      ``(OH, OW)``; the output is ``[N, OH, OW, C_out]`` of the same dtype.
    - ``weight``: ``[OH, OW, C_out, KH, KW, C_in]``: pixel ``(oh, ow)`` convolves with
      ``weight[oh, ow]`` (OHWI). ``bias``: None, int32 or float ``[OH, OW, C_out]``.
    - Exactly: ``acc[n, oh, ow, oc] = bias_q[oh, ow, oc] + Σ (x[n, ih, iw, ic] - x_zp) *
      (weight[oh, ow, oc, kh, kw, ic] - w_zp[oc])`` with ``ih = oh*stride_h - pad_top +
      kh*dilation_h`` (outside the input contributes 0), then API.md §3's requantization.
    - ``weight_scale`` / ``weight_zero_point``: scalars or length ``C_out``. ``stride``,
      ``dilation``: int or ``(h, w)``; ``padding``: int, ``(h, w)`` or
      ``(top, left, bottom, right)``. ``output_min`` / ``output_max``, ``input_dtype``: as
      :class:`Conv2d`.
    """

    _weight_ndim = 6
    _weight_layout = "[OH, OW, C_out, KH, KW, C_in]"
    _channel_axis = 2

    def __init__(self, weight, bias=None, *, stride=1, padding=0, dilation=1, input_scale,
                 input_zero_point, weight_scale, weight_zero_point, output_scale,
                 output_zero_point, output_min=None, output_max=None, input_dtype=None):
        super().__init__(weight, bias, input_scale=input_scale,
                         input_zero_point=input_zero_point, weight_scale=weight_scale,
                         weight_zero_point=weight_zero_point, output_scale=output_scale,
                         output_zero_point=output_zero_point, output_min=output_min,
                         output_max=output_max, input_dtype=input_dtype)
        self.output_size = self._weight.shape[:2]
        self.kernel_size = self._weight.shape[3:5]
        self.in_channels = self._weight.shape[5]
        self.stride = v.pair(stride, "stride")
        self.dilation = v.pair(dilation, "dilation")
        self.padding = v.padding4(padding)
        if len(self._input_dtypes) == 1:
            self._operator(self._input_dtypes[0])

    def _create(self, native_dtype, key, resolved):
        input_zero_point, output_scale, output_zero_point, lo, hi = resolved
        sizes = (*self.output_size, self.in_channels, self.output_channels, *self.kernel_size,
                 *self.stride, *self.dilation, *self.padding)
        return _native.locally_connected2d_create(
            native_dtype, sizes, self._input_scale, input_zero_point, self._weight,
            self._weight_scales, self._weight_zero_points, self._bias, output_scale,
            output_zero_point, lo, hi)

    def __call__(self, x, out=None):
        """Runs the layer on ``x`` ``[N, H, W, C_in]``; returns ``[N, OH, OW, C_out]``."""
        if type(x) is np.ndarray and (y := self._run_planned(x, out)) is not None:
            return y
        x, n, height, width = self._check_nhwc(x)
        size = v.window_output_shape((height, width), self.padding, self.kernel_size, self.stride,
                                     self.dilation, "weight")
        if size != tuple(self.output_size):
            raise ValueError(f"x of {height}x{width} gives a {size[0]}x{size[1]} output, but the "
                             f"weights are for {self.output_size[0]}x{self.output_size[1]}")
        op = self._operator(x.dtype)
        shape = (n, *size, self.output_channels)
        self._plan(x, shape, _native.locally_connected2d_run, op)
        return v.run_into(out, shape, x.dtype, (x,),
                          lambda y: _native.locally_connected2d_run(op, x, y))


def locally_connected2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, input_scale,
                        input_zero_point, weight_scale, weight_zero_point, output_scale,
                        output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized locally connected layer: ``x`` ``[N, H, W, C_in]``, ``weight``
    ``[OH, OW, C_out, KH, KW, C_in]``, ``bias`` ``[OH, OW, C_out]`` → ``[N, OH, OW, C_out]``.

    Same as ``LocallyConnected2d(weight, bias, ...)(x, out=out)``; see
    :class:`LocallyConnected2d`.
    """
    return LocallyConnected2d(weight, bias, stride=stride, padding=padding, dilation=dilation,
                              input_scale=input_scale, input_zero_point=input_zero_point,
                              weight_scale=weight_scale, weight_zero_point=weight_zero_point,
                              output_scale=output_scale, output_zero_point=output_zero_point,
                              output_min=output_min, output_max=output_max)(x, out=out)

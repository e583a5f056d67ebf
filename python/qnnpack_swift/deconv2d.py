"""2-D transposed convolution (PyTorch's ConvTranspose2d), NHWC activations, OHWI weights."""
from . import _native
from . import _validation as v
from .conv2d import Conv2d

__all__ = ["ConvTranspose2d", "conv_transpose2d"]


class ConvTranspose2d(Conv2d):
    """Prepacked quantized 2-D transposed convolution: ``ConvTranspose2d(weight, ...)(x)``.

    - ``x``: ``[N, H, W, C_in]`` uint8 or int8 (NHWC); the output is ``[N, OH, OW, C_out]``
      of the same dtype with
      ``OH = (H - 1)*stride_h - pad_top - pad_bottom + dilation_h*(KH - 1) + output_padding_h + 1``
      (likewise OW).
    - ``weight``: ``[C_out, KH, KW, C_in / groups]`` (OHWI, like :class:`Conv2d`). From a
      PyTorch ConvTranspose2d weight ``w_pt`` of shape ``[C_in, C_out/groups, KH, KW]``::

          cig, cog = C_in // groups, w_pt.shape[1]
          weight = (w_pt.reshape(groups, cig, cog, KH, KW)
                        .transpose(0, 2, 3, 4, 1).reshape(groups * cog, KH, KW, cig))

      i.e. ``weight[g*cog + oc, kh, kw, ic] = w_pt[g*cig + ic, oc, kh, kw]``.
    - Exactly: ``acc[n, oy, ox, oc] = bias_q[oc] + Σ (x[n, iy, ix, g*cig + ic] - x_zp) *
      (weight[oc, kh, kw, ic] - w_zp[oc])`` over every ``(iy, kh)`` with
      ``oy = iy*stride_h - pad_top + kh*dilation_h`` (likewise x), then API.md §3's
      requantization.
    - ``stride``, ``dilation``, ``output_padding``: int or ``(h, w)``; ``output_padding`` must
      be smaller than ``max(stride, dilation)`` per axis (PyTorch's rule). ``padding``: int,
      ``(h, w)`` or ``(top, left, bottom, right)``.
    - ``bias``, qparams, ``output_min`` / ``output_max``, ``input_dtype``: as :class:`Conv2d`;
      calling it runs the transposed convolution on ``x`` ``[N, H, W, C_in]``.
    """

    def __init__(self, weight, bias=None, *, stride=1, padding=0, output_padding=0, dilation=1,
                 groups=1, input_scale, input_zero_point, weight_scale, weight_zero_point,
                 output_scale, output_zero_point, output_min=None, output_max=None,
                 input_dtype=None):
        # Checked before Conv2d's constructor, which may create the native operator.
        if isinstance(padding, str):
            raise ValueError(f"padding must be an int, (h, w) or (top, left, bottom, right) for "
                             f"a transposed convolution, got {padding!r}")
        self.output_padding = v.pair(output_padding, "output_padding", 0)
        for op, s, d in zip(self.output_padding, v.pair(stride, "stride"),
                            v.pair(dilation, "dilation")):
            if op >= max(s, d):
                raise ValueError(f"output_padding {self.output_padding} must be smaller than "
                                 f"max(stride, dilation) per axis (stride {stride}, "
                                 f"dilation {dilation})")
        super().__init__(weight, bias, stride=stride, padding=v.padding4(padding),
                         dilation=dilation, groups=groups, input_scale=input_scale,
                         input_zero_point=input_zero_point, weight_scale=weight_scale,
                         weight_zero_point=weight_zero_point, output_scale=output_scale,
                         output_zero_point=output_zero_point, output_min=output_min,
                         output_max=output_max, input_dtype=input_dtype)

    def _output_size(self, height, width, pads):
        """(OH, OW) for an input of height × width; ValueError when either is below 1."""
        size = []
        for n, k, s, d, op, before, after in zip((height, width), self.kernel_size, self.stride,
                                                 self.dilation, self.output_padding,
                                                 pads[:2], pads[2:]):
            size.append((n - 1) * s - before - after + d * (k - 1) + op + 1)
        if min(size) < 1:
            raise ValueError(f"padding {pads} leaves no output for an input of "
                             f"{height}x{width} (output size {tuple(size)})")
        return tuple(size)

    def _create(self, native_dtype, pads, resolved):
        input_zero_point, output_scale, output_zero_point, lo, hi = resolved
        c_out, kh, kw, group_input_channels = self._weight.shape
        sizes = (self.groups, group_input_channels, c_out // self.groups, kh, kw, *self.stride,
                 *self.dilation, *pads, *self.output_padding)
        return _native.deconv2d_create(
            native_dtype, sizes, self._input_scale, input_zero_point,
            self._weight, self._weight_scales, self._weight_zero_points, self._bias,
            output_scale, output_zero_point, lo, hi)


def conv_transpose2d(x, weight, bias=None, *, stride=1, padding=0, output_padding=0,
                     dilation=1, groups=1, input_scale, input_zero_point, weight_scale,
                     weight_zero_point, output_scale, output_zero_point, output_min=None,
                     output_max=None, out=None):
    """Quantized 2-D transposed convolution, NHWC: ``x`` ``[N, H, W, C_in]``, ``weight``
    ``[C_out, KH, KW, C_in/groups]`` → ``[N, OH, OW, C_out]``.

    Same as ``ConvTranspose2d(weight, bias, ...)(x, out=out)``; see :class:`ConvTranspose2d`
    for the parameters, the output size and the conversion of PyTorch's
    ``[C_in, C_out/groups, KH, KW]`` weights.
    """
    return ConvTranspose2d(weight, bias, stride=stride, padding=padding,
                           output_padding=output_padding, dilation=dilation, groups=groups,
                           input_scale=input_scale, input_zero_point=input_zero_point,
                           weight_scale=weight_scale, weight_zero_point=weight_zero_point,
                           output_scale=output_scale, output_zero_point=output_zero_point,
                           output_min=output_min, output_max=output_max)(x, out=out)

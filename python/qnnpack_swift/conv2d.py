"""2-D convolution (also grouped and depthwise), NHWC activations, OHWI weights."""
import numpy as np

from . import _native
from . import _validation as v
from ._prepacked import PrepackedOperator

__all__ = ["Conv2d", "conv2d"]


class Conv2d(PrepackedOperator):
    """Prepacked quantized 2-D convolution: ``Conv2d(weight, ...)(x)``.

    - ``x``: ``[N, H, W, C_in]`` uint8 or int8 (NHWC); the output is
      ``[N, OH, OW, C_out]`` of the same dtype.
    - ``weight``: ``[C_out, KH, KW, C_in / groups]`` (OHWI), uint8 or int8 (int8 activations
      need int8 weights). From a PyTorch weight ``w`` of shape ``[C_out, C_in/groups, KH, KW]``
      use ``w.transpose(0, 2, 3, 1)``.
    - ``bias``: None, int32 ``[C_out]`` (scale ``input_scale * weight_scale[c]``) or float
      ``[C_out]`` (quantized here).
    - ``stride``, ``dilation``: int or ``(h, w)``. ``padding``: int, ``(h, w)``,
      ``(top, left, bottom, right)``, ``"valid"`` or ``"same"`` (TensorFlow SAME: the extra
      row/column goes to the bottom/right). Depthwise: ``groups == C_in``.
    - ``weight_scale`` / ``weight_zero_point``: scalars (per tensor) or length ``C_out``
      (per channel). ``output_min`` / ``output_max`` clamp in the quantized domain
      (fused ReLU / ReLU6); None means qmin / qmax.
    - ``input_dtype`` (extension): pins the activation dtype. Otherwise int8 weights accept
      uint8 and int8 activations and the native operator for each is created on first use.

    Weights and quantization parameters are validated and prepacked here; the input at each
    call: ``conv(x, out=None)``.
    """

    _weight_ndim = 4
    _weight_layout = "[C_out, KH, KW, C_in/groups]"

    def __init__(self, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1,
                 input_scale, input_zero_point, weight_scale, weight_zero_point,
                 output_scale, output_zero_point, output_min=None, output_max=None,
                 input_dtype=None):
        super().__init__(weight, bias, input_scale=input_scale,
                         input_zero_point=input_zero_point, weight_scale=weight_scale,
                         weight_zero_point=weight_zero_point, output_scale=output_scale,
                         output_zero_point=output_zero_point, output_min=output_min,
                         output_max=output_max, input_dtype=input_dtype)
        self.groups = v.integer(groups, "groups", 1, v.MAX_SIZE)
        if self.output_channels % self.groups:
            raise ValueError(f"groups ({self.groups}) must divide C_out ({self.output_channels})")
        self.kernel_size = self._weight.shape[1:3]
        self.in_channels = self.groups * self._weight.shape[3]
        self.stride = v.pair(stride, "stride")
        self.dilation = v.pair(dilation, "dilation")
        if isinstance(padding, str):
            if padding.lower() not in ("same", "valid"):
                raise ValueError(
                    f'padding must be an int, a tuple, "same" or "valid", got {padding!r}')
            self.padding = "same" if padding.lower() == "same" else (0, 0, 0, 0)
        else:
            self.padding = v.padding4(padding)
        if self.padding != "same" and len(self._input_dtypes) == 1:
            self._operator(self._input_dtypes[0], self.padding)

    def _pads(self, height, width):
        """(top, left, bottom, right) for an input of this size."""
        if self.padding != "same":
            return self.padding
        pads = []
        for size, k, s, d in zip((height, width), self.kernel_size, self.stride, self.dilation):
            total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return top, left, bottom, right

    def _output_size(self, height, width, pads):
        return v.window_output_shape((height, width), pads, self.kernel_size, self.stride,
                                     self.dilation, "weight")

    def _create(self, native_dtype, pads, resolved):
        input_zero_point, output_scale, output_zero_point, lo, hi = resolved
        c_out, kh, kw, group_input_channels = self._weight.shape
        sizes = (self.groups, group_input_channels, c_out // self.groups, kh, kw, *self.stride,
                 *self.dilation, *pads)
        return _native.conv2d_create(
            native_dtype, sizes, self._input_scale, input_zero_point,
            self._weight, self._weight_scales, self._weight_zero_points, self._bias,
            output_scale, output_zero_point, lo, hi)

    def __call__(self, x, out=None):
        """Runs the convolution on ``x`` ``[N, H, W, C_in]``; returns ``[N, OH, OW, C_out]``."""
        if type(x) is np.ndarray and (y := self._run_planned(x, out)) is not None:
            return y
        x, n, height, width = self._check_nhwc(x)
        pads = self._pads(height, width)
        size = self._output_size(height, width, pads)
        op = self._operator(x.dtype, pads)
        shape = (n, *size, self.output_channels)
        self._plan(x, shape, _native.conv2d_run, op)
        return v.run_into(out, shape, x.dtype, (x,), lambda y: _native.conv2d_run(op, x, y))


def conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1,
           input_scale, input_zero_point, weight_scale, weight_zero_point,
           output_scale, output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized 2-D convolution, NHWC: ``x`` ``[N, H, W, C_in]``, ``weight``
    ``[C_out, KH, KW, C_in/groups]`` → ``[N, OH, OW, C_out]``.

    Same as ``Conv2d(weight, bias, ...)(x, out=out)``; see :class:`Conv2d` for the
    parameters. Prefer the class when running the same weights more than once.
    """
    return Conv2d(weight, bias, stride=stride, padding=padding, dilation=dilation,
                  groups=groups, input_scale=input_scale, input_zero_point=input_zero_point,
                  weight_scale=weight_scale, weight_zero_point=weight_zero_point,
                  output_scale=output_scale, output_zero_point=output_zero_point,
                  output_min=output_min, output_max=output_max)(x, out=out)

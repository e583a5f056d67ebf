"""QLinearConv (and the QDQ Conv pattern, rewritten to it) → a prepacked qs.Conv2d.

ONNX convolutions are NCHW with OIHW weights; the weights are repacked once to OHWI and
the input is read as NHWC (transposed only where the model's layout is NCHW, i.e. at its
edges).
"""
import numpy as np

from .. import Conv2d
from . import _layout
from ._step import Reused, describe_clamp, prepack, register, single_output, unsupported


def window_attributes(node, ctx, kernel):
    """(strides, dilations, pads (top, left, bottom, right) or "same") of an NCHW 2-D
    convolution or pooling node; NotImplementedError for what qnnpack_swift cannot do."""
    strides = tuple(ctx.attr(node, "strides", (1, 1)))
    dilations = tuple(ctx.attr(node, "dilations", (1, 1)))
    auto_pad = ctx.attr(node, "auto_pad", "NOTSET")
    if len(strides) != 2 or len(dilations) != 2:
        raise ValueError(f"{node.describe()}: strides and dilations must have 2 values for a "
                         f"2-D window, got {strides} and {dilations}")
    if auto_pad in ("NOTSET", ""):
        pads = tuple(ctx.attr(node, "pads", (0, 0, 0, 0)))
        if len(pads) != 4 or min(pads) < 0:
            raise ValueError(f"{node.describe()}: pads must be 4 values >= 0, got {pads}")
    elif auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    elif auto_pad == "SAME_UPPER":
        pads = "same"  # TensorFlow SAME: the extra row / column at the end, as qs does
    else:
        raise unsupported(node, f"auto_pad={auto_pad!r} is not supported "
                                f"(NOTSET, VALID and SAME_UPPER are)")
    if len(kernel) != 2:
        raise unsupported(node, f"only 2-D windows are supported, kernel_shape is {kernel}")
    return strides, dilations, pads


def describe_window(kernel, strides, pads, dilations):
    text = f"{kernel[0]}x{kernel[1]}"
    if strides != (1, 1):
        text += f" s{strides[0]}" if strides[0] == strides[1] else f" s{strides}"
    if pads == "same":
        text += " pad same"
    elif any(pads):
        text += f" pad {pads[0]}" if len(set(pads)) == 1 else f" pad {pads}"
    if dilations != (1, 1):
        text += f" d{dilations}"
    return text


@register("QLinearConv")
def build_qlinear_conv(node, ctx):
    single_output(node)
    x, x_info = ctx.quantized(node, 0, "x")
    if x_info.rank != 4:
        raise unsupported(node, f"only 2-D convolutions (4-D x) are supported, x has rank "
                                f"{x_info.rank}")
    w = ctx.constant(node, 3, "w", required=True)
    if w.dtype not in (np.uint8, np.int8) or w.ndim != 4:
        raise ValueError(f"{node.describe()}: w must be a 4-D uint8 or int8 tensor "
                         f"[M, C/group, kH, kW], got {w.dtype} {w.shape}")
    c_out = w.shape[0]
    x_scale, x_zp, x_dtype = ctx.qparams(node, 1, 2, "x")
    w_scale, w_zp, w_dtype = ctx.qparams(node, 4, 5, "w", channels=c_out)
    y_scale, y_zp, y_dtype = ctx.qparams(node, 6, 7, "y")
    if w_dtype != w.dtype:
        raise ValueError(f"{node.describe()}: w is {w.dtype} but its zero point is {w_dtype}")
    if x_dtype != x_info.dtype or y_dtype != x_info.dtype:
        raise unsupported(node, f"x ({x_info.dtype}), its zero point ({x_dtype}) and y's zero "
                                f"point ({y_dtype}) must share one dtype")
    bias = ctx.constant(node, 8, "B")
    if bias is not None and (bias.dtype != np.int32 or bias.shape != (c_out,)):
        raise ValueError(f"{node.describe()}: B must be int32 [{c_out}], got {bias.dtype} "
                         f"{bias.shape}")
    kernel = tuple(ctx.attr(node, "kernel_shape", w.shape[2:]))
    if kernel != w.shape[2:]:
        raise ValueError(f"{node.describe()}: kernel_shape {kernel} does not match w "
                         f"{w.shape}")
    strides, dilations, pads = window_attributes(node, ctx, kernel)
    group = ctx.attr(node, "group", 1)
    lo, hi = ctx.clamp(node, x_info.dtype)
    conv = prepack(node, Conv2d, np.ascontiguousarray(w.transpose(0, 2, 3, 1)), bias,
                   stride=strides, padding=pads, dilation=dilations, groups=group,
                   input_scale=x_scale, input_zero_point=x_zp, weight_scale=w_scale,
                   weight_zero_point=w_zp, output_scale=y_scale, output_zero_point=y_zp,
                   output_min=lo, output_max=hi, input_dtype=x_info.dtype)
    reuse = Reused()

    def run(a):
        return reuse(a.shape, lambda out: conv(a, out=out))

    c_in = conv.in_channels
    kind = ("depthwise " if group == c_in and group > 1 else
            f"groups {group} " if group > 1 else "")
    per = "per-channel" if np.ndim(w_scale) else "per-tensor"
    runs = (f"qs.Conv2d {kind}{describe_window(kernel, strides, pads, dilations)} "
            f"{c_in}->{c_out} ({w.dtype} {per} weights{describe_clamp(lo, hi)})")
    return ctx.step(node, [(x, _layout.NHWC)], run, x_info.dtype, 4, _layout.NHWC, runs)

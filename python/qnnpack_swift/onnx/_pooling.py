"""Pooling: MaxPool on quantized tensors, com.microsoft QLinearAveragePool and
QLinearGlobalAveragePool (and the QDQ patterns around AveragePool / GlobalAveragePool)
→ qs.max_pool2d, qs.avg_pool2d, qs.global_avg_pool2d over NHWC."""
from .. import avg_pool2d, global_avg_pool2d, max_pool2d
from . import _layout
from ._conv import describe_window, window_attributes
from ._step import Reused, describe_clamp, register, single_output, unsupported


def _layouts(node, ctx, x_info):
    """(perm the input is read in, perm of the output): NHWC for NCHW nodes, the identity
    for com.microsoft nodes with channels_last=1 (their tensors are NHWC already)."""
    if x_info.rank != 4:
        raise unsupported(node, f"only 2-D pooling (4-D input) is supported, the input has "
                                f"rank {x_info.rank}")
    return (_layout.identity(4),) * 2 if ctx.attr(node, "channels_last", 0) else (_layout.NHWC,) * 2


def _window(node, ctx):
    """(kernel, strides, pads, dilations) of a pooling node, checked against what qs
    pooling accepts (pads at most half the window, no ceil_mode)."""
    kernel = tuple(ctx.attr(node, "kernel_shape", ()))
    if not kernel:
        raise ValueError(f"{node.describe()}: the kernel_shape attribute is required")
    strides, dilations, pads = window_attributes(node, ctx, kernel)
    if pads == "same":
        raise unsupported(node, "auto_pad=SAME_UPPER is not supported for pooling")
    for pad, k, d in zip(pads, kernel * 2, dilations * 2):
        if pad > ((k - 1) * d + 1) // 2:
            raise unsupported(node, f"pads {pads} exceed half the window {kernel}")
    return kernel, strides, pads, dilations


def _check_ceil_mode(node, ctx, kernel, strides, pads, dilations):
    """A run-time check: ceil_mode=1 is supported where it gives floor's output size."""
    if not ctx.attr(node, "ceil_mode", 0):
        return lambda shape: None

    def check(shape):
        for size, k, s, d, before, after in zip(shape[1:3], kernel, strides, dilations,
                                                 pads[:2], pads[2:]):
            span = size + before + after - ((k - 1) * d + 1)
            if span % s:
                raise unsupported(node, f"ceil_mode=1 changes the output size for input "
                                        f"{shape} (only floor sizes are supported)")
    return check


@register("MaxPool")
def build_max_pool(node, ctx):
    single_output(node)
    x, x_info = ctx.quantized(node, 0, "X")
    perm, out_perm = _layouts(node, ctx, x_info)
    kernel, strides, pads, dilations = _window(node, ctx)
    check = _check_ceil_mode(node, ctx, kernel, strides, pads, dilations)
    lo, hi = ctx.clamp(node, x_info.dtype)
    reuse = Reused()

    def run(a):
        check(a.shape)
        return reuse(a.shape, lambda out: max_pool2d(a, kernel, strides, pads, dilations,
                                                     output_min=lo, output_max=hi, out=out))

    runs = f"qs.max_pool2d {describe_window(kernel, strides, pads, dilations)}{describe_clamp(lo, hi)}"
    return ctx.step(node, [(x, perm)], run, x_info.dtype, 4, out_perm, runs)


@register("QLinearAveragePool", domain="com.microsoft")
def build_qlinear_average_pool(node, ctx):
    single_output(node)
    x, x_info = ctx.quantized(node, 0, "X")
    perm, out_perm = _layouts(node, ctx, x_info)
    kernel, strides, pads, dilations = _window(node, ctx)
    if dilations != (1, 1):
        raise unsupported(node, "dilated average pooling is not supported")
    check = _check_ceil_mode(node, ctx, kernel, strides, pads, dilations)
    include_pad = bool(ctx.attr(node, "count_include_pad", 0))
    params, clamp = ctx.io_qparams(node, x_info.dtype)
    reuse = Reused()

    def run(a):
        check(a.shape)
        return reuse(a.shape, lambda out: avg_pool2d(
            a, kernel, strides, pads, count_include_pad=include_pad, **params, out=out))

    runs = (f"qs.avg_pool2d {describe_window(kernel, strides, pads, dilations)}"
            f"{', count_include_pad' if include_pad else ''}{clamp}")
    return ctx.step(node, [(x, perm)], run, x_info.dtype, 4, out_perm, runs)


@register("QLinearGlobalAveragePool", domain="com.microsoft")
def build_qlinear_global_average_pool(node, ctx):
    single_output(node)
    x, x_info = ctx.quantized(node, 0, "X")
    perm, out_perm = _layouts(node, ctx, x_info)
    params, clamp = ctx.io_qparams(node, x_info.dtype)
    reuse = Reused()

    def run(a):
        n, _, _, c = a.shape
        # qs gives [N, C]: as NHWC that is [N, 1, 1, C], the same memory.
        return reuse(a.shape, lambda out: global_avg_pool2d(a, **params, out=out)).reshape(
            n, 1, 1, c)

    spatial = (1, 2) if ctx.attr(node, "channels_last", 0) else (2, 3)
    return ctx.step(node, [(x, perm)], run, x_info.dtype, 4, out_perm,
                    f"qs.global_avg_pool2d{clamp}", ones=spatial)

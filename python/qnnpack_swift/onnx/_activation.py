"""Activations: Relu / Clip (qs.clamp on quantized tensors, fused into the producer where
it requantizes; exact NumPy on float tensors) and the com.microsoft lookup-table operators
QLinearSigmoid, QLinearLeakyRelu, QLinearSoftmax (→ qs.sigmoid, qs.leaky_relu, qs.softmax).
"""
import numpy as np

from .. import clamp as qs_clamp
from . import _layout
from ._step import (QUANTIZED, Reused, describe_clamp, qs_operator, register, single_output,
                    unsupported)


def clip_bounds(node, ctx):
    """(min, max) of a Relu or Clip node, None for an open bound, in the input's own
    units (raw integers on quantized tensors, as ONNX defines Relu / Clip on them)."""
    if node.op_type == "Relu":
        return 0, None
    if "min" in node.attrs or "max" in node.attrs:  # opset < 11
        return node.attrs.get("min"), node.attrs.get("max")
    bounds = []
    for index, what in ((1, "min"), (2, "max")):
        value = ctx.constant(node, index, what)
        bounds.append(None if value is None else np.asarray(value).reshape(-1)[0].item())
    return tuple(bounds)


@register("Relu", "Clip")
def build_relu_clip(node, ctx):
    single_output(node)
    x, info = ctx.tensor(node, 0, "X")
    lo, hi = clip_bounds(node, ctx)
    if info.dtype in QUANTIZED:
        reuse = Reused()

        def run(a):
            return reuse(a.shape, lambda out: qs_clamp(a, lo, hi, out=out))

        return ctx.step(node, [(x, info.perm)], run, info.dtype, info.rank, info.perm,
                        f"qs.clamp{describe_clamp(lo, hi)}", ones=info.ones)
    if info.dtype.kind != "f":
        raise unsupported(node, f"{info.dtype} input is not supported")
    kind = info.dtype.type
    lo_f, hi_f = (None if b is None else kind(b) for b in (lo, hi))

    def run_float(a):
        # NaN stays NaN, as in ONNX.
        return a if lo_f is None and hi_f is None else np.clip(a, lo_f, hi_f)

    return ctx.step(node, [(x, info.perm)], run_float, info.dtype, info.rank, info.perm,
                    f"NumPy clip [{lo}, {hi}] (float, exact)", numpy=True, ones=info.ones)


def _unary_step(node, ctx, function, label, axis=None, **extra):
    single_output(node)
    x, info = ctx.quantized(node, 0, "X")
    params, clamp = ctx.io_qparams(node, info.dtype)
    if axis is not None:
        params["axis"] = _layout.stored_axis(info.perm, axis)
    params.update(extra)
    reuse = Reused()

    def run(a):
        return reuse(a.shape, lambda out: function(a, **params, out=out))

    return ctx.step(node, [(x, info.perm)], run, info.dtype, info.rank, info.perm,
                    f"{label}{clamp}", ones=info.ones)


@register("QLinearSigmoid", domain="com.microsoft")
def build_qlinear_sigmoid(node, ctx):
    return _unary_step(node, ctx, qs_operator(node, "sigmoid"), "qs.sigmoid")


@register("QLinearLeakyRelu", domain="com.microsoft")
def build_qlinear_leaky_relu(node, ctx):
    alpha = float(ctx.attr(node, "alpha", 0.01))
    return _unary_step(node, ctx, qs_operator(node, "leaky_relu"), f"qs.leaky_relu({alpha:g})",
                       negative_slope=alpha)


@register("QLinearSoftmax", domain="com.microsoft")
def build_qlinear_softmax(node, ctx):
    softmax = qs_operator(node, "softmax")
    rank = ctx.tensor(node, 0, "X")[1].rank
    opset = ctx.attr(node, "opset", ctx.graph.opset)
    axis = ctx.attr(node, "axis", -1 if opset >= 13 else 1)
    if not -rank <= axis < rank:
        raise ValueError(f"{node.describe()}: axis {axis} is out of range for rank {rank}")
    if opset < 13 and axis % rank != rank - 1:
        raise unsupported(node, "opset < 13 softmax over several axes (axis != last) is not "
                                "supported")
    return _unary_step(node, ctx, softmax, f"qs.softmax(axis {axis})", axis=axis)

"""QuantizeLinear / DequantizeLinear left standalone (at the model's edges, or where a QDQ
pair could not be fused) → qs.quantize / qs.dequantize, per tensor or per axis. An int32
DequantizeLinear (a bias nobody fused) runs in NumPy, exactly as ONNX defines it."""
import numpy as np

from .. import dequantize, quantize
from . import _layout
from ._step import FLOAT32, QUANTIZED, Reused, register, single_output, unsupported


def _parameters(node, ctx, rank, perm, absent_dtype=np.uint8):
    """(scale, zero_point, dtype, stored axis or None) of a Q / DQ node."""
    if ctx.attr(node, "block_size", 0):
        raise unsupported(node, "blocked quantization (block_size) is not supported")
    scale = np.asarray(ctx.constant(node, 1, "scale", required=True))
    if scale.size == 1:
        return (*ctx.qparams(node, 1, 2, "scale / zero point", absent_dtype=absent_dtype), None)
    axis = ctx.attr(node, "axis", 1)
    if not -rank <= axis < rank:
        raise ValueError(f"{node.describe()}: axis {axis} is out of range for rank {rank}")
    scale, zero_point, dtype = ctx.qparams(node, 1, 2, "scale / zero point", channels=scale.size,
                                           absent_dtype=absent_dtype)
    return scale, zero_point, dtype, _layout.stored_axis(perm, axis)


def _per(axis):
    return "per tensor" if axis is None else "per axis"


@register("QuantizeLinear")
def build_quantize_linear(node, ctx):
    single_output(node)
    x, info = ctx.tensor(node, 0, "x")
    if info.dtype != FLOAT32:
        raise unsupported(node, f"x is {info.dtype}; only float32 inputs are supported")
    scale, zero_point, dtype, axis = _parameters(node, ctx, info.rank, info.perm)
    reuse = Reused()

    def run(a):
        return reuse(a.shape, lambda out: quantize(a, scale, zero_point, dtype, axis, out=out))

    return ctx.step(node, [(x, info.perm)], run, dtype, info.rank, info.perm,
                    f"qs.quantize (to {dtype}, {_per(axis)})", ones=info.ones)


@register("DequantizeLinear")
def build_dequantize_linear(node, ctx):
    single_output(node)
    x, info = ctx.tensor(node, 0, "x")
    if info.dtype == np.int32:
        scale = np.asarray(ctx.constant(node, 1, "x_scale", required=True), np.float32)
        zero_point = np.asarray(ctx.constant(node, 2, "x_zero_point", default=0), np.int64)
        if scale.size != 1 or zero_point.size != 1:
            raise unsupported(node, "int32 dequantization must be per tensor")
        scale, zero_point = scale.reshape(()), zero_point.reshape(())

        def run_int32(a):
            return (a.astype(np.int64) - zero_point).astype(np.float32) * scale

        return ctx.step(node, [(x, info.perm)], run_int32, FLOAT32, info.rank, info.perm,
                        "NumPy int32 dequantize (exact)", numpy=True, ones=info.ones)
    if info.dtype not in QUANTIZED:
        raise unsupported(node, f"x is {info.dtype}; only uint8, int8 and int32 are supported")
    scale, zero_point, dtype, axis = _parameters(node, ctx, info.rank, info.perm, info.dtype)
    if dtype != info.dtype:
        raise ValueError(f"{node.describe()}: x is {info.dtype} but its zero point is {dtype}")
    reuse = Reused()

    def run(a):
        return reuse(a.shape, lambda out: dequantize(a, scale, zero_point, axis, out=out))

    return ctx.step(node, [(x, info.perm)], run, FLOAT32, info.rank, info.perm,
                    f"qs.dequantize ({_per(axis)})", ones=info.ones)

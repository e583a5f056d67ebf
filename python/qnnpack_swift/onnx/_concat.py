"""com.microsoft QLinearConcat (and the QDQ Concat pattern) → qs.concatenate, along the
concatenation axis as stored (every operand read in the layout of the first runtime one;
constant operands transposed at load)."""
from . import _layout
from ._step import Reused, qs_operator, register, single_output, unsupported


@register("QLinearConcat", domain="com.microsoft")
def build_qlinear_concat(node, ctx):
    single_output(node)
    concatenate = qs_operator(node, "concatenate")
    if len(node.inputs) < 5 or (len(node.inputs) - 2) % 3:
        raise ValueError(f"{node.describe()}: expects Y_scale, Y_zero_point and (X, X_scale, "
                         f"X_zero_point) triples, got {len(node.inputs)} inputs")
    output_scale, output_zero_point, dtype = ctx.qparams(node, 0, 1, "Y")
    operands, scales, zero_points = [], [], []
    for index in range(2, len(node.inputs), 3):
        name, info = ctx.quantized(node, index, f"X{(index - 2) // 3}")
        scale, zero_point, zp_dtype = ctx.qparams(node, index + 1, index + 2, f"X{(index - 2) // 3}")
        if info.dtype != dtype or zp_dtype != dtype:
            raise unsupported(node, f"every operand and Y must share one dtype ({info.dtype}, "
                                    f"{zp_dtype}, {dtype})")
        operands.append((name, info))
        scales.append(scale)
        zero_points.append(zero_point)
    rank = operands[0][1].rank
    if any(info.rank != rank for _, info in operands):
        raise ValueError(f"{node.describe()}: every operand must have rank {rank}")
    axis = ctx.attr(node, "axis", None)
    if axis is None or not -rank <= axis < rank:
        raise ValueError(f"{node.describe()}: axis {axis} is missing or out of range for "
                         f"rank {rank}")
    runtime = [info.perm for name, info in operands if not ctx.is_constant(name)]
    perm = runtime[0] if runtime else _layout.identity(rank)
    fixed, inputs = [], []
    for name, _ in operands:
        if ctx.is_constant(name):
            fixed.append(_layout.convert(ctx.graph.constants[name], perm))
        else:
            fixed.append(None)
            inputs.append((name, perm))
    if not inputs:
        raise unsupported(node, "every operand is a constant (fold it before export)")
    stored_axis = _layout.stored_axis(perm, axis)
    params = dict(input_scales=scales, input_zero_points=zero_points, output_scale=output_scale,
                  output_zero_point=output_zero_point)
    reuse = Reused()

    def run(*arrays):
        arrays = iter(arrays)
        parts = [next(arrays) if f is None else f for f in fixed]
        return reuse(tuple(p.shape for p in parts), lambda out: concatenate(
            parts, stored_axis, **params, out=out))

    return ctx.step(node, inputs, run, dtype, rank, perm,
                    f"qs.concatenate ({len(operands)} operands, axis {axis})")

"""com.microsoft QLinearAdd / QLinearMul (and the QDQ Add / Mul patterns) → qs.add /
qs.multiply with ONNX (NumPy) broadcasting.

Both operands are read in one layout: that of the first runtime operand with the output's
rank. A constant operand is expanded to that rank and transposed once, at load.
"""
from . import _layout
from ._step import Reused, qs_operator, register, single_output, unsupported


def _operand(node, ctx, index, rank, perm):
    """(runtime input or None, prepare) for operand `index`: `prepare(array)` gives the
    operand in layout `perm` at rank `rank`; constants are prepared now."""
    name = node.input(index)
    info = ctx.info[name]

    def expand(a):
        a = a.reshape((1,) * (rank - a.ndim) + a.shape)
        return _layout.convert(a, perm)

    if ctx.is_constant(name):
        fixed = expand(ctx.graph.constants[name])
        fixed.flags.writeable = False  # a constant to Model's replays
        return None, lambda _: fixed
    if info.rank == rank:
        return (name, perm), lambda a: a
    return (name, _layout.identity(info.rank)), expand


def binary_step(node, ctx, function, label):
    """The Step of a quantized binary elementwise node laid out as QLinearAdd:
    A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp."""
    single_output(node)
    (_, a_info), (_, b_info) = (ctx.quantized(node, i, n) for i, n in ((0, "A"), (3, "B")))
    if a_info.dtype != b_info.dtype:
        raise unsupported(node, f"A is {a_info.dtype} and B is {b_info.dtype}; they must match")
    dtype = a_info.dtype
    params, clamp = ctx.io_qparams(node, dtype, (("a", 1), ("b", 4), ("output", 6)))
    rank = max(a_info.rank, b_info.rank)
    runtime = [node.input(i) for i in (0, 3) if not ctx.is_constant(node.input(i))
               and ctx.info[node.input(i)].rank == rank]
    perm = ctx.info[runtime[0]].perm if runtime else _layout.identity(rank)
    (a_in, prepare_a), (b_in, prepare_b) = (_operand(node, ctx, i, rank, perm) for i in (0, 3))
    inputs = [i for i in (a_in, b_in) if i is not None]
    if not inputs:
        raise unsupported(node, "both operands are constants (fold them before export)")
    reuse = Reused()

    def run(*arrays):
        arrays = iter(arrays)
        a = prepare_a(next(arrays) if a_in is not None else None)
        b = prepare_b(next(arrays) if b_in is not None else None)
        return reuse((a.shape, b.shape), lambda out: function(a, b, **params, out=out))

    return ctx.step(node, inputs, run, dtype, rank, perm, f"{label}{clamp}")


@register("QLinearAdd", domain="com.microsoft")
def build_qlinear_add(node, ctx):
    return binary_step(node, ctx, qs_operator(node, "add"), "qs.add")


@register("QLinearMul", domain="com.microsoft")
def build_qlinear_mul(node, ctx):
    return binary_step(node, ctx, qs_operator(node, "multiply"), "qs.multiply")

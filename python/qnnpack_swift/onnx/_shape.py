"""Data movement on any tensor (quantized or float), exact by nature: Transpose only
relabels the layout; Reshape, Flatten, Squeeze, Unsqueeze reshape the array in ONNX
(logical) order with NumPy; Identity passes it on."""
import math

import numpy as np

from . import _layout
from ._step import register, single_output, unsupported


@register("Identity")
def build_identity(node, ctx):
    single_output(node)
    x, info = ctx.tensor(node, 0, "input")
    return ctx.step(node, [(x, info.perm)], lambda a: a, info.dtype, info.rank, info.perm,
                    "nothing (identity)", ones=info.ones)


@register("Transpose")
def build_transpose(node, ctx):
    single_output(node)
    x, info = ctx.tensor(node, 0, "data")
    perm = tuple(ctx.attr(node, "perm", reversed(range(info.rank))))
    if sorted(perm) != list(range(info.rank)):
        raise ValueError(f"{node.describe()}: perm {perm} is not a permutation of "
                         f"{info.rank} axes")
    out_perm = _layout.after_transpose(info.perm, perm)
    return ctx.step(node, [(x, info.perm)], lambda a: a, info.dtype, info.rank, out_perm,
                    f"nothing (layout becomes {_layout.name(out_perm)}, no data moves)",
                    ones=[j for j, axis in enumerate(perm) if axis in info.ones])


def _reshape_step(node, ctx, shape_of, rank, what):
    """A NumPy reshape of the logical input to `shape_of(input shape)`, rank `rank`."""
    single_output(node)
    x, info = ctx.tensor(node, 0, "data")

    def run(a):
        return a.reshape(shape_of(a.shape))

    return ctx.step(node, [(x, _layout.identity(info.rank))], run, info.dtype, rank, None,
                    f"NumPy {what} (exact)", numpy=True, view=True)


@register("Reshape")
def build_reshape(node, ctx):
    target = ctx.constant(node, 1, "shape", required=True)
    if target.ndim != 1 or target.dtype != np.int64:
        raise ValueError(f"{node.describe()}: shape must be a 1-D int64 tensor, got "
                         f"{target.dtype} {target.shape}")
    target = [int(d) for d in target]
    allow_zero = ctx.attr(node, "allowzero", 0)
    if target.count(-1) > 1:
        raise ValueError(f"{node.describe()}: shape {target} has more than one -1")

    def shape_of(shape):
        dims = [shape[i] if d == 0 and not allow_zero else d for i, d in enumerate(target)]
        if -1 in dims:
            known = math.prod(d for d in dims if d != -1)
            total = math.prod(shape)
            if known == 0 or total % known:
                raise ValueError(f"{node.describe()}: cannot reshape {shape} to {target}")
            dims[dims.index(-1)] = total // known
        if math.prod(dims) != math.prod(shape):
            raise ValueError(f"{node.describe()}: cannot reshape {shape} to {target}")
        return dims

    return _reshape_step(node, ctx, shape_of, len(target), f"reshape to {target}")


@register("Flatten")
def build_flatten(node, ctx):
    rank = ctx.tensor(node, 0, "input")[1].rank
    axis = ctx.attr(node, "axis", 1)
    if not -rank <= axis <= rank:
        raise ValueError(f"{node.describe()}: axis {axis} is out of range for rank {rank}")
    axis += rank if axis < 0 else 0

    def shape_of(shape):
        return math.prod(shape[:axis]), math.prod(shape[axis:])

    return _reshape_step(node, ctx, shape_of, 2, f"flatten (axis {axis})")


def _axes(node, ctx, rank, added):
    """The sorted, non-negative axes of Squeeze / Unsqueeze (attribute before opset 13,
    input since) for an input of rank `rank`; `added`: Unsqueeze (axes index the output)."""
    axes = ctx.attr(node, "axes", None)
    if axes is None:
        value = ctx.constant(node, 1, "axes")
        if value is None:
            raise unsupported(node, "no axes given (the output rank would depend on the sizes)")
        axes = np.asarray(value).reshape(-1).tolist()
    axes = [int(a) for a in axes]
    out_rank = rank + len(axes) if added else rank
    normal = sorted(a + out_rank if a < 0 else a for a in axes)
    if any(not 0 <= a < out_rank for a in normal) or len(set(normal)) != len(normal):
        raise ValueError(f"{node.describe()}: axes {axes} are invalid for rank {rank}")
    return normal


@register("Squeeze")
def build_squeeze(node, ctx):
    rank = ctx.tensor(node, 0, "data")[1].rank
    axes = _axes(node, ctx, rank, added=False)

    def shape_of(shape):
        if any(shape[i] != 1 for i in axes):
            raise ValueError(f"{node.describe()}: cannot squeeze axes {axes} of {shape}")
        return [d for i, d in enumerate(shape) if i not in axes]

    return _reshape_step(node, ctx, shape_of, rank - len(axes), f"squeeze {axes}")


@register("Unsqueeze")
def build_unsqueeze(node, ctx):
    rank = ctx.tensor(node, 0, "data")[1].rank
    axes = _axes(node, ctx, rank, added=True)

    def shape_of(shape):
        dims = list(shape)
        for a in axes:
            dims.insert(a, 1)
        return dims

    return _reshape_step(node, ctx, shape_of, rank + len(axes), f"unsqueeze {axes}")

"""QLinearMatMul and com.microsoft QGemm (and the QDQ MatMul / Gemm patterns, rewritten to
them) → a prepacked qs.Linear. B must be a constant: it becomes the [C_out, K] weight."""
import numpy as np

from .. import Linear
from . import _layout
from ._step import Reused, describe_clamp, prepack, register, single_output, unsupported


def _linear_step(node, ctx, a_index, b_index, bias_index, y_index, weight_of):
    """The Step of a quantized `A @ B (+ bias)`: inputs a, a_scale, a_zp at a_index..+2,
    B, b_scale, b_zp at b_index..+2, y_scale, y_zp at y_index..+1; `weight_of(B)` gives
    the [N, K] weight."""
    single_output(node)
    a, a_info = ctx.quantized(node, a_index, "A")
    b = ctx.constant(node, b_index, "B", required=True)
    if b.dtype not in (np.uint8, np.int8) or b.ndim != 2:
        raise unsupported(node, f"B must be a 2-D uint8 or int8 constant, got {b.dtype} "
                                f"{b.shape}")
    weight = np.ascontiguousarray(weight_of(b))
    n, k = weight.shape
    if a_info.rank < 2:
        raise unsupported(node, f"A must have rank >= 2, got rank {a_info.rank}")
    a_scale, a_zp, a_dtype = ctx.qparams(node, a_index + 1, a_index + 2, "A")
    b_scale, b_zp, b_dtype = ctx.qparams(node, b_index + 1, b_index + 2, "B", channels=n)
    y_scale, y_zp, y_dtype = ctx.qparams(node, y_index, y_index + 1, "Y")
    if b_dtype != b.dtype:
        raise ValueError(f"{node.describe()}: B is {b.dtype} but its zero point is {b_dtype}")
    if a_dtype != a_info.dtype or y_dtype != a_info.dtype:
        raise unsupported(node, f"A ({a_info.dtype}), its zero point ({a_dtype}) and Y's zero "
                                f"point ({y_dtype}) must share one dtype")
    bias = None if bias_index is None else ctx.constant(node, bias_index, "C")
    if bias is not None:
        if bias.dtype != np.int32 or bias.size != n or bias.shape not in ((n,), (1, n)):
            raise unsupported(node, f"C must be an int32 vector of length {n}, got "
                                    f"{bias.dtype} {bias.shape}")
        bias = bias.reshape(n)
    lo, hi = ctx.clamp(node, a_info.dtype)
    linear = prepack(node, Linear, weight, bias, input_scale=a_scale, input_zero_point=a_zp,
                     weight_scale=b_scale, weight_zero_point=b_zp, output_scale=y_scale,
                     output_zero_point=y_zp, output_min=lo, output_max=hi,
                     input_dtype=a_info.dtype)
    reuse = Reused()

    def run(x):
        if x.shape[-1] != k:
            raise ValueError(f"{node.describe()}: A has {x.shape[-1]} columns, B has {k} rows")
        return reuse(x.shape, lambda out: linear(x, out=out))

    per = "per-channel" if np.ndim(b_scale) else "per-tensor"
    runs = (f"qs.Linear {k}->{n} ({weight.dtype} {per} weights"
            f"{', bias' if bias is not None else ''}{describe_clamp(lo, hi)})")
    rank = a_info.rank
    return ctx.step(node, [(a, _layout.identity(rank))], run, a_info.dtype, rank,
                    None, runs)


@register("QLinearMatMul")
def build_qlinear_matmul(node, ctx):
    return _linear_step(node, ctx, 0, 3, None, 6, lambda b: b.T)


@register("QGemm", domain="com.microsoft")
def build_qgemm(node, ctx):
    if ctx.attr(node, "transA", 0):
        raise unsupported(node, "transA=1 is not supported")
    if ctx.attr(node, "alpha", 1.0) != 1.0:
        raise unsupported(node, "alpha != 1 is not supported")
    if node.input(7) is None:
        raise unsupported(node, "a float output (no y_scale) is not supported")
    trans_b = ctx.attr(node, "transB", 0)
    return _linear_step(node, ctx, 0, 3, 6, 7, lambda b: b if trans_b else b.T)

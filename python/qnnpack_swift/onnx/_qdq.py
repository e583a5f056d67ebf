"""QDQ format → QOperator nodes, before anything is built.

A QDQ model keeps float operators and marks quantization with QuantizeLinear (Q) /
DequantizeLinear (DQ) pairs: `DQ(x_q) → Conv(…, DQ(w_q), DQ(b_q)) → [Relu|Clip] → Q`.
Runtimes fuse each such group into one integer operator; so does this pass, rewriting it to
the QOperator node with the same parameters (QLinearConv here) whose mapping then runs it.
A Relu / Clip inside the group becomes the fused node's output clamp (Q of its bounds).

Patterns: Conv, MatMul, Gemm, Add, Mul, AveragePool, GlobalAveragePool, Sigmoid,
LeakyRelu, Softmax, Concat; and MaxPool, Relu, Clip and the data-movement operators when
Q repeats DQ's parameters (then the operator runs on the quantized values themselves).
What does not match stays as it is: its Q / DQ nodes run as qs.quantize / qs.dequantize
and the float operator needs a mapping of its own (the NumPy ones, or none: an error).
"""
import numpy as np

from .. import _validation as v
from .. import quantize as qs_quantize
from ._graph import DEFAULT_DOMAINS, MICROSOFT, Node
from ._step import QUANTIZED, unsupported

_DQ, _Q = "DequantizeLinear", "QuantizeLinear"
# float op -> (QOperator op, its domain, attributes kept)
_UNARY = {
    "AveragePool": ("QLinearAveragePool", MICROSOFT),
    "GlobalAveragePool": ("QLinearGlobalAveragePool", MICROSOFT),
    "Sigmoid": ("QLinearSigmoid", MICROSOFT),
    "LeakyRelu": ("QLinearLeakyRelu", MICROSOFT),
    "Softmax": ("QLinearSoftmax", MICROSOFT),
}
_BINARY = {"Add": "QLinearAdd", "Mul": "QLinearMul"}
_SAME_PARAMETERS = ("MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze",
                    "Identity", "Relu", "Clip")
PATTERN_OPS = ("Conv", "MatMul", "Gemm", "Concat", *_UNARY, *_BINARY, *_SAME_PARAMETERS)


def _is(node, op_type):
    return node is not None and node.op_type == op_type and node.domain in (*DEFAULT_DOMAINS, MICROSOFT)


class _Fuser:
    def __init__(self, graph):
        self.graph = graph
        self.absorbed = set()  # ids of the Relu / Clip / Q nodes fused groups took in
        self.producers = graph.producers()
        self.consumers = graph.consumers()
        self.outputs = graph.output_names()

    # ---- constants ---------------------------------------------------------------------------
    def const(self, name):
        return self.graph.constants.get(name) if name else None

    def add_constant(self, base, value):
        name = self.graph.unique_name(base)
        self.graph.constants[name] = value
        return name

    # ---- the two ends of a group --------------------------------------------------------------
    def dequantized(self, name):
        """(x_q, scale name, zero point name, DQ node) when `name` is a DQ output with constant
        per-tensor parameters, else None (an absent zero point becomes a constant 0)."""
        dq = self.producers.get(name)
        if not _is(dq, _DQ):
            return None
        scale, zero_point = self.const(dq.input(1)), self.const(dq.input(2))
        x = dq.input(0)
        if scale is None or (dq.input(2) and zero_point is None):
            return None
        # DQ's zero point has its input's dtype; without one, ask where the input comes from.
        dtype = zero_point.dtype if zero_point is not None else self.dtype_of(x)
        if dtype not in QUANTIZED or scale.size != 1 or (zero_point is not None and zero_point.size != 1):
            return None
        zp_name = dq.input(2) or self.add_constant(f"{x}_zero_point", np.zeros((), dtype))
        return x, dq.input(1), zp_name, dq

    def dtype_of(self, name):
        """dtype of a tensor a QDQ model quantizes: a Q output, a constant or a graph input
        (None otherwise)."""
        value = self.const(name)
        if value is not None:
            return value.dtype
        producer = self.producers.get(name)
        if _is(producer, _Q):
            zero_point = self.const(producer.input(2))
            return np.dtype(np.uint8) if zero_point is None else zero_point.dtype
        info = next((i for i in self.graph.inputs if i.name == name), None)
        return None if info is None else info.dtype

    def weight(self, name, node, what):
        """(w_q name, scale, zero point, axis) of a constant behind a DQ, else None."""
        dq = self.producers.get(name)
        if not _is(dq, _DQ) or self.const(dq.input(0)) is None:
            return None
        scale = self.const(dq.input(1))
        if scale is None or (dq.input(2) and self.const(dq.input(2)) is None):
            raise unsupported(node, f"the quantization parameters of {what} are not constant")
        w = self.const(dq.input(0))
        zero_point = (np.zeros((), w.dtype) if not dq.input(2) else self.const(dq.input(2)))
        axis = dq.attrs.get("axis", 1) % max(w.ndim, 1) if scale.size > 1 else None
        return dq.input(0), scale, zero_point, axis

    def quantized_output(self, node):
        """(Q node, [Relu/Clip node], clamp) when the node's only use is `[Relu|Clip] → Q`
        with constant per-tensor parameters, else None."""
        chain = []
        name = node.outputs[0]
        while True:
            if name in self.outputs:
                return None
            uses = self.consumers.get(name, [])
            if len(uses) != 1:
                return None
            use = uses[0]
            if _is(use, _Q):
                break
            if not (_is(use, "Relu") or _is(use, "Clip")) or chain or use.domain:
                return None
            chain.append(use)
            name = use.outputs[0]
        q = use
        scale, zero_point = self.const(q.input(1)), self.const(q.input(2))
        if scale is None or scale.size != 1 or (q.input(2) and zero_point is None):
            return None
        dtype = np.dtype(np.uint8) if zero_point is None else zero_point.dtype
        if dtype not in QUANTIZED or (zero_point is not None and zero_point.size != 1):
            return None
        clamp = None
        if chain:
            bounds = self.float_bounds(chain[0])
            if bounds is None:
                return None
            clamp = tuple(None if b is None else int(qs_quantize(
                np.array(b, np.float32), float(scale.reshape(())),
                int(0 if zero_point is None else zero_point.reshape(-1)[0]), dtype))
                for b in bounds)
        return q, chain, clamp

    def float_bounds(self, node):
        """(min, max) of a float Relu / Clip, None when they are not constants."""
        if node.op_type == "Relu":
            return 0.0, None
        if "min" in node.attrs or "max" in node.attrs:
            return node.attrs.get("min"), node.attrs.get("max")
        bounds = []
        for index in (1, 2):
            if node.input(index) is None:
                bounds.append(None)
            elif self.const(node.input(index)) is None:
                return None
            else:
                bounds.append(float(np.asarray(self.const(node.input(index))).reshape(-1)[0]))
        return tuple(bounds)

    def q_parameters(self, q):
        """(scale name, zero point name) of a Q node (a constant 0 for an absent zero point)."""
        zp = q.input(2) or self.add_constant(f"{q.outputs[0]}_zero_point", np.zeros((), np.uint8))
        return q.input(1), zp

    # ---- rewriting ---------------------------------------------------------------------------
    def fused(self, node, op_type, domain, inputs, end, attrs=None):
        q, chain, clamp = end
        self.absorbed.update(id(n) for n in (*chain, q))
        return Node(node.name, op_type, domain, inputs, [q.outputs[0]],
                    node.attrs if attrs is None else attrs,
                    fused=[(node.name, node.op_type), *((c.name, c.op_type) for c in chain),
                           (q.name, q.op_type)],
                    clamp=clamp)

    def bias(self, node, name, x_scale, w_scale, channels):
        """The int32 bias constant name for a fused node (absent: None)."""
        if name is None:
            return None
        dq = self.producers.get(name)
        s_x = np.float32(np.asarray(self.const(x_scale)).reshape(()))
        w_scales = np.broadcast_to(np.asarray(w_scale, np.float32).reshape(-1), (channels,))
        expected = (s_x * w_scales).astype(np.float32)
        if _is(dq, _DQ) and self.const(dq.input(0)) is not None:
            b = self.const(dq.input(0))
            scale = self.const(dq.input(1))
            zero_point = self.const(dq.input(2)) if dq.input(2) else np.zeros(1, np.int32)
            if b.dtype != np.int32 or scale is None or zero_point is None or np.any(zero_point):
                raise unsupported(node, "the bias must be int32 with zero point 0")
            scale = np.asarray(scale, np.float32).reshape(-1)
            if scale.size not in (1, channels) or not np.allclose(scale, expected, rtol=1e-6,
                                                                  atol=0):
                raise unsupported(node, "the bias scale is not input scale × weight scale")
            return dq.input(0)
        b = self.const(name)
        if b is None or b.dtype.kind != "f":
            raise unsupported(node, "the bias must be a constant (int32 behind a "
                                    "DequantizeLinear, or float)")
        return self.add_constant(f"{name}_quantized", v.quantize_bias(
            b.astype(np.float32).reshape(-1), float(s_x), w_scales, channels))

    def conv(self, node, end):
        x = self.dequantized(node.input(0))
        w = self.weight(node.input(1), node, "the weight")
        if x is None or w is None:
            return None
        w_q, w_scale, w_zp, axis = w
        if axis not in (None, 0):
            raise unsupported(node, f"per-channel weights must be quantized along axis 0, "
                                    f"not {axis}")
        channels = self.const(w_q).shape[0]
        b = self.bias(node, node.input(2), x[1], w_scale, channels)
        y_scale, y_zp = self.q_parameters(end[0])
        dq = self.producers[node.input(1)]
        inputs = [*x[:3], w_q, dq.input(1), dq.input(2) or self.add_constant(
            f"{w_q}_zero_point", w_zp), y_scale, y_zp] + ([b] if b else [])
        return self.fused(node, "QLinearConv", "", inputs, end)

    def matmul(self, node, end):
        gemm = node.op_type == "Gemm"
        a = self.dequantized(node.input(0))
        b = self.weight(node.input(1), node, "B")
        if a is None or b is None:
            return None
        attrs = dict(node.attrs)
        if gemm and (attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0
                     or attrs.get("transA", 0)):
            raise unsupported(node, "only alpha = beta = 1 and transA = 0 fuse")
        b_q, b_scale, b_zp, axis = b
        w = self.const(b_q)
        if w.ndim != 2:
            raise unsupported(node, f"B must be 2-D, got shape {w.shape}")
        n_axis = 0 if gemm and attrs.get("transB", 0) else 1
        if axis not in (None, n_axis):
            raise unsupported(node, f"per-channel B must be quantized along axis {n_axis} "
                                    f"(the output columns), not {axis}")
        dq = self.producers[node.input(1)]
        b_inputs = [b_q, dq.input(1), dq.input(2) or self.add_constant(f"{b_q}_zero_point", b_zp)]
        y = list(self.q_parameters(end[0]))
        if not gemm:
            return self.fused(node, "QLinearMatMul", "", [*a[:3], *b_inputs, *y], end, {})
        c = self.bias(node, node.input(2), a[1], b_scale, w.shape[n_axis])
        return self.fused(node, "QGemm", MICROSOFT, [*a[:3], *b_inputs, c or "", *y], end,
                          {"transB": attrs.get("transB", 0)})

    def binary(self, node, end):
        operands = [self.dequantized(node.input(i)) for i in (0, 1)]
        if None in operands:
            return None
        inputs = [*operands[0][:3], *operands[1][:3], *self.q_parameters(end[0])]
        return self.fused(node, _BINARY[node.op_type], MICROSOFT, inputs, end, {})

    def unary(self, node, end):
        x = self.dequantized(node.input(0))
        if x is None:
            return None
        op_type, domain = _UNARY[node.op_type]
        attrs = dict(node.attrs)
        if node.op_type == "Softmax":
            attrs["opset"] = self.graph.opset
        return self.fused(node, op_type, domain, [*x[:3], *self.q_parameters(end[0])], end, attrs)

    def concat(self, node, end):
        operands = [self.dequantized(name) for name in node.inputs]
        if not operands or None in operands:
            return None
        inputs = [*self.q_parameters(end[0])] + [n for x in operands for n in x[:3]]
        return self.fused(node, "QLinearConcat", MICROSOFT, inputs, end)

    def same_parameters(self, node, end):
        """The operator itself on the quantized values when Q repeats DQ's parameters."""
        x = self.dequantized(node.input(0))
        q, chain, clamp = end
        if x is None or chain:
            return None
        same = all(np.array_equal(np.asarray(self.const(a)), np.asarray(self.const(b)))
                   and self.const(a).dtype == self.const(b).dtype
                   for a, b in zip(x[1:3], self.q_parameters(q)))
        if not same:
            return None
        if node.op_type in ("Relu", "Clip"):
            bounds = self.float_bounds(node)
            if bounds is None:
                return None
            scale, zero_point = (self.const(n) for n in x[1:3])
            clip = [self.add_constant(f"{node.name}_{what}", qs_quantize(
                np.array(b, np.float32), float(scale.reshape(())), int(zero_point.reshape(-1)[0]),
                zero_point.dtype)) if b is not None else "" for b, what in zip(bounds, ("min", "max"))]
            return self.fused(node, "Clip", "", [x[0], *clip], end, {})
        return self.fused(node, node.op_type, "", [x[0], *node.inputs[1:]], end)

    def rewrite(self, node):
        if node.domain:
            return None
        end = self.quantized_output(node)
        if end is None:
            return None
        if node.op_type == "Conv":
            return self.conv(node, end)
        if node.op_type in ("MatMul", "Gemm"):
            return self.matmul(node, end)
        if node.op_type in _BINARY:
            return self.binary(node, end)
        if node.op_type in _UNARY:
            return self.unary(node, end)
        if node.op_type == "Concat":
            return self.concat(node, end)
        if node.op_type in _SAME_PARAMETERS:
            return self.same_parameters(node, end)
        return None


def _fold(graph, op_type, compute):
    """Replaces each `op_type` (Q or DQ) node whose inputs are all constants by the constant
    `compute(node, x, scale, zero_point, axis)` gives (None: keep the node)."""
    kept = []
    for node in graph.nodes:
        if _is(node, op_type) and all(n in graph.constants for n in node.inputs if n):
            x, scale = graph.constants[node.inputs[0]], graph.constants[node.inputs[1]]
            zero_point = graph.constants.get(node.input(2) or "")
            axis = node.attrs.get("axis", 1) % x.ndim if np.size(scale) > 1 else None
            value = compute(node, x, scale, zero_point, axis)
            if value is not None:
                graph.constants[node.outputs[0]] = value
                continue
        kept.append(node)
    graph.nodes = kept


def _quantized_constant(node, x, scale, zero_point, axis):
    """QuantizeLinear of a constant (a weight kept in float with a Q/DQ pair)."""
    zero_point = np.zeros((), np.uint8) if zero_point is None else zero_point
    if x.dtype.kind != "f" or zero_point.dtype not in QUANTIZED or node.attrs.get("block_size"):
        return None
    if axis is None:
        return qs_quantize(x, float(scale.reshape(())), int(zero_point.reshape(-1)[0]),
                           zero_point.dtype)
    return qs_quantize(x, scale.reshape(-1), zero_point.reshape(-1), zero_point.dtype, axis)


def _dequantized_constant(node, x, scale, zero_point, axis):
    """DequantizeLinear of a constant nobody fused (a float operand): float32(x - zp) *
    scale, as ONNX defines it (int32 included)."""
    shape = [1] * x.ndim
    if axis is not None:
        shape[axis] = -1
    shape = shape if axis is not None else ()
    s = np.asarray(scale, np.float32).reshape(shape)
    z = np.asarray(0 if zero_point is None else zero_point, np.int64).reshape(shape)
    return s * (x.astype(np.int64) - z).astype(np.float32)


def fuse(graph):
    """Rewrites every QDQ group of `graph` into its QOperator node (in place)."""
    _fold(graph, _Q, _quantized_constant)
    fuser = _Fuser(graph)
    nodes = []
    for node in graph.nodes:
        if id(node) not in fuser.absorbed:  # (a group's Q comes after its operator)
            nodes.append(fuser.rewrite(node) or node)
    graph.nodes = [n for n in nodes if id(n) not in fuser.absorbed]
    graph.remove_dead_nodes()
    _fold(graph, _DQ, _dequantized_constant)

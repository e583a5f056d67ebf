"""Reads an ONNX model into a small mutable graph: nodes, constants, inputs, outputs.

Everything a malformed model can get wrong is found here and raised as ValueError naming
the node and tensor: undecodable bytes, a standard node failing `onnx.checker.check_node`
(attribute types, input counts), a tensor no node, input or initializer defines, a cycle,
a node without outputs. Nothing later reads protobufs. (The whole-model checker is not
used: it refuses graph outputs without a declared shape, which runtimes accept.)
"""
import os

import numpy as np

DEFAULT_DOMAINS = ("", "ai.onnx")
MICROSOFT = "com.microsoft"


class Node:
    """One operation. `fused` lists the (name, op_type) of the model's nodes it stands for;
    `clamp` is a quantized-domain (lo, hi) clamp on its output (None bounds: qmin / qmax)."""

    __slots__ = ("name", "op_type", "domain", "inputs", "outputs", "attrs", "fused", "clamp")

    def __init__(self, name, op_type, domain, inputs, outputs, attrs, fused=None, clamp=None):
        self.name = name
        self.op_type = op_type
        self.domain = "" if domain in DEFAULT_DOMAINS else domain
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.attrs = dict(attrs)
        self.fused = list(fused) if fused is not None else [(name, op_type)]
        self.clamp = clamp

    def input(self, index):
        """The name of input `index`, or None when it is absent (past the end or '')."""
        return (self.inputs[index] or None) if index < len(self.inputs) else None

    def describe(self):
        original = "+".join(op for _, op in self.fused)
        if original == self.op_type:
            return f"node {self.name!r} ({self.op_type})"
        return f"node {self.name!r} ({original}, as {self.op_type})"


class ValueInfo:
    """A graph input or output: name, NumPy dtype, shape (ints; str or None where symbolic)."""

    __slots__ = ("name", "dtype", "shape")

    def __init__(self, name, dtype, shape):
        self.name, self.dtype, self.shape = name, dtype, shape

    def __repr__(self):
        if self.shape is None:
            return f"{self.name}: {self.dtype}[unknown shape]"
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"{self.name}: {self.dtype}[{dims}]"


class Graph:
    """The model's graph: `nodes` in topological order, `constants` (name -> ndarray),
    `inputs` / `outputs` (ValueInfo), `opset` of the default domain."""

    def __init__(self, nodes, constants, inputs, outputs, opset, name):
        self.nodes, self.constants = nodes, constants
        self.inputs, self.outputs, self.opset, self.name = inputs, outputs, opset, name

    def producers(self):
        return {out: node for node in self.nodes for out in node.outputs}

    def consumers(self):
        uses = {}
        for node in self.nodes:
            for name in node.inputs:
                if name:
                    uses.setdefault(name, []).append(node)
        return uses

    def output_names(self):
        return {info.name for info in self.outputs}

    def unique_name(self, base):
        """A tensor name not used yet (for constants the fusion passes add)."""
        taken = set(self.constants) | {i.name for i in self.inputs} | set(self.producers())
        name, k = base, 0
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        return name

    def remove_dead_nodes(self):
        """Drops nodes none of whose outputs is used (every ONNX operator is pure)."""
        while True:
            used = set(self.consumers()) | self.output_names()
            alive = [n for n in self.nodes if any(o in used for o in n.outputs if o)]
            if len(alive) == len(self.nodes):
                return
            self.nodes = alive


def _read_model(onnx, source):
    """An onnx.ModelProto from a path, bytes or a ModelProto; ValueError if undecodable."""
    if isinstance(source, onnx.ModelProto):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, what = bytes(source), "the bytes given"
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            data = f.read()
        what = f"file {os.fspath(source)!r}"
    else:
        raise TypeError(f"load() takes a path, bytes or an onnx.ModelProto, "
                        f"got {type(source).__name__}")
    if not data:
        raise ValueError(f"{what} is empty, not an ONNX model")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as error:  # protobuf's DecodeError and friends
        raise ValueError(f"{what} is not a valid ONNX model (truncated or corrupt?): "
                         f"{error}") from None
    if isinstance(source, (str, os.PathLike)) and any(
            t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        onnx.load_external_data_for_model(model, os.path.dirname(os.path.abspath(source)))
    return model


def _dtype(onnx, elem_type, what):
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{what} has an unknown element type {elem_type}") from None


def _value_info(onnx, vi):
    t = vi.type
    if not t.HasField("tensor_type"):
        raise ValueError(f"graph input/output {vi.name!r} is not a tensor")
    dims = None
    if t.tensor_type.HasField("shape"):
        dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                     for d in t.tensor_type.shape.dim)
    return ValueInfo(vi.name, _dtype(onnx, t.tensor_type.elem_type, f"tensor {vi.name!r}"), dims)


def _array(onnx, tensor, what):
    try:
        return onnx.numpy_helper.to_array(tensor)
    except Exception as error:
        raise ValueError(f"{what} cannot be read: {error}") from None


def _attributes(onnx, proto):
    attrs = {}
    for a in proto.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            value = _array(onnx, a.t, f"attribute {a.name!r} of node {proto.name!r}")
        elif a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            value = a  # kept as is: no supported operator has subgraphs
        else:
            value = onnx.helper.get_attribute_value(a)
        attrs[a.name] = value.decode() if isinstance(value, bytes) else value
    return attrs


def _sorted(nodes, known, what):
    """`nodes` in topological order; ValueError naming the first input nothing defines."""
    producer = {}
    for node in nodes:
        if not node.outputs or not all(node.outputs):
            raise ValueError(f"{node.describe()} has a missing output name")
        for out in node.outputs:
            if out in producer or out in known:
                raise ValueError(f"tensor {out!r} is defined twice ({node.describe()})")
            producer[out] = node
    for node in nodes:
        for name in node.inputs:
            if name and name not in known and name not in producer:
                raise ValueError(f"{node.describe()}: input {name!r} is missing (not an "
                                 f"initializer, a graph input or the output of any node){what}")
    order, state = [], {}
    for root in nodes:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                state[id(node)] = 2
                order.append(node)
                continue
            if state.get(id(node)) == 2:
                continue
            if state.get(id(node)) == 1:
                raise ValueError(f"the graph has a cycle through {node.describe()}")
            state[id(node)] = 1
            stack.append((node, True))
            for name in node.inputs:
                parent = producer.get(name)
                if parent is not None and state.get(id(parent)) != 2:
                    if state.get(id(parent)) == 1:
                        raise ValueError(f"the graph has a cycle through {parent.describe()}")
                    stack.append((parent, False))
    return order


def read(source):
    """The Graph of an ONNX model given as a path, bytes or onnx.ModelProto."""
    import onnx  # noqa: PLC0415  (optional dependency, only needed to load models)
    import onnx.checker  # noqa: PLC0415, F401
    import onnx.defs  # noqa: PLC0415, F401
    import onnx.numpy_helper  # noqa: PLC0415, F401
    model = _read_model(onnx, source)
    g = model.graph
    constants = {t.name: _array(onnx, t, f"initializer {t.name!r}") for t in g.initializer}
    inputs = [_value_info(onnx, vi) for vi in g.input if vi.name not in constants]
    outputs = [_value_info(onnx, vi) for vi in g.output]
    if not inputs:
        raise ValueError("the model has no graph input (every input is an initializer)")
    if not outputs:
        raise ValueError("the model declares no graph output")
    for info in inputs:
        if info.shape is None:
            raise ValueError(f"graph input {info.name!r} declares no shape")
    opset = next((o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS), None)
    if opset is None:
        raise ValueError("the model imports no version of the default ONNX domain")
    context = onnx.checker.C.CheckerContext()
    context.ir_version = model.ir_version
    context.opset_imports = {o.domain: o.version for o in model.opset_import}
    nodes = []
    for k, proto in enumerate(g.node):
        name = proto.name or f"{proto.op_type}_{k}"
        # Each standard node against its schema (attribute types, input counts). Unknown
        # operators are left to the importer, which names them as unsupported.
        if proto.domain in DEFAULT_DOMAINS and onnx.defs.has(proto.op_type):
            try:
                onnx.checker.check_node(proto, context)
            except onnx.checker.ValidationError as error:
                raise ValueError(f"node {name!r} ({proto.op_type}) is invalid: "
                                 f"{str(error).strip()}") from None
        attrs = _attributes(onnx, proto)
        if proto.op_type == "Constant" and proto.domain in DEFAULT_DOMAINS:
            if "value" not in attrs or len(proto.output) != 1:
                raise ValueError(f"node {name!r} (Constant) has no tensor 'value' attribute "
                                 f"(only tensor constants are supported)")
            constants[proto.output[0]] = attrs["value"]
            continue
        nodes.append(Node(name, proto.op_type, proto.domain, proto.input, proto.output, attrs))
    known = set(constants) | {i.name for i in inputs}
    nodes = _sorted(nodes, known, "")
    defined = known | {o for n in nodes for o in n.outputs}
    for info in outputs:
        if info.name not in defined:
            raise ValueError(f"graph output {info.name!r} is not produced by any node")
    return Graph(nodes, constants, inputs, outputs, opset, g.name)

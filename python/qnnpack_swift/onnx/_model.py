"""The loaded model: the plan of steps built once, run on every call.

Loading reads the graph, rewrites QDQ groups to QOperator nodes, then builds one Step per
node in topological order (prepacking weights), fusing each quantized Relu / Clip into
the operator before it when that operator requantizes and nothing else reads its output.
A call checks the inputs against the declared ones, runs the steps (transposing a tensor
only where a step needs another layout than the one it is stored in, once per run) and
returns the outputs in ONNX layout.

The second call with inputs of given shapes records the library calls the steps make
(`_native.Recording`); later calls with such inputs replay them in one native loop, which
saves the Python layer's ~7 µs per step. Only plans of qnnpack_swift steps and reshapes
are recorded, and a recording is kept only when every activation its calls read comes
from the inputs, an earlier call or a constant (so it recomputes everything it returns).
A recording holds the buffers it uses; a model keeps those of at most 8 input signatures.
"""
import threading
from typing import NamedTuple

import numpy as np

from .. import _native
from . import _layout, _qdq
from ._graph import MICROSOFT, Node
from ._step import QUANTIZED, REGISTRY, Context, unsupported
from ._activation import clip_bounds

_MAX_REPLAYS = 8  # input signatures whose recordings a model keeps

# Operators whose mapping folds `node.clamp` into the qs call (output_min / output_max).
CLAMPABLE = {("", "QLinearConv"), ("", "QLinearMatMul"), (MICROSOFT, "QGemm"),
             (MICROSOFT, "QLinearAdd"), (MICROSOFT, "QLinearMul"), ("", "MaxPool"),
             (MICROSOFT, "QLinearAveragePool"), (MICROSOFT, "QLinearGlobalAveragePool"),
             (MICROSOFT, "QLinearSigmoid"), (MICROSOFT, "QLinearLeakyRelu"),
             (MICROSOFT, "QLinearSoftmax")}


class StepInfo(NamedTuple):
    """One step of a loaded model, as `Model.steps` lists it.

    `op_type` / `domain` / `inputs` / `attributes` are those of the node after QDQ groups
    were rewritten to QOperator nodes (inputs include constants; '' for an absent one);
    `fused` lists the (name, op_type) of the model's own nodes the step stands for;
    `runtime_inputs` are the tensors it reads at run time; `transposes` the (tensor, from,
    to, copies) layout conversions made for it (once per run, shared with later steps;
    `copies` is False when only size-1 axes move); `clamp`
    its fused quantized-domain (min, max) clamp; `runs` what computes it.
    """
    name: str
    op_type: str
    domain: str
    fused: tuple
    inputs: tuple
    attributes: dict
    output: str
    runtime_inputs: tuple
    transposes: tuple
    clamp: tuple
    runs: str


def _build(node, ctx):
    build = REGISTRY.get((node.domain, node.op_type))
    if build is None:
        where = f" in domain {node.domain!r}" if node.domain else ""
        hint = (" (a QDQ model: its inputs must come from DequantizeLinear and its output go "
                "to QuantizeLinear for it to run quantized)" if node.op_type in _qdq.PATTERN_OPS
                else "")
        raise unsupported(node, f"op type {node.op_type!r}{where} is not supported{hint}")
    return build(node, ctx)


def _intersect(a, b):
    """The intersection of two (lo, hi) clamps (None bounds are open)."""
    if a is None:
        return b
    lo = [x for x in (a[0], b[0]) if x is not None]
    hi = [x for x in (a[1], b[1]) if x is not None]
    return (max(lo) if lo else None, min(hi) if hi else None)


class Model:
    """A quantized ONNX model prepared for qnnpack_swift; see `qnnpack_swift.onnx.load`."""

    def __init__(self, graph):
        _qdq.fuse(graph)
        self.name = graph.name
        self.opset = graph.opset
        self.inputs = list(graph.inputs)
        self.outputs = list(graph.outputs)
        ctx = Context(graph)
        consumers = graph.consumers()
        outputs = graph.output_names()
        steps, by_output = [], {}
        for node in graph.nodes:
            producer = by_output.get(node.input(0)) if node.inputs else None
            if (node.op_type in ("Relu", "Clip") and not node.domain and producer is not None
                    and ctx.info[node.input(0)].dtype in QUANTIZED
                    and (producer.node.domain, producer.node.op_type) in CLAMPABLE
                    and len(consumers[node.input(0)]) == 1 and node.input(0) not in outputs):
                # Fused: the producer is rebuilt with the clamp, writing this node's output.
                old = producer.node
                fused = Node(old.name, old.op_type, old.domain, old.inputs, node.outputs,
                             old.attrs, fused=old.fused + node.fused,
                             clamp=_intersect(old.clamp, clip_bounds(node, ctx)))
                step = _build(fused, ctx)
                steps[steps.index(producer)] = step
                by_output[node.outputs[0]] = step
                continue
            step = _build(node, ctx)
            steps.append(step)
            by_output[step.output_name] = step
        self._steps = steps
        # Where each tensor is stored; the layout conversions each step needs.
        stored = {name: info.perm for name, info in ctx.info.items()}
        seen = set()
        for step in steps:
            for name, perm in step.inputs:
                axes = _layout.relative(stored[name], perm)
                if axes is not None and (name, perm) not in seen:
                    seen.add((name, perm))
                    step.converts.append((name, stored[name], perm, _layout.moves_data(
                        stored[name], perm, ctx.info[name].ones)))
        self._plan = [(s.run, [(n, _layout.relative(stored[n], p)) for n, p in s.inputs],
                       s.output_name) for s in steps]
        self._output_axes = [(o.name, _layout.relative(stored[o.name], _layout.identity(
            ctx.info[o.name].rank))) for o in self.outputs]
        self._stored = stored
        self._ones = {name: info.ones for name, info in ctx.info.items()}
        used = {n for s in steps for n, _ in s.inputs} | {o.name for o in self.outputs}
        self._constants = {n: c for n, c in graph.constants.items() if n in used}
        self._all_constants = graph.constants
        for value in self._constants.values():
            value.flags.writeable = False  # constants to the replays
        self._lock = threading.Lock()
        self._replayable = all(not s.numpy or s.view for s in steps)
        self._replays = {}  # feed signature -> (Recording, output arrays), or why not (str)
        self._seen = set()  # feed signatures run once

    # ---- running ---------------------------------------------------------------------------
    def _feeds(self, args, kwargs):
        """{input name: array} from positional and keyword inputs, checked against the
        declared dtypes and shapes (TypeError / ValueError naming the input)."""
        if len(args) > len(self.inputs):
            raise TypeError(f"the model takes {len(self.inputs)} input(s), got {len(args)}")
        given = dict(zip((i.name for i in self.inputs), args))
        for name, value in kwargs.items():
            if name not in {i.name for i in self.inputs}:
                raise TypeError(f"the model has no input named {name!r} (inputs: "
                                f"{', '.join(i.name for i in self.inputs)})")
            if name in given:
                raise TypeError(f"input {name!r} given twice")
            given[name] = value
        feeds, symbols = {}, {}
        for info in self.inputs:
            if info.name not in given:
                raise TypeError(f"input {info.name!r} is missing")
            a = given[info.name]
            if not isinstance(a, np.ndarray):
                raise TypeError(f"input {info.name!r} must be a numpy.ndarray, got "
                                f"{type(a).__name__}")
            if a.dtype != info.dtype:
                raise TypeError(f"input {info.name!r} must have dtype {info.dtype}, got "
                                f"{a.dtype}")
            if a.ndim != len(info.shape):
                raise ValueError(f"input {info.name!r} must have rank {len(info.shape)} "
                                 f"{list(info.shape)}, got shape {a.shape}")
            for axis, (size, want) in enumerate(zip(a.shape, info.shape)):
                if isinstance(want, int) and size != want:
                    raise ValueError(f"input {info.name!r} must have shape {list(info.shape)}, "
                                     f"got {a.shape} (axis {axis})")
                if isinstance(want, str) and symbols.setdefault(want, size) != size:
                    raise ValueError(f"input {info.name!r}: dimension {want!r} is "
                                     f"{symbols[want]} elsewhere, {size} here")
            feeds[info.name] = a
        return feeds

    def _execute(self, feeds):
        arrays = [feeds[i.name] for i in self.inputs]
        key = tuple((a.shape, a.dtype, a.flags.c_contiguous) for a in arrays)
        replay = self._replays.get(key)
        if type(replay) is tuple and replay[0].replay(arrays):
            return [np.array(y, copy=True, order="C") for y in replay[1]]
        recording = None
        if replay is None and key in self._seen and self._replayable:
            # Operators and buffers for these shapes exist since the first run.
            recording = _native.Recording()
            _native.record(recording)
        try:
            outputs = self._run_steps(feeds)
        finally:
            if recording is not None:
                _native.record(None)
        if recording is not None:
            if len(self._replays) >= _MAX_REPLAYS:
                self._replays.clear()
            why = recording.finish(arrays, outputs)
            self._replays[key] = (recording, outputs) if why is None else why
        if len(self._seen) >= _MAX_REPLAYS:
            self._seen.clear()
        self._seen.add(key)
        return [np.array(y, copy=True, order="C") for y in outputs]

    def _run_steps(self, feeds):
        """The outputs (views in ONNX layout) of running the steps on `feeds`."""
        env = dict(self._constants)
        env.update(feeds)
        converted = {}
        for run, args, output in self._plan:
            values = []
            for name, axes in args:
                if axes is None:
                    values.append(env[name])
                    continue
                value = converted.get((name, axes))
                if value is None:
                    value = converted[(name, axes)] = _layout.convert(env[name], axes)
                values.append(value)
            env[output] = run(*values)
        return [env[name] if axes is None else env[name].transpose(axes)
                for name, axes in self._output_axes]

    def __call__(self, *args, **kwargs):
        """Runs the model: inputs positionally (in declared order) or by name, NumPy arrays
        of the declared dtype and shape. Returns the output array, or a tuple of them when
        the model has several outputs. The model reuses its internal buffers between calls
        (calls from several threads take turns)."""
        feeds = self._feeds(args, kwargs)
        with self._lock:
            results = self._execute(feeds)
        return results[0] if len(results) == 1 else tuple(results)

    # ---- introspection ---------------------------------------------------------------------
    @property
    def steps(self):
        """The steps in execution order, as StepInfo records."""
        return [StepInfo(s.name, s.node.op_type, s.node.domain, tuple(s.node.fused),
                         tuple(s.node.inputs), dict(s.node.attrs), s.output_name,
                         tuple(n for n, _ in s.inputs),
                         tuple((t, _layout.name(a), _layout.name(b), copies)
                               for t, a, b, copies in s.converts),
                         s.node.clamp, s.runs)
                for s in self._steps]

    def constant(self, name):
        """A read-only view of the constant (initializer) `name` the steps use."""
        value = self._all_constants[name].view()
        value.flags.writeable = False
        return value

    def run_step(self, name, inputs):
        """Runs the step of node `name` alone on `inputs` ({tensor name: array in ONNX
        layout}); returns its output in ONNX layout. For checking a model node by node
        against another runtime's intermediate tensors."""
        step = next((s for s in self._steps if s.name == name), None)
        if step is None:
            raise KeyError(f"no step named {name!r}")
        values = []
        for tensor, perm in step.inputs:
            value = inputs[tensor] if tensor in inputs else self._constants[tensor]
            axes = _layout.relative(_layout.identity(value.ndim), perm)
            values.append(value if axes is None else _layout.convert(value, axes))
        with self._lock:
            y = step.run(*values)
        axes = _layout.relative(step.output.perm, _layout.identity(step.output.rank))
        return np.array(y if axes is None else y.transpose(axes), copy=True, order="C")

    def summary(self):
        """A table of the steps: each node, the ONNX operators it covers and what runs it
        (the qnnpack_swift operator, or the NumPy fallback), plus layout conversions."""
        rows = [(str(i), s.name, "+".join(op for _, op in s.node.fused), s.runs, s.converts)
                for i, s in enumerate(self._steps)]
        w_name = max([len(r[1]) for r in rows] + [4])
        w_ops = max([len(r[2]) for r in rows] + [10])
        lines = [f"qnnpack_swift ONNX model {self.name!r} (opset {self.opset}): "
                 f"{len(self._steps)} steps",
                 "inputs:  " + ", ".join(map(repr, self.inputs)),
                 "outputs: " + ", ".join(map(repr, self.outputs)),
                 f"{'#':>3}  {'node':<{w_name}}  {'ONNX op(s)':<{w_ops}}  runs on"]
        for index, name, ops, runs, converts in rows:
            lines.append(f"{index:>3}  {name:<{w_name}}  {ops:<{w_ops}}  {runs}")
            for tensor, old, new, copies in converts:
                how = "transposed once per run" if copies else "only size-1 axes move, no copy"
                lines.append(f"{'':>3}  {'':<{w_name}}  {'':<{w_ops}}    (reads {tensor!r} "
                             f"{_layout.name(old)} → {_layout.name(new)}: {how})")
        for name, axes in self._output_axes:
            if axes is not None:
                perm = self._stored[name]
                how = ("transposed" if _layout.moves_data(perm, _layout.identity(len(perm)),
                                                          self._ones[name])
                       else "only size-1 axes move, no copy")
                lines.append(f"output {name!r} is returned {_layout.name(perm)} → ONNX layout "
                             f"({how})")
        fallbacks = [s.name for s in self._steps if s.numpy]
        counts = {}
        for s in self._steps:
            key = "NumPy" if s.numpy else s.runs.split(" ")[0].split("(")[0]
            counts[key] = counts.get(key, 0) + 1
        lines.append("runs on: " + ", ".join(f"{k} ×{n}" for k, n in sorted(counts.items())))
        if fallbacks:
            lines.append(f"NumPy fallback (exact): {', '.join(fallbacks)}")
        if not self._replayable:
            lines.append("native replay: no (NumPy steps)")
        for key, replay in self._replays.items():
            shapes = ", ".join(f"{dtype} {list(shape)}" for shape, dtype, _ in key)
            lines.append(f"native replay for inputs {shapes}: " + (
                f"{replay[0].calls} library calls" if type(replay) is tuple
                else f"no ({replay})"))
        return "\n".join(lines)

    def __repr__(self):
        return (f"<qnnpack_swift.onnx.Model {self.name!r}: {len(self._steps)} steps, "
                f"inputs {[i.name for i in self.inputs]}, outputs {[o.name for o in self.outputs]}>")

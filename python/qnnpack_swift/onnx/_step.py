"""What every operator mapping shares: the Step it builds, the registry of mappings and the
load-time context (tensor dtypes and layouts, constants, quantization parameters).

A mapping is `build(node, ctx) -> Step`, registered for its (domain, op_type) with
`@register`. It validates the node, prepacks what it can (weights, parameters) and
returns a Step whose `run(*arrays)` computes the node's one output from its runtime
inputs, each already in the layout the step asked for.
"""
import sys

import numpy as np

from .. import _validation as v
from . import _layout

REGISTRY = {}
QUANTIZED = (np.dtype(np.uint8), np.dtype(np.int8))
FLOAT32 = np.dtype(np.float32)


def register(*op_types, domain=""):
    def decorate(build):
        for op_type in op_types:
            REGISTRY[(domain, op_type)] = build
        return build
    return decorate


class TensorInfo:
    """Load-time facts about a tensor: dtype, rank, the perm it is stored with and the
    logical axes known to have size 1 (`ones`: moving those moves no data)."""

    __slots__ = ("dtype", "rank", "perm", "ones")

    def __init__(self, dtype, rank, perm=None, ones=()):
        self.dtype, self.rank = np.dtype(dtype), rank
        self.perm = _layout.identity(rank) if perm is None else tuple(perm)
        self.ones = frozenset(ones)


class Step:
    """One node of the plan: `run(*arrays)` → the output array (stored with `output.perm`).

    `inputs` are (tensor name, perm the array must have). `runs` says what computes it
    (the summary's right column); `numpy` marks the NumPy fallback, `view` a NumPy step
    that only reshapes (a view, unless its input is not contiguous).
    """

    __slots__ = ("node", "inputs", "run", "output", "runs", "numpy", "view", "converts")

    def __init__(self, node, inputs, run, output, runs, numpy=False, view=False):
        self.node, self.inputs, self.run = node, list(inputs), run
        self.output, self.runs, self.numpy, self.view = output, runs, numpy, view
        self.converts = []

    @property
    def name(self):
        return self.node.name

    @property
    def output_name(self):
        return self.node.outputs[0]


class Reused:
    """The output array of a step, handed back as `out=` while the input shapes repeat:
    a model reuses its buffers from one run to the next."""

    __slots__ = ("key", "array")

    def __init__(self):
        self.key = self.array = None

    def __call__(self, key, compute):
        y = compute(self.array if key == self.key else None)
        self.key, self.array = key, y
        return y


def unsupported(node, why):
    return NotImplementedError(f"{node.describe()}: {why}")


def qs_operator(node, name):
    """The qnnpack_swift function `name`; NotImplementedError naming the node when this
    build of the package does not have it."""
    function = getattr(sys.modules[__package__.rpartition(".")[0]], name, None)
    if function is None:
        raise unsupported(node, f"qnnpack_swift has no {name} operator in this build")
    return function


class Context:
    """Load-time state: the graph, and a TensorInfo for every tensor built so far."""

    def __init__(self, graph):
        self.graph = graph
        self.info = {i.name: TensorInfo(i.dtype, len(i.shape)) for i in graph.inputs}
        for name, value in graph.constants.items():
            self.info[name] = TensorInfo(value.dtype, value.ndim)

    # ---- inputs ------------------------------------------------------------------------
    def is_constant(self, name):
        return name in self.graph.constants

    def constant(self, node, index, what, default=None, required=False):
        """Input `index` as a NumPy array (it must be an initializer or Constant);
        `default` when absent; ValueError if `required` and absent."""
        name = node.input(index)
        if name is None:
            if required:
                raise ValueError(f"{node.describe()}: the required input {what} is missing")
            return default
        if name not in self.graph.constants:
            raise unsupported(node, f"{what} ({name!r}) must be a constant (an initializer), "
                                    f"not computed at run time")
        return self.graph.constants[name]

    def tensor(self, node, index, what):
        """(name, TensorInfo) of the runtime input `index` (required)."""
        name = node.input(index)
        if name is None:
            raise ValueError(f"{node.describe()}: the required input {what} is missing")
        return name, self.info[name]

    def quantized(self, node, index, what):
        """(name, TensorInfo) of input `index`, which must be uint8 / int8."""
        name, info = self.tensor(node, index, what)
        if info.dtype not in QUANTIZED:
            raise unsupported(node, f"{what} {name!r} is {info.dtype}; only uint8 and int8 "
                                    f"tensors are supported here")
        return name, info

    def qparams(self, node, scale_index, zero_point_index, what, channels=None,
                absent_dtype=np.uint8):
        """(scale, zero_point, dtype) from the constant scale / zero point inputs.

        Scalars (or one-element arrays) give a float and an int; with `channels`, 1-D
        arrays of that length give float32 / int32 arrays (per channel). An absent zero
        point is uint8 0, as ONNX says."""
        scale = np.asarray(self.constant(node, scale_index, f"{what} scale", required=True))
        zero_point = self.constant(node, zero_point_index, f"{what} zero point")
        zero_point = np.zeros((), absent_dtype) if zero_point is None else np.asarray(zero_point)
        dtype = zero_point.dtype
        if dtype not in QUANTIZED:
            raise unsupported(node, f"{what} zero point has dtype {dtype}; only uint8 and "
                                    f"int8 quantization is supported")
        if scale.dtype.kind != "f":
            raise ValueError(f"{node.describe()}: {what} scale must be a float tensor, "
                             f"got {scale.dtype}")
        scalar = scale.size == 1 and zero_point.size <= 1
        if scalar:
            s, z = float(scale.reshape(())), int(zero_point.reshape(-1)[0]) if zero_point.size else 0
        elif channels is None:
            raise unsupported(node, f"{what} must be quantized per tensor (got scale shape "
                                    f"{scale.shape}, zero point shape {zero_point.shape})")
        else:
            if scale.ndim != 1 or scale.size != channels or zero_point.size not in (1, channels):
                raise ValueError(f"{node.describe()}: per-channel {what} scale / zero point must "
                                 f"have length {channels}, got shapes {scale.shape} and "
                                 f"{zero_point.shape}")
            s = scale.astype(np.float32)
            z = np.broadcast_to(zero_point.astype(np.int32).reshape(-1), (channels,))
        try:
            v.scale(s, f"{what} scale", None if scalar else channels)
        except ValueError as error:
            raise ValueError(f"{node.describe()}: {error}") from None
        return s, z, dtype

    def io_qparams(self, node, dtype, slots=(("input", 1), ("output", 3))):
        """(keyword arguments, clamp description) of a qs call: `{prefix}_scale` and
        `{prefix}_zero_point` for each (prefix, scale index) of `slots` (zero point at the
        next index), all for `dtype` data, and output_min / output_max of the fused clamp."""
        params = {}
        for prefix, index in slots:
            scale, zero_point, zp_dtype = self.qparams(node, index, index + 1, prefix)
            if zp_dtype != dtype:
                raise unsupported(node, f"the {prefix} zero point is {zp_dtype}, the data {dtype}")
            params[f"{prefix}_scale"], params[f"{prefix}_zero_point"] = scale, zero_point
        lo, hi = self.clamp(node, dtype)
        params.update(output_min=lo, output_max=hi)
        return params, describe_clamp(lo, hi)

    def attr(self, node, name, default):
        return node.attrs.get(name, default)

    # ---- outputs -----------------------------------------------------------------------
    def step(self, node, inputs, run, dtype, rank, perm, runs, numpy=False, ones=(), view=False):
        """The Step of `node`, recording its output's TensorInfo."""
        output = TensorInfo(dtype, rank, perm, ones)
        self.info[node.outputs[0]] = output
        return Step(node, inputs, run, output, runs, numpy, view)

    def clamp(self, node, dtype):
        """(output_min, output_max) of the node's fused clamp, None for an open bound."""
        if node.clamp is None:
            return None, None
        lo, hi = node.clamp
        qmin, qmax = v.qrange(dtype)
        return (None if lo is None or lo <= qmin else int(lo),
                None if hi is None or hi >= qmax else int(hi))


def describe_clamp(lo, hi):
    if lo is None and hi is None:
        return ""
    return f", clamp [{'' if lo is None else lo}, {'' if hi is None else hi}]"


def prepack(node, cls, *args, **kwargs):
    """`cls(*args, **kwargs)` (a prepacked qs operator); its TypeError (a dtype combination
    qs does not run) becomes NotImplementedError, its ValueError names the node."""
    try:
        return cls(*args, **kwargs)
    except TypeError as error:
        raise unsupported(node, str(error)) from None
    except ValueError as error:
        raise ValueError(f"{node.describe()}: {error}") from None


def single_output(node):
    if len([o for o in node.outputs if o]) != 1:
        raise unsupported(node, f"only its first output is supported, the model uses "
                                f"{len(node.outputs)}")

"""Small quantized ONNX graphs for the importer tests, built with onnx.helper from seeded
random parameters, and the checks every importer test makes.

`Graph` collects nodes, initializers, inputs and outputs; `q(...)` adds a (scale, zero
point) pair; the `*_params` helpers make quantized weights and output scales that keep
outputs informative (accumulator spread over about ±40 LSB). `check(model, feeds)` loads
the model with qnnpack_swift, runs it four times (buffers reused, the library calls
recorded and replayed) and compares every output bit for bit with the §3 interpreter
(tests/_onnx_reference.py).
"""
import importlib.util
import pathlib

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import _onnx_reference
from _support import assert_same, qrange

MS = "com.microsoft"
ROOT = pathlib.Path(__file__).resolve().parents[1]
_ELEM = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.uint8): TensorProto.UINT8,
         np.dtype(np.int8): TensorProto.INT8, np.dtype(np.int32): TensorProto.INT32,
         np.dtype(np.int64): TensorProto.INT64}


class Graph:
    """A graph under construction; `model()` gives the ModelProto."""

    def __init__(self, seed, tag="graph"):
        self.rng = np.random.default_rng([sum(map(ord, tag)), seed])
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self.count = 0
        self.domains = {""}

    def name(self, base):
        self.count += 1
        return f"{base}{self.count}"

    def const(self, base, array):
        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def value(self, name):
        """The value of the initializer `name`."""
        return numpy_helper.to_array(next(t for t in self.initializers if t.name == name))

    def input(self, name, dtype, shape):
        self.inputs.append(helper.make_tensor_value_info(name, _ELEM[np.dtype(dtype)], shape))
        return name

    def output(self, name, dtype, shape=None):
        self.outputs.append(helper.make_tensor_value_info(name, _ELEM[np.dtype(dtype)], shape))

    def node(self, op_type, inputs, domain="", name=None, **attrs):
        self.domains.add(domain)
        out = self.name(op_type.lower() + "_out")
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], domain=domain,
                                           name=name or self.name(op_type), **attrs))
        return out

    def q(self, scale, zero_point, dtype=np.uint8):
        """(scale name, zero point name) of a quantization parameter pair."""
        return (self.const("scale", np.asarray(scale, np.float32)),
                self.const("zero_point", np.asarray(zero_point, dtype)))

    def random_q(self, dtype=np.uint8, lo=0.01, hi=0.05):
        qmin, qmax = qrange(dtype)
        scale = float(np.exp(self.rng.uniform(np.log(lo), np.log(hi))))
        return self.q(scale, int(self.rng.integers(qmin + 20, qmax - 20)), dtype), scale

    def input_q(self, dtype=np.uint8):
        """(scale name, zero point name), scale: parameters covering image()'s [-1, 2)."""
        qmin = qrange(dtype)[0]
        scale = float(self.rng.uniform(3.0, 4.0)) / 255.0
        return self.q(scale, qmin + int(round(1.0 / scale)) + int(self.rng.integers(0, 10)),
                      dtype), scale

    def model(self, opset=13):
        imports = [helper.make_opsetid(d, opset if d == "" else 1) for d in sorted(self.domains)]
        graph = helper.make_graph(self.nodes, "test", self.inputs, self.outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=imports)
        model.ir_version = 8
        return model


def weight_params(g, shape, dtype, per_channel, transpose=False):
    """(weight, scale, zero point) initializer names and the float32 scales of random
    weights of `shape` [C_out, ...] centred on their zero point (int8: 0; uint8: about
    128), one scale per output channel or one in all; `transpose` stores a 2-D weight as
    [K, C_out] (MatMul's B)."""
    channels = shape[0]
    count = channels if per_channel else 1
    zp = (np.zeros(count, np.int64) if dtype == np.int8
          else g.rng.integers(120, 137, count))
    w = zp.reshape((-1,) + (1,) * (len(shape) - 1)) + g.rng.integers(-120, 121, shape)
    qmin, qmax = qrange(dtype)
    w = np.clip(w, qmin, qmax).astype(dtype)
    scale = np.exp(g.rng.uniform(np.log(0.002), np.log(0.02), count)).astype(np.float32)
    if not per_channel:
        scale, zp = scale[0], zp[0]
    return (g.const("w", w.T.copy() if transpose else w), g.const("w_scale", scale),
            g.const("w_zero_point", np.asarray(zp, dtype)), scale)


def output_scale(x_scale, w_scale, fan_in):
    """An output scale spreading the accumulator (std ≈ √K·74²) over about ±40 LSB."""
    return float(x_scale * np.mean(w_scale) * np.sqrt(fan_in) * 74.0 * 74.0 / 40.0)


def int32_bias(g, channels, spread=3000):
    return g.const("bias", g.rng.integers(-spread, spread, channels).astype(np.int32))


def image(g, shape, dtype=np.float32):
    """A seeded input: float in [-1, 2) or random quantized values."""
    if np.dtype(dtype) == np.float32:
        return g.rng.uniform(-1.0, 2.0, shape).astype(np.float32)
    qmin, qmax = qrange(dtype)
    return g.rng.integers(qmin, qmax + 1, shape).astype(dtype)


def load_qs():
    import qnnpack_swift as qs  # noqa: PLC0415
    return qs


def check(model, feeds, expect_informative=True):
    """Loads `model` with qnnpack_swift, runs it four times and asserts every output equals
    the §3 interpreter bit for bit; returns the loaded model.

    The second call reuses every buffer and records the library calls; the third (on other
    inputs of the same shapes: `feeds` reversed along every axis) and the fourth replay
    them, when the model can be replayed."""
    qs = load_qs()
    data = model.SerializeToString()
    m = qs.onnx.load(data)
    other = {k: np.ascontiguousarray(np.flip(v)) for k, v in feeds.items()}
    expected = _onnx_reference.run(model, **feeds)
    expected_other = _onnx_reference.run(model, **other)
    before = {k: v.copy() for k, v in feeds.items()}
    for inputs, want in ((feeds, expected), (feeds, expected), (other, expected_other),
                         (feeds, expected)):
        got = m(**inputs)
        got = list(got) if isinstance(got, tuple) else [got]
        assert len(got) == len(want)
        for g, e in zip(got, want):
            assert_same(g, np.ascontiguousarray(e))
    for k, v in feeds.items():
        assert np.array_equal(before[k], v), f"input {k} was modified"
    if expect_informative:
        for e in expected:
            if e.dtype in (np.uint8, np.int8):
                lo, hi = qrange(e.dtype)
                assert np.mean((e > lo) & (e < hi)) >= 0.5, "the case is mostly saturated"
    return m


def load_benchmark(name):
    """A module of benchmarks/ (make_mobilenet_v2, ort_parity), imported by path."""
    path = ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


"""Quantized ONNX models on qnnpack_swift (API.md §5).

    m = qnnpack_swift.onnx.load("model.onnx")   # a path, bytes or an onnx.ModelProto
    y = m(x)                                     # NumPy in, NumPy out, as the model declares
    print(m.summary())                           # each node and what runs it

Both formats `onnxruntime.quantization` writes are read: QOperator (QLinearConv, ...) and
QDQ (QuantizeLinear / DequantizeLinear pairs around float operators, fused here into the
same prepacked operators). uint8 and int8 activations, uint8 / int8 weights, per tensor
or per channel. NCHW graphs run NHWC inside: weights are repacked at load, and tensors are
transposed only where the model's own layout meets an NHWC operator (normally just after
its input). Every weighted operator is prepacked once (qs.Conv2d, qs.Linear); a quantized
Relu / Clip is fused into the operator before it; buffers are reused between calls.

ONNX operators supported (`SUPPORTED_OPS`):

- QOperator: QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QGemm,
  QLinearAdd, QLinearMul, QLinearGlobalAveragePool, QLinearAveragePool, QLinearSigmoid,
  QLinearLeakyRelu, QLinearSoftmax, QLinearConcat (com.microsoft where ONNX has none),
  MaxPool, Relu / Clip (on quantized tensors: qs.clamp or fused).
- QDQ groups `DQ → op → [Relu|Clip] → Q` around Conv, MatMul, Gemm, Add, Mul, AveragePool,
  GlobalAveragePool, Sigmoid, LeakyRelu, Softmax, Concat; and MaxPool, Relu, Clip,
  Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity where Q repeats DQ's
  parameters.
- Anywhere, through NumPy (exact): Reshape, Flatten, Squeeze, Unsqueeze, Identity,
  Transpose (a relabelling, no copy), Relu / Clip on float tensors, int32
  DequantizeLinear.

Multiply, concatenate, sigmoid, leaky_relu and softmax run when this build of
qnnpack_swift has those operators; otherwise loading a model that uses them raises
NotImplementedError. So does any other operator, naming the node and its op type.
A malformed model (undecodable, truncated, failing onnx.checker, a missing initializer
or tensor) raises ValueError. The `onnx` package is needed to load, not to import this.
"""
from . import _activation, _binary, _concat, _conv, _matmul, _pooling, _quantize, _shape  # noqa: F401  (register the mappings)
from ._graph import read as _read
from ._model import Model
from ._step import REGISTRY as _REGISTRY

__all__ = ["Model", "SUPPORTED_OPS", "load"]

SUPPORTED_OPS = tuple(sorted(op for _, op in _REGISTRY))


def load(path_or_bytes):
    """Loads a quantized ONNX model (a file path, its bytes, or an onnx.ModelProto) and
    prepares it to run on qnnpack_swift; returns a callable :class:`Model`.

    Raises ValueError for a malformed model, NotImplementedError naming the first node
    that cannot run, FileNotFoundError for a missing file, ImportError without `onnx`.
    """
    return Model(_read(path_or_bytes))

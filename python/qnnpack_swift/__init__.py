"""qnnpack_swift — QNNPACK-style quantized neural-network operators (Swift kernels) for NumPy.

Conventions (API.md §1):

- Activations are NHWC ``[N, H, W, C]``; fully connected inputs ``[..., K]``.
- Convolution weights are OHWI ``[C_out, KH, KW, C_in / groups]`` (from PyTorch:
  ``w.transpose(0, 2, 3, 1)``); fully connected weights ``[C_out, K]``.
- Quantized arrays are uint8 or int8 NumPy arrays; the activation dtype is the output
  dtype. uint8 activations take uint8 or int8 weights, int8 activations int8 weights.
- Quantization parameters are keyword arguments: ``input_scale``, ``input_zero_point``,
  ``output_scale``, ``output_zero_point`` (``a_*`` / ``b_*`` for binary operators);
  weight scales and zero points are scalars or length-``C_out`` arrays (per channel).
- ``output_min`` / ``output_max`` clamp in the quantized domain (fused ReLU / ReLU6).
- Every function returning an array accepts ``out=``; inputs are never modified.
- Wrong dtype → TypeError; wrong shape or value → ValueError naming the parameter.
- Weighted operators also exist as prepacked classes (``Conv2d``, ``ConvTranspose2d``,
  ``Linear``, ``DynamicLinear``, ``LocallyConnected2d``): create once, call many times.
- ``qnnpack_swift.onnx.load(path)`` runs quantized ONNX models (needs the ``onnx`` package).
"""
try:
    from . import _native  # noqa: F401  (the compiled extension)
except ImportError as error:  # pragma: no cover
    raise ImportError("qnnpack_swift._native is not built; install the package with "
                      "`pip install .` (it builds the Swift library and the extension)") from error

from .activations import hardsigmoid, hardswish, leaky_relu, sigmoid, softmax, tanh
from .conv2d import Conv2d, conv2d
from .deconv2d import ConvTranspose2d, conv_transpose2d
from .elementwise import add, channel_shuffle, clamp, concatenate, multiply
from .embedding import embedding_bag
from .linear import DynamicLinear, Linear, dynamic_linear, linear
from .locally_connected import LocallyConnected2d, locally_connected2d
from .normalization import batch_norm2d, group_norm, layer_norm
from .resize import resize2d
from .pooling import avg_pool2d, global_avg_pool2d, max_pool2d
from .quantization import choose_qparams, dequantize, quantize, requantize
from . import onnx
from .runtime import (cpu_features, get_kernel_family, get_num_threads, operators,
                      set_kernel_family, set_num_threads)

__version__ = "0.1.0"

__all__ = [
    "Conv2d",
    "ConvTranspose2d",
    "DynamicLinear",
    "Linear",
    "LocallyConnected2d",
    "__version__",
    "add",
    "avg_pool2d",
    "batch_norm2d",
    "channel_shuffle",
    "choose_qparams",
    "clamp",
    "concatenate",
    "conv2d",
    "conv_transpose2d",
    "cpu_features",
    "dequantize",
    "dynamic_linear",
    "embedding_bag",
    "get_kernel_family",
    "get_num_threads",
    "global_avg_pool2d",
    "group_norm",
    "hardsigmoid",
    "hardswish",
    "layer_norm",
    "leaky_relu",
    "linear",
    "locally_connected2d",
    "max_pool2d",
    "multiply",
    "onnx",
    "operators",
    "quantize",
    "requantize",
    "resize2d",
    "set_kernel_family",
    "set_num_threads",
    "sigmoid",
    "softmax",
    "tanh",
]

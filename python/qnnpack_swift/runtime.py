"""Threads, CPU features, kernel families and introspection (API.md §1, §6)."""
import sys

from . import _native
from . import _validation as v

__all__ = ["cpu_features", "get_kernel_family", "get_num_threads", "operators",
           "set_kernel_family", "set_num_threads"]

# Bit i of qnnps_cpu_features() (enum qnnps_cpu_feature of the header).
_FEATURES = ("sse2", "ssse3", "sse4_1", "avx", "avx2", "fma", "avx512f", "avx512bw",
             "avx512vl", "avx512vnni", "avxvnni")

# The operator names of API.md §4; operators() lists those this package defines.
_API_OPERATORS = (
    "conv2d", "Conv2d", "conv_transpose2d", "ConvTranspose2d", "linear", "Linear",
    "locally_connected2d", "LocallyConnected2d", "dynamic_linear", "max_pool2d",
    "avg_pool2d", "global_avg_pool2d", "add", "multiply", "concatenate", "clamp",
    "channel_shuffle", "sigmoid", "tanh", "hardsigmoid", "hardswish", "leaky_relu", "softmax",
    "group_norm", "batch_norm2d", "layer_norm", "resize2d", "embedding_bag",
)


def set_num_threads(num_threads):
    """Sets the number of threads kernels use (an int >= 1). Results do not depend on it."""
    _native.set_num_threads(v.integer(num_threads, "num_threads", 1, v.MAX_SIZE))


def get_num_threads():
    """The number of threads kernels use (default: the number of online CPUs)."""
    return _native.get_num_threads()


def _kernel_families():
    """Names of every kernel family the library knows, lowest first."""
    names = []
    while (name := _native.isa_name(len(names))) is not None:
        names.append(name)
    return names


def get_kernel_family():
    """Name of the kernel family operators created from now on use ("portable", "avx2",
    "avx512vnni")."""
    return _native.isa_name(_native.get_isa())


def set_kernel_family(name):
    """Makes operators created from now on use the kernel family `name` (see
    ``cpu_features()["supported_kernel_families"]``). ValueError for an unknown name,
    RuntimeError when this CPU cannot run it."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {name!r}")
    families = _kernel_families()
    if name not in families:
        raise ValueError(f"unknown kernel family {name!r}; known: {', '.join(families)}")
    _native.set_isa(families.index(name))


def cpu_features():
    """The ISA features detected (a bool per feature), the kernel family in use
    ("kernel_family") and those this CPU can run, lowest first
    ("supported_kernel_families")."""
    bits = _native.cpu_features()
    features = {name: bool(bits >> i & 1) for i, name in enumerate(_FEATURES)}
    features["kernel_family"] = get_kernel_family()
    features["supported_kernel_families"] = _kernel_families()[:_native.best_isa() + 1]
    return features


def operators():
    """Sorted names of the API.md §4 operators (functions and classes) implemented."""
    package = sys.modules[__package__]
    return sorted(name for name in _API_OPERATORS if hasattr(package, name))

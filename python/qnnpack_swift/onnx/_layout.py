"""Tensor layouts as permutations.

A tensor whose ONNX (logical) value is `L` is stored as `L.transpose(perm)`. ONNX image
tensors are NCHW; qnnpack_swift's window operators read NHWC, so their inputs and outputs
have perm NHWC = (0, 2, 3, 1). A Transpose node only relabels (the stored array is kept),
and an operator that needs another layout transposes its input once per run.
"""
import math

import numpy as np

from .. import _native

_QUANTIZED = (np.dtype(np.uint8), np.dtype(np.int8))

NHWC = (0, 2, 3, 1)


def identity(rank):
    return tuple(range(rank))


def relative(stored, required):
    """Axes turning an array stored with `stored` into one stored with `required`, or None
    when nothing moves. (Stored axis i holds logical axis stored[i].)"""
    if tuple(stored) == tuple(required):
        return None
    return tuple(stored.index(axis) for axis in required)


def moves_data(stored, required, ones):
    """Whether converting from `stored` to `required` moves data: not when only logical
    axes in `ones` (size 1) change places."""
    return [a for a in stored if a not in ones] != [a for a in required if a not in ones]


def convert(array, axes):
    """`array.transpose(axes)` as a C-contiguous array (no copy when only size-1 axes
    move, since NumPy then already sees it as contiguous)."""
    moved = array.transpose(axes)
    channels = moved.shape[-1] if moved.ndim else 0
    k = axes[-1] if axes else 0
    if (1 < channels <= 16 and not moved.flags.c_contiguous and array.dtype in _QUANTIZED
            and array.flags.c_contiguous and tuple(axes) == tuple(a for a in range(array.ndim) if a != k) + (k,)):
        # One axis of few entries moving last in quantized data (NCHW → NHWC images): per
        # outer index a (C, rest) → (rest, C) transpose, which is exactly a channel shuffle
        # with C groups (native, 2× faster than the per-channel copies below).
        outer = array.reshape(math.prod(array.shape[:k]), -1)
        out = np.empty(outer.shape, array.dtype)
        _native.channel_shuffle(outer, out, channels)
        return out.reshape(moved.shape)
    if 1 < channels <= 16 and not moved.flags.c_contiguous:
        # Few channels moving last (NCHW → NHWC images): one copy per channel, each reading
        # contiguous rows, is 4-7× faster than NumPy's element-by-element transpose.
        out = np.empty(moved.shape, moved.dtype)
        for c in range(channels):
            out[..., c] = moved[..., c]
        return out
    return np.ascontiguousarray(moved)


def stored_axis(perm, axis):
    """Where logical axis `axis` (negative allowed) sits in the stored array."""
    return perm.index(axis % len(perm))


def after_transpose(stored, transpose_perm):
    """The perm of Transpose(transpose_perm)'s output when it keeps its input's storage."""
    return tuple(transpose_perm.index(axis) for axis in stored)


def name(perm):
    """A short name for the summary: NCHW-style letters for rank 4, else the axes."""
    if len(perm) == 4:
        return "".join("NCHW"[axis] for axis in perm)
    return "(" + ",".join(map(str, perm)) + ")"

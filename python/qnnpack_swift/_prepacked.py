"""The part Conv2d and Linear share: weights, quantization parameters and native operators.

A native operator is created for one activation dtype (and, for convolutions, one padding).
uint8 weights only take uint8 activations, so their operator is created in the constructor;
int8 weights take uint8 or int8 activations, so unless `input_dtype=` pins it, the operator
for a dtype is created on the first call with that dtype and cached.
"""
import functools
import math

import numpy as np

from . import _validation as v

_MAX_CACHED_OPERATORS = 32


class PrepackedOperator:
    """Base of the prepacked classes: validates everything but the input at construction."""

    _weight_ndim = 0
    _weight_layout = ""
    _channel_axis = 0  # the weight axis of the output channels

    def __init__(self, weight, bias, *, input_scale, input_zero_point, weight_scale,
                 weight_zero_point, output_scale, output_zero_point, output_min, output_max,
                 input_dtype):
        w = v.q_array(weight, "weight")
        v.check_ndim(w, self._weight_ndim, "weight", self._weight_layout, batch=False)
        # A private, read-only copy: later edits of the caller's array change nothing.
        self._weight = np.array(w, copy=True)
        self._weight.flags.writeable = False
        self.output_channels = w.shape[self._channel_axis]
        if input_dtype is not None:
            pinned = v.q_dtype(input_dtype, "input_dtype")
            v.check_weight_dtype(pinned, w.dtype)
            candidates = (pinned,)
        else:
            candidates = (v.UINT8,) if w.dtype == v.UINT8 else (v.UINT8, v.INT8)
        self._input_scale = v.scale(input_scale, "input_scale")
        self._weight_scales, self._weight_zero_points = v.weight_qparams(
            weight_scale, weight_zero_point, w.dtype, self.output_channels)
        self._bias = v.quantize_bias(bias, self._input_scale, self._weight_scales,
                                     self.output_channels, w.shape[:self._channel_axis + 1])
        self._qparams = (input_scale, input_zero_point, output_scale, output_zero_point,
                         output_min, output_max)
        self._resolved = {}
        errors = []
        for dtype in candidates:
            try:
                self._resolved[dtype] = self._resolve(dtype)
            except ValueError as error:
                errors.append(error)
        if not self._resolved:
            raise errors[0]
        self._input_dtypes = candidates
        self._operators = {}
        self._plans = {}  # (dtype, input shape) -> (run(x, y), output shape): the fast path

    @property
    def weight(self):
        """The (read-only) weights the operator was created with."""
        return self._weight

    def _resolve(self, dtype):
        """(input_zero_point, output_scale, output_zero_point, lo, hi) for `dtype` activations."""
        input_scale, input_zero_point, output_scale, output_zero_point, lo, hi = self._qparams
        input_zero_point = v.qparams(input_scale, input_zero_point, dtype, "input")[1]
        output_scale, output_zero_point = v.qparams(output_scale, output_zero_point, dtype,
                                                    "output")
        v.check_multiplier("input_scale * weight_scale / output_scale", output_scale,
                           self._input_scale, self._weight_scales)
        return (input_zero_point, output_scale, output_zero_point, *v.clamp_range(lo, hi, dtype))

    def _check_input(self, x):
        """The activation as a C-contiguous q-array of a dtype this operator accepts."""
        x = v.q_array(x, "x")
        if x.dtype not in self._input_dtypes:
            v.check_weight_dtype(x.dtype, self._weight.dtype)
            raise TypeError(f"x must have dtype {self._input_dtypes[0]} (this operator's "
                            f"input_dtype), got {x.dtype}")
        return x

    def _check_nhwc(self, x):
        """The NHWC activation of a window operator: (x, N, H, W), its channels checked."""
        x = self._check_input(x)
        v.check_ndim(x, 4, "x", "[N, H, W, C]")
        n, height, width, channels = x.shape
        if channels != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels (last axis), got {channels}")
        return x, n, height, width

    def _run_planned(self, x, out):
        """The output of a call on an input (dtype, shape) validated before, None otherwise
        (or when `x` / `out` need the checked path): see v.fast_run."""
        plan = self._plans.get((x.dtype, x.shape))
        if plan is None:
            return None
        return v.fast_run(plan[0], x, out, x.dtype, plan[1])

    def _plan(self, x, shape, native_run, *args):
        """Records the run of validated inputs like `x`: `native_run(*args, x, y)` with an
        output of `shape` (not for empty outputs, which run nothing)."""
        if math.prod(shape):
            if len(self._plans) >= _MAX_CACHED_OPERATORS:
                self._plans.clear()
            self._plans[(x.dtype, x.shape)] = (functools.partial(native_run, *args), shape)

    def _operator(self, dtype, key=()):
        """The native operator for `dtype` activations (and `key`), created once."""
        op = self._operators.get((dtype, key))
        if op is None:
            resolved = self._resolved.get(dtype) or self._resolve(dtype)
            op = self._create(v.native_dtype(dtype), key, resolved)
            if len(self._operators) >= _MAX_CACHED_OPERATORS:
                self._operators.clear()
            self._operators[(dtype, key)] = op
        return op

    def _create(self, native_dtype, key, resolved):
        raise NotImplementedError

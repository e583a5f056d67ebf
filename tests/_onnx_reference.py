"""A NumPy interpreter of quantized ONNX graphs: API.md §3 applied node by node with
`qnnpack_swift.reference`, in ONNX's own layout (each NCHW node transposes to the
reference's NHWC and back). `qs.onnx.load(model)(x)` must equal it bit for bit.

It shares nothing with the importer: it reads the protobuf itself, never changes the
layout of a tensor between nodes and never rewrites the graph. QDQ graphs are read
lazily instead of pattern-matched: DequantizeLinear gives a `Dequantized` value (the
integers and their parameters); a float operator whose inputs are all Dequantized gives a
`Pending` value — the integer operator the group stands for (§3), waiting for the
QuantizeLinear that gives its output parameters; a Relu / Clip on a Pending value becomes
its clamp. Any other use of a Dequantized value computes its float value, exactly as ONNX
defines it. Operators the reference lacks (the lookup-table ones, multiply, concatenate
before they are merged) raise NotImplementedError.
"""
import numpy as np
import onnx
from onnx import numpy_helper

from _support import ref


class Dequantized:
    """DequantizeLinear(q, scale, zero_point) not yet computed."""

    def __init__(self, q, scale, zero_point, axis=None):
        self.q, self.scale, self.zero_point, self.axis = q, scale, zero_point, axis

    def value(self):
        if self.q.dtype == np.int32:
            return (np.float32(self.scale) *
                    (self.q.astype(np.int64) - int(self.zero_point)).astype(np.float32))
        return ref.dequantize(self.q, self.scale, self.zero_point, axis=self.axis)

    def with_q(self, q):
        assert self.axis is None, "per-axis data movement is not interpreted"
        return Dequantized(q, self.scale, self.zero_point)


class Pending:
    """An integer operator waiting for its output parameters: `compute(scale, zero_point,
    dtype, output_min, output_max)`; `bounds` is a float clamp from Relu / Clip."""

    def __init__(self, compute, bounds=(None, None)):
        self.compute, self.bounds = compute, bounds


def _nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def _nchw(a):
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def _scalar(a):
    a = np.asarray(a)
    return a.reshape(-1)[0].item() if a.size == 1 else a


def _window(attrs, kernel):
    strides = tuple(attrs.get("strides", (1, 1)))
    dilations = tuple(attrs.get("dilations", (1, 1)))
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if auto_pad == "SAME_UPPER":
        pads = "same"
    elif auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    else:
        pads = tuple(attrs.get("pads", (0, 0, 0, 0)))
    return dict(stride=strides, padding=pads, dilation=dilations)


def _bounds(lo, hi):
    return dict(output_min=lo, output_max=hi)


def _quantized_bound(value, scale, zero_point, dtype):
    return None if value is None else int(ref.quantize(np.array(value, np.float32), scale,
                                                        zero_point, dtype))


class Interpreter:
    def __init__(self, model):
        self.model = model if isinstance(model, onnx.ModelProto) else onnx.load_model_from_string(model)
        self.constants = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}
        self.opset = next(o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx"))

    def __call__(self, **feeds):
        env = dict(self.constants)
        env.update(feeds)
        for node in self.model.graph.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
            if node.op_type == "Constant":
                env[node.output[0]] = numpy_helper.to_array(attrs["value"])
                continue
            args = [env[name] if name else None for name in node.input]
            env[node.output[0]] = getattr(self, f"op_{node.op_type}")(args, attrs)
        outputs = []
        for info in self.model.graph.output:
            value = env[info.name]
            outputs.append(value.value() if isinstance(value, Dequantized) else value)
        return outputs

    # ---- helpers ----------------------------------------------------------------------------
    @staticmethod
    def float_value(v):
        if isinstance(v, Pending):
            raise NotImplementedError("a quantized operator's float output used without Q")
        return v.value() if isinstance(v, Dequantized) else v

    @staticmethod
    def qparams(args, i, dtype=np.uint8):
        zero_point = args[i + 1] if len(args) > i + 1 and args[i + 1] is not None else np.zeros((), dtype)
        return _scalar(args[i]), _scalar(zero_point), np.asarray(zero_point).dtype

    # ---- Q / DQ -----------------------------------------------------------------------------
    def op_QuantizeLinear(self, args, attrs):
        scale, zero_point, dtype = self.qparams(args, 1)
        axis = attrs.get("axis", 1) if np.ndim(scale) else None
        x = args[0]
        if isinstance(x, Pending):
            lo, hi = (_quantized_bound(b, scale, zero_point, dtype) for b in x.bounds)
            return x.compute(scale, zero_point, dtype, lo, hi)
        if (isinstance(x, Dequantized) and axis is None and x.axis is None
                and x.q.dtype == dtype and x.scale == scale and x.zero_point == zero_point):
            return x.q
        return ref.quantize(self.float_value(x), scale, zero_point, dtype, axis=axis)

    def op_DequantizeLinear(self, args, attrs):
        q = args[0]
        scale, zero_point, _ = self.qparams(args, 1, q.dtype)
        return Dequantized(q, scale, zero_point, attrs.get("axis", 1) if np.ndim(scale) else None)

    # ---- QOperator ----------------------------------------------------------------------------
    def op_QLinearConv(self, args, attrs, lo=None, hi=None):
        x, w = args[0], args[3]
        bias = args[8] if len(args) > 8 else None
        return _nchw(ref.conv2d(
            _nhwc(x), w.transpose(0, 2, 3, 1), bias, groups=attrs.get("group", 1),
            **_window(attrs, w.shape[2:]), input_scale=_scalar(args[1]),
            input_zero_point=_scalar(args[2]), weight_scale=_scalar(args[4]),
            weight_zero_point=_scalar(args[5]), output_scale=_scalar(args[6]),
            output_zero_point=_scalar(args[7]), **_bounds(lo, hi)))

    def _linear(self, a, weight, bias, a_q, w_q, y_q, lo=None, hi=None):
        return ref.linear(a, weight, bias, input_scale=a_q[0], input_zero_point=a_q[1],
                          weight_scale=w_q[0], weight_zero_point=w_q[1], output_scale=y_q[0],
                          output_zero_point=y_q[1], **_bounds(lo, hi))

    def op_QLinearMatMul(self, args, attrs):
        return self._linear(args[0], args[3].T, None, self.qparams(args, 1),
                            self.qparams(args, 4), self.qparams(args, 6))

    def op_QGemm(self, args, attrs):
        b = args[3] if attrs.get("transB", 0) else args[3].T
        return self._linear(args[0], b, args[6], self.qparams(args, 1), self.qparams(args, 4),
                            self.qparams(args, 7))

    def _binary(self, name, a, b, a_q, b_q, y_q, lo=None, hi=None):
        function = getattr(ref, name, None)
        if function is None:
            raise NotImplementedError(f"qnnpack_swift.reference has no {name}")
        return function(a, b, a_scale=a_q[0], a_zero_point=a_q[1], b_scale=b_q[0],
                        b_zero_point=b_q[1], output_scale=y_q[0], output_zero_point=y_q[1],
                        **_bounds(lo, hi))

    def op_QLinearAdd(self, args, attrs):
        return self._binary("add", args[0], args[3], self.qparams(args, 1), self.qparams(args, 4),
                            self.qparams(args, 6))

    def op_QLinearMul(self, args, attrs):
        return self._binary("multiply", args[0], args[3], self.qparams(args, 1),
                            self.qparams(args, 4), self.qparams(args, 6))

    def _io(self, x_q, y_q, lo=None, hi=None):
        return dict(input_scale=x_q[0], input_zero_point=x_q[1], output_scale=y_q[0],
                    output_zero_point=y_q[1], **_bounds(lo, hi))

    def _global_pool(self, x, x_q, y_q, lo=None, hi=None, channels_last=False):
        y = ref.global_avg_pool2d(x if channels_last else _nhwc(x), **self._io(x_q, y_q, lo, hi))
        n, c = y.shape
        return y.reshape((n, 1, 1, c) if channels_last else (n, c, 1, 1))

    def op_QLinearGlobalAveragePool(self, args, attrs):
        return self._global_pool(args[0], self.qparams(args, 1), self.qparams(args, 3),
                                 channels_last=attrs.get("channels_last", 0))

    def _avg_pool(self, x, attrs, x_q, y_q, lo=None, hi=None):
        last = attrs.get("channels_last", 0)
        window = _window(attrs, attrs["kernel_shape"])
        y = ref.avg_pool2d(x if last else _nhwc(x), tuple(attrs["kernel_shape"]),
                           window["stride"], window["padding"],
                           count_include_pad=bool(attrs.get("count_include_pad", 0)),
                           **self._io(x_q, y_q, lo, hi))
        return y if last else _nchw(y)

    def op_QLinearAveragePool(self, args, attrs):
        return self._avg_pool(args[0], attrs, self.qparams(args, 1), self.qparams(args, 3))

    def _lut(self, name, x, attrs, x_q, y_q, lo=None, hi=None):
        function = getattr(ref, name, None)
        if function is None:
            raise NotImplementedError(f"qnnpack_swift.reference has no {name}")
        extra = {}
        if name == "leaky_relu":
            extra["negative_slope"] = attrs.get("alpha", 0.01)
        if name == "softmax":
            extra["axis"] = attrs.get("axis", -1)
        bounds = {} if lo is None and hi is None else _bounds(lo, hi)
        return function(x, **extra, **{k: v for k, v in self._io(x_q, y_q).items()
                                        if not k.startswith("output_m")}, **bounds)

    def op_QLinearSigmoid(self, args, attrs):
        return self._lut("sigmoid", args[0], attrs, self.qparams(args, 1), self.qparams(args, 3))

    def op_QLinearLeakyRelu(self, args, attrs):
        return self._lut("leaky_relu", args[0], attrs, self.qparams(args, 1), self.qparams(args, 3))

    def op_QLinearSoftmax(self, args, attrs):
        return self._lut("softmax", args[0], attrs, self.qparams(args, 1), self.qparams(args, 3))

    def _concat(self, arrays, axis, x_qs, y_q):
        function = getattr(ref, "concatenate", None)
        if function is None:
            raise NotImplementedError("qnnpack_swift.reference has no concatenate")
        return function(arrays, axis, input_scales=[q[0] for q in x_qs],
                        input_zero_points=[q[1] for q in x_qs], output_scale=y_q[0],
                        output_zero_point=y_q[1])

    def op_QLinearConcat(self, args, attrs):
        triples = range(2, len(args), 3)
        return self._concat([args[i] for i in triples], attrs["axis"],
                            [self.qparams(args, i + 1) for i in triples], self.qparams(args, 0))

    # ---- float operators of QDQ groups (Pending) -------------------------------------------------
    @staticmethod
    def _all_dequantized(*values):
        return all(isinstance(v, Dequantized) for v in values)

    def _group_qparams(self, d):
        return d.scale, d.zero_point, d.q.dtype

    def op_Conv(self, args, attrs):
        x, w = args[0], args[1]
        b = args[2] if len(args) > 2 else None
        if not self._all_dequantized(x, w):
            raise NotImplementedError("float Conv")
        bias = b.q if isinstance(b, Dequantized) else b

        def compute(scale, zero_point, dtype, lo, hi):
            return _nchw(ref.conv2d(
                _nhwc(x.q), w.q.transpose(0, 2, 3, 1), bias, groups=attrs.get("group", 1),
                **_window(attrs, w.q.shape[2:]), input_scale=x.scale,
                input_zero_point=x.zero_point, weight_scale=w.scale,
                weight_zero_point=w.zero_point, output_scale=scale,
                output_zero_point=zero_point, **_bounds(lo, hi)))
        return Pending(compute)

    def op_MatMul(self, args, attrs):
        a, b = args
        if not self._all_dequantized(a, b):
            raise NotImplementedError("float MatMul")
        return Pending(lambda s, z, dt, lo, hi: self._linear(
            a.q, b.q.T, None, (a.scale, a.zero_point), (b.scale, b.zero_point), (s, z), lo, hi))

    def op_Gemm(self, args, attrs):
        a, b = args[:2]
        c = args[2] if len(args) > 2 else None
        if not self._all_dequantized(a, b):
            raise NotImplementedError("float Gemm")
        weight = b.q if attrs.get("transB", 0) else b.q.T
        bias = c.q if isinstance(c, Dequantized) else c
        return Pending(lambda s, z, dt, lo, hi: self._linear(
            a.q, weight, bias, (a.scale, a.zero_point), (b.scale, b.zero_point), (s, z), lo, hi))

    def _binary_group(self, name, args):
        a, b = args
        if not self._all_dequantized(a, b):
            return None
        return Pending(lambda s, z, dt, lo, hi: self._binary(
            name, a.q, b.q, (a.scale, a.zero_point), (b.scale, b.zero_point), (s, z), lo, hi))

    def op_Add(self, args, attrs):
        return self._binary_group("add", args) or np.add(*map(self.float_value, args))

    def op_Mul(self, args, attrs):
        return self._binary_group("multiply", args) or np.multiply(*map(self.float_value, args))

    def op_GlobalAveragePool(self, args, attrs):
        x = args[0]
        return Pending(lambda s, z, dt, lo, hi: self._global_pool(
            x.q, (x.scale, x.zero_point), (s, z), lo, hi))

    def op_AveragePool(self, args, attrs):
        x = args[0]
        return Pending(lambda s, z, dt, lo, hi: self._avg_pool(
            x.q, attrs, (x.scale, x.zero_point), (s, z), lo, hi))

    def op_Sigmoid(self, args, attrs):
        x = args[0]
        return Pending(lambda s, z, dt, lo, hi: self._lut(
            "sigmoid", x.q, attrs, (x.scale, x.zero_point), (s, z), lo, hi))

    def op_LeakyRelu(self, args, attrs):
        x = args[0]
        return Pending(lambda s, z, dt, lo, hi: self._lut(
            "leaky_relu", x.q, attrs, (x.scale, x.zero_point), (s, z), lo, hi))

    def op_Softmax(self, args, attrs):
        x = args[0]
        return Pending(lambda s, z, dt, lo, hi: self._lut(
            "softmax", x.q, attrs, (x.scale, x.zero_point), (s, z), lo, hi))

    def op_Concat(self, args, attrs):
        if not self._all_dequantized(*args):
            return np.concatenate([self.float_value(a) for a in args], attrs["axis"])
        return Pending(lambda s, z, dt, lo, hi: self._concat(
            [a.q for a in args], attrs["axis"], [(a.scale, a.zero_point) for a in args], (s, z)))

    # ---- operators on any value ----------------------------------------------------------------
    def _clip_bounds(self, op, args, attrs):
        if op == "Relu":
            return 0, None
        if "min" in attrs or "max" in attrs:
            return attrs.get("min"), attrs.get("max")
        return tuple(None if len(args) <= i or args[i] is None else _scalar(args[i]) for i in (1, 2))

    def _clip(self, op, args, attrs):
        x = args[0]
        lo, hi = self._clip_bounds(op, args, attrs)
        if isinstance(x, Pending):
            (a, b) = x.bounds
            lo = lo if a is None else (a if lo is None else max(a, lo))
            hi = hi if b is None else (b if hi is None else min(b, hi))
            return Pending(x.compute, (lo, hi))
        if isinstance(x, np.ndarray) and x.dtype in (np.uint8, np.int8):
            return ref.clamp(x, lo, hi)
        v = self.float_value(x)
        return np.clip(v, None if lo is None else v.dtype.type(lo),
                       None if hi is None else v.dtype.type(hi))

    def op_Relu(self, args, attrs):
        return self._clip("Relu", args, attrs)

    def op_Clip(self, args, attrs):
        return self._clip("Clip", args, attrs)

    def op_MaxPool(self, args, attrs):
        x = args[0]
        q = x.q if isinstance(x, Dequantized) else x
        window = _window(attrs, attrs["kernel_shape"])
        y = _nchw(ref.max_pool2d(_nhwc(q), tuple(attrs["kernel_shape"]), window["stride"],
                                 window["padding"], window["dilation"]))
        return x.with_q(y) if isinstance(x, Dequantized) else y

    def _move(self, x, function):
        """A data-movement operator on a plain array or on the integers of a Dequantized."""
        if isinstance(x, Dequantized):
            return x.with_q(function(x.q))
        return function(self.float_value(x))

    def op_Reshape(self, args, attrs):
        shape = [int(d) for d in args[1]]

        def reshape(a):
            dims = [a.shape[i] if d == 0 and not attrs.get("allowzero", 0) else d
                    for i, d in enumerate(shape)]
            return a.reshape(dims)
        return self._move(args[0], reshape)

    def op_Flatten(self, args, attrs):
        axis = attrs.get("axis", 1)
        return self._move(args[0], lambda a: a.reshape(int(np.prod(a.shape[:axis])), -1))

    def op_Transpose(self, args, attrs):
        return self._move(args[0], lambda a: np.ascontiguousarray(
            a.transpose(attrs.get("perm", tuple(reversed(range(a.ndim)))))))

    def _axes(self, args, attrs):
        return attrs["axes"] if "axes" in attrs else [int(a) for a in args[1]]

    def op_Squeeze(self, args, attrs):
        return self._move(args[0], lambda a: np.squeeze(a, tuple(self._axes(args, attrs))))

    def op_Unsqueeze(self, args, attrs):
        return self._move(args[0], lambda a: np.expand_dims(a, tuple(self._axes(args, attrs))))

    def op_Identity(self, args, attrs):
        return args[0]


def run(model, **feeds):
    """The outputs (a list) of `model` (a ModelProto or bytes) on `feeds`."""
    return Interpreter(model)(**feeds)

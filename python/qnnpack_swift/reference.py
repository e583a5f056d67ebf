"""Pure-NumPy reference of qnnpack_swift's operators (API.md §3).

This module is what "parity" means: the native operators must return exactly the arrays
these functions return, bit for bit. It imports nothing but NumPy, so it also runs where
the native module is not built (the tests load it by path then).

The arithmetic follows API.md §3 literally:

* float32 wherever §3 says float32: every scale goes through ``np.float32`` before it is
  used, multiplier products and quotients are single float32 operations (NumPy never fuses
  a multiply and an add, and evaluates float32 arrays in float32);
* ``np.rint`` rounds half to even;
* accumulators are exact integers (int64). Matrix products run in float64, which is exact
  as long as every partial sum stays below 2**53 (checked; otherwise an int64 path runs);
* the rounded value gets the output zero point added and is clamped in float64, so a huge
  (or infinite) float32 ``y`` saturates exactly as the real-number definition says.

The float-defined operators (lookup tables, softmax, normalisations, bilinear resize,
embedding bags, the float output of dynamic linear) are written here in float64, the
definition the native operators must stay within 1 LSB (or a tight float tolerance) of.

Signatures are those of API.md §2/§4 (the ``out=`` keyword included). Validation is light:
the reference assumes valid arguments; the tests check the native module's errors.
"""

import numpy as np

__all__ = [
    "quantize",
    "dequantize",
    "requantize",
    "choose_qparams",
    "conv2d",
    "conv2d_accumulators",
    "linear",
    "linear_accumulators",
    "quantize_bias",
    "add",
    "clamp",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "conv_padding",
    "qrange",
    "conv_transpose2d",
    "conv_transpose2d_accumulators",
    "locally_connected2d",
    "multiply",
    "concatenate",
    "channel_shuffle",
    "sigmoid",
    "tanh",
    "hardsigmoid",
    "hardswish",
    "leaky_relu",
    "lookup_table",
    "softmax",
    "group_norm",
    "batch_norm2d",
    "layer_norm",
    "dynamic_linear",
    "resize2d",
    "embedding_bag",
]

_F32 = np.float32
_EXACT_F64 = 2.0 ** 53
_INT32_MIN = -(2 ** 31)
_INT32_MAX = 2 ** 31 - 1


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def qrange(dtype):
    """(qmin, qmax) of a quantized dtype: (0, 255) for uint8, (-128, 127) for int8."""
    dt = np.dtype(dtype)
    if dt == np.uint8:
        return 0, 255
    if dt == np.int8:
        return -128, 127
    raise TypeError(f"dtype must be uint8 or int8, got {dt}")


def _qarray(a, name):
    a = np.asarray(a)
    qrange(a.dtype)  # TypeError for anything but uint8 / int8
    return a


def _pair(v, name):
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    t = tuple(int(e) for e in v)
    if len(t) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v!r}")
    return t


def conv_padding(padding, input_size, kernel_size, stride=1, dilation=1):
    """(top, left, bottom, right) for any padding form of API.md §4.

    int p -> (p, p, p, p); (h, w) -> (h, w, h, w); (top, left, bottom, right) as is;
    "same" -> TensorFlow SAME: output = ceil(input / stride), the total padding
    max((out - 1) * stride + dilation * (k - 1) + 1 - input, 0) split with the extra
    element at the bottom / right.
    """
    if isinstance(padding, str):
        if padding.lower() != "same":
            raise ValueError("padding must be an int, a pair, a 4-tuple or 'same', "
                             f"got {padding!r}")
        H, W = input_size
        KH, KW = _pair(kernel_size, "kernel_size")
        sh, sw = _pair(stride, "stride")
        dh, dw = _pair(dilation, "dilation")
        pads = []
        for n, k, s, d in ((H, KH, sh, dh), (W, KW, sw, dw)):
            o = -(-n // s)
            total = max((o - 1) * s + d * (k - 1) + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        (pt, pb), (pl, pr) = pads
        return pt, pl, pb, pr
    if isinstance(padding, (int, np.integer)):
        p = int(padding)
        return p, p, p, p
    t = tuple(int(e) for e in padding)
    if len(t) == 2:
        return t[0], t[1], t[0], t[1]
    if len(t) == 4:
        return t
    raise ValueError(f"padding must be an int, a pair, a 4-tuple or 'same', got {padding!r}")


def _bounds(dtype, output_min, output_max):
    qmin, qmax = qrange(dtype)
    lo = qmin if output_min is None else max(qmin, int(output_min))
    hi = qmax if output_max is None else min(qmax, int(output_max))
    return lo, hi


def _emit(q, out):
    q = np.asarray(q)
    if not q.flags.c_contiguous:
        q = q.copy(order="C")
    if out is None:
        return q
    if out.shape != q.shape:
        raise ValueError(f"out has shape {out.shape}, expected {q.shape}")
    if out.dtype != q.dtype:
        raise TypeError(f"out has dtype {out.dtype}, expected {q.dtype}")
    out[...] = q
    return out


def _round_clamp(y, zero_point, lo, hi, dtype, out):
    """clamp(rint(y) + zero_point, lo, hi) with y float32 (may be huge or infinite)."""
    y = np.asarray(y)
    assert y.dtype == np.float32, y.dtype
    r = np.rint(y).astype(np.float64) + float(zero_point)
    return _emit(np.clip(r, lo, hi).astype(dtype), out)


def _scales(scale, n=None):
    """float32 array of per-channel (or per-tensor, shape ()) scales."""
    s = np.asarray(scale, dtype=np.float64).astype(_F32)
    if n is not None and s.ndim == 0:
        s = np.full(n, s, dtype=_F32)
    return s


def _zero_points(zp, n=None):
    z = np.asarray(zp).astype(np.int64)
    if n is not None and z.ndim == 0:
        z = np.full(n, z, dtype=np.int64)
    return z


def _requantize_acc(acc, input_scale, weight_scale, output_scale, output_zero_point,
                    lo, hi, dtype, out):
    """Requantization of int64 accumulators [..., C_out] (API.md §3)."""
    c_out = acc.shape[-1]
    m = (_F32(input_scale) * _scales(weight_scale, c_out)) / _F32(output_scale)
    y = acc.astype(_F32) * m
    return _round_clamp(y, output_zero_point, lo, hi, dtype, out)


def quantize_bias(bias, input_scale, weight_scale, c_out):
    """int64 bias_q[c_out] of API.md §3 (zeros for None; int32 bias as given)."""
    if bias is None:
        return np.zeros(c_out, dtype=np.int64)
    b = np.asarray(bias)
    b = b.astype(b.dtype.newbyteorder("="), copy=False)
    if b.dtype == np.int32:
        return b.astype(np.int64).reshape(c_out)
    if b.dtype not in (np.float32, np.float64):
        raise TypeError(f"bias must be int32, float32 or float64, got {b.dtype}")
    denom = _F32(input_scale) * _scales(weight_scale, c_out)
    with np.errstate(over="ignore"):  # beyond float32: ±inf, clamped to the int32 limits
        q = np.rint(b.astype(_F32).reshape(c_out) / denom).astype(np.float64)
    return np.clip(q, _INT32_MIN, _INT32_MAX).astype(np.int64)


def _exact_matmul(a, b, max_abs_a, max_abs_b):
    """Exact integer a @ b (batched) for integer-valued arrays."""
    k = a.shape[-1]
    if k * max_abs_a * max_abs_b < _EXACT_F64:
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)
    return np.matmul(a.astype(np.int64), b.astype(np.int64))


# ---------------------------------------------------------------------------------------
# §2 helpers
# ---------------------------------------------------------------------------------------
def _per_axis(v, ndim, axis):
    if axis is None or v.ndim == 0:
        return v
    ax = axis + ndim if axis < 0 else axis
    shape = [1] * ndim
    shape[ax] = v.shape[0]
    return v.reshape(shape)


def quantize(x, scale, zero_point, dtype=np.uint8, axis=None, out=None):
    """clamp(rint(float32(x) / float32(scale)) + zero_point, qmin, qmax)."""
    qmin, qmax = qrange(dtype)
    # Values beyond float32 become ±inf and saturate; NaN has no defined result.
    with np.errstate(over="ignore", invalid="ignore"):
        x32 = np.asarray(x).astype(_F32)
        s = _per_axis(_scales(scale), x32.ndim, axis)
        z = _per_axis(_zero_points(zero_point), x32.ndim, axis)
        y = x32 / s
        r = np.rint(y).astype(np.float64) + z
        return _emit(np.clip(r, qmin, qmax).astype(dtype), out)


def dequantize(q, scale, zero_point, axis=None, out=None):
    """float32(scale) * float32(q - zero_point)."""
    q = _qarray(q, "q")
    s = _per_axis(_scales(scale), q.ndim, axis)
    z = _per_axis(_zero_points(zero_point), q.ndim, axis)
    d = (q.astype(np.int64) - z).astype(_F32)
    return _emit(np.asarray(s * d, dtype=_F32), out)


def requantize(q, input_scale, input_zero_point, output_scale, output_zero_point,
               dtype=None, *, output_min=None, output_max=None, out=None):
    """clamp(rint(float32(q - zp_in) * (float32(s_in) / float32(s_out))) + zp_out)."""
    q = _qarray(q, "q")
    dtype = q.dtype if dtype is None else np.dtype(dtype)
    lo, hi = _bounds(dtype, output_min, output_max)
    m = _F32(input_scale) / _F32(output_scale)
    y = (q.astype(np.int64) - int(input_zero_point)).astype(_F32) * m
    return _round_clamp(y, output_zero_point, lo, hi, dtype, out)


def choose_qparams(x, dtype=np.uint8, symmetric=False, reduce_range=False):
    """torch.ao.quantization.MinMaxObserver(...).calculate_qparams() for min/max of x.

    x is a float array or a (min, max) pair. Returns (scale: float, zero_point: int).
    """
    dt = np.dtype(dtype)
    if isinstance(x, tuple) and len(x) == 2:
        lo32, hi32 = _F32(x[0]), _F32(x[1])
    else:
        a = np.asarray(x).astype(_F32)
        if a.size == 0:
            raise ValueError("x is empty: choose_qparams needs at least one value")
        lo32, hi32 = a.min(), a.max()
    if not lo32 <= hi32:
        raise ValueError(f"x: min {lo32} is larger than max {hi32}")
    if dt == np.uint8:
        if symmetric and reduce_range:
            raise ValueError("reduce_range is not supported for symmetric uint8 "
                             "(symmetric, reduce_range)")
        qmin, qmax = (0, 127) if reduce_range else (0, 255)
    elif dt == np.int8:
        qmin, qmax = (-64, 63) if reduce_range else (-128, 127)
    else:
        raise TypeError(f"dtype must be uint8 or int8, got {dt}")
    eps = _F32(np.finfo(np.float32).eps)
    min_neg = min(lo32, _F32(0))
    max_pos = max(hi32, _F32(0))
    if symmetric:
        max_pos = max(-min_neg, max_pos)
        scale = max(_F32(max_pos / _F32((qmax - qmin) / 2)), eps)
        zp = 128 if dt == np.uint8 else 0
    else:
        scale = max(_F32(_F32(max_pos - min_neg) / _F32(qmax - qmin)), eps)
        zp = qmin - int(np.rint(_F32(min_neg / scale)))
        zp = min(max(zp, qmin), qmax)
    return float(scale), int(zp)


# ---------------------------------------------------------------------------------------
# §4 operators
# ---------------------------------------------------------------------------------------
def _patches(x, input_zero_point, kernel, stride, pads, dilation):
    """int64 [N, OH, OW, KH, KW, C] of zero-centred input patches (padding gives 0)."""
    N, H, W, C = x.shape
    (KH, KW), (sh, sw), (pt, pl, pb, pr), (dh, dw) = kernel, stride, pads, dilation
    Hp, Wp = H + pt + pb, W + pl + pr
    OH = (Hp - dh * (KH - 1) - 1) // sh + 1
    OW = (Wp - dw * (KW - 1) - 1) // sw + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel: the dilated kernel is larger than the padded input")
    # Zero-centred input padded with zeros (padding holds the input zero point).
    xp = np.zeros((N, Hp, Wp, C), dtype=np.int64)
    xp[:, pt:pt + H, pl:pl + W, :] = x.astype(np.int64) - int(input_zero_point)
    cols = np.empty((N, OH, OW, KH, KW, C), dtype=np.int64)
    for kh in range(KH):
        h0 = kh * dh
        for kw in range(KW):
            w0 = kw * dw
            cols[:, :, :, kh, kw, :] = xp[:, h0:h0 + (OH - 1) * sh + 1:sh,
                                          w0:w0 + (OW - 1) * sw + 1:sw, :]
    return cols


def conv2d_accumulators(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1,
                        input_scale, input_zero_point, weight_scale, weight_zero_point):
    """int64 accumulators [N, OH, OW, C_out] of API.md §3 (bias_q included)."""
    x = _qarray(x, "x")
    w = _qarray(weight, "weight")
    N, H, W, C = x.shape
    c_out, KH, KW, cg = w.shape
    G = int(groups)
    if C != G * cg or c_out % G:
        raise ValueError(f"groups: x has {C} channels, weight {w.shape}, groups {G}")
    cog = c_out // G
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pt, pl, pb, pr = conv_padding(padding, (H, W), (KH, KW), (sh, sw), (dh, dw))
    cols = _patches(x, input_zero_point, (KH, KW), (sh, sw), (pt, pl, pb, pr), (dh, dw))
    OH, OW = cols.shape[1:3]
    P = N * OH * OW
    cols = cols.reshape(P, KH * KW, G, cg).transpose(2, 0, 1, 3).reshape(G, P, KH * KW * cg)
    wz = _zero_points(weight_zero_point, c_out)
    wc = w.astype(np.int64) - wz[:, None, None, None]
    wc = wc.reshape(G, cog, KH * KW * cg).transpose(0, 2, 1)
    acc = _exact_matmul(cols, wc, 255, 255)                     # [G, P, cog]
    acc = acc.transpose(1, 0, 2).reshape(N, OH, OW, c_out)
    return acc + quantize_bias(bias, input_scale, weight_scale, c_out)


def conv2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1,
           input_scale, input_zero_point, weight_scale, weight_zero_point,
           output_scale, output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized 2-D convolution, NHWC input, OHWI weights (API.md §3/§4)."""
    x = _qarray(x, "x")
    acc = conv2d_accumulators(
        x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups,
        input_scale=input_scale, input_zero_point=input_zero_point,
        weight_scale=weight_scale, weight_zero_point=weight_zero_point)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _requantize_acc(acc, input_scale, weight_scale, output_scale, output_zero_point,
                           lo, hi, x.dtype, out)


def linear_accumulators(x, weight, bias=None, *, input_scale, input_zero_point,
                        weight_scale, weight_zero_point):
    """int64 accumulators [..., C_out] of a fully connected layer (bias_q included)."""
    x = _qarray(x, "x")
    w = _qarray(weight, "weight")
    c_out, K = w.shape
    if x.ndim < 1 or x.shape[-1] != K:
        raise ValueError(f"x: last axis must be K={K}, got shape {x.shape}")
    lead = x.shape[:-1]
    xc = x.reshape(-1, K).astype(np.int64) - int(input_zero_point)
    wc = w.astype(np.int64) - _zero_points(weight_zero_point, c_out)[:, None]
    acc = _exact_matmul(xc, wc.T, 255, 255)
    acc = acc + quantize_bias(bias, input_scale, weight_scale, c_out)
    return acc.reshape(lead + (c_out,))


def linear(x, weight, bias=None, *, input_scale, input_zero_point, weight_scale,
           weight_zero_point, output_scale, output_zero_point, output_min=None,
           output_max=None, out=None):
    """Quantized fully connected layer: x [..., K], weight [C_out, K] -> [..., C_out]."""
    x = _qarray(x, "x")
    acc = linear_accumulators(x, weight, bias, input_scale=input_scale,
                              input_zero_point=input_zero_point, weight_scale=weight_scale,
                              weight_zero_point=weight_zero_point)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _requantize_acc(acc, input_scale, weight_scale, output_scale, output_zero_point,
                           lo, hi, x.dtype, out)


def add(a, b, *, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
        output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized a + b with NumPy broadcasting (API.md §3 float32 order)."""
    a = _qarray(a, "a")
    b = _qarray(b, "b")
    if a.dtype != b.dtype:
        raise TypeError(f"a and b must have the same dtype, got {a.dtype} and {b.dtype}")
    lo, hi = _bounds(a.dtype, output_min, output_max)
    ma = _F32(a_scale) / _F32(output_scale)
    mb = _F32(b_scale) / _F32(output_scale)
    pa = np.asarray(ma * (a.astype(np.int64) - int(a_zero_point)).astype(_F32), dtype=_F32)
    pb = np.asarray(mb * (b.astype(np.int64) - int(b_zero_point)).astype(_F32), dtype=_F32)
    y = np.asarray(pa + pb, dtype=_F32)
    return _round_clamp(y, output_zero_point, lo, hi, a.dtype, out)


def clamp(x, output_min, output_max, out=None):
    """Clamp in the quantized domain: clip(x, max(qmin, output_min), min(qmax, output_max))."""
    x = _qarray(x, "x")
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _emit(np.clip(x.astype(np.int64), lo, hi).astype(x.dtype), out)


def _pool_geometry(x, kernel_size, stride, padding, dilation):
    N, H, W, C = x.shape
    KH, KW = _pair(kernel_size, "kernel_size")
    sh, sw = (KH, KW) if stride is None else _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pt, pl, pb, pr = conv_padding(padding, (H, W), (KH, KW), (sh, sw), (dh, dw))
    Hp, Wp = H + pt + pb, W + pl + pr
    OH = (Hp - dh * (KH - 1) - 1) // sh + 1
    OW = (Wp - dw * (KW - 1) - 1) // sw + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel_size: the pooling window is larger than the padded input")
    return (KH, KW), (sh, sw), (dh, dw), (pt, pl, pb, pr), (OH, OW)


def _pool_taps(xp, K, S, D, O):
    (KH, KW), (sh, sw), (dh, dw), (OH, OW) = K, S, D, O
    for kh in range(KH):
        for kw in range(KW):
            h0, w0 = kh * dh, kw * dw
            yield xp[:, h0:h0 + (OH - 1) * sh + 1:sh, w0:w0 + (OW - 1) * sw + 1:sw, :]


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, *, output_min=None,
               output_max=None, out=None):
    """Max pooling; padded positions never win (a window of padding only gives lo)."""
    x = _qarray(x, "x")
    K, S, D, (pt, pl, pb, pr), O = _pool_geometry(x, kernel_size, stride, padding, dilation)
    N, H, W, C = x.shape
    sentinel = -1000
    xp = np.full((N, H + pt + pb, W + pl + pr, C), sentinel, dtype=np.int64)
    xp[:, pt:pt + H, pl:pl + W, :] = x
    m = None
    for tap in _pool_taps(xp, K, S, D, O):
        m = tap.copy() if m is None else np.maximum(m, tap)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _emit(np.clip(m, lo, hi).astype(x.dtype), out)


def avg_pool2d(x, kernel_size, stride=None, padding=0, *, count_include_pad=True,
               input_scale, input_zero_point, output_scale, output_zero_point,
               output_min=None, output_max=None, out=None):
    """Average pooling: acc = Σ(x - x_zp), m = f32(s_in) / (f32(s_out) * f32(divisor))."""
    x = _qarray(x, "x")
    K, S, D, (pt, pl, pb, pr), O = _pool_geometry(x, kernel_size, stride, padding, 1)
    N, H, W, C = x.shape
    xp = np.zeros((N, H + pt + pb, W + pl + pr, C), dtype=np.int64)
    xp[:, pt:pt + H, pl:pl + W, :] = x.astype(np.int64) - int(input_zero_point)
    valid = np.zeros((1, H + pt + pb, W + pl + pr, 1), dtype=np.int64)
    valid[:, pt:pt + H, pl:pl + W, :] = 1
    acc = sum(tap for tap in _pool_taps(xp, K, S, D, O))
    if count_include_pad:
        divisor = np.full((1, 1, 1, 1), K[0] * K[1], dtype=np.int64)
    else:
        divisor = sum(tap for tap in _pool_taps(valid, K, S, D, O))
    m = _F32(input_scale) / (_F32(output_scale) * divisor.astype(_F32))
    y = acc.astype(_F32) * m
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _round_clamp(y, output_zero_point, lo, hi, x.dtype, out)


def global_avg_pool2d(x, *, input_scale, input_zero_point, output_scale, output_zero_point,
                      output_min=None, output_max=None, out=None):
    """Average over the whole H×W: [N, H, W, C] -> [N, C]."""
    x = _qarray(x, "x")
    N, H, W, C = x.shape
    acc = (x.astype(np.int64) - int(input_zero_point)).sum(axis=(1, 2))
    m = _F32(input_scale) / (_F32(output_scale) * _F32(H * W))
    y = acc.astype(_F32) * m
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _round_clamp(y, output_zero_point, lo, hi, x.dtype, out)


# ---------------------------------------------------------------------------------------
# the operators of the second part of §4
# ---------------------------------------------------------------------------------------
def conv_transpose2d_accumulators(x, weight, bias=None, *, stride=1, padding=0,
                                  output_padding=0, dilation=1, groups=1, input_scale,
                                  input_zero_point, weight_scale, weight_zero_point):
    """int64 accumulators [N, OH, OW, C_out] of a transposed convolution: the scatter
    out[oy = iy*stride - pad_top + kh*dilation] += (x[iy] - x_zp) * (w[oc, kh, kw, ic] - w_zp)."""
    x = _qarray(x, "x")
    w = _qarray(weight, "weight")
    N, H, W, C = x.shape
    c_out, KH, KW, cg = w.shape
    G = int(groups)
    cog = c_out // G
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    oph, opw = _pair(output_padding, "output_padding")
    pt, pl, pb, pr = conv_padding(padding, (H, W), (KH, KW))
    OH = (H - 1) * sh - pt - pb + dh * (KH - 1) + oph + 1
    OW = (W - 1) * sw - pl - pr + dw * (KW - 1) + opw + 1
    # Scatter into the uncropped output (index iy*stride + kh*dilation), then crop the padding.
    FH = max((H - 1) * sh + dh * (KH - 1) + 1, pt + OH)
    FW = max((W - 1) * sw + dw * (KW - 1) + 1, pl + OW)
    full = np.zeros((N, FH, FW, c_out), dtype=np.int64)
    xc = (x.astype(np.int64) - int(input_zero_point)).reshape(N * H * W, G, cg)
    wc = w.astype(np.int64) - _zero_points(weight_zero_point, c_out)[:, None, None, None]
    wc = wc.reshape(G, cog, KH, KW, cg)
    for kh in range(KH):
        for kw in range(KW):
            contribution = np.concatenate(
                [_exact_matmul(xc[:, g, :], wc[g, :, kh, kw, :].T, 255, 255) for g in range(G)],
                axis=1).reshape(N, H, W, c_out)
            full[:, kh * dh:kh * dh + (H - 1) * sh + 1:sh,
                 kw * dw:kw * dw + (W - 1) * sw + 1:sw, :] += contribution
    acc = full[:, pt:pt + OH, pl:pl + OW, :]
    return acc + quantize_bias(bias, input_scale, weight_scale, c_out)


def conv_transpose2d(x, weight, bias=None, *, stride=1, padding=0, output_padding=0,
                     dilation=1, groups=1, input_scale, input_zero_point, weight_scale,
                     weight_zero_point, output_scale, output_zero_point, output_min=None,
                     output_max=None, out=None):
    """Quantized transposed convolution, NHWC input, OHWI weights [C_out, KH, KW, C_in/g]."""
    x = _qarray(x, "x")
    acc = conv_transpose2d_accumulators(
        x, weight, bias, stride=stride, padding=padding, output_padding=output_padding,
        dilation=dilation, groups=groups, input_scale=input_scale,
        input_zero_point=input_zero_point, weight_scale=weight_scale,
        weight_zero_point=weight_zero_point)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _requantize_acc(acc, input_scale, weight_scale, output_scale, output_zero_point,
                           lo, hi, x.dtype, out)


def locally_connected2d(x, weight, bias=None, *, stride=1, padding=0, dilation=1, input_scale,
                        input_zero_point, weight_scale, weight_zero_point, output_scale,
                        output_zero_point, output_min=None, output_max=None, out=None):
    """Locally connected layer: weight [OH, OW, C_out, KH, KW, C_in], bias [OH, OW, C_out]."""
    x = _qarray(x, "x")
    w = _qarray(weight, "weight")
    OH, OW, c_out, KH, KW, C = w.shape
    pads = conv_padding(padding, x.shape[1:3], (KH, KW))
    cols = _patches(x, input_zero_point, (KH, KW), _pair(stride, "stride"), pads,
                    _pair(dilation, "dilation"))
    if cols.shape[1:3] != (OH, OW):
        raise ValueError(f"x gives a {cols.shape[1:3]} output, the weights are for {(OH, OW)}")
    wc = w.astype(np.int64) - _zero_points(weight_zero_point, c_out)[:, None, None, None]
    cols = cols.reshape(x.shape[0], OH * OW, KH * KW * C).transpose(1, 0, 2)
    wc = wc.reshape(OH * OW, c_out, KH * KW * C).transpose(0, 2, 1)
    acc = _exact_matmul(cols, wc, 255, 255).transpose(1, 0, 2).reshape(-1, OH, OW, c_out)
    if bias is not None:
        b = np.asarray(bias)
        acc = acc + quantize_bias(b.reshape(-1), input_scale,
                                  np.resize(_scales(weight_scale, c_out), b.size),
                                  b.size).reshape(OH, OW, c_out)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _requantize_acc(acc, input_scale, weight_scale, output_scale, output_zero_point,
                           lo, hi, x.dtype, out)


def multiply(a, b, *, a_scale, a_zero_point, b_scale, b_zero_point, output_scale,
             output_zero_point, output_min=None, output_max=None, out=None):
    """Quantized a * b with broadcasting: m = f32(f32(sa)·f32(sb))/f32(so), y = m·f32(Δa·Δb)."""
    a = _qarray(a, "a")
    b = _qarray(b, "b")
    lo, hi = _bounds(a.dtype, output_min, output_max)
    m = (_F32(a_scale) * _F32(b_scale)) / _F32(output_scale)
    product = (a.astype(np.int64) - int(a_zero_point)) * (b.astype(np.int64) - int(b_zero_point))
    y = np.asarray(m * product.astype(_F32), dtype=_F32)
    return _round_clamp(y, output_zero_point, lo, hi, a.dtype, out)


def concatenate(arrays, axis=-1, *, input_scales, input_zero_points, output_scale,
                output_zero_point, output_min=None, output_max=None, out=None):
    """Each array requantized to the output's qparams (§3), then joined along axis."""
    n = len(arrays)
    scales = np.broadcast_to(np.asarray(input_scales, dtype=np.float64), (n,))
    zps = np.broadcast_to(np.asarray(input_zero_points), (n,))
    dtype = np.asarray(arrays[0]).dtype
    parts = [requantize(a, scales[i], zps[i], output_scale, output_zero_point,
                        output_min=output_min, output_max=output_max)
             for i, a in enumerate(arrays)]
    return _emit(np.concatenate(parts, axis=axis).astype(dtype), out)


def channel_shuffle(x, groups, out=None):
    """Output channel j*groups + g = input channel g*(C/groups) + j over the last axis."""
    x = _qarray(x, "x")
    C = x.shape[-1]
    y = x.reshape(x.shape[:-1] + (groups, C // groups)).swapaxes(-1, -2).reshape(x.shape)
    return _emit(y, out)


_LOOKUP_FUNCTIONS = {
    "sigmoid": lambda x, p: 1.0 / (1.0 + np.exp(-x)),
    "tanh": lambda x, p: np.tanh(x),
    "hardsigmoid": lambda x, p: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hardswish": lambda x, p: x * (np.clip(x + 3.0, 0.0, 6.0) / 6.0),
    "leaky_relu": lambda x, p: np.where(x >= 0, x, x * p),
}
# PyTorch's fixed output qparams per (unit) for output_scale=None: unit 1 over [0, 1], 2 over [-1, 1].
_FIXED_UNIT = {"sigmoid": 1, "hardsigmoid": 1, "softmax": 1, "tanh": 2}


def _fixed_output(name, dtype, output_scale, output_zero_point):
    if output_scale is not None or output_zero_point is not None:
        return output_scale, output_zero_point
    if _FIXED_UNIT[name] == 1:
        return 1.0 / 256, 0 if np.dtype(dtype) == np.uint8 else -128
    return 2.0 / 256, 128 if np.dtype(dtype) == np.uint8 else 0


def _requantize_f64(y, output_scale, output_zero_point, lo, hi, dtype):
    """clamp(rint(y / float64(float32(output_scale))) + zp, lo, hi) for float64 y."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.rint(y / np.float64(_F32(output_scale))) + int(output_zero_point)
    return np.clip(r, lo, hi).astype(dtype)


def lookup_table(name, dtype, input_scale, input_zero_point, output_scale=None,
                 output_zero_point=None, parameter=0.01, output_min=None, output_max=None):
    """The 256 outputs of a lookup-table operator for the inputs qmin..qmax, in that order."""
    qmin, qmax = qrange(dtype)
    output_scale, output_zero_point = _fixed_output(name, dtype, output_scale, output_zero_point)
    lo, hi = _bounds(dtype, output_min, output_max)
    x = np.float64(_F32(input_scale)) * (np.arange(qmin, qmax + 1, dtype=np.float64)
                                          - int(input_zero_point))
    y = _LOOKUP_FUNCTIONS[name](x, float(parameter))
    return _requantize_f64(y, output_scale, output_zero_point, lo, hi, dtype)


def _lookup(name, x, parameter, input_scale, input_zero_point, output_scale,
            output_zero_point, output_min, output_max, out):
    x = _qarray(x, "x")
    table = lookup_table(name, x.dtype, input_scale, input_zero_point, output_scale,
                         output_zero_point, parameter, output_min, output_max)
    return _emit(table[x.astype(np.int64) - qrange(x.dtype)[0]], out)


def sigmoid(x, *, input_scale, input_zero_point, output_scale=None, output_zero_point=None,
            output_min=None, output_max=None, out=None):
    """1 / (1 + exp(-x)) in float64; default output qparams 1/256, zp 0 (u8) / -128 (i8)."""
    return _lookup("sigmoid", x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out)


def tanh(x, *, input_scale, input_zero_point, output_scale=None, output_zero_point=None,
         output_min=None, output_max=None, out=None):
    """tanh in float64; default output qparams 2/256, zp 128 (u8) / 0 (i8)."""
    return _lookup("tanh", x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out)


def hardsigmoid(x, *, input_scale, input_zero_point, output_scale=None,
                output_zero_point=None, output_min=None, output_max=None, out=None):
    """clip(x + 3, 0, 6) / 6 in float64; default output qparams as sigmoid."""
    return _lookup("hardsigmoid", x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out)


def hardswish(x, *, input_scale, input_zero_point, output_scale, output_zero_point,
              output_min=None, output_max=None, out=None):
    """x * clip(x + 3, 0, 6) / 6 in float64."""
    return _lookup("hardswish", x, 0.0, input_scale, input_zero_point, output_scale,
                   output_zero_point, output_min, output_max, out)


def leaky_relu(x, negative_slope=0.01, *, input_scale, input_zero_point, output_scale,
               output_zero_point, output_min=None, output_max=None, out=None):
    """x if x >= 0 else negative_slope * x, in float64."""
    return _lookup("leaky_relu", x, negative_slope, input_scale, input_zero_point,
                   output_scale, output_zero_point, output_min, output_max, out)


def softmax(x, axis=-1, *, input_scale, input_zero_point, output_scale=None,
            output_zero_point=None, output_min=None, output_max=None, out=None):
    """float64 softmax of the dequantized input over axis, requantized."""
    x = _qarray(x, "x")
    output_scale, output_zero_point = _fixed_output("softmax", x.dtype, output_scale,
                                                    output_zero_point)
    d = np.float64(_F32(input_scale)) * (x.astype(np.float64) - int(input_zero_point))
    e = np.exp(d - d.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    return _emit(_requantize_f64(y, output_scale, output_zero_point, lo, hi, x.dtype), out)


def _dequantize_f64(x, input_scale, input_zero_point):
    return np.float64(_F32(input_scale)) * (x.astype(np.float64) - int(input_zero_point))


def _affine_f64(y, gamma, beta):
    if gamma is not None:
        y = y * np.asarray(gamma, dtype=np.float64)
    if beta is not None:
        y = y + np.asarray(beta, dtype=np.float64)
    return y


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Channels-last group norm: per sample and group of C/num_groups consecutive channels,
    (x - mean) / sqrt(biased var + eps) over those channels and all positions."""
    x = _qarray(x, "x")
    d = _dequantize_f64(x, input_scale, input_zero_point)
    C = x.shape[-1]
    k = C // num_groups
    y = np.empty_like(d)
    for n in range(x.shape[0]):
        for g in range(num_groups):
            block = d[n, ..., g * k:(g + 1) * k]
            mean = block.sum() / block.size
            var = ((block - mean) ** 2).sum() / block.size
            with np.errstate(divide="ignore", invalid="ignore"):
                y[n, ..., g * k:(g + 1) * k] = np.nan_to_num((block - mean) / np.sqrt(var + eps))
    lo, hi = _bounds(x.dtype, output_min, output_max)
    y = _affine_f64(y, gamma, beta)
    return _emit(_requantize_f64(y, output_scale, output_zero_point, lo, hi, x.dtype), out)


def batch_norm2d(x, mean, var, gamma=None, beta=None, eps=1e-5, *, input_scale,
                 input_zero_point, output_scale, output_zero_point, output_min=None,
                 output_max=None, out=None):
    """(x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c] over the last axis."""
    x = _qarray(x, "x")
    d = _dequantize_f64(x, input_scale, input_zero_point)
    y = (d - np.asarray(mean, np.float64)) / np.sqrt(np.asarray(var, np.float64) + eps)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    y = _affine_f64(y, gamma, beta)
    return _emit(_requantize_f64(y, output_scale, output_zero_point, lo, hi, x.dtype), out)


def layer_norm(x, normalized_shape, gamma=None, beta=None, eps=1e-5, *, input_scale,
               input_zero_point, output_scale, output_zero_point, output_min=None,
               output_max=None, out=None):
    """Normalised over the trailing normalized_shape axes (biased variance)."""
    x = _qarray(x, "x")
    shape = (normalized_shape,) if np.ndim(normalized_shape) == 0 else tuple(normalized_shape)
    d = _dequantize_f64(x, input_scale, input_zero_point)
    rows = d.reshape(-1, int(np.prod(shape)))
    mean = rows.sum(axis=1, keepdims=True) / rows.shape[1]
    var = ((rows - mean) ** 2).sum(axis=1, keepdims=True) / rows.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.nan_to_num((rows - mean) / np.sqrt(var + eps)).reshape(x.shape)
    lo, hi = _bounds(x.dtype, output_min, output_max)
    y = _affine_f64(y, gamma, beta)
    return _emit(_requantize_f64(y, output_scale, output_zero_point, lo, hi, x.dtype), out)


def dynamic_linear(x_float32, weight, bias=None, *, weight_scale, weight_zero_point,
                   reduce_range=False, out=None):
    """x quantized per call (uint8, MinMax: choose_qparams + quantize), exact int64
    accumulators, y = f32(acc) * f32(f32(x_scale) * f32(w_scale[c])) + f32(bias[c])."""
    x = np.asarray(x_float32).astype(_F32)
    w = _qarray(weight, "weight")
    c_out, K = w.shape
    rows = x.reshape(-1, K)
    y = np.zeros((rows.shape[0], c_out), dtype=_F32)
    if rows.shape[0]:
        scale, zp = choose_qparams(rows, np.uint8, reduce_range=reduce_range)
        xq = quantize(rows, scale, zp, np.uint8)
        acc = linear_accumulators(xq, w, None, input_scale=scale, input_zero_point=zp,
                                  weight_scale=weight_scale, weight_zero_point=weight_zero_point)
        m = (_F32(scale) * _scales(weight_scale, c_out)).astype(_F32)
        y = (acc.astype(_F32) * m).astype(_F32)
        if bias is not None:
            y = (y + np.asarray(bias).astype(_F32)).astype(_F32)
    return _emit(y.reshape(x.shape[:-1] + (c_out,)), out)


def resize2d(x, size, mode="nearest", align_corners=False, out=None):
    """NHWC resize keeping the qparams. nearest: PyTorch's float32 rule
    min(floor(f32(dst) * (f32(in) / f32(out))), in - 1) (exact). bilinear: PyTorch's source
    coordinates and 4-neighbour weights in float64, rounded half to even."""
    x = _qarray(x, "x")
    N, H, W, C = x.shape
    OH, OW = _pair(size, "size")
    qmin, qmax = qrange(x.dtype)
    if mode == "nearest":
        def index(n_in, n_out):
            scale = _F32(n_in) / _F32(n_out)
            src = np.floor(np.arange(n_out, dtype=_F32) * scale).astype(np.int64)
            return np.minimum(src, n_in - 1)
        return _emit(x[:, index(H, OH)][:, :, index(W, OW)], out)

    def source(n_in, n_out):
        d = np.arange(n_out, dtype=np.float64)
        if align_corners:
            src = d * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
        else:
            src = np.maximum((d + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
        return i0, i1, src - i0

    y0, y1, ly = source(H, OH)
    x0, x1, lx = source(W, OW)
    v = x.astype(np.float64)
    ly = ly[None, :, None, None]
    lx = lx[None, None, :, None]
    top = (1 - lx) * v[:, y0][:, :, x0] + lx * v[:, y0][:, :, x1]
    bottom = (1 - lx) * v[:, y1][:, :, x0] + lx * v[:, y1][:, :, x1]
    r = np.rint((1 - ly) * top + ly * bottom)
    return _emit(np.clip(r, qmin, qmax).astype(x.dtype), out)


def embedding_bag(weight, scales, biases, indices, offsets=None, *, mode="sum", bits=8,
                  per_sample_weights=None, include_last_offset=False, out=None):
    """Reference of the bag reductions as float64 [bags, dim]. "sum" / "mean": rows
    dequantized as q*scale + bias in float64 (with the float32 scale and bias), weighted and
    summed in float64. "max": the elementwise maximum of the rows as the operator defines
    them, float32(q) * scale + bias in float32 (so the maximum is exact)."""
    w = np.asarray(weight)
    if bits == 4:
        w = np.stack((w & 0x0F, w >> 4), axis=-1).reshape(w.shape[0], -1)
    s32, b32 = np.asarray(scales, _F32)[:, None], np.asarray(biases, _F32)[:, None]
    if mode == "max":
        table = (w.astype(_F32) * s32 + b32).astype(np.float64)
    else:
        table = w.astype(np.float64) * s32.astype(np.float64) + b32.astype(np.float64)
    idx = np.asarray(indices, dtype=np.int64)
    psw = None if per_sample_weights is None else \
        np.asarray(per_sample_weights, _F32).astype(np.float64)
    if offsets is None:
        bags = [(idx[i], None if psw is None else psw[i]) for i in range(idx.shape[0])]
    else:
        off = list(np.asarray(offsets, dtype=np.int64))
        if not include_last_offset:
            off.append(len(idx))
        bags = [(idx[a:b], None if psw is None else psw[a:b]) for a, b in zip(off[:-1], off[1:])]
    result = np.zeros((len(bags), table.shape[1]))
    for i, (members, weights) in enumerate(bags):
        rows = table[members]
        if mode == "max":
            result[i] = rows.max(axis=0)
            continue
        if weights is not None:
            rows = rows * weights[:, None]
        result[i] = rows.sum(axis=0) / (len(members) if mode == "mean" else 1)
    return _emit(result, out)

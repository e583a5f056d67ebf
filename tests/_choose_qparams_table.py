"""Expected results of choose_qparams, derived by hand from PyTorch's
torch/ao/quantization/observer.py (UniformQuantizationObserverBase._calculate_qparams and
utils.calculate_qmin_qmax), which the contract (API.md §2) names:

    quant range: uint8 (0, 255) or (0, 127) with reduce_range; int8 (-128, 127) or (-64, 63)
    min_neg = min(min, 0); max_pos = max(max, 0)              (float32 tensors)
    symmetric: scale = max(max(-min_neg, max_pos) / ((qmax - qmin) / 2), eps)
               zero_point = 128 for uint8, 0 for int8
    affine:    scale = max((max_pos - min_neg) / (qmax - qmin), eps)
               zero_point = clamp(qmin - round_half_even(min_neg / scale), qmin, qmax)
    eps = float32 machine epsilon = 2**-23; every operation is a float32 tensor operation
    (CPU division by a Python scalar is a true float32 division, not a reciprocal product).
    MinMaxObserver refuses symmetric quint8 with reduce_range (NotImplementedError).

Each row: (min, max, dtype, symmetric, reduce_range, scale as float32 hex, zero_point,
how it comes out). The scale is the float32 value of the quotient, written exactly.
"""
import numpy as np

U8, I8 = np.uint8, np.int8

TABLE = [
    # -1/scale is -127.49999 in float32 (scale = fl(2/255) is a bit above 2/255): rounds to -127
    (-1.0, 1.0, U8, False, False, "0x1.010102p-7", 127, "2/255; -round(-127.49999)"),
    (-1.0, 1.0, I8, False, False, "0x1.010102p-7", -1, "-128 + 127"),
    # all zeros: scale falls back to eps
    (0.0, 0.0, U8, False, False, "0x1p-23", 0, "eps; -round(0)"),
    (0.0, 0.0, I8, False, False, "0x1p-23", -128, "eps; -128 - round(0)"),
    (0.0, 0.0, U8, True, False, "0x1p-23", 128, "eps; symmetric uint8"),
    (0.0, 0.0, I8, True, False, "0x1p-23", 0, "eps; symmetric int8"),
    # min == max, all positive: the range is widened to contain 0 -> [0, 2.5]
    (2.5, 2.5, U8, False, False, "0x1.414142p-7", 0, "2.5/255"),
    # min == max, all negative -> [-3, 0]
    (-3.0, -3.0, U8, False, False, "0x1.818182p-7", 255, "3/255; -round(-255)"),
    (-3.0, -3.0, I8, True, False, "0x1.818182p-6", 0, "3/127.5"),
    # all positive / all negative ranges
    (0.5, 4.0, I8, False, False, "0x1.010102p-6", -128, "4/255; -128 - round(0)"),
    (-4.0, -0.5, I8, False, False, "0x1.010102p-6", 127, "4/255; -128 - round(-254.99998)"),
    (-4.0, -0.5, U8, False, False, "0x1.010102p-6", 255, "4/255; -round(-254.99998)"),
    # a general range, every scheme
    (-2.0, 6.0, U8, False, False, "0x1.010102p-5", 64, "8/255; -round(-63.749996)"),
    (-2.0, 6.0, U8, False, True, "0x1.020408p-4", 32, "8/127; -round(-31.75)"),
    (-2.0, 6.0, I8, False, False, "0x1.010102p-5", -64, "8/255; -128 + 64"),
    (-2.0, 6.0, I8, False, True, "0x1.020408p-4", -32, "8/127 over (-64, 63); -64 + 32"),
    (-2.0, 6.0, U8, True, False, "0x1.818182p-5", 128, "6/127.5"),
    (-2.0, 6.0, I8, True, False, "0x1.818182p-5", 0, "6/127.5"),
    (-2.0, 6.0, I8, True, True, "0x1.83060cp-4", 0, "6/63.5"),
    (-7.0, 1.0, I8, True, False, "0x1.c1c1c2p-5", 0, "7/127.5 (the negative side is larger)"),
    # a min that is not representable in float32 is first rounded to float32
    (0.1, 0.3, U8, False, False, "0x1.34679cp-10", 0, "fl32(0.3)/255"),
    # zero point ties: round half to even
    (-0.5, 254.5, U8, False, False, "0x1p+0", 0, "255/255; -round(-0.5) = 0"),
    (-1.5, 253.5, U8, False, False, "0x1p+0", 2, "-round(-1.5) = 2"),
    (-2.5, 252.5, U8, False, False, "0x1p+0", 2, "-round(-2.5) = 2"),
    # a range so small that the scale is eps
    (-1e-10, 1e-10, U8, False, False, "0x1p-23", 0, "eps; -round(-0.00084)"),
    # a huge range
    (-1e30, 1e30, U8, False, False, "0x1.957b1p+92", 127, "2e30/255; -round(-127.49999)"),
    (-0.25, 0.75, I8, False, True, "0x1.020408p-7", -32,
     "1/127 over (-64, 63); -64 - round(-31.75)"),
    (-128.0, 127.0, I8, False, False, "0x1p+0", 0, "255/255; -128 + 128"),
]


def expected(row):
    mn, mx, dtype, sym, rr, scale_hex, zp, _ = row
    return float.fromhex(scale_hex), zp


def row_id(row):
    mn, mx, dtype, sym, rr = row[:5]
    return f"{mn:g}..{mx:g}-{np.dtype(dtype).name}-{'sym' if sym else 'aff'}{'-rr' if rr else ''}"

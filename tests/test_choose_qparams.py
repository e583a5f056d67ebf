"""qs.choose_qparams against values derived by hand from PyTorch's MinMaxObserver
(see _choose_qparams_table.py for the derivation), plus errors."""
import numpy as np
import pytest

import qnnpack_swift as qs
from _choose_qparams_table import TABLE, expected, row_id


def _check(got, want, what):
    scale, zp = got
    assert isinstance(scale, float), f"{what}: scale is {type(scale).__name__}, not float"
    assert isinstance(zp, int) and not isinstance(zp, bool), \
        f"{what}: zero_point is {type(zp).__name__}, not int"
    assert (scale, zp) == want, f"{what}: got ({scale!r}, {zp}), expected {want} " \
                                f"(scale {float.hex(scale)} vs {float.hex(want[0])})"


@pytest.mark.parametrize("row", TABLE, ids=[row_id(r) for r in TABLE])
def test_choose_qparams_from_min_max_pair(row):
    mn, mx, dtype, sym, rr = row[:5]
    _check(qs.choose_qparams((mn, mx), dtype=dtype, symmetric=sym, reduce_range=rr),
           expected(row), f"({mn}, {mx})")


@pytest.mark.parametrize("row", TABLE, ids=[row_id(r) for r in TABLE])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_choose_qparams_from_array(row, x_dtype):
    mn, mx, dtype, sym, rr = row[:5]
    rng = np.random.default_rng(abs(hash(row_id(row))) % 2 ** 32)
    inner = np.float32(mn) + (np.float32(mx) - np.float32(mn)) * rng.random(50)
    x = np.concatenate([inner, [mx, mn]]).astype(x_dtype)
    rng.shuffle(x)
    x = x.reshape(2, 26)
    _check(qs.choose_qparams(x, dtype=dtype, symmetric=sym, reduce_range=rr), expected(row),
           f"array {mn}..{mx}")


def test_choose_qparams_defaults_are_uint8_affine():
    _check(qs.choose_qparams(np.array([-2.0, 6.0], np.float32)),
           (float.fromhex("0x1.010102p-5"), 64), "defaults")


def test_choose_qparams_non_contiguous_array_and_input_unchanged():
    x = np.linspace(-2.0, 6.0, 40, dtype=np.float32).reshape(5, 8).T
    before = x.copy()
    _check(qs.choose_qparams(x), (float.fromhex("0x1.010102p-5"), 64), "non-contiguous")
    assert np.array_equal(x, before)


@pytest.mark.parametrize("x", [np.array([], np.float32), np.zeros((0, 3), np.float32),
                               np.zeros((2, 0), np.float64)], ids=["0", "0x3", "2x0"])
def test_choose_qparams_rejects_empty(x):
    with pytest.raises(ValueError, match=r"(?i)\bx\b|empty|input"):
        qs.choose_qparams(x)


@pytest.mark.parametrize("x", [np.array([-1.0, 1.0], np.float32), (-1.0, 1.0)],
                         ids=["array", "pair"])
def test_choose_qparams_rejects_symmetric_uint8_reduce_range(x):
    with pytest.raises(ValueError, match=r"symmetric|reduce_range"):
        qs.choose_qparams(x, dtype=np.uint8, symmetric=True, reduce_range=True)


def test_choose_qparams_symmetric_int8_reduce_range_is_allowed():
    _check(qs.choose_qparams((-2.0, 6.0), dtype=np.int8, symmetric=True, reduce_range=True),
           (float.fromhex("0x1.83060cp-4"), 0), "int8 symmetric reduce_range")


def test_choose_qparams_rejects_other_dtypes():
    with pytest.raises(TypeError, match=r"(?i)dtype|u?int8"):
        qs.choose_qparams((-1.0, 1.0), dtype=np.int16)

"""qs.max_pool2d against reference.max_pool2d (exact parity), plus errors.

Kernels 1..5 (square and not), stride None / int / pair, padding up to half the kernel,
dilation 1..3, uint8 and int8, odd channel counts, fused clamps, non-contiguous inputs,
`out=`. Padded positions never win. Cases where some window would hold padding only are
not generated (API.md does not define them). Rebuild a case with build_case(seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _support import (DT_X, I8, OUT_MM, POOL_KERNELS, U8, X_NAME, Case, assert_same,
                      assert_unchanged, bounds, call_unary, channels, clustered_q,
                      every_window_sees_input, first_informative, hw_pair, informative,
                      non_contiguous, pick, rand_clamp, rand_q, ref, snapshot)

TAG = 105
N_CASES = 140


class PoolCase(Case):
    id_keys = ("dt", "x", "k", "stride", "pad", "dil", "clamp", "out")


def _draw(rng, seed):
    dtype = pick(rng, [U8, I8])
    kernel = pick(rng, POOL_KERNELS)
    KH, KW = hw_pair(kernel)
    r = rng.random()
    stride = None if r < 0.3 else (int(rng.integers(1, 4)) if r < 0.7 else
                                   tuple(int(v) for v in rng.integers(1, 4, size=2)))
    sh, sw = (KH, KW) if stride is None else hw_pair(stride)
    r = rng.random()
    dilation = 1 if r < 0.55 else (int(rng.integers(2, 4)) if r < 0.8 else
                                   tuple(int(v) for v in rng.integers(1, 4, size=2)))
    dh, dw = hw_pair(dilation)
    ph, pw = int(rng.integers(0, KH // 2 + 1)), int(rng.integers(0, KW // 2 + 1))
    r = rng.random()
    if r < 0.3:
        padding, ph, pw = None, 0, 0
    elif r < 0.6 and ph == pw:
        padding = ph
    else:
        padding = (ph, pw)
    eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
    large = rng.random() < 0.08
    H = max(1, eh - 2 * ph) + int(rng.integers(0, 10 if not large else 30))
    W = max(1, ew - 2 * pw) + int(rng.integers(0, 10 if not large else 30))
    C = channels(rng) if not large else int(pick(rng, [16, 32, 64, 100]))
    N = int(rng.integers(1, 4))
    OH = (H + 2 * ph - eh) // sh + 1
    OW = (W + 2 * pw - ew) // sw + 1
    if not (every_window_sees_input(H, KH, sh, ph, dh, OH)
            and every_window_sees_input(W, KW, sw, pw, dw, OW)):
        return None
    x = clustered_q(rng, (N, H, W, C), dtype)
    mid = 128 if dtype == U8 else 0
    omin, omax = rand_clamp(rng, dtype, mid, None, p_none=0.7)
    kwargs = {}
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    args = [kernel] + ([] if stride is None and padding is None and dilation == 1 else [stride])
    if padding is not None or dilation != 1:
        args.append(0 if padding is None else padding)
    if dilation != 1:
        args.append(dilation)
    expected = ref.max_pool2d(x, *args, **kwargs)
    assert expected.shape == (N, OH, OW, C)
    if not informative(expected, *bounds(dtype, omin, omax), min_fraction=0.02):
        return None
    x_call = non_contiguous(rng, x) if rng.random() < 0.25 else x
    use_out = rng.random() < 0.25
    params = dict(dt=dtype, x=(N, H, W, C), k=kernel, stride=stride, pad=padding, dil=dilation,
                  clamp=(omin, omax), out=use_out, x_contiguous=x_call.flags.c_contiguous,
                  call_args=tuple(args))
    return PoolCase("max_pool2d", seed, params, (x_call, *args), kwargs, expected,
                    use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "max_pool2d")


CASES = [build_case(s) for s in range(N_CASES)]


def test_case_counts():
    assert len(CASES) >= 100
    assert any(c.params["dil"] != 1 for c in CASES)
    assert any(c.params["pad"] not in (None, 0, (0, 0)) for c in CASES)
    assert any(c.params["stride"] is None for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_max_pool2d_parity(case, threads, kernel_family):
    if case.use_out:
        out = np.empty(case.expected.shape, case.expected.dtype)
        got = qs.max_pool2d(*case.args, **case.kwargs, out=out)
        assert got is out
    else:
        got = qs.max_pool2d(*case.args, **case.kwargs)
    assert_same(got, case.expected, case)


def test_max_pool2d_keywords_and_padding_never_wins():
    x = np.full((1, 3, 3, 2), -128, np.int8)
    got = qs.max_pool2d(x, kernel_size=3, stride=1, padding=1, dilation=1)
    assert_same(got, np.full((1, 3, 3, 2), -128, np.int8))
    x = np.zeros((1, 4, 4, 1), np.uint8)
    assert_same(qs.max_pool2d(x, (2, 2), None, (1, 1)), np.zeros((1, 3, 3, 1), np.uint8))


def test_max_pool2d_empty_batch():
    got = qs.max_pool2d(np.zeros((0, 6, 5, 3), np.uint8), 2)
    assert isinstance(got, np.ndarray) and got.shape == (0, 3, 2, 3) and got.dtype == np.uint8


def test_max_pool2d_does_not_modify_inputs():
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (2, 7, 7, 5), I8))
    before = snapshot(x)
    assert_same(qs.max_pool2d(x, 3, 2, 1), ref.max_pool2d(x, 3, 2, 1))
    assert_unchanged(before, (x,), ("x",))


_X = np.arange(2 * 6 * 6 * 3, dtype=np.int64).astype(np.uint8).reshape(2, 6, 6, 3)
WIN = r"(?i)kernel|window|padd|input|\bx\b|size"
ZERO = r"(?i)\bx\b|input|channel|size|empty|zero|height|width|kernel"


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(x=_X.astype(np.float32)), TypeError, DT_X, id="x-float32"),
    pytest.param(dict(x=_X.astype(np.int16)), TypeError, DT_X, id="x-int16"),
    pytest.param(dict(x=_X[0]), ValueError, X_NAME, id="x-rank3"),
    pytest.param(dict(x=_X[None]), ValueError, X_NAME, id="x-rank5"),
    pytest.param(dict(kernel_size=0), ValueError, "kernel_size", id="kernel_size=0"),
    pytest.param(dict(kernel_size=-2), ValueError, "kernel_size", id="kernel_size=-2"),
    pytest.param(dict(kernel_size=(2, 0)), ValueError, "kernel_size", id="kernel_size=(2,0)"),
    pytest.param(dict(stride=0), ValueError, "stride", id="stride=0"),
    pytest.param(dict(stride=-1), ValueError, "stride", id="stride=-1"),
    pytest.param(dict(stride=(1, 0)), ValueError, "stride", id="stride=(1,0)"),
    pytest.param(dict(dilation=0), ValueError, "dilation", id="dilation=0"),
    pytest.param(dict(dilation=(0, 1)), ValueError, "dilation", id="dilation=(0,1)"),
    pytest.param(dict(padding=-1), ValueError, "padding", id="padding=-1"),
    pytest.param(dict(kernel_size=3, padding=2), ValueError, "padding",
                 id="padding-over-half-kernel"),
    pytest.param(dict(kernel_size=(2, 4), padding=(2, 1)), ValueError, "padding",
                 id="padding-over-half-kernel-height"),
    pytest.param(dict(kernel_size=(4, 2), padding=(1, 2)), ValueError, "padding",
                 id="padding-over-half-kernel-width"),
    pytest.param(dict(kernel_size=7), ValueError, WIN, id="window-larger-than-input"),
    pytest.param(dict(x=_X[:, :1, :1], kernel_size=4, padding=1), ValueError, WIN,
                 id="window-larger-than-padded-input"),
    pytest.param(dict(kernel_size=3, dilation=3, padding=0), ValueError, WIN,
                 id="dilated-window-larger-than-input"),
    pytest.param(dict(x=_X[..., :0]), ValueError, ZERO, id="zero-channels"),
    pytest.param(dict(x=_X[:, :0]), ValueError, ZERO, id="zero-height"),
    pytest.param(dict(x=_X[:, :, :0]), ValueError, ZERO, id="zero-width"),
    pytest.param(dict(output_min=10, output_max=9), ValueError, OUT_MM,
                 id="output_min>output_max"),
    pytest.param(dict(out=np.empty((2, 3, 3, 3), np.int8)), TypeError, r"\bout\b",
                 id="out-dtype"),
    pytest.param(dict(out=np.empty((2, 3, 3, 2), np.uint8)), ValueError, r"\bout\b",
                 id="out-shape"),
])
def test_max_pool2d_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_unary(qs.max_pool2d, changes, _X, kernel_size=2, stride=None, padding=0, dilation=1)


def test_max_pool2d_base_error_call_is_valid():
    got = qs.max_pool2d(_X, kernel_size=2, stride=None, padding=0, dilation=1)
    assert_same(got, ref.max_pool2d(_X, 2))

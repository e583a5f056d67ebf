"""qs.linear and qs.Linear against reference.linear (exact parity), plus errors.

Inputs [N, K], [K] (1-D) and [..., K]; K and C_out with odd sizes; uint8/int8 weights
under uint8 activations and int8/int8; per-tensor and per-channel weights; every bias kind;
fused clamps; non-contiguous inputs; `out=`. Rebuild a failing case with build_case(seed).
Fixed cases add accumulators beyond int32, few rows (int8 weight blocks), C_out around the
8/16-column block boundaries, near ties of the float32 requantization and of float-bias
quantization (_near_ties.py), and prepacked reuse over changing input shapes.
"""
import numpy as np
import pytest

import qnnpack_swift as qs
import _near_ties as nt
from _support import (DT_X, I8, OUT_MM, U8, X_NAME, Case, assert_same, assert_unchanged,
                      bad_scale_params, beyond_int32, bad_zero_point_params, bounds, call_weighted,
                      first_informative, informative, log_uniform, non_contiguous, pick, rand_clamp,
                      rand_q, rand_zero_point, ref, run_weighted, snapshot)

TAG = 102
N_CASES = 150
DTYPES = [(U8, U8), (U8, I8), (I8, I8)]
KS = [1, 2, 3, 7, 8, 16, 17, 33, 64, 100, 255, 1024]
COUTS = [1, 3, 7, 8, 17, 33, 64, 100]
LEADS = ["N", "1-D", "2", "3"]
QKEYS = ("input_scale", "input_zero_point", "weight_scale", "weight_zero_point",
         "output_scale", "output_zero_point", "output_min", "output_max")


class LinearCase(Case):
    id_keys = ("dt", "x_shape", "Co", "pc", "bias", "form")


def _draw(rng, seed):
    xd, wd = pick(rng, DTYPES)
    K, Co = int(pick(rng, KS)), int(pick(rng, COUTS))
    lead = pick(rng, LEADS, p=[0.5, 0.15, 0.2, 0.15])
    if lead == "N":
        shape = (int(rng.integers(1, 9)), K)
    elif lead == "1-D":
        shape = (K,)
    else:
        shape = tuple(int(v) for v in rng.integers(1, 5, size=int(lead))) + (K,)
    x = rand_q(rng, shape, xd)
    w = rand_q(rng, (Co, K), wd)
    ties = rng.random() < 0.1
    if ties:
        in_s, w_s = 2.0 ** -int(rng.integers(0, 8)), 2.0 ** -int(rng.integers(0, 8))
    else:
        in_s, w_s = float(log_uniform(rng, 1e-4, 10)), float(log_uniform(rng, 1e-4, 10))
    per_channel = (not ties) and rng.random() < 0.5
    if per_channel:
        w_s = (w_s * log_uniform(rng, 0.25, 4, size=Co)).astype(pick(rng, [np.float32, np.float64]))
    in_zp = rand_zero_point(rng, xd)
    w_zp = (np.array([rand_zero_point(rng, wd) for _ in range(Co)], dtype=np.int32)
            if rng.random() < 0.3 else rand_zero_point(rng, wd))
    qin = dict(input_scale=in_s, input_zero_point=in_zp, weight_scale=w_s, weight_zero_point=w_zp)
    sd = float(ref.linear_accumulators(x, w, None, **qin).std()) + 1.0
    ws_c = np.broadcast_to(np.asarray(w_s, np.float64), (Co,))
    bias_kind = pick(rng, ["none", "int32", "float32", "float64"], p=[0.3, 0.3, 0.2, 0.2])
    if bias_kind == "none":
        bias = None
    elif bias_kind == "int32":
        bias = rng.integers(-2 * sd, 2 * sd + 1, size=Co).astype(np.int32)
    else:
        bias = (rng.normal(0, sd, Co) * in_s * ws_c).astype(bias_kind)
    real = ref.linear_accumulators(x, w, bias, **qin) * (in_s * ws_c)
    spread = float(real.std()) or float(np.abs(real).mean()) or in_s * float(ws_c.mean())
    out_s = spread / float(log_uniform(rng, 8, 60))
    if ties:
        out_s = 2.0 ** round(np.log2(out_s))
    out_zp = rand_zero_point(rng, xd)
    omin, omax = rand_clamp(rng, xd, out_zp, out_s)
    kwargs = dict(qin, output_scale=out_s, output_zero_point=out_zp)
    if omin is not None:
        kwargs["output_min"] = omin
    if omax is not None:
        kwargs["output_max"] = omax
    expected = ref.linear(x, w, bias, **kwargs)
    if not informative(expected, *bounds(xd, omin, omax)):
        return None
    form = pick(rng, ["function", "class"], p=[0.6, 0.4])
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.25 else x
    w_call = non_contiguous(rng, w) if rng.random() < 0.1 else w
    params = dict(dt=(xd, wd), x_shape=shape, K=K, Co=Co, pc="pc" if per_channel else "pt",
                  bias=bias_kind, form=form, out=use_out, ties=ties,
                  x_contiguous=x_call.flags.c_contiguous, w_contiguous=w_call.flags.c_contiguous,
                  **{k: v for k, v in kwargs.items() if k in QKEYS}, bias_values=bias)
    return LinearCase("linear", seed, params, (x_call, w_call, bias), kwargs, expected,
                      form=form, use_out=use_out)


def build_case(seed):
    return first_informative(_draw, TAG, seed, "linear")


CASES = [build_case(s) for s in range(N_CASES)]


def run(case, form=None, use_out=None):
    return run_weighted(qs.linear, qs.Linear, case, form, use_out)


def test_case_counts():
    assert len(CASES) >= 100
    assert {len(c.params["x_shape"]) for c in CASES} == {1, 2, 3, 4}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_linear_parity(case, threads, kernel_family):
    assert_same(run(case), case.expected, case)


def _wide_cases():
    cases = []
    for i, (xd, wd) in enumerate(DTYPES):
        rng = np.random.default_rng([TAG, 9000 + i])
        K, Co = 40000, 5
        qmin, qmax = ref.qrange(xd)
        wmin, wmax = ref.qrange(wd)
        x = rng.integers(qmax - 5, qmax + 1, size=(3, K)).astype(xd)
        w = rng.integers(wmin, wmin + 6, size=(Co, K)).astype(wd)
        kw = dict(input_scale=1.0, input_zero_point=qmin, weight_scale=1.0,
                  weight_zero_point=wmax, output_scale=float(K * 255 * 255 / 120.0),
                  output_zero_point=qmax)
        assert ref.linear_accumulators(x, w, None, **{k: kw[k] for k in QKEYS[:4]}).min() < -2 ** 31
        cases.append(LinearCase("linear", 9000 + i, dict(kind="K=40000", dt=(xd, wd), **kw),
                                (x, w, None), kw, ref.linear(x, w, None, **kw)))
        bias = np.array([2 ** 31 - 1, -2 ** 31, 2 ** 31 - 1, -2 ** 31, 0], np.int32)
        x = rand_q(rng, (4, 300), xd)
        w = rand_q(rng, (5, 300), wd)
        kw = dict(input_scale=1.0, input_zero_point=qmin, weight_scale=1.0, weight_zero_point=0,
                  output_scale=2.0 ** 31 / 100, output_zero_point=128 if xd == U8 else 0)
        params = dict(kind="int32-limit bias", dt=(xd, wd), **kw)
        cases.append(LinearCase("linear", 9100 + i, params, (x, w, bias), kw,
                                ref.linear(x, w, bias, **kw)))
    for c in cases:
        c.origin = "_wide_cases()"
        assert informative(c.expected, *ref.qrange(c.expected.dtype), min_fraction=0.0), \
            c.describe()
    return cases


WIDE = _wide_cases()


@pytest.mark.parametrize("case", WIDE, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
@pytest.mark.parametrize("form", ["function", "class"])
def test_linear_accumulators_never_wrap(case, form, threads, kernel_family):
    assert_same(run(case, form=form, use_out=False), case.expected, case)


@pytest.mark.parametrize("rows", [1, 2, 37], ids=lambda n: f"rows{n}")
@pytest.mark.parametrize("dt", [(U8, U8), (U8, I8), (I8, I8)], ids=["u8u8", "u8i8", "i8i8"])
def test_linear_outputs_beyond_int32_saturate(rows, dt, threads, kernel_family):
    """|acc · multiplier| past 2^31 (_support.beyond_int32): 1-2 rows stream int8 blocks."""
    x, w, q, check = beyond_int32(np.random.default_rng([TAG, 12, rows]), (rows, 40), (50, 40), dt)
    want = ref.linear(x, w, None, **q)
    check(want)
    assert_same(qs.linear(x, w, None, **q), want)


# ---- few rows: int8-packed weights (where every w - w_zp fits int8) --------------------------
def _few_row_cases():
    """Batches of 1-5 rows (up to 4 stream int8 weight blocks) over K odd / even / long and
    C_out off the 16-column blocks; weights whose w - w_zp fit int8 and ones that just do not
    (uint8 weights, or a zero point one step too far), and sums at the int32 bound."""
    cases = []
    specs = [(K, Co, N) for K, Co, N in [(1, 1, 1), (7, 17, 1), (33, 16, 2), (1280, 100, 1),
                                           (255, 33, 3), (64, 5, 4), (100, 48, 5), (1023, 31, 1)]]
    for i, (K, Co, N) in enumerate(specs):
        for j, (xd, wd, w_zp) in enumerate([(U8, I8, 0), (I8, I8, 0), (U8, I8, -1), (U8, U8, 128),
                                            (U8, U8, 127), (I8, I8, 1)]):
            rng = np.random.default_rng([TAG, 7000 + 10 * i + j])
            qmin, qmax = ref.qrange(wd)
            w = rng.integers(qmin, qmax + 1, size=(Co, K)).astype(wd)
            w[:, 0] = qmin  # the widest w - w_zp
            x = rand_q(rng, (N, K), xd)
            kw = dict(input_scale=0.03, input_zero_point=rand_zero_point(rng, xd), weight_scale=0.01,
                      weight_zero_point=w_zp)
            acc = ref.linear_accumulators(x, w, None, **kw)
            bias = (-acc.mean(axis=0) + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
            kw.update(output_scale=float((acc.std() + 1) * 0.03 * 0.01 / 30),
                      output_zero_point=128 if xd == U8 else 0)
            want = ref.linear(x, w, bias, **kw)
            params = dict(kind=f"K{K}-Co{Co}-N{N}-zp{w_zp}", dt=(xd, wd), **kw)
            cases.append(LinearCase("linear", 7000 + 10 * i + j, params, (x, w, bias), kw, want))
    # |bias| + 255·Σ|w - w_zp| exactly Int32.max (int8 blocks) and one more (64-bit kernel)
    for extra in (0, 1):
        K = 300
        w = np.full((2, K), -128, I8)
        x = np.zeros((1, K), U8)
        x[0, ::3] = 255
        limit = 2 ** 31 - 1 - 255 * 128 * K + extra
        bias = np.array([limit, -limit], np.int32)
        kw = dict(input_scale=1.0, input_zero_point=0, weight_scale=1.0, weight_zero_point=0,
                  output_scale=2.0 ** 25, output_zero_point=128)
        cases.append(LinearCase("linear", 7900 + extra, dict(kind=f"int32 bound+{extra}", dt=(U8, I8), **kw),
                                (x, w, bias), kw, ref.linear(x, w, bias, **kw)))
    for c in cases:
        c.origin = "_few_row_cases()"
    return cases


FEW_ROWS = _few_row_cases()


@pytest.mark.parametrize("case", FEW_ROWS, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_linear_few_rows(case, threads, kernel_family):
    assert informative(case.expected, *ref.qrange(case.expected.dtype), min_fraction=0.0)
    assert_same(run(case, form="class", use_out=False), case.expected, case)


# ---- column tails: a last block of 1-8 columns is an AVX2 half block (8-column tile) ---------
TAIL_COUTS = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 39, 40]
TAIL_ROWS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 40]


def _column_tail_cases():
    """C_out around the 8/16/24/32/40 boundaries (a group's last 1-8 columns run the 8-column
    AVX2 tile, 9-16 the 16-column one; one or two rows of int8 blocks take two full blocks at
    a time) times one and two rows and batches of 1-9 rows (up to 4 stream int8 blocks; 8-row
    tiles and their 4/2/1 remainders), 15 and 40 (two row tasks); K odd and even, per-channel
    qparams, every dtype pair, clamps that cut both tails."""
    cases = []
    for i, Co in enumerate(TAIL_COUTS):
        for j in range(4):
            seed = 6000 + 10 * i + j
            rng = np.random.default_rng([TAG, seed])
            N = j + 1 if j < 2 else TAIL_ROWS[(2 * i + j) % len(TAIL_ROWS)]
            K = [3, 2, 7, 24, 33, 144][(i + 2 * j) % 6]  # (K = 1 runs as a depthwise convolution)
            xd, wd = DTYPES[(i + j) % 3]
            x, w = rand_q(rng, (N, K), xd), rand_q(rng, (Co, K), wd)
            # j = 2: any zero point; else every w - w_zp fits int8 (few rows stream int8 blocks).
            w_zp = (np.array([rand_zero_point(rng, wd) for _ in range(Co)], np.int32) if j == 2
                    else np.full(Co, 128 if wd == U8 else 0, np.int32))
            w_s = log_uniform(rng, 0.002, 0.02, Co)
            kw = dict(input_scale=0.03, input_zero_point=rand_zero_point(rng, xd), weight_scale=w_s,
                      weight_zero_point=w_zp)
            acc = ref.linear_accumulators(x, w, None, **kw)
            bias = (-acc.mean(axis=0) + rng.normal(0, acc.std() + 1, Co)).astype(np.int32)
            out_s = float((acc.std() + 1) * 0.03 * w_s.mean() / 40)
            out_zp = 128 if xd == U8 else 0
            kw.update(output_scale=out_s, output_zero_point=out_zp)
            clamp = j == 2 or (j != 2 and (i + j) % 2 == 1)
            if clamp:
                kw.update(output_min=out_zp - 50, output_max=out_zp + 60)
            params = dict(kind=f"Co{Co}-N{N}-K{K}" + ("-clamp" if clamp else ""), dt=(xd, wd), **kw)
            cases.append(LinearCase("linear", seed, params, (x, w, bias), kw, ref.linear(x, w, bias, **kw)))
    for c in cases:
        c.origin = "_column_tail_cases()"
    return cases


TAILS = _column_tail_cases()


@pytest.mark.parametrize("case", TAILS, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
def test_linear_column_tails(case, threads, kernel_family):
    assert informative(case.expected, *ref.qrange(case.expected.dtype), min_fraction=0.3)
    assert_same(run(case, form="class", use_out=False), case.expected, case)


def _near_tie_cases():
    """int32 biases that put every channel's accumulator on a near tie of its requantization
    multiplier, and float biases on a near tie of their quantization (see _near_ties.py)."""
    cases = []
    for j, (xd, wd) in enumerate(DTYPES):
        for scheme in nt.WEIGHTED_SCHEMES:
            seed = 8000 + 10 * j + nt.WEIGHTED_SCHEMES.index(scheme)
            rng = np.random.default_rng([TAG, seed])
            K, Co = 33, 64
            x, w = rand_q(rng, (1, K), xd), rand_q(rng, (Co, K), wd)
            in_zp, w_zp = rand_zero_point(rng, xd), rand_zero_point(rng, wd)
            in_s, out_s = float(log_uniform(rng, 1e-3, 1)), float(log_uniform(rng, 1e-3, 1))
            x, w_s, out_s, bias = nt.weighted_near_ties(
                rng, scheme, x, in_zp, in_s, out_s, Co,
                lambda x, w_s: ref.linear_accumulators(
                    x, w, None, input_scale=in_s, input_zero_point=in_zp, weight_scale=w_s,
                    weight_zero_point=w_zp))
            kw = dict(input_scale=in_s, input_zero_point=in_zp, weight_scale=w_s,
                      weight_zero_point=w_zp, output_scale=out_s,
                      output_zero_point=128 if xd == U8 else 0)
            want = ref.linear(x, w, bias, **kw)
            assert informative(want, *ref.qrange(xd), min_fraction=0.9)
            cases.append(LinearCase("linear", seed, dict(kind=scheme, dt=(xd, wd), **kw),
                                    (x, w, bias), kw, want))
    for c in cases:
        c.origin = "_near_tie_cases()"
    return cases


NEAR = _near_tie_cases()


@pytest.mark.parametrize("case", NEAR, ids=lambda c: f"s{c.seed}-{c.params['kind']}")
@pytest.mark.parametrize("form", ["function", "class"])
def test_linear_near_ties(case, form, threads, kernel_family):
    assert_same(run(case, form=form, use_out=False), case.expected, case)


@pytest.mark.parametrize("wd", [U8, I8], ids=["u8w", "i8w"])
def test_linear_prepacked_reuse(wd, threads, kernel_family):
    rng = np.random.default_rng([TAG, 7, int(wd == I8)])
    K, Co = 37, 19
    w = rand_q(rng, (Co, K), wd)
    bias = rng.normal(0, 0.5, Co).astype(np.float32)
    kw = dict(input_scale=0.03, input_zero_point=120,
              weight_scale=log_uniform(rng, 0.002, 0.01, Co),
              weight_zero_point=0 if wd == I8 else 128, output_scale=0.4, output_zero_point=100,
              output_min=100)
    op = qs.Linear(w, bias, **kw)
    for shape in [(1, K), (K,), (5, K), (2, 3, K), (64, K), (1, K)]:
        x = rand_q(rng, shape, U8)
        want = ref.linear(x, w, bias, **kw)
        assert_same(op(x), want)
        out = np.empty_like(want)
        assert op(x, out=out) is out
        assert_same(out, want)


@pytest.mark.parametrize("shape", [(0, 7), (2, 0, 7), (0, 0, 7)])
@pytest.mark.parametrize("form", ["function", "class"])
def test_linear_empty_leading_axes(shape, form):
    x = np.zeros(shape, np.uint8)
    w = np.ones((3, 7), np.int8)
    kw = dict(input_scale=0.5, input_zero_point=3, weight_scale=0.5, weight_zero_point=0,
              output_scale=1.0, output_zero_point=0)
    got = qs.linear(x, w, None, **kw) if form == "function" else qs.Linear(w, None, **kw)(x)
    assert isinstance(got, np.ndarray) and got.dtype == np.uint8 and got.shape == shape[:-1] + (3,)


@pytest.mark.parametrize("form", ["function", "class"])
def test_linear_does_not_modify_inputs(form):
    rng = np.random.default_rng([TAG, 10])
    x = non_contiguous(rng, rand_q(rng, (4, 9), I8))
    w = rand_q(rng, (5, 9), I8)
    bias = rng.integers(-100, 100, 5).astype(np.int32)
    ws = np.full(5, 0.01)
    wz = np.zeros(5, np.int64)
    before = snapshot(x, w, bias, ws, wz)
    kw = dict(input_scale=0.1, input_zero_point=-3, weight_scale=ws, weight_zero_point=wz,
              output_scale=0.02, output_zero_point=5)
    got = qs.linear(x, w, bias, **kw) if form == "function" else qs.Linear(w, bias, **kw)(x)
    assert_same(got, ref.linear(x, w, bias, **kw))
    assert_unchanged(before, (x, w, bias, ws, wz), ("x", "weight", "bias", "weight_scale",
                                                    "weight_zero_point"))


# ---- errors --------------------------------------------------------------------------------
_X = np.full((2, 6), 100, np.uint8)
_W = np.ones((3, 6), np.uint8)


def _bad_cases():
    P = pytest.param
    c = [
        P(dict(x=_X.astype(np.float32)), TypeError, DT_X, id="x-float32"),
        P(dict(x=_X.astype(np.uint16)), TypeError, DT_X, id="x-uint16"),
        P(dict(x=_X.view(np.int8), input_zero_point=0, output_zero_point=0), TypeError,
          r"(?i)weight|\bx\b|input|dtype|int8", id="x-int8-with-uint8-weight"),
        P(dict(w=_W.astype(np.float64)), TypeError, r"(?i)weight", id="weight-float64"),
        P(dict(bias=np.zeros(3, np.complex64)), TypeError, r"(?i)bias", id="bias-complex"),
        P(dict(out=np.empty((2, 3), np.int8)), TypeError, r"\bout\b", id="out-dtype"),
        P(dict(out=np.empty((2, 4), np.uint8)), ValueError, r"\bout\b", id="out-shape"),
        P(dict(out=np.empty((3, 2), np.uint8)), ValueError, r"\bout\b", id="out-shape-transposed"),
        P(dict(x=np.array(5, np.uint8)), ValueError, X_NAME, id="x-rank0"),
        P(dict(x=np.full((2, 5), 1, np.uint8)), ValueError, r"(?i)\bx\b|input|weight|\bK\b",
          id="x-K-mismatch"),
        P(dict(w=np.ones(6, np.uint8)), ValueError, r"(?i)weight", id="weight-rank1"),
        P(dict(w=np.ones((3, 6, 1), np.uint8)), ValueError, r"(?i)weight", id="weight-rank3"),
        P(dict(x=np.zeros((2, 0), np.uint8), w=np.ones((3, 0), np.uint8)), ValueError,
          r"(?i)\bx\b|input|weight|\bK\b|size|empty|zero", id="K-zero"),
        P(dict(w=np.ones((0, 6), np.uint8), bias=None), ValueError, r"(?i)weight|C_out|channel",
          id="C_out-zero"),
        P(dict(bias=np.zeros(4, np.int32)), ValueError, r"(?i)bias", id="bias-length"),
        P(dict(weight_scale=np.full(4, 0.25)), ValueError, "weight_scale",
          id="weight_scale-length"),
        P(dict(weight_scale=np.array([0.25, np.nan, 0.25])), ValueError, "weight_scale",
          id="weight_scale-per-channel-nan"),
        P(dict(weight_scale=np.array([0.25, -1.0, 0.25])), ValueError, "weight_scale",
          id="weight_scale-per-channel-negative"),
        P(dict(weight_zero_point=np.array([0, 256, 0])), ValueError, "weight_zero_point",
          id="weight_zero_point-per-channel-out-of-range"),
        P(dict(weight_zero_point=np.zeros(2, np.int32)), ValueError, "weight_zero_point",
          id="weight_zero_point-length"),
        P(dict(output_min=10, output_max=9), ValueError, OUT_MM, id="output_min>output_max"),
        P(dict(output_zero_point=...), (TypeError, ValueError), "output_zero_point",
          id="only-output_scale"),
        P(dict(output_scale=...), (TypeError, ValueError), "output_scale",
          id="only-output_zero_point"),
    ]
    for name in ("input_scale", "weight_scale", "output_scale"):
        c += bad_scale_params(name)
    c += bad_zero_point_params("input_zero_point", U8)
    c += bad_zero_point_params("weight_zero_point", U8)
    c += bad_zero_point_params("output_zero_point", U8)
    i8 = dict(x=_X.view(np.int8), w=_W.view(np.int8), input_zero_point=0, weight_zero_point=0,
              output_zero_point=0)
    c += bad_zero_point_params("input_zero_point", I8, **i8)
    c += bad_zero_point_params("weight_zero_point", I8, **i8)
    c += bad_zero_point_params("output_zero_point", I8, **i8)
    return c


def _call(form, changes):
    return call_weighted(qs.linear, qs.Linear, form, changes, _X, _W, np.zeros(3, np.int32),
                         input_scale=0.5, input_zero_point=128, weight_scale=0.25,
                         weight_zero_point=100, output_scale=1.0, output_zero_point=128)


@pytest.mark.parametrize("form", ["function", "class"])
@pytest.mark.parametrize("changes, exc, match", _bad_cases())
def test_linear_rejects(form, changes, exc, match):
    with pytest.raises(exc, match=match):
        _call(form, dict(changes))


def test_linear_base_error_call_is_valid():
    for form in ("function", "class"):
        out = _call(form, {})
        assert out.shape == (2, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("changes, exc, match", [
    pytest.param(dict(w=_W.astype(np.float32)), TypeError, "weight", id="weight-dtype"),
    pytest.param(dict(weight_scale=float("nan")), ValueError, "weight_scale", id="weight_scale"),
    pytest.param(dict(output_zero_point=-1), ValueError, "output_zero_point", id="output_zp"),
    pytest.param(dict(output_min=9, output_max=3), ValueError, OUT_MM, id="clamp"),
    pytest.param(dict(bias=np.zeros(7, np.int32)), ValueError, "bias", id="bias"),
])
def test_Linear_constructor_validates(changes, exc, match):
    changes = dict(changes)
    w = changes.pop("w", _W)
    bias = changes.pop("bias", None)
    kw = dict(input_scale=0.5, input_zero_point=128, weight_scale=0.25, weight_zero_point=100,
              output_scale=1.0, output_zero_point=128)
    kw.update(changes)
    with pytest.raises(exc, match=match):
        qs.Linear(w, bias, **kw)

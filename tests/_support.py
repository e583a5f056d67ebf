"""Shared pieces of the parity suite: the reference module, seeded random helpers,
the case record and the exact-equality assertion.

Every random case is built from ``np.random.default_rng([operator_tag, seed])``: the test
id carries the seed and the main parameters, and a failing assertion prints the whole
case, so any failure can be rebuilt with the operator's ``build_case(seed)``.
"""
import importlib.util
import pathlib

import numpy as np

_REPO_REFERENCE = (pathlib.Path(__file__).resolve().parents[1]
                   / "python" / "qnnpack_swift" / "reference.py")


def _load_reference():
    """The repository's reference.py (this checkout's); the installed one otherwise."""
    if _REPO_REFERENCE.is_file():
        spec = importlib.util.spec_from_file_location("_qnnpack_swift_reference", _REPO_REFERENCE)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    from qnnpack_swift import reference  # noqa: PLC0415
    return reference


ref = _load_reference()

U8, I8 = np.dtype(np.uint8), np.dtype(np.int8)
ODD_CHANNELS = [1, 3, 7, 17, 33]
EVEN_CHANNELS = [2, 8, 16, 32, 64]


def qrange(dtype):
    return ref.qrange(dtype)


def pick(rng, seq, p=None):
    """One element of seq (any objects, tuples included)."""
    return seq[int(rng.choice(len(seq), p=p))]


def log_uniform(rng, lo, hi, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size=size))


def rand_q(rng, shape, dtype):
    qmin, qmax = qrange(dtype)
    return rng.integers(qmin, qmax + 1, size=shape, dtype=np.int64).astype(dtype)


def beyond_int32(rng, x_shape, w_shape, dt):
    """Inputs and qparams whose |acc · multiplier| passes 2^31 (multiplier 1e6), so only the
    float clamp before vcvtps2dq keeps outputs at the clamp's ends (an overflow converts to
    INT32_MIN); `check(want)` asserts that both ends occur."""
    x, w = rand_q(rng, x_shape, dt[0]), rand_q(rng, w_shape, dt[1])
    q = dict(input_scale=1.0, input_zero_point=128 if dt[0] == U8 else 0, weight_scale=1.0,
             weight_zero_point=128 if dt[1] == U8 else 0, output_scale=1e-6, output_zero_point=3)

    def check(want):
        lo, hi = bounds(dt[0], None, None)
        assert (want == lo).any() and (want == hi).any()
    return x, w, q, check


def rand_zero_point(rng, dtype):
    """A zero point among the extremes, the middle and a random value."""
    qmin, qmax = qrange(dtype)
    mid = 128 if np.dtype(dtype) == U8 else 0
    return int(pick(rng, [qmin, qmax, mid, int(rng.integers(qmin, qmax + 1))],
                    p=[0.2, 0.2, 0.3, 0.3]))


def channels(rng, odd_p=0.7):
    return int(pick(rng, ODD_CHANNELS)) if rng.random() < odd_p else int(pick(rng, EVEN_CHANNELS))


def int_or_pair(rng, a, b, p_int=0.5):
    """(value for the call, (h, w)) with h, w in [a, b]."""
    if rng.random() < p_int:
        v = int(rng.integers(a, b + 1))
        return v, (v, v)
    h, w = (int(v) for v in rng.integers(a, b + 1, size=2))
    return (h, w), (h, w)


LAYOUTS = ("c", "strided", "fortran", "reversed", "readonly", "byteswapped")


def as_layout(a, layout):
    """An array equal to `a` laid out as `layout` (one of LAYOUTS): "c" is `a` itself;
    "strided" every other element of a larger buffer along the last axis; "fortran" column
    major; "reversed" negative strides; "readonly" a non-writeable copy; "byteswapped"
    non-native byte order (the same as "c" for one-byte types)."""
    if layout == "c" or (a.ndim == 0 and layout in ("strided", "fortran", "reversed")):
        return a
    if layout == "strided":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        big[..., ::2] = a
        v = big[..., ::2]
    elif layout == "fortran":
        v = np.asfortranarray(a)
    elif layout == "reversed":
        v = np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    elif layout == "readonly":
        v = a.copy()
        v.flags.writeable = False
    else:
        v = a.astype(a.dtype.newbyteorder())
    assert np.array_equal(v, a, equal_nan=a.dtype.kind in "fc")
    return v


def non_contiguous(rng, a):
    """The same values as a in a view that is not C-contiguous (when a has >= 1 element)."""
    return as_layout(a, LAYOUTS[1 + int(rng.integers(3))])


def bounds(dtype, output_min, output_max):
    qmin, qmax = qrange(dtype)
    lo = qmin if output_min is None else max(qmin, output_min)
    hi = qmax if output_max is None else min(qmax, output_max)
    return lo, hi


def informative(out, lo, hi, min_fraction=0.05):
    """True when at least min_fraction of the outputs (and at least one) lie strictly
    inside (lo, hi): the case is not (nearly) fully saturated."""
    out = np.asarray(out).astype(np.int64)
    inside = int(np.count_nonzero((out > lo) & (out < hi)))
    return inside >= max(1, min_fraction * out.size)


def rand_clamp(rng, dtype, zero_point, scale=None, p_none=0.6):
    """(output_min, output_max): none, ReLU, ReLU6-like or a random sub-range, lo < hi - 1."""
    qmin, qmax = qrange(dtype)
    r = rng.random()
    if r < p_none:
        return None, None
    if r < p_none + (1 - p_none) / 3 and zero_point < qmax - 2:       # ReLU
        return int(zero_point), None
    if r < p_none + 2 * (1 - p_none) / 3 and zero_point < qmax - 2:   # ReLU6-like
        six = int(round(6.0 / scale)) if scale else 0
        if not 2 < six < qmax - zero_point:
            six = int(rng.integers(2, qmax - zero_point + 1))
        hi = zero_point + six
        return int(zero_point), int(min(hi, qmax))
    lo = int(rng.integers(qmin, qmax - 20))
    hi = int(rng.integers(lo + 10, qmax + 1))
    return lo, hi


class Case:
    """One random case: `params` (printed on failure), `args`/`kwargs` for the call,
    `expected` from the reference."""

    def __init__(self, op, seed, params, args=(), kwargs=None, expected=None, **extra):
        self.op = op
        self.seed = seed
        self.params = params
        self.args = args
        self.kwargs = kwargs or {}
        self.expected = expected
        self.origin = f"build_case({seed})"
        self.__dict__.update(extra)

    @property
    def id(self):
        return f"s{self.seed}-" + "-".join(f"{k}={_short(v)}" for k, v in self.params.items()
                                           if k in self.id_keys)

    id_keys = ()

    def describe(self):
        lines = [f"{self.op} case seed={self.seed} (rebuild: {self.origin} in test_{self.op}.py)"]
        with np.printoptions(precision=17, threshold=1 << 20):
            lines += [f"  {k} = {v!r}" for k, v in self.params.items()]
        return "\n".join(lines)

    def __repr__(self):
        return self.describe()


def _short(v):
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name.replace("uint8", "u8").replace("int8", "i8")
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, tuple):
        return "x".join(_short(e) for e in v)
    return str(v).replace(" ", "")


def assert_same(got, expected, case=None):
    """Exact parity: ndarray, same dtype, same shape, C-contiguous, every element equal."""
    where = ("\n" + case.describe()) if case is not None else ""
    assert isinstance(got, np.ndarray), f"result is {type(got).__name__}, not ndarray{where}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != expected {expected.dtype}{where}"
    assert got.shape == expected.shape, f"shape {got.shape} != expected {expected.shape}{where}"
    assert got.flags.c_contiguous, f"result is not C-contiguous{where}"
    if not np.array_equal(got, expected):
        if got.dtype.kind == "f":
            bad = ~((got == expected) | (np.isnan(got) & np.isnan(expected)))
            if not bad.any():
                return
        else:
            bad = got != expected
        idx = np.argwhere(bad)
        n = int(bad.sum())
        first = [(tuple(int(i) for i in ix), got[tuple(ix)].item(), expected[tuple(ix)].item())
                 for ix in idx[:8]]
        diff = (got.astype(np.float64) - expected.astype(np.float64))[bad]
        raise AssertionError(
            f"{n} of {got.size} elements differ (max |diff| {np.abs(diff).max():g}); "
            f"first (index, got, expected): {first}{where}")


def snapshot(*arrays):
    return [None if a is None else np.array(a, copy=True) for a in arrays]


def assert_unchanged(before, arrays, names):
    for b, a, name in zip(before, arrays, names):
        if b is None:
            continue
        assert np.array_equal(b, a) and b.dtype == a.dtype, f"{name} was modified by the call"


# ---- bad-parameter tables shared by the error tests ------------------------------------------
BAD_SCALES = (0.0, -0.5, float("nan"), float("inf"), float("-inf"))


def bad_scale_params(name, **extra):
    """pytest.param(changes, ValueError, name) for every non-positive or non-finite scale."""
    import pytest  # noqa: PLC0415
    return [pytest.param(dict(extra, **{name: v}), ValueError, name, id=f"{name}={v}")
            for v in BAD_SCALES]


def bad_zero_point_params(name, dtype, **extra):
    """pytest.param(changes, ValueError, name) for zero points just outside [qmin, qmax]."""
    import pytest  # noqa: PLC0415
    qmin, qmax = qrange(dtype)
    return [pytest.param(dict(extra, **{name: v}), ValueError, name,
                         id=f"{np.dtype(dtype).name}-{name}={v}")
            for v in (qmin - 1, qmax + 1, 100000)]


X_NAME = r"(?i)\bx\b|input"
DT_X = r"(?i)\bx\b|input|dtype|u?int8"
OUT_MM = r"output_m(in|ax)"


# ---- pooling helpers -----------------------------------------------------------------------
POOL_KERNELS = [1, 2, 3, (2, 2), (3, 3), (2, 3), (3, 1), (1, 3), (4, 4), (5, 5)]


def hw_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def every_window_sees_input(n, k, s, p_before, d, o):
    return all(any(0 <= i * s - p_before + t * d < n for t in range(k)) for i in range(o))


def clustered_q(rng, shape, dtype):
    """Values around a random centre per channel (so clamps and averages are informative)."""
    qmin, qmax = ref.qrange(dtype)
    if rng.random() < 0.4:
        return rand_q(rng, shape, dtype)
    centre = rng.integers(qmin, qmax + 1, size=shape[-1:])
    spread = float(rng.uniform(3, 60))
    v = np.rint(rng.normal(centre, spread, size=shape))
    return np.clip(v, qmin, qmax).astype(dtype)


# ---- float-defined operators -------------------------------------------------------------
def assert_within_one_lsb(got, expected, case=None):
    """At most 1 LSB from the float64 reference (API.md §3) for every element; same dtype,
    shape, C-contiguous. Returns how many elements match exactly."""
    where = ("\n" + case.describe()) if case is not None else ""
    assert isinstance(got, np.ndarray), f"result is {type(got).__name__}, not ndarray{where}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != expected {expected.dtype}{where}"
    assert got.shape == expected.shape, f"shape {got.shape} != expected {expected.shape}{where}"
    assert got.flags.c_contiguous, f"result is not C-contiguous{where}"
    diff = np.abs(got.astype(np.int64) - expected.astype(np.int64))
    if diff.size and diff.max() > 1:
        idx = np.argwhere(diff > 1)[:8]
        first = [(tuple(int(i) for i in ix), got[tuple(ix)].item(), expected[tuple(ix)].item())
                 for ix in idx]
        raise AssertionError(f"{int((diff > 1).sum())} of {got.size} elements are more than 1 "
                             f"LSB off; first (index, got, expected): {first}{where}")
    return int((diff == 0).sum())


class ExactTally:
    """Counts exact matches of a float-defined operator over its parity tests; the module's
    last test prints the tally (visible with -s) and records it as a property."""

    def __init__(self):
        self.exact = 0
        self.total = 0

    def add(self, exact, total):
        self.exact += exact
        self.total += total

    def report(self, name, record_property):
        line = f"{name}: {self.exact} of {self.total} outputs equal the float64 reference exactly"
        if self.total:
            line += f" ({100.0 * self.exact / self.total:.3f}%), the rest within 1 LSB"
        print("\n" + line)
        record_property("exact_matches", f"{self.exact}/{self.total}")
        return line


def all_values(dtype):
    """Every value of a quantized dtype, qmin..qmax."""
    qmin, qmax = qrange(dtype)
    return np.arange(qmin, qmax + 1).astype(dtype)


def covering_array(rng, shape, dtype):
    """A random array of `shape` that holds every value of the dtype when it has >= 256
    elements."""
    size = int(np.prod(shape))
    values = rand_q(rng, size, dtype)
    if size >= 256:
        values[rng.permutation(size)[:256]] = all_values(dtype)
    return values.reshape(shape)


def rand_shape(rng, max_rank=4, dims=(1, 2, 3, 5, 7, 16, 17, 33)):
    rank = int(rng.integers(0, max_rank + 1))
    return tuple(int(pick(rng, list(dims))) for _ in range(rank))


def first_informative(draw, tag, seed, name, tries=200):
    """The first case `draw(rng, seed)` gives (None means: draw again) from the case's rng."""
    rng = np.random.default_rng([tag, seed])
    for _ in range(tries):
        case = draw(rng, seed)
        if case is not None:
            return case
    raise RuntimeError(f"{name} case {seed}: no informative case in {tries} draws")


def with_clamp(kwargs, output_min, output_max):
    """kwargs plus output_min / output_max where they are not None."""
    if output_min is not None:
        kwargs["output_min"] = output_min
    if output_max is not None:
        kwargs["output_max"] = output_max
    return kwargs


def broadcast_operand_shape(rng, out_shape):
    """A shape that broadcasts to out_shape: a random tail of it with some axes set to 1."""
    r = int(rng.integers(0, len(out_shape) + 1))
    tail = out_shape[len(out_shape) - r:]
    return tuple(1 if rng.random() < 0.3 else d for d in tail)


def check_weighted_edge(cls, reference, x, w, geometry):
    """`cls(w, None, ...)(x)` equals `reference(x, w, None, ...)` with the input and output
    zero points at the ends of the range (and between), for a weighted window operator."""
    qmin, qmax = qrange(x.dtype)
    for in_zp, out_zp, out_s in ((qmin, qmax, 0.05), (qmax, qmin, 0.5), (qmin + 100, qmin + 128, 4.0)):
        kw = dict(geometry, input_scale=0.02, input_zero_point=in_zp, weight_scale=0.01,
                  weight_zero_point=0, output_scale=out_s, output_zero_point=out_zp)
        assert_same(cls(w, None, **kw)(x), reference(x, w, None, **kw))


def run_weighted(function, cls, case, form=None, use_out=None):
    """`function(x, w, bias, **kwargs)` or `cls(w, bias, **kwargs)(x)` of a weighted operator's
    case, into a new `out=` array when the case (or `use_out`) says so."""
    x, w, bias = case.args
    form = case.form if form is None else form
    use_out = case.use_out if use_out is None else use_out
    out = np.empty(case.expected.shape, case.expected.dtype) if use_out else None
    if form == "function":
        got = function(x, w, bias, **case.kwargs, out=out) if use_out else \
            function(x, w, bias, **case.kwargs)
    else:
        op = cls(w, bias, **case.kwargs)
        got = op(x, out=out) if use_out else op(x)
    if use_out:
        assert got is out, f"out= was not returned\n{case.describe()}"
    return got


def call_weighted(function, cls, form, changes, x, w, bias=None, **defaults):
    """One call of a weighted operator, `function(x, w, bias, **kw, out=out)` or
    `cls(w, bias, **kw)(x, out=out)`: `changes` replaces x, w, bias, out (default None) or
    keyword arguments of `defaults`; a keyword given as `...` is left out."""
    changes = dict(changes)
    x, w = changes.pop("x", x), changes.pop("w", w)
    bias, out = changes.pop("bias", bias), changes.pop("out", None)
    kw = {k: v for k, v in dict(defaults, **changes).items() if v is not ...}
    if form == "function":
        return function(x, w, bias, **kw, out=out)
    return cls(w, bias, **kw)(x, out=out)


# ---- error tests of the quantized binary operators (add, multiply) ---------------------------
BINARY_A = np.full((2, 3), 100, np.uint8)
BINARY_B = np.full((3,), 50, np.uint8)
BINARY_AB = r"(?i)\ba\b|\bb\b|dtype|u?int8"


def call_binary(function, changes):
    """`function(a, b, **kw, out=out)` from valid uint8 arguments (BINARY_A, BINARY_B) with
    `changes` replacing a, b, out or keyword arguments; a keyword given as `...` is left out."""
    changes = dict(changes)
    a, b, out = changes.pop("a", BINARY_A), changes.pop("b", BINARY_B), changes.pop("out", None)
    kw = dict(a_scale=0.5, a_zero_point=128, b_scale=0.25, b_zero_point=100, output_scale=1.0,
              output_zero_point=128)
    kw.update(changes)
    kw = {k: v for k, v in kw.items() if v is not ...}
    return function(a, b, **kw, out=out)


def rand_shape_or_long(rng, p_long=0.08):
    """`rand_shape(rng)` (rank 0-4), or with probability p_long one axis of 1000-4999."""
    shape = rand_shape(rng)
    if rng.random() < p_long:
        shape = (int(rng.integers(1000, 5000)),)
    return shape


# ---- error tests of operators with one quantized input and output --------------------------
def bad_input_output_qparams(x):
    """pytest.params for every bad input / output scale and zero point of an operator whose
    valid uint8 input is x (zero points also for its int8 view)."""
    c = []
    for name in ("input_scale", "output_scale"):
        c += bad_scale_params(name)
    for name in ("input_zero_point", "output_zero_point"):
        c += bad_zero_point_params(name, U8)
        c += bad_zero_point_params(name, I8, x=x.view(np.int8), input_zero_point=0,
                                   output_zero_point=0)
    return c


def call_unary(function, changes, x, **defaults):
    """`function(x, **kw)` with `changes` replacing x or keyword arguments of `defaults`; a
    keyword given as `...` is left out."""
    changes = dict(changes)
    x = changes.pop("x", x)
    kw = dict(defaults)
    kw.update(changes)
    kw = {k: v for k, v in kw.items() if v is not ...}
    return function(x, **kw)

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
        hi = zero_point + (six if 2 < six < qmax - zero_point else int(rng.integers(2, qmax - zero_point + 1)))
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
        self.__dict__.update(extra)

    @property
    def id(self):
        return f"s{self.seed}-" + "-".join(f"{k}={_short(v)}" for k, v in self.params.items()
                                           if k in self.id_keys)

    id_keys = ()

    def describe(self):
        lines = [f"{self.op} case seed={self.seed} (rebuild with build_case({self.seed}))"]
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

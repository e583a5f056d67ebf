"""The operator table of the robustness checks: fuzzing, concurrency and leaks.

One row per operator (a prepacked class is a row of its own). A row draws calls: `gen(d)`
returns a `Call` (keyword arguments, with `Arr` markers for input arrays) and the error it
must raise, if any (this table decides validity: API.md §1's rules plus the float32
multiplier rule of `_validation.multiplier`); `corruptions(call)` lists single-parameter
changes that make it invalid, each with its error. `reference(values)` gives the expected
result (default: the function of qnnpack_swift.reference named like the row).

test_fuzz.py draws the calls with Hypothesis and runs them in a worker process;
test_concurrency.py and test_leaks.py (and benchmarks/fuzz_long.py, leak_check.py) draw
seeded valid calls from the same rows. Adding an operator is adding a row.
"""
import math

import numpy as np

from _support import I8, LAYOUTS, U8, as_layout, assert_same, assert_within_one_lsb, qrange, ref

F32 = np.float32
F32_MAX = float(np.finfo(np.float32).max)


# ---- choices -----------------------------------------------------------------------------

class Draw:
    """The choices a generator makes. Subclasses back them with Hypothesis (fuzzing: values
    shrink toward `lo`, the first element and False) or with a seeded NumPy generator."""

    batch = (0, 3)
    extreme = False  # draw scales from the ends of float32 (fuzz_call sets it for some calls)

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def flag(self, p):
        """True with probability about p."""
        return self.int(0, 99) >= round(100 * (1 - p))

    def rng(self):
        """A NumPy generator seeded by one choice (array contents)."""
        return np.random.default_rng(self.int(0, 2**32 - 1))

    def batch_size(self):
        return self.int(*self.batch)


class RngDraw(Draw):
    """Choices from `np.random.default_rng(seed)`; `batch` is the range of batch sizes."""

    def __init__(self, seed, batch=(0, 3)):
        self._rng = np.random.default_rng(seed)
        self.batch = batch

    def int(self, lo, hi):
        return int(self._rng.integers(lo, hi + 1))

    def uniform(self, lo, hi):
        return float(self._rng.uniform(lo, hi))


# ---- calls ---------------------------------------------------------------------------------

class Arr:
    """An input array of a call: `value` (C-contiguous) is passed as `as_layout(value, layout)`."""

    def __init__(self, value, layout="c"):
        self.value = np.asarray(value)
        self.layout = layout

    def __repr__(self):
        body = np.array2string(self.value, threshold=64, separator=",").replace("\n", "")
        return f"Arr({body}, dtype={self.value.dtype}, shape={self.value.shape}, layout={self.layout!r})"


class Out:
    """An `out=` array: zeros of `shape` / `dtype` as `layout` ("list": a Python list)."""

    def __init__(self, shape, dtype, layout="c"):
        self.shape, self.dtype, self.layout = tuple(shape), np.dtype(dtype), layout

    def make(self):
        a = np.zeros(self.shape, self.dtype)
        return a.tolist() if self.layout == "list" else as_layout(a, self.layout)

    def __repr__(self):
        return f"Out({self.shape}, {self.dtype}, {self.layout!r})"


class Call:
    """`qs.<target>(**kwargs)`, or for a prepacked class `qs.<target>(**kwargs)(**run)`;
    `expect` is the exception class the call must raise (None: the reference result);
    `threads` / `family` are the runtime settings to run it with."""

    def __init__(self, target, kwargs, run=None, expect=None):
        self.target, self.kwargs, self.run, self.expect = target, kwargs, run, expect
        self.threads, self.family = 1, None

    @property
    def out_kwargs(self):
        """The keyword arguments that take `out=`."""
        return self.kwargs if self.run is None else self.run

    def values(self, library):
        """(kwargs, run) with markers replaced by arrays: as laid out for the library, or
        the plain values (for the reference) when not `library`."""
        def resolve(v):
            if isinstance(v, Arr):
                return as_layout(v.value, v.layout) if library else v.value
            if isinstance(v, Out):
                return v.make() if library else None
            if isinstance(v, tuple):
                return tuple(resolve(e) for e in v)
            if isinstance(v, list):
                return [resolve(e) for e in v]
            return v
        run = None if self.run is None else {k: resolve(v) for k, v in self.run.items()}
        return {k: resolve(v) for k, v in self.kwargs.items()}, run

    def __repr__(self):
        def show(d):
            return ", ".join(f"{k}={v!r}" for k, v in d.items())
        text = f"qs.{self.target}({show(self.kwargs)})"
        if self.run is not None:
            text += f"({show(self.run)})"
        expect = "reference result" if self.expect is None else exception_names(self.expect)
        return f"{text}  [threads={self.threads}, family={self.family}; expect {expect}]"


def exception_names(expect):
    """The name of an expected exception class, or of each in a tuple of them."""
    return " or ".join(e.__name__ for e in expect) if isinstance(expect, tuple) else expect.__name__


def invoke(target, kwargs, run):
    """`qs.<target>(**kwargs)`, and for a prepacked class its `__call__(**run)`."""
    import qnnpack_swift as qs  # noqa: PLC0415  (the worker process imports it here)
    made = getattr(qs, target)(**kwargs)
    return made if run is None else made(**run)


def execute(call):
    """Runs `call` on qnnpack_swift (in the worker process). Returns (result, error,
    returned_out, modified): the result (or the exception raised), whether the result is
    the `out=` array, and the names of inputs whose contents changed."""
    import qnnpack_swift as qs  # noqa: PLC0415
    qs.set_num_threads(call.threads)
    if call.family is not None:
        qs.set_kernel_family(call.family)
    kwargs, run = call.values(library=True)
    every = dict(kwargs, **(run or {}))
    inputs = {k: (v, np.array(v, copy=True)) for k, v in every.items()
              if isinstance(v, np.ndarray) and k != "out"}
    try:
        result = invoke(call.target, kwargs, run)
    except Exception as error:  # noqa: BLE001  (the parent checks the kind)
        return None, error, False, []
    out = every.get("out")
    modified = [k for k, (a, before) in inputs.items() if not np.array_equal(a, before, equal_nan=a.dtype.kind == "f")]
    if isinstance(result, np.ndarray) and not result.flags.c_contiguous:
        modified.append("(result is not C-contiguous)")
    return result, None, out is not None and result is out, modified


# ---- value helpers -------------------------------------------------------------------------

def qvalues(d, shape, dtype):
    """Quantized values: random, all qmin, all qmax, random extremes or near-constant."""
    qmin, qmax = qrange(dtype)
    mode, rng = d.int(0, 4), d.rng()
    if mode == 1:
        v = np.full(shape, qmin)
    elif mode == 2:
        v = np.full(shape, qmax)
    elif mode == 3:
        v = rng.choice([qmin, qmax], size=shape)
    elif mode == 4:
        v = np.clip(rng.integers(-2, 3, size=shape) + int(rng.integers(qmin, qmax + 1)), qmin, qmax)
    else:
        v = rng.integers(qmin, qmax + 1, size=shape)
    return np.asarray(v).astype(dtype)


def scale(d):
    """A valid scale: mostly in [1e-4, 1e2], sometimes a power of two (ties), sometimes
    extreme (where multipliers may overflow float32)."""
    if d.flag(0.15):
        return 2.0 ** d.int(-12, 6)
    if d.flag(0.7 if d.extreme else 0.02):
        return float(F32(10.0 ** d.uniform(-37, 37)))
    return 10.0 ** d.uniform(-4, 2)


def zero_point(d, dtype):
    return d.int(*qrange(dtype))


def qparams(d, dtype, prefix):
    return {f"{prefix}_scale": scale(d), f"{prefix}_zero_point": zero_point(d, dtype)}


def output_scale(d, spread):
    """An output scale about `spread` / 2**[3, 9] (informative outputs), or any scale."""
    s = spread / 2.0 ** d.uniform(3, 9)
    return s if d.flag(0.9) and 1e-38 < s < 1e38 else scale(d)


def clamp_bounds(d, dtype, p=0.4):
    """{output_min, output_max} (None, inside or partly outside [qmin, qmax]) and the error
    of an empty clamp range (API.md §1)."""
    qmin, qmax = qrange(dtype)
    lo = d.int(qmin - 3, qmax + 3) if d.flag(p) else None
    hi = d.int(qmin - 3 if lo is None else lo - 3, qmax + 3) if d.flag(p) else None
    lo_, hi_ = qmin if lo is None else lo, qmax if hi is None else hi
    error = ValueError if lo_ > hi_ or lo_ > qmax or hi_ < qmin else None
    return {"output_min": lo, "output_max": hi}, error


def multiplier_error(numerator, denominator, headroom=1):
    """ValueError when float32(numerator) / float32(denominator) * headroom is not finite
    (see `_validation.multiplier`)."""
    with np.errstate(over="ignore"):
        m = F32(np.asarray(numerator, dtype=F32) / F32(denominator))
        return None if np.all(np.isfinite(m * F32(headroom))) else ValueError


def size_param(d, lo, hi, huge=False):
    """(value as passed, (h, w)): an int, a tuple, a list or a NumPy array; with `huge`,
    rarely one far beyond any input (still a valid stride, or dilation of a 1-tap axis)."""
    if huge and d.flag(0.05):
        v = 2 ** d.int(31, 62)
        return v, (v, v)
    if d.flag(0.5):
        v = d.int(lo, hi)
        return (np.int64(v) if d.flag(0.1) else v), (v, v)
    h, w = d.int(lo, hi), d.int(lo, hi)
    return d.choice([(h, w), [h, w], np.array([h, w])]), (h, w)


def padding_param(d, hi):
    """(value as passed, (top, left, bottom, right))."""
    form = d.int(0, 3)
    if form == 0:
        return 0, (0, 0, 0, 0)
    if form == 1:
        p = d.int(0, hi)
        return p, (p, p, p, p)
    if form == 2:
        h, w = d.int(0, hi), d.int(0, hi)
        return (h, w), (h, w, h, w)
    pads = tuple(d.int(0, hi) for _ in range(4))
    return pads, pads


def first_error(*errors):
    return next((e for e in errors if e is not None), None)


def window_error(size, pads, kernel, dilation):
    """ValueError unless the dilated window fits the padded input on both axes."""
    for n, before, after, k, dl in zip(size, pads[:2], pads[2:], kernel, dilation):
        if n + before + after < (k - 1) * dl + 1:
            return ValueError
    return None


def spatial(d, lo=1, hi=9):
    """Height or width; rarely 0 (an error for every window operator)."""
    return 0 if d.flag(0.03) else d.int(lo, hi)


def input_size(d, pads, kernel, dilation):
    """(H, W) that mostly hold the padded, dilated window (rarely 0)."""
    size = []
    for before, after, k, dl in zip(pads[:2], pads[2:], kernel, dilation):
        need = max(1, (k - 1) * dl + 1 - before - after)
        fits = need <= 64 and d.flag(0.9)
        size.append(0 if d.flag(0.03) else d.int(need, need + 7) if fits else d.int(1, 9))
    return tuple(size)


# ---- corruptions ---------------------------------------------------------------------------
# A corruption is (where, key, bad value, error): `where` is "kwargs" or "run".

BAD_SCALES = [(0.0, ValueError), (-1.0, ValueError), (math.nan, ValueError),
              (math.inf, ValueError), (1e39, ValueError), (1e-50, ValueError), ("0.5", TypeError)]
BAD_SIZES = [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError),
             ((1, 1, 1), ValueError), (2**70, ValueError)]
BAD_PADDINGS = [(-1, ValueError), ((1, 1, 1), ValueError), (0.5, TypeError), (2**70, ValueError)]


def bad_zero_points(dtype):
    qmin, qmax = qrange(dtype)
    return [(qmin - 1, ValueError), (qmax + 1, ValueError), (2**70, ValueError), (0.5, TypeError)]


def bad_qarrays(value):
    """Non-quantized dtypes in place of a uint8/int8 array."""
    return [(Arr(value.astype(np.float32)), TypeError), (Arr(value.astype(np.int16)), TypeError)]


def bad_clamps(dtype):
    qmin, qmax = qrange(dtype)
    return {"output_min": [(qmax + 1, ValueError), (0.5, TypeError)],
            "output_max": [(qmin - 1, ValueError), ("1", TypeError)]}


def corruption_list(where, table):
    """[(where, key, value, error)] from {key: [(value, error)]}."""
    return [(where, k, v, e) for k, bad in table.items() for v, e in bad]


def qparam_corruptions(where, prefix, dtype):
    return {f"{prefix}_scale": BAD_SCALES, f"{prefix}_zero_point": bad_zero_points(dtype)}


def dtype_of(call, key):
    v = dict(call.kwargs, **(call.run or {}))[key]
    return v.value.dtype


# ---- rows ------------------------------------------------------------------------------------

class Row:
    """One operator of the table (see the module docstring). `prepacked`: the row draws a
    prepacked class and its `run`; `has_out`: the call takes `out=`; `compare(got, expected,
    call)` asserts a valid result (default: exact, `assert_same`); `examples`: the Hypothesis
    examples test_fuzz.py runs."""

    def __init__(self, name, gen, corruptions, reference=None, prepacked=False, has_out=True,
                 compare=None, examples=300):
        self.name, self.gen, self.corruptions = name, gen, corruptions
        self.reference = reference or self._reference
        self.prepacked, self.has_out = prepacked, has_out
        self.compare = compare or (lambda got, expected, call: assert_same(got, expected))
        self.examples = examples

    def _reference(self, kwargs, run):
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        return getattr(ref, self.name)(**kwargs)

    def __repr__(self):
        return self.name


# conv2d / Conv2d

def gen_conv2d(d, prepacked=False):
    xd, wd = d.choice([(U8, I8), (U8, U8), (I8, I8)])
    if d.flag(0.3):  # depthwise, any channel multiplier
        groups, gic, goc = d.int(1, 8), 1, d.int(1, 3)
    else:
        groups, gic, goc = d.choice([1, 2, 3]), d.int(1, 6), d.int(1, 6)
    kh, kw = d.int(1, 4), d.int(1, 4)
    stride, _ = size_param(d, 1, 3, huge=True)
    if d.flag(0.2):
        padding = d.choice(["same", "SAME", "valid"])
        pads = (0, 0, 0, 0) if padding == "valid" else None  # SAME always fits
    else:
        padding, pads = padding_param(d, 3)
    # (SAME with a huge dilation needs a padding no reference can allocate.)
    dilation, (dh, dw) = size_param(d, 1, 3, huge=pads is not None)
    n, (h, w) = d.batch_size(), input_size(d, pads or (0, 0, 0, 0), (kh, kw), (dh, dw))
    error = pads and window_error((h, w), pads, (kh, kw), (dh, dw))
    c_out, k = groups * goc, kh * kw * gic
    x = qvalues(d, (n, h, w, groups * gic), xd)
    weight = qvalues(d, (c_out, kh, kw, gic), wd)
    kwargs = dict(weight=Arr(weight), stride=stride, padding=padding, dilation=dilation, groups=groups)
    kwargs.update(weighted_qparams(d, xd, wd, c_out, k, kwargs))
    if h == 0 or w == 0:
        error = ValueError
    return weighted_call(d, "conv2d", "Conv2d", prepacked, x, kwargs, error)


def weighted_qparams(d, xd, wd, c_out, k, kwargs):
    """Quantization keywords and bias of conv2d / linear; sets kwargs["_error"] to the error
    of the multiplier and bias rules (popped by weighted_call)."""
    in_s = scale(d)
    if d.flag(0.4):
        w_s = np.array([scale(d) for _ in range(c_out)], dtype=d.choice([np.float32, np.float64]))
        w_zp = np.array([zero_point(d, wd) for _ in range(c_out)], dtype=d.choice([np.int32, np.int64]))
        w_s_arg, w_zp_arg = Arr(w_s), Arr(w_zp)
    else:
        w_s, w_zp = scale(d), zero_point(d, wd)
        w_s_arg, w_zp_arg = w_s, w_zp
    with np.errstate(over="ignore", under="ignore"):
        denominator = F32(in_s) * np.broadcast_to(np.asarray(w_s, dtype=F32), (c_out,))
    acc_std = 5000.0 * math.sqrt(k)  # of sums of k products of values ~74 from their zero points
    out_s = output_scale(d, float(np.mean(denominator, dtype=np.float64)) * acc_std)
    bias_kind = d.int(0, 3)
    rng = d.rng()
    bias = None
    if bias_kind == 1:
        bias = rng.integers(-(2**31), 2**31, size=c_out, dtype=np.int64)
        if d.flag(0.3):
            bias[rng.integers(0, c_out)] = d.choice([2**31 - 1, -(2**31), 2**31 - 2**20])
        bias = bias.astype(np.int32)
    elif bias_kind >= 2:
        with np.errstate(over="ignore"):
            bias = (rng.normal(0, 3, c_out) * acc_std * denominator).astype(
                np.float32 if bias_kind == 2 else np.float64)
        if d.flag(0.1):
            bias[0] = d.choice([np.inf, -np.inf, 1e30])
    clamp, clamp_error = clamp_bounds(d, xd)
    float_bias = bias is not None and bias.dtype.kind == "f"
    bias_error = ValueError if float_bias and not np.all((denominator > 0) & np.isfinite(denominator)) else None
    kwargs.update(bias=None if bias is None else Arr(bias))
    return dict(input_scale=in_s, input_zero_point=zero_point(d, xd), weight_scale=w_s_arg,
                weight_zero_point=w_zp_arg, output_scale=out_s, output_zero_point=zero_point(d, xd),
                **clamp, _error=first_error(clamp_error, bias_error,
                                            multiplier_error(denominator, out_s)))


def weighted_call(d, function, cls, prepacked, x, kwargs, error):
    """The Call of conv2d / linear or of their prepacked classes (input dtype pinned or not)."""
    error = first_error(error, kwargs.pop("_error"))
    if not prepacked:
        return Call(function, dict(kwargs, x=Arr(x)), expect=error)
    if d.flag(0.3):
        kwargs["input_dtype"] = d.choice([x.dtype, x.dtype.name])
    return Call(cls, kwargs, run={"x": Arr(x)}, expect=error)


def weighted_corruptions(call, rank_bad):
    """Corruptions of conv2d / linear (function or class)."""
    xd, wd = dtype_of(call, "x"), dtype_of(call, "weight")
    x_where = "kwargs" if call.run is None else "run"
    x = (call.run or call.kwargs)["x"].value
    w = call.kwargs["weight"].value
    c_out = w.shape[2 if w.ndim == 6 else 0]  # locally_connected2d: [OH, OW, C_out, ...]
    table = {**qparam_corruptions("kwargs", "input", xd), **qparam_corruptions("kwargs", "output", xd),
             "weight_scale": BAD_SCALES + [(np.ones(c_out + 1), ValueError)],
             "weight_zero_point": bad_zero_points(wd) + [(np.zeros(c_out + 1, np.int32), ValueError)],
             "weight": bad_qarrays(w) + [(Arr(w[..., None]), ValueError)],
             "bias": [(Arr(np.zeros(c_out + 1, np.int32)), ValueError),
                      (Arr(np.zeros(c_out, np.int64)), TypeError),
                      (Arr(np.full(c_out, np.nan, np.float32)), ValueError)],
             **bad_clamps(xd)}
    bad = corruption_list("kwargs", table)
    bad += corruption_list(x_where, {"x": bad_qarrays(x) + [(Arr(rank_bad(x)), ValueError)]})
    if wd == U8 or "input_dtype" in call.kwargs:  # uint8 weights or a pinned uint8 input
        if xd == U8:
            bad.append((x_where, "x", Arr(x.astype(np.int8)), TypeError))
    if "stride" in call.kwargs:
        bad += corruption_list("kwargs", {"stride": BAD_SIZES, "dilation": BAD_SIZES,
                                          "padding": BAD_PADDINGS + [("full", ValueError)]})
    if "groups" in call.kwargs:
        bad += corruption_list("kwargs", {"groups": [(0, ValueError), (1.5, TypeError),
                                                     (call.kwargs["groups"] + 1, ValueError)]})
    return bad


def conv2d_reference(kwargs, run):
    kwargs = dict(kwargs, **(run or {}))
    kwargs = {k: v for k, v in kwargs.items() if k not in ("out", "input_dtype")}
    if isinstance(kwargs["padding"], str) and kwargs["padding"].lower() == "valid":
        kwargs["padding"] = 0
    return ref.conv2d(**kwargs)


# linear / Linear

def gen_linear(d, prepacked=False):
    xd, wd = d.choice([(U8, I8), (U8, U8), (I8, I8)])
    k = d.int(100, 3000) if d.flag(0.1) else d.int(1, 40)
    c_out = d.int(1, 20)
    lead = d.choice([(d.batch_size(),), (), (d.int(0, 3), d.int(0, 3))])
    x = qvalues(d, lead + (k,), xd)
    weight = qvalues(d, (c_out, k), wd)
    kwargs = dict(weight=Arr(weight))
    kwargs.update(weighted_qparams(d, xd, wd, c_out, k, kwargs))
    return weighted_call(d, "linear", "Linear", prepacked, x, kwargs, None)


def linear_reference(kwargs, run):
    kwargs = dict(kwargs, **(run or {}))
    return ref.linear(**{k: v for k, v in kwargs.items() if k not in ("out", "input_dtype")})


# pooling

def pool_window(d, dilated):
    """Keywords of a pooling window over a drawn NHWC input, and the error of its rules."""
    dt = d.choice([U8, I8])
    kernel, (kh, kw) = size_param(d, 1, 4)
    stride = None if d.flag(0.3) else size_param(d, 1, 3, huge=True)[0]
    dilation, (dh, dw) = size_param(d, 1, 3, huge=True) if dilated else (1, (1, 1))
    half = (((kh - 1) * dh + 1) // 2, ((kw - 1) * dw + 1) // 2)
    padding, pads = padding_param(d, min(*half, 2) + (1 if d.flag(0.1) else 0))
    n, (h, w), c = d.batch_size(), input_size(d, pads, (kh, kw), (dh, dw)), spatial(d, 1, 20)
    error = first_error(ValueError if 0 in (h, w, c) else None,
                        ValueError if any(p > half[i % 2] for i, p in enumerate(pads)) else None,
                        window_error((h, w), pads, (kh, kw), (dh, dw)))
    kwargs = dict(x=Arr(qvalues(d, (n, h, w, c), dt)), kernel_size=kernel, stride=stride, padding=padding)
    if dilated:
        kwargs["dilation"] = dilation
    return dt, kwargs, error


def pool_corruptions(call, qparam_prefixes=()):
    dt = dtype_of(call, "x")
    x = call.kwargs["x"].value
    table = {"x": bad_qarrays(x) + [(Arr(x.reshape(-1)), ValueError)], **bad_clamps(dt)}
    for name in ("kernel_size", "stride", "dilation"):
        if name in call.kwargs:
            table[name] = BAD_SIZES
    if "padding" in call.kwargs:
        table["padding"] = BAD_PADDINGS
    for prefix in qparam_prefixes:
        table.update(qparam_corruptions("kwargs", prefix, dt))
    return corruption_list("kwargs", table)


def gen_max_pool2d(d):
    dt, kwargs, error = pool_window(d, dilated=True)
    clamp, clamp_error = clamp_bounds(d, dt)
    return Call("max_pool2d", dict(kwargs, **clamp), expect=first_error(error, clamp_error))


def gen_avg_pool2d(d):
    dt, kwargs, error = pool_window(d, dilated=False)
    q = {**qparams(d, dt, "input"), **qparams(d, dt, "output")}
    clamp, clamp_error = clamp_bounds(d, dt)
    kwargs.update(q, **clamp, count_include_pad=d.flag(0.5))
    return Call("avg_pool2d", kwargs, expect=first_error(
        error, clamp_error, multiplier_error(q["input_scale"], q["output_scale"])))


def gen_global_avg_pool2d(d):
    dt = d.choice([U8, I8])
    if d.flag(0.1):  # many pixels
        h, w = d.int(30, 90), d.int(30, 90)
    else:
        h, w = spatial(d), spatial(d)
    c = spatial(d, 1, 20)
    q = {**qparams(d, dt, "input"), **qparams(d, dt, "output")}
    clamp, clamp_error = clamp_bounds(d, dt)
    x = qvalues(d, (d.batch_size(), h, w, c), dt)
    return Call("global_avg_pool2d", dict(x=Arr(x), **q, **clamp), expect=first_error(
        ValueError if 0 in (h, w, c) else None, clamp_error,
        multiplier_error(q["input_scale"], q["output_scale"])))


# elementwise

def broadcast_shapes(d):
    """(output shape, a shape, b shape): each input drops leading axes and sets some to 1."""
    if d.flag(0.05):  # beyond the ABI's 8 dimensions
        shape = tuple(d.int(1, 2) for _ in range(d.int(9, 10)))
    else:
        shape = tuple(0 if d.flag(0.05) else d.int(1, 5) for _ in range(d.int(0, 4)))

    def operand():
        kept = shape[d.int(0, len(shape)):] if d.flag(0.3) else shape
        return tuple(1 if d.flag(0.25) else s for s in kept)
    return shape, operand(), operand()


def gen_binary(d, target):
    """add or multiply (same keywords and rules)."""
    dt = d.choice([U8, I8])
    _, sa, sb = broadcast_shapes(d)
    q = {**qparams(d, dt, "a"), **qparams(d, dt, "b"), **qparams(d, dt, "output")}
    clamp, clamp_error = clamp_bounds(d, dt)
    if target == "add":
        error = first_error(clamp_error, multiplier_error(q["a_scale"], q["output_scale"], 255),
                            multiplier_error(q["b_scale"], q["output_scale"], 255))
    else:  # one multiplier float32(sa·sb)/so
        with np.errstate(over="ignore", under="ignore"):
            error = first_error(clamp_error, multiplier_error(F32(q["a_scale"]) * F32(q["b_scale"]),
                                                              q["output_scale"]))
    return Call(target, dict(a=Arr(qvalues(d, sa, dt)), b=Arr(qvalues(d, sb, dt)), **q, **clamp),
                expect=error)


def binary_corruptions(call):
    dt = dtype_of(call, "a")
    a, b = call.kwargs["a"].value, call.kwargs["b"].value
    other = I8 if dt == U8 else U8
    wide = np.zeros(b.shape + (7,), dt)
    try:
        np.broadcast_shapes(a.shape, wide.shape)
        wide_error = None
    except ValueError:
        wide_error = ValueError
    table = {"a": bad_qarrays(a) + [(Arr(a.astype(other)), TypeError)],
             "b": bad_qarrays(b) + [(Arr(wide), wide_error)],
             **qparam_corruptions("kwargs", "a", dt), **qparam_corruptions("kwargs", "b", dt),
             **qparam_corruptions("kwargs", "output", dt), **bad_clamps(dt)}
    return [c for c in corruption_list("kwargs", table) if c[3] is not None]


def any_shape(d):
    """Rank 0 to 4; the first axis a batch size, the others 1 to 6 (rarely 0)."""
    rank = d.int(0, 4)
    return tuple(d.batch_size() if i == 0 else 0 if d.flag(0.05) else d.int(1, 6) for i in range(rank))


def gen_clamp(d):
    dt = d.choice([U8, I8])
    clamp, error = clamp_bounds(d, dt, p=0.7)
    return Call("clamp", dict(x=Arr(qvalues(d, any_shape(d), dt)), **clamp), expect=error)


def clamp_corruptions(call):
    dt = dtype_of(call, "x")
    return corruption_list("kwargs", {"x": bad_qarrays(call.kwargs["x"].value), **bad_clamps(dt)})


# quantization helpers

def channel_qparams(d, shape, dt):
    """scale, zero_point and axis of quantize / dequantize: per tensor or per channel
    (any axis, negative too), with the error of an axis out of range."""
    if not d.flag(0.4):
        return dict(scale=scale(d), zero_point=zero_point(d, dt)), None
    axis = d.int(-len(shape) - 1, len(shape))
    if not -len(shape) <= axis < len(shape):
        return dict(scale=scale(d), zero_point=zero_point(d, dt), axis=axis), ValueError
    c = shape[axis]
    s = Arr(np.array([scale(d) for _ in range(c)], dtype=d.choice([np.float32, np.float64])))
    zp = Arr(np.array([zero_point(d, dt) for _ in range(c)], dtype=np.int32))
    return dict(scale=s if d.flag(0.8) else scale(d), zero_point=zp if d.flag(0.8) else zero_point(d, dt),
                axis=axis), None


def channel_corruptions(call, dt):
    table = {"scale": BAD_SCALES, "zero_point": bad_zero_points(dt)}
    if call.kwargs.get("axis") is not None:
        table["axis"] = [(1.5, TypeError), (99, ValueError)]
        for key in ("scale", "zero_point"):
            if isinstance(call.kwargs[key], Arr):
                v = call.kwargs[key].value
                table[key] = table[key] + [(Arr(np.resize(v, v.size + 1)), ValueError)]
    return table


def float_values(d, shape):
    """float16/32/64 values: normal, ties (k + 1/2), huge, and NaN / ±inf sprinkled in."""
    rng = d.rng()
    v = rng.normal(0, 10.0 ** d.uniform(-3, 3), size=shape)
    if d.flag(0.3):
        v = rng.integers(-300, 300, size=shape) + 0.5
    if d.flag(0.3) and v.size:
        specials = np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 3.5e38, 1e-300, 0.0, -0.0])
        v.flat[rng.integers(0, v.size, size=max(1, v.size // 4))] = rng.choice(specials, size=max(1, v.size // 4))
    with np.errstate(over="ignore"):
        return np.asarray(v).astype(d.choice([np.float32, np.float64, np.float16]))


def gen_quantize(d):
    shape = any_shape(d)
    dt = d.choice([U8, I8])
    q, error = channel_qparams(d, shape, dt)
    dtype = d.choice([dt.type, dt, dt.name]) if dt == I8 or d.flag(0.5) else None
    kwargs = dict(x=Arr(float_values(d, shape)), **q)
    if dtype is not None:
        kwargs["dtype"] = dtype
    return Call("quantize", kwargs, expect=error)


def quantize_reference(kwargs, run):
    """reference.quantize, with NaN giving the zero point (the library's documented choice;
    §3 leaves NaN undefined)."""
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    with np.errstate(invalid="ignore", over="ignore"):
        q = ref.quantize(**kwargs)
        x = np.asarray(kwargs["x"]).astype(F32)
        zp = np.asarray(kwargs["zero_point"])
        if kwargs.get("axis") is not None and zp.ndim:
            shape = [1] * x.ndim
            shape[kwargs["axis"]] = zp.size
            zp = zp.reshape(shape)
    return np.where(np.isnan(x), np.broadcast_to(zp, x.shape), q).astype(q.dtype)


def quantize_corruptions(call):
    dt = np.dtype(call.kwargs.get("dtype", U8))
    table = channel_corruptions(call, dt)
    x = call.kwargs["x"].value
    table.update(x=[(Arr(x.astype(np.int16)), TypeError), (Arr(x.astype(np.uint8)), TypeError)],
                 dtype=[(np.int16, TypeError), ("float32", TypeError)])
    return corruption_list("kwargs", table)


def gen_dequantize(d):
    shape = any_shape(d)
    dt = d.choice([U8, I8])
    q, error = channel_qparams(d, shape, dt)
    return Call("dequantize", dict(q=Arr(qvalues(d, shape, dt)), **q), expect=error)


def dequantize_corruptions(call):
    dt = dtype_of(call, "q")
    table = channel_corruptions(call, dt)
    table["q"] = bad_qarrays(call.kwargs["q"].value)
    return corruption_list("kwargs", table)


def gen_requantize(d):
    dt = d.choice([U8, I8])
    out = d.choice([None, U8, I8])
    odt = dt if out is None else out
    q = {**qparams(d, dt, "input"), **qparams(d, odt, "output")}
    clamp, clamp_error = clamp_bounds(d, odt)
    kwargs = dict(q=Arr(qvalues(d, any_shape(d), dt)), **q, **clamp)
    if out is not None or d.flag(0.3):
        kwargs["dtype"] = out
    return Call("requantize", kwargs, expect=first_error(
        clamp_error, multiplier_error(q["input_scale"], q["output_scale"])))


def requantize_corruptions(call):
    dt = dtype_of(call, "q")
    odt = np.dtype(call.kwargs.get("dtype") or dt)
    table = {"q": bad_qarrays(call.kwargs["q"].value), **qparam_corruptions("kwargs", "input", dt),
             **qparam_corruptions("kwargs", "output", odt), **bad_clamps(odt),
             "dtype": [(np.float32, TypeError)]}
    return corruption_list("kwargs", table)


def gen_choose_qparams(d):
    dt = d.choice([U8, I8])
    if d.flag(0.3):
        lo, hi = sorted([float(F32(d.uniform(-1e3, 1e3))), float(F32(d.uniform(-1e3, 1e3)))])
        if d.flag(0.2):
            lo, hi = d.choice([(hi + 1, lo), (math.nan, hi), (lo, math.inf), (-3e38, 3e38), (0.0, 0.0)])
        x = (lo, hi)
    elif d.flag(0.2):
        x = Arr(qvalues(d, any_shape(d), d.choice([U8, I8])).astype(d.choice([np.int32, np.uint8, np.int64])))
    else:
        x = Arr(float_values(d, any_shape(d)))
    kwargs = dict(x=x, dtype=dt, symmetric=d.flag(0.4), reduce_range=d.flag(0.3))
    values = x if isinstance(x, tuple) else x.value
    error = None
    if kwargs["symmetric"] and kwargs["reduce_range"] and dt == U8 or np.size(values) == 0:
        error = ValueError
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            lo, hi = (F32(values[0]), F32(values[1])) if isinstance(values, tuple) else (
                F32(np.min(values)), F32(np.max(values)))
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            error = ValueError
        else:
            with np.errstate(over="ignore"):
                s, _ = ref.choose_qparams((lo, hi), dt, kwargs["symmetric"], kwargs["reduce_range"])
            error = None if math.isfinite(s) else ValueError
    return Call("choose_qparams", kwargs, expect=error)


def choose_qparams_corruptions(call):
    table = {"dtype": [(np.int16, TypeError), ("float32", TypeError)]}
    if isinstance(call.kwargs["x"], Arr):
        x = call.kwargs["x"].value
        table["x"] = [(Arr(x.astype(np.complex64)), TypeError), (Arr(x.astype(object)), TypeError)]
    return corruption_list("kwargs", table)


def choose_qparams_reference(kwargs, run):
    with np.errstate(over="ignore"):
        return ref.choose_qparams(**kwargs)


# multiply, concatenate, channel_shuffle

def concat_draw(d):
    """(dtype, arrays, axis as passed, error): 1 to 4 arrays of one rank, equal but on axis."""
    dt = d.choice([U8, I8])
    rank = d.int(1, 4)
    shape = [d.batch_size() if i == 0 else d.int(1, 5) for i in range(rank)]
    axis = d.int(-rank, rank - 1)
    arrays = []
    for _ in range(d.int(1, 4)):
        s = list(shape)
        s[axis] = d.int(0, 5)
        arrays.append(Arr(qvalues(d, tuple(s), dt)))
    return dt, arrays, axis


def gen_concatenate(d):
    dt, arrays, axis = concat_draw(d)
    n = len(arrays)
    if d.flag(0.3):
        scales, zps = scale(d), zero_point(d, dt)
        s_all = [scales] * n
    else:
        s_all = [scale(d) for _ in range(n)]
        scales = d.choice([s_all, Arr(np.array(s_all)), tuple(s_all)])
        zps = [zero_point(d, dt) for _ in range(n)]
    out = qparams(d, dt, "output")
    clamp, clamp_error = clamp_bounds(d, dt)
    return Call("concatenate", dict(arrays=arrays, axis=axis, input_scales=scales, input_zero_points=zps,
                                    **out, **clamp),
                expect=first_error(clamp_error, multiplier_error(s_all, out["output_scale"])))


def concatenate_corruptions(call):
    arrays = call.kwargs["arrays"]
    dt = arrays[0].value.dtype
    first = arrays[0].value
    other = I8 if dt == U8 else U8
    n, rank = len(arrays), first.ndim
    table = {"arrays": [([], ValueError), (Arr(first), ValueError),
                        (arrays + [Arr(first.astype(other))], TypeError),
                        (arrays + [Arr(first.astype(np.float32))], TypeError),
                        (arrays + [Arr(first[..., None])], ValueError),
                        (arrays + [Arr(np.zeros((), dt))], ValueError)],
             "axis": [(rank, ValueError), (-rank - 1, ValueError), (0.5, TypeError)],
             "input_scales": [([1.0] * (n + 1), ValueError)] + BAD_SCALES,
             "input_zero_points": [([0] * (n + 1), ValueError)] + bad_zero_points(dt),
             **qparam_corruptions("kwargs", "output", dt), **bad_clamps(dt)}
    return corruption_list("kwargs", table)


def gen_channel_shuffle(d):
    dt = d.choice([U8, I8])
    groups, k = d.int(1, 6), d.int(1, 5)
    lead = any_shape(d)[:d.int(0, 3)]
    return Call("channel_shuffle", dict(x=Arr(qvalues(d, lead + (groups * k,), dt)), groups=groups))


def channel_shuffle_corruptions(call):
    x, groups = call.kwargs["x"].value, call.kwargs["groups"]
    table = {"x": bad_qarrays(x) + [(Arr(np.zeros((), x.dtype)), ValueError)],
             "groups": [(0, ValueError), (1.5, TypeError), (x.shape[-1] + 1, ValueError)]}
    if groups > 1:
        table["x"].append((Arr(x[..., 1:]), ValueError))
    return corruption_list("kwargs", table)


# conv_transpose2d / ConvTranspose2d, locally_connected2d / LocallyConnected2d

def gen_conv_transpose2d(d, prepacked=False):
    xd, wd = d.choice([(U8, I8), (U8, U8), (I8, I8)])
    groups, gic, goc = d.choice([1, 2, 3]), d.int(1, 5), d.int(1, 5)
    kh, kw = d.int(1, 4), d.int(1, 4)
    stride, (sh, sw) = size_param(d, 1, 3)
    dilation, (dh, dw) = size_param(d, 1, 3)
    limits = (max(sh, dh) - 1, max(sw, dw) - 1)
    output_padding, ops = size_param(d, 0, min(limits)) if d.flag(0.5) else (0, (0, 0))
    padding, pads = padding_param(d, 3)
    n, h, w = d.batch_size(), spatial(d, 1, 6), spatial(d, 1, 6)
    size = [(i - 1) * s - a - b + dl * (k - 1) + o + 1
            for i, s, a, b, dl, k, o in zip((h, w), (sh, sw), pads[:2], pads[2:], (dh, dw), (kh, kw), ops)]
    c_out, k = groups * goc, kh * kw * gic
    x = qvalues(d, (n, h, w, groups * gic), xd)
    weight = qvalues(d, (c_out, kh, kw, gic), wd)
    kwargs = dict(weight=Arr(weight), stride=stride, padding=padding, output_padding=output_padding,
                  dilation=dilation, groups=groups)
    kwargs.update(weighted_qparams(d, xd, wd, c_out, k, kwargs))
    error = ValueError if 0 in (h, w) or min(size) < 1 else None
    return weighted_call(d, "conv_transpose2d", "ConvTranspose2d", prepacked, x, kwargs, error)


def conv_transpose2d_corruptions(call):
    s, dl = (np.broadcast_to(np.asarray(call.kwargs[k]), (2,)) for k in ("stride", "dilation"))
    bad = weighted_corruptions(call, _x_extra_axis)
    bad += corruption_list("kwargs", {"output_padding": [(int(max(s.max(), dl.max())), ValueError),
                                                         (-1, ValueError), (0.5, TypeError)]})
    return bad + [("kwargs", "padding", "same", ValueError)]


def gen_locally_connected2d(d, prepacked=False):
    xd, wd = d.choice([(U8, I8), (U8, U8), (I8, I8)])
    c_in, c_out = d.int(1, 5), d.int(1, 5)
    kh, kw = d.int(1, 3), d.int(1, 3)
    stride, (sh, sw) = size_param(d, 1, 3)
    dilation, (dh, dw) = size_param(d, 1, 2)
    padding, pads = padding_param(d, 2)
    n, (h, w) = d.batch_size(), input_size(d, pads, (kh, kw), (dh, dw))
    error = first_error(ValueError if 0 in (h, w) else None, window_error((h, w), pads, (kh, kw), (dh, dw)))
    oh, ow = (1, 1) if error else [(i + a + b - (k - 1) * dl - 1) // s + 1 for i, a, b, k, dl, s in
                                   zip((h, w), pads[:2], pads[2:], (kh, kw), (dh, dw), (sh, sw))]
    if d.flag(0.1) and not error:  # weights for another output size
        oh, error = oh + 1, ValueError
    x = qvalues(d, (n, h, w, c_in), xd)
    weight = qvalues(d, (oh, ow, c_out, kh, kw, c_in), wd)
    kwargs = dict(weight=Arr(weight), stride=stride, padding=padding, dilation=dilation)
    kwargs.update(weighted_qparams(d, xd, wd, c_out, kh * kw * c_in, kwargs))
    if kwargs["bias"] is not None:  # one bias per output pixel and channel
        b = kwargs["bias"].value
        kwargs["bias"] = Arr(np.stack([np.roll(b, i) for i in range(oh * ow)]).reshape(oh, ow, c_out))
    return weighted_call(d, "locally_connected2d", "LocallyConnected2d", prepacked, x, kwargs, error)


def locally_connected2d_corruptions(call):
    bias = np.zeros(call.kwargs["weight"].value.shape[:3], np.int32)
    bad = [c for c in weighted_corruptions(call, _x_extra_axis) if c[1] != "bias" and not (isinstance(c[2], str) and c[2] == "full")]
    bad.append(("kwargs", "padding", "same", TypeError))  # no string paddings
    return bad + corruption_list("kwargs", {"bias": [(Arr(bias[..., None]), ValueError),
                                                     (Arr(bias.reshape(-1)), ValueError),
                                                     (Arr(bias.astype(np.int64)), TypeError)]})


def weighted_reference(name):
    """The reference of a windowed weighted operator (function or class)."""
    def reference(kwargs, run):
        kwargs = dict(kwargs, **(run or {}))
        return getattr(ref, name)(**{k: v for k, v in kwargs.items() if k not in ("out", "input_dtype")})
    return reference


# dynamic_linear

def gen_dynamic_linear(d):
    k = d.int(100, 2000) if d.flag(0.1) else d.int(1, 40)
    c_out = d.int(1, 20)
    lead = d.choice([(d.batch_size(),), (), (d.int(0, 3), d.int(0, 3))])
    rng = d.rng()
    x = (rng.normal(d.uniform(-3, 3), 10.0 ** d.uniform(-3, 3), lead + (k,))).astype(
        d.choice([np.float32, np.float64, np.float16]))
    error = None
    if d.flag(0.05) and x.size:
        x.flat[0], error = d.choice([np.nan, np.inf]), ValueError
    if d.flag(0.4):
        w_s = Arr(np.array([scale(d) for _ in range(c_out)]))
        w_zp = Arr(np.array([zero_point(d, I8) for _ in range(c_out)], np.int32))
    else:
        w_s, w_zp = scale(d), zero_point(d, I8)
    bias = None if d.flag(0.3) else Arr(rng.normal(0, 10, c_out).astype(d.choice([np.float32, np.float64])))
    kwargs = dict(x_float32=Arr(x), weight=Arr(qvalues(d, (c_out, k), I8)), bias=bias, weight_scale=w_s,
                  weight_zero_point=w_zp, reduce_range=d.flag(0.3))
    return Call("dynamic_linear", kwargs, expect=error)


def dynamic_linear_corruptions(call):
    x, w = call.kwargs["x_float32"].value, call.kwargs["weight"].value
    c_out = w.shape[0]
    table = {"x_float32": [(Arr(x[..., :-1]), ValueError), (Arr(x.astype(np.complex64)), TypeError)],
             "weight": [(Arr(w.view(U8)), TypeError), (Arr(w.astype(np.float32)), TypeError),
                        (Arr(w[None]), ValueError)],
             "bias": [(Arr(np.zeros(c_out, np.int32)), TypeError), (Arr(np.zeros(c_out + 1)), ValueError)],
             "weight_scale": BAD_SCALES + [(np.ones(c_out + 1), ValueError)],
             "weight_zero_point": bad_zero_points(I8) + [(np.zeros(c_out + 1, np.int32), ValueError)]}
    return corruption_list("kwargs", table)


# lookup-table activations and softmax (float-defined: at most 1 LSB)

LOOKUP_SPREAD = {"sigmoid": 1.0, "tanh": 2.0, "hardsigmoid": 1.0, "hardswish": None, "leaky_relu": None}


def gen_lookup(d, name):
    dt = d.choice([U8, I8])
    kwargs = dict(x=Arr(qvalues(d, any_shape(d), dt)), **qparams(d, dt, "input"))
    if name == "leaky_relu" and d.flag(0.8):
        kwargs["negative_slope"] = d.choice([0.01, 0.1, 0.5, 1.0, -0.3, 2.0, 0.0, d.uniform(-5, 5)])
    spread = LOOKUP_SPREAD.get(name) or 255 * kwargs["input_scale"]
    if LOOKUP_SPREAD.get(name) is None or d.flag(0.7):
        kwargs.update(output_scale=output_scale(d, 256 * spread), output_zero_point=zero_point(d, dt))
    clamp, error = clamp_bounds(d, dt)
    return Call(name, dict(kwargs, **clamp), expect=error)


def lookup_corruptions(call):
    x = call.kwargs["x"].value
    dt = x.dtype
    table = {"x": bad_qarrays(x), **qparam_corruptions("kwargs", "input", dt), **bad_clamps(dt)}
    if "output_scale" in call.kwargs:
        table.update(qparam_corruptions("kwargs", "output", dt))
    else:
        table["output_scale"] = [(0.1, (TypeError, ValueError))]  # without its zero point
    if call.target == "leaky_relu":
        table["negative_slope"] = [(math.nan, ValueError), (math.inf, ValueError), ("a", TypeError)]
    return corruption_list("kwargs", table)


def gen_softmax(d):
    dt = d.choice([U8, I8])
    shape = any_shape(d)
    if not shape:
        shape = (d.int(1, 9),)
    if d.flag(0.1):
        shape = shape[:-1] + (d.int(100, 600),)
    kwargs = dict(x=Arr(qvalues(d, shape, dt)), axis=d.int(-len(shape), len(shape) - 1), **qparams(d, dt, "input"))
    if d.flag(0.6):
        kwargs.update(output_scale=output_scale(d, 256.0), output_zero_point=zero_point(d, dt))
    clamp, error = clamp_bounds(d, dt)
    return Call("softmax", dict(kwargs, **clamp), expect=error)


def softmax_reference(kwargs, run):
    """reference.softmax; an empty x gives an empty result (no maximum to take)."""
    x = kwargs["x"]
    if x.size == 0:
        return np.zeros(x.shape, x.dtype)
    return ref.softmax(**{k: v for k, v in kwargs.items() if k != "out"})


def softmax_corruptions(call):
    x = call.kwargs["x"].value
    bad = lookup_corruptions(call)
    bad += corruption_list("kwargs", {"axis": [(x.ndim, ValueError), (-x.ndim - 1, ValueError), (0.5, TypeError)],
                                      "x": [(Arr(np.zeros((), x.dtype)), ValueError)]})
    return bad


# normalisations (float-defined: at most 1 LSB)

def affine_params(d, shape):
    """gamma and beta keywords: None or random float arrays of `shape`; the largest |gamma|."""
    rng = d.rng()
    gamma = None if d.flag(0.3) else rng.uniform(-2, 2, shape).astype(d.choice([np.float32, np.float64]))
    beta = None if d.flag(0.3) else rng.normal(0, 0.5, shape)
    spread = 8 * (1 if gamma is None or gamma.size == 0 else float(np.abs(gamma).max())) + 1
    return dict(gamma=None if gamma is None else Arr(gamma), beta=None if beta is None else Arr(beta)), spread


def norm_qparams(d, dt, spread):
    q = {**qparams(d, dt, "input"), "output_scale": output_scale(d, 256 * spread),
         "output_zero_point": zero_point(d, dt), "eps": d.choice([1e-5, 0.0, 1e-3, 0.5])}
    clamp, error = clamp_bounds(d, dt)
    return dict(q, **clamp), error


def gen_group_norm(d):
    dt = d.choice([U8, I8])
    groups, k = d.int(1, 4), d.int(1, 4)
    inner = tuple(spatial(d, 1, 5) for _ in range(d.int(0, 2)))
    x = qvalues(d, (d.batch_size(),) + inner + (groups * k,), dt)
    affine, spread = affine_params(d, (groups * k,))
    q, error = norm_qparams(d, dt, spread)
    return Call("group_norm", dict(x=Arr(x), num_groups=groups, **affine, **q),
                expect=first_error(ValueError if 0 in inner else None, error))


def norm_corruptions(call):
    x = call.kwargs["x"].value
    dt, c = x.dtype, x.shape[-1]
    table = {"x": bad_qarrays(x), **qparam_corruptions("kwargs", "input", dt),
             **qparam_corruptions("kwargs", "output", dt), **bad_clamps(dt),
             "eps": [(-1e-5, ValueError), (math.nan, ValueError), ("a", TypeError)]}
    shape = call.kwargs["gamma"].value.shape if call.kwargs["gamma"] is not None else (c,)
    for key in ("gamma", "beta"):
        table[key] = [(Arr(np.ones(shape[:-1] + (shape[-1] + 1,))), ValueError),
                      (Arr(np.full(shape, np.inf)), ValueError), (Arr(np.full(shape, "a")), TypeError)]
    if call.target == "group_norm":
        table["num_groups"] = [(0, ValueError), (c + 1, ValueError), (1.5, TypeError)]
        table["x"] = table["x"] + [(Arr(x.reshape(-1)), ValueError)]
    return corruption_list("kwargs", table)


def gen_batch_norm2d(d):
    dt = d.choice([U8, I8])
    c = d.int(1, 12)
    shape = (d.batch_size(), spatial(d, 1, 6), spatial(d, 1, 6), c)
    x = qvalues(d, shape, dt)
    rng = d.rng()
    mean = rng.normal(0, 10.0 ** d.uniform(-2, 2), c)
    var = rng.uniform(0, 10.0 ** d.uniform(-3, 2), c)
    affine, spread = affine_params(d, (c,))
    q, error = norm_qparams(d, dt, spread)
    if q["eps"] == 0 and d.flag(0.5):
        var[0], error = 0.0, ValueError
    error = first_error(ValueError if 0 in shape[1:] else None, error)
    return Call("batch_norm2d", dict(x=Arr(x), mean=Arr(mean), var=Arr(var), **affine, **q), expect=error)


def batch_norm2d_corruptions(call):
    x = call.kwargs["x"].value
    bad = norm_corruptions(call)
    c = x.shape[-1]
    return bad + corruption_list("kwargs", {
        "x": [(Arr(x.reshape(-1)), ValueError)], "mean": [(None, ValueError), (Arr(np.zeros(c + 1)), ValueError)],
        "var": [(Arr(np.full(c, -1.0)), ValueError), (Arr(np.full(c, np.nan)), ValueError)]})


def gen_layer_norm(d):
    dt = d.choice([U8, I8])
    shape = any_shape(d) or (d.int(1, 6),)
    if d.flag(0.1):
        shape = shape[:-1] + (d.int(100, 600),)
    trailing = d.int(1, len(shape))
    normalized = tuple(shape[len(shape) - trailing:])
    passed = normalized[0] if trailing == 1 and d.flag(0.5) else d.choice([normalized, list(normalized)])
    affine, spread = affine_params(d, normalized)
    q, error = norm_qparams(d, dt, spread)
    return Call("layer_norm", dict(x=Arr(qvalues(d, shape, dt)), normalized_shape=passed, **affine, **q),
                expect=first_error(ValueError if 0 in normalized else None, error))


def layer_norm_corruptions(call):
    x = call.kwargs["x"].value
    bad = norm_corruptions(call)
    return bad + corruption_list("kwargs", {"normalized_shape": [(x.shape + (2,), ValueError), ((), ValueError),
                                                                  (1.5, TypeError)]})


# resize2d (nearest exact, bilinear at most 1 LSB)

def gen_resize2d(d):
    dt = d.choice([U8, I8])
    x = qvalues(d, (d.batch_size(), d.int(1, 9), d.int(1, 9), spatial(d, 1, 8)), dt)
    size, _ = size_param(d, 1, 14)
    mode = d.choice(["nearest", "bilinear"])
    kwargs = dict(x=Arr(x), size=size, mode=mode)
    if mode == "bilinear" or d.flag(0.2):
        kwargs["align_corners"] = d.flag(0.5)
    error = ValueError if mode == "nearest" and kwargs.get("align_corners") or x.shape[3] == 0 else None
    return Call("resize2d", kwargs, expect=error)


def resize2d_corruptions(call):
    x = call.kwargs["x"].value
    table = {"x": bad_qarrays(x) + [(Arr(x.reshape(-1)), ValueError)], "size": BAD_SIZES,
             "mode": [("cubic", ValueError)], "align_corners": [("yes", TypeError)]}
    return corruption_list("kwargs", table)


def resize2d_compare(got, expected, call):
    (assert_within_one_lsb if call.kwargs["mode"] == "bilinear" else assert_same)(got, expected)


# embedding_bag (float results within 4 float32 ulps of the bag's Σ|terms|, "max" exact)

def gen_embedding_bag(d):
    rng = d.rng()
    bits, rows, dim = d.choice([8, 4]), d.int(1, 12), d.int(1, 9)
    if d.flag(0.1):
        dim = d.int(500, 1500)
    cols = dim if bits == 8 else (dim + 1) // 2
    weight = rng.integers(0, 256, (rows, cols)).astype(U8)
    scales = rng.uniform(-2, 2, rows).astype(d.choice([np.float32, np.float64]))
    biases = rng.normal(0, 3, rows).astype(np.float32)
    mode = d.choice(["sum", "mean", "max"])
    kwargs = dict(weight=Arr(weight), scales=Arr(scales), biases=Arr(biases), mode=mode, bits=bits)
    bags = d.int(0, 5)
    if d.flag(0.3):
        indices = rng.integers(0, rows, (bags, d.int(1, 4)))
        offsets = None
    else:
        lengths = rng.integers(1, 5, bags)
        indices = rng.integers(0, rows, int(lengths.sum()))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)[:bags]
        if d.flag(0.4):
            kwargs["include_last_offset"] = True
            offsets = np.append(offsets, len(indices)) if bags else np.zeros(1, np.int64)
    kwargs.update(indices=Arr(indices.astype(d.choice([np.int32, np.int64]))),
                  offsets=None if offsets is None else Arr(offsets))
    if mode == "sum" and d.flag(0.4):
        kwargs["per_sample_weights"] = Arr(rng.normal(0, 1, indices.shape).astype(np.float32))
    return Call("embedding_bag", kwargs)


def embedding_bag_corruptions(call):
    w, idx = call.kwargs["weight"].value, call.kwargs["indices"].value
    rows = w.shape[0]
    table = {"weight": [(Arr(w.astype(np.int8)), TypeError), (Arr(w[None]), ValueError)],
             "scales": [(Arr(np.ones(rows + 1)), ValueError)], "biases": [(Arr(np.ones(rows + 1)), ValueError)],
             "bits": [(2, ValueError), (1.5, TypeError)], "mode": [("min", ValueError)],
             "indices": [(Arr(idx.astype(np.float32)), TypeError)]}
    if idx.size:
        table["indices"] += [(Arr(np.full(idx.shape, rows)), ValueError), (Arr(np.full(idx.shape, -1)), ValueError)]
    if call.kwargs["mode"] != "sum":
        table["per_sample_weights"] = [(Arr(np.ones(idx.shape, np.float32)), ValueError)]
    return corruption_list("kwargs", table)


def embedding_bag_reference(kwargs, run):
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    return ref.embedding_bag(**kwargs).astype(F32)


def embedding_bag_compare(got, expected, call):
    """As test_embedding_bag: within 4 float32 ulps of Σ|terms| (+|result|), "max" exact."""
    kwargs, _ = call.values(library=False)
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    if kwargs["mode"] == "max":
        return assert_same(got, expected)
    absolute = dict(kwargs, mode="sum", scales=np.abs(kwargs["scales"]), biases=np.abs(kwargs["biases"]))
    if kwargs.get("per_sample_weights") is not None:
        absolute["per_sample_weights"] = np.abs(kwargs["per_sample_weights"])
    want = ref.embedding_bag(**kwargs)
    bound = 4 * np.finfo(F32).eps * (np.abs(ref.embedding_bag(**absolute)) + np.abs(want))
    assert got.dtype == F32 and got.shape == want.shape and got.flags.c_contiguous, (got.dtype, got.shape)
    assert np.all(np.abs(got - want) <= bound), f"beyond 4 ulps: {np.abs(got - want).max()}"


def _x_extra_axis(x):
    return x[None]


def _x_scalar(x):
    return x.reshape(-1)[0] if x.size else np.zeros((), x.dtype)


OPS = [
    Row("conv2d", gen_conv2d, lambda c: weighted_corruptions(c, _x_extra_axis), conv2d_reference),
    Row("Conv2d", lambda d: gen_conv2d(d, prepacked=True), lambda c: weighted_corruptions(c, _x_extra_axis),
        conv2d_reference, prepacked=True),
    Row("linear", gen_linear, lambda c: weighted_corruptions(c, _x_scalar), linear_reference),
    Row("Linear", lambda d: gen_linear(d, prepacked=True), lambda c: weighted_corruptions(c, _x_scalar),
        linear_reference, prepacked=True),
    Row("max_pool2d", gen_max_pool2d, pool_corruptions),
    Row("avg_pool2d", gen_avg_pool2d, lambda c: pool_corruptions(c, ("input", "output"))),
    Row("global_avg_pool2d", gen_global_avg_pool2d, lambda c: pool_corruptions(c, ("input", "output"))),
    Row("add", lambda d: gen_binary(d, "add"), binary_corruptions),
    Row("clamp", gen_clamp, clamp_corruptions),
    Row("quantize", gen_quantize, quantize_corruptions, quantize_reference),
    Row("dequantize", gen_dequantize, dequantize_corruptions),
    Row("requantize", gen_requantize, requantize_corruptions),
    Row("choose_qparams", gen_choose_qparams, choose_qparams_corruptions, choose_qparams_reference,
        has_out=False),
    Row("multiply", lambda d: gen_binary(d, "multiply"), binary_corruptions, examples=200),
    Row("concatenate", gen_concatenate, concatenate_corruptions, examples=200),
    Row("channel_shuffle", gen_channel_shuffle, channel_shuffle_corruptions, examples=150),
    Row("conv_transpose2d", gen_conv_transpose2d, conv_transpose2d_corruptions,
        weighted_reference("conv_transpose2d"), examples=200),
    Row("ConvTranspose2d", lambda d: gen_conv_transpose2d(d, prepacked=True), conv_transpose2d_corruptions,
        weighted_reference("conv_transpose2d"), prepacked=True, examples=200),
    Row("locally_connected2d", gen_locally_connected2d, locally_connected2d_corruptions,
        weighted_reference("locally_connected2d"), examples=200),
    Row("LocallyConnected2d", lambda d: gen_locally_connected2d(d, prepacked=True),
        locally_connected2d_corruptions, weighted_reference("locally_connected2d"), prepacked=True,
        examples=200),
    Row("dynamic_linear", gen_dynamic_linear, dynamic_linear_corruptions, examples=200),
    *(Row(name, lambda d, name=name: gen_lookup(d, name), lookup_corruptions,
          compare=lambda got, expected, call: assert_within_one_lsb(got, expected), examples=150)
      for name in LOOKUP_SPREAD),
    Row("softmax", gen_softmax, softmax_corruptions, softmax_reference,
        compare=lambda got, expected, call: assert_within_one_lsb(got, expected), examples=200),
    Row("group_norm", gen_group_norm, norm_corruptions,
        compare=lambda got, expected, call: assert_within_one_lsb(got, expected), examples=200),
    Row("batch_norm2d", gen_batch_norm2d, batch_norm2d_corruptions,
        compare=lambda got, expected, call: assert_within_one_lsb(got, expected), examples=200),
    Row("layer_norm", gen_layer_norm, layer_norm_corruptions,
        compare=lambda got, expected, call: assert_within_one_lsb(got, expected), examples=200),
    Row("resize2d", gen_resize2d, resize2d_corruptions, compare=resize2d_compare, examples=200),
    Row("embedding_bag", gen_embedding_bag, embedding_bag_corruptions, embedding_bag_reference,
        compare=embedding_bag_compare, examples=200),
]


# ---- drawing calls ---------------------------------------------------------------------------

def prepared(calls):
    """(target, kwargs, run) of each call, its arrays made as the library gets them."""
    return [(c.target, *c.values(library=True)) for c in calls]


def run_prepared(calls):
    """Runs prepared calls, passing over the TypeError / ValueError some must raise."""
    for target, kwargs, run in calls:
        try:
            invoke(target, kwargs, run)
        except (TypeError, ValueError):
            pass


def valid_calls(row, count, batch=(0, 3)):
    """The first `count` valid calls of `row` over seeds 0, 1, ... (batch sizes in `batch`)."""
    calls, seed = [], 0
    while len(calls) < count:
        call = row.gen(RngDraw(seed, batch))
        seed += 1
        if call.expect is None:
            calls.append(call)
    return calls


def out_variant(d, call, expected):
    """Maybe an `out=` for a valid call: right, or wrong in one way (with its error)."""
    if not d.flag(0.3):
        return
    kind = "right" if d.flag(0.5) else d.choice(["dtype", "shape", "fortran", "strided", "readonly", "list"])
    dtype, shape = expected.dtype, expected.shape
    error = {"dtype": TypeError, "list": TypeError}.get(kind, ValueError)
    if kind == "dtype":
        dtype = {U8: I8, I8: U8}.get(dtype, np.dtype(np.float64))
    elif kind == "shape":
        shape = shape + (1,)
    layout = {"fortran": "fortran", "strided": "strided", "readonly": "readonly", "list": "list"}.get(kind, "c")
    out = Out(shape, dtype, layout)
    made = out.make()
    if kind in ("fortran", "strided") and made.flags.c_contiguous:
        error = None  # too small to be laid out otherwise: a valid out=
    if kind == "right":
        error = None
    call.out_kwargs["out"] = out
    call.expect = error


def fuzz_calls(row, count):
    """`fuzz_call`s of `row` over seeds 0 ... count-1 (valid, with out= or raising)."""
    import qnnpack_swift as qs  # noqa: PLC0415
    families = qs.cpu_features()["supported_kernel_families"]
    return [fuzz_call(row, RngDraw(seed), families)[0] for seed in range(count)]


def fuzz_call(row, d, families):
    """A call of `row` for fuzzing: drawn by the row, maybe corrupted in one parameter,
    maybe with an `out=`, its arrays in random layouts, on a random thread count and kernel
    family. Returns (call, expected result or None)."""
    d.extreme = d.flag(0.1)
    call = row.gen(d)
    if d.flag(0.2):
        with np.errstate(all="ignore"):
            bad = [c for c in row.corruptions(call) if call.expect is None or c[3] is ValueError]
        if bad:
            where, key, value, error = d.choice(bad)
            getattr(call, where)[key] = value
            call.expect = error
    for args in (call.kwargs, call.run or {}):
        for key, value in args.items():
            if isinstance(value, Arr) and d.flag(0.3):
                kinds = LAYOUTS if value.value.dtype.itemsize > 1 else LAYOUTS[:-1]
                value.layout = d.choice(kinds)
    call.threads = d.int(1, 2)
    call.family = d.choice(families)
    expected = None
    if call.expect is None:
        with np.errstate(all="ignore"):
            expected = row.reference(*call.values(library=False))
        if row.has_out:
            out_variant(d, call, expected)
    return call, expected

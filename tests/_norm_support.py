"""Shared pieces of the normalisation tests (group_norm, batch_norm2d, layer_norm): the
random qparams of a case, the call/compare step and the error table every normalisation
shares."""
import numpy as np
import pytest

from _support import (I8, OUT_MM, U8, Case, ExactTally, assert_within_one_lsb, log_uniform,
                      non_contiguous, pick, rand_clamp, rand_zero_point, ref, with_clamp)


class NormCase(Case):
    id_keys = ("dt", "shape", "out")


def draw_qparams(rng, dtype, out_range=4.0):
    """Input qparams and output qparams covering about ±out_range (normalised values)."""
    qmin, qmax = ref.qrange(dtype)
    out_s = 2 * out_range / 255 * float(log_uniform(rng, 0.5, 2))
    out_zp = (qmin + qmax + 1) // 2 if rng.random() < 0.6 else rand_zero_point(rng, dtype)
    kwargs = dict(input_scale=float(log_uniform(rng, 1e-3, 1)),
                  input_zero_point=rand_zero_point(rng, dtype), output_scale=out_s,
                  output_zero_point=out_zp)
    omin, omax = rand_clamp(rng, dtype, out_zp, out_s, p_none=0.7)
    with_clamp(kwargs, omin, omax)
    return kwargs


def affine(rng, shape):
    """gamma, beta: None or random float arrays of `shape`."""
    gamma = None if rng.random() < 0.3 else rng.uniform(0.2, 2, shape).astype(
        pick(rng, [np.float32, np.float64]))
    beta = None if rng.random() < 0.3 else rng.normal(0, 0.5, shape)
    return gamma, beta


def make_case(op, seed, rng, x, args, kwargs, params):
    use_out = rng.random() < 0.25
    x_call = non_contiguous(rng, x) if rng.random() < 0.2 else x
    params = dict(params, dt=x.dtype, shape=x.shape, out=use_out, **kwargs)
    return NormCase(op, seed, params, (x_call, *args), kwargs,
                    getattr(ref, op)(x, *args, **kwargs), use_out=use_out)


def run(fn, case):
    """Calls the operator; returns the count of outputs equal to the reference."""
    x, *args = case.args
    out = np.empty(case.expected.shape, case.expected.dtype) if case.use_out else None
    got = fn(x, *args, **case.kwargs, out=out)
    if case.use_out:
        assert got is out
    return assert_within_one_lsb(got, case.expected, case)


def report(fn, name, cases, record_property):
    tally = ExactTally()
    for case in cases:
        tally.add(run(fn, case), case.expected.size)
    tally.report(name, record_property)


def common_bad_cases(channels):
    """(changes, exception, match) rows every normalisation rejects."""
    P = pytest.param
    return [
        P(dict(eps=-1e-5), ValueError, "eps", id="negative-eps"),
        P(dict(eps=float("nan")), ValueError, "eps", id="nan-eps"),
        P(dict(eps="a"), TypeError, "eps", id="str-eps"),
        P(dict(gamma=np.ones(channels + 1)), ValueError, "gamma", id="gamma-length"),
        P(dict(beta=np.ones(channels - 1)), ValueError, "beta", id="beta-length"),
        P(dict(gamma=np.array(["a"] * channels)), TypeError, "gamma", id="gamma-dtype"),
        P(dict(beta=np.full(channels, np.inf)), ValueError, "beta", id="beta-inf"),
        P(dict(input_scale=0.0), ValueError, "input_scale", id="input_scale"),
        P(dict(output_scale=float("nan")), ValueError, "output_scale", id="output_scale"),
        P(dict(input_zero_point=300), ValueError, "input_zero_point", id="input_zp"),
        P(dict(output_zero_point=-1), ValueError, "output_zero_point", id="output_zp"),
        P(dict(output_min=7, output_max=3), ValueError, OUT_MM, id="clamp"),
        P(dict(x="float"), TypeError, r"(?i)\bx\b", id="x-float"),
    ]


__all__ = ["I8", "U8", "NormCase", "affine", "common_bad_cases", "draw_qparams", "make_case",
           "report", "run"]

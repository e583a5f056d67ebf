"""qs.leaky_relu against reference.leaky_relu: at most 1 LSB from the float64 definition on all 256
inputs (exact matches tallied and printed), the gather exact on arrays of any shape, plus
errors. Cases come from _lookup_support.build_case("leaky_relu", 205, seed).
"""
import numpy as np
import pytest

import qnnpack_swift as qs
from _lookup_support import (bad_cases, call_with_changes, cases,
                             check_case_counts, check_does_not_modify_input, check_empty,
                             check_large, exact_match_report, run_parity)
from _support import I8, U8, assert_same

OP = "leaky_relu"
CASES = cases(OP, 205, 120)


def test_case_counts():
    check_case_counts(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_leaky_relu_parity(case, threads, kernel_family):
    run_parity(OP, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_leaky_relu_large(dtype, threads, kernel_family):
    check_large(OP, dtype)


def test_leaky_relu_empty():
    check_empty(OP)


def test_leaky_relu_does_not_modify_input():
    check_does_not_modify_input(OP)


@pytest.mark.parametrize("changes, exc, match", bad_cases())
def test_leaky_relu_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_with_changes(OP, changes)


@pytest.mark.parametrize("slope", [float("nan"), float("inf"), "a"])
def test_leaky_relu_rejects_negative_slope(slope):
    with pytest.raises((TypeError, ValueError), match="negative_slope"):
        qs.leaky_relu(np.zeros(3, np.uint8), slope, input_scale=0.1, input_zero_point=0,
                      output_scale=0.1, output_zero_point=0)


def test_leaky_relu_default_slope_is_0_01():
    x = np.arange(256).astype(np.uint8)
    kw = dict(input_scale=0.1, input_zero_point=200, output_scale=0.05, output_zero_point=100)
    assert_same(qs.leaky_relu(x, **kw), qs.leaky_relu(x, 0.01, **kw))


def test_leaky_relu_exact_match_report(record_property):
    """Printed with -s: how many of the 256-entry tables equal the reference exactly."""
    exact_match_report(OP, CASES, record_property)

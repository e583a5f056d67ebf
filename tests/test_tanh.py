"""qs.tanh against reference.tanh: at most 1 LSB from the float64 definition on all 256
inputs (exact matches tallied and printed), the gather exact on arrays of any shape, plus
errors. Cases come from _lookup_support.build_case("tanh", 202, seed).
"""
import pytest

from _lookup_support import (bad_cases, call_with_changes, cases,
                             check_case_counts, check_does_not_modify_input, check_empty,
                             check_large, exact_match_report, fixed_qparams_check, run_parity)
from _support import I8, U8

OP = "tanh"
CASES = cases(OP, 202, 120)


def test_case_counts():
    check_case_counts(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_tanh_parity(case, threads, kernel_family):
    run_parity(OP, case)


@pytest.mark.parametrize("dtype", [U8, I8], ids=["u8", "i8"])
def test_tanh_large(dtype, threads, kernel_family):
    check_large(OP, dtype)


def test_tanh_empty():
    check_empty(OP)


def test_tanh_does_not_modify_input():
    check_does_not_modify_input(OP)


@pytest.mark.parametrize("changes, exc, match", bad_cases())
def test_tanh_rejects(changes, exc, match):
    with pytest.raises(exc, match=match):
        call_with_changes(OP, changes)


def test_tanh_fixed_output_qparams():
    fixed_qparams_check("tanh", 2)


def test_tanh_exact_match_report(record_property):
    """Printed with -s: how many of the 256-entry tables equal the reference exactly."""
    exact_match_report(OP, CASES, record_property)

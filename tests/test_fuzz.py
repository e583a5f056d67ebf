"""Bounded property-based fuzzing of every operator of the table (_op_table.OPS): each
drawn call, run in a worker process, returns exactly the reference result or raises the
error the table decides, never crashes, and leaves its inputs unchanged.

Derandomized: the same examples on every run. benchmarks/fuzz_long.py runs the same
harness for longer with random seeds.
"""
import os
import time

import numpy as np
import pytest

import qnnpack_swift as qs
from _fuzz import Worker, check, fuzz
from _op_table import OPS, Arr, Call

@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


@pytest.mark.parametrize("row", OPS, ids=[row.name for row in OPS])
def test_fuzz(row, worker):
    families = qs.cpu_features()["supported_kernel_families"]
    assert fuzz(row, worker, families, row.examples) >= row.examples


class Crash:
    """Unpickling this in the worker aborts the process (a stand-in for a crashing call)."""

    def __reduce__(self):
        return os.abort, ()


class Hang:
    def __reduce__(self):
        return time.sleep, (60,)


def test_worker_turns_crashes_and_hangs_into_failures():
    w = Worker(timeout=2)
    try:
        for bad, what in ((Crash(), "crashed"), (Hang(), "hung")):
            call = Call("clamp", dict(x=Arr(np.arange(3, dtype=np.uint8)), output_min=bad, output_max=None))
            with pytest.raises(AssertionError, match=what):
                w.run(call)
        good = Call("clamp", dict(x=Arr(np.arange(3, dtype=np.uint8)), output_min=1, output_max=None))
        assert w.run(good)[0].tolist() == [1, 1, 2], "the worker restarts after a failure"
    finally:
        w.close()


def test_check_rejects_wrong_results_errors_and_modified_inputs(worker):
    call = Call("clamp", dict(x=Arr(np.arange(3, dtype=np.uint8)), output_min=1, output_max=None))
    outcome = worker.run(call)
    check(call, np.array([1, 1, 2], np.uint8), outcome)
    for expected in (np.array([1, 1, 3], np.uint8), np.array([1, 1, 2], np.int8), np.array([[1, 1, 2]], np.uint8)):
        with pytest.raises(AssertionError):
            check(call, expected, outcome)
    with pytest.raises(AssertionError, match="modified"):
        check(call, np.array([1, 1, 2], np.uint8), outcome[:3] + (["x"],))
    call.expect = ValueError
    with pytest.raises(AssertionError, match="expected ValueError"):
        check(call, None, outcome)

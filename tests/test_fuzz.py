"""Bounded property-based fuzzing of every operator of the table (_op_table.OPS): each
drawn call, run in a worker process, returns exactly the reference result or raises the
error the table decides, never crashes, and leaves its inputs unchanged.

Derandomized: the same examples on every run. benchmarks/fuzz_long.py runs the same
harness for longer with random seeds.
"""
import pytest

import qnnpack_swift as qs
from _fuzz import Worker, fuzz
from _op_table import OPS

EXAMPLES = 300


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


@pytest.mark.parametrize("row", OPS, ids=[row.name for row in OPS])
def test_fuzz(row, worker):
    families = qs.cpu_features()["supported_kernel_families"]
    assert fuzz(row, worker, families, EXAMPLES) >= EXAMPLES

"""Nothing leaks: create/run/free cycles of every prepacked operator and repeated calls of
every operator of the table (_op_table.OPS) — valid calls and calls that raise — keep the
resident memory and the malloc'd bytes flat after warm-up. A scaled-down version of
benchmarks/leak_check.py (100 000 cycles per prepacked operator, 10^6 calls of clamp).
"""
import ctypes

import numpy as np
import pytest

import qnnpack_swift as qs
from _memory import growth
from _op_table import OPS, fuzz_calls, prepared, run_prepared, valid_calls

RSS_LIMIT = 2 << 20   # bytes of resident memory a loop may gain after warm-up
HEAP_LIMIT = 64 << 10  # bytes of malloc'd memory


@pytest.mark.parametrize("row", [r for r in OPS if r.prepacked], ids=lambda r: r.name)
def test_prepacked_create_run_free_cycles(row):
    calls = prepared(valid_calls(row, 4))
    grew = growth(lambda: run_prepared(calls), cycles=500, warmup=200)
    assert grew[0] < RSS_LIMIT and grew[1] < HEAP_LIMIT, f"RSS +{grew[0]} B, heap +{grew[1]} B"


@pytest.mark.parametrize("row", OPS, ids=lambda r: r.name)
def test_repeated_calls_including_errors(row):
    calls = prepared(fuzz_calls(row, 20))
    grew = growth(lambda: run_prepared(calls), cycles=100, warmup=60)
    assert grew[0] < RSS_LIMIT and grew[1] < HEAP_LIMIT, f"RSS +{grew[0]} B, heap +{grew[1]} B"


def test_many_small_calls():
    x = np.arange(64, dtype=np.uint8)
    out = np.empty_like(x)
    for kw in ({}, {"out": out}):
        grew = growth(lambda: qs.clamp(x, 3, 200, **kw), cycles=50_000, warmup=5_000)
        assert grew[0] < RSS_LIMIT and grew[1] < HEAP_LIMIT, f"RSS +{grew[0]} B, heap +{grew[1]} B"


def test_growth_sees_leaks():
    # Blocks over glibc's largest mmap threshold (32 MiB) take fresh pages, so the resident
    # memory grows even in a process holding much freed memory.
    size = 40 << 20
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    blocks, kept = [], []

    def native_leak():
        blocks.append(libc.malloc(size))
        ctypes.memset(blocks[-1], 1, size)

    try:
        grew = growth(native_leak, cycles=2, warmup=0)
        assert grew[0] > RSS_LIMIT and grew[1] > HEAP_LIMIT
    finally:
        for p in blocks:
            libc.free(ctypes.c_void_p(p))
    grew = growth(lambda: kept.append(bytearray(size)), cycles=2, warmup=0)
    assert grew[0] > RSS_LIMIT and grew[1] > HEAP_LIMIT

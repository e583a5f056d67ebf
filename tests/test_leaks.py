"""Nothing leaks: create/run/free cycles of every prepacked operator and repeated calls of
every operator of the table (_op_table.OPS) — valid calls and calls that raise — keep the
resident memory, the malloc'd bytes and Python's blocks flat after warm-up (_memory). A
scaled-down version of benchmarks/leak_check.py (100 000 cycles per prepacked operator,
10^6 calls of clamp).
"""
import ctypes

import numpy as np
import pytest

import qnnpack_swift as qs
from _memory import BLOCKS_LIMIT, HEAP_LIMIT, RSS_LIMIT, assert_flat, growth
from _op_table import OPS, fuzz_calls, prepared, run_prepared, valid_calls


@pytest.mark.parametrize("row", [r for r in OPS if r.prepacked], ids=lambda r: r.name)
def test_prepacked_create_run_free_cycles(row):
    calls = prepared(valid_calls(row, 4))
    assert_flat(lambda: run_prepared(calls), cycles=500, warmup=200)


@pytest.mark.parametrize("row", OPS, ids=lambda r: r.name)
def test_repeated_calls_including_errors(row):
    calls = prepared(fuzz_calls(row, 20))
    assert_flat(lambda: run_prepared(calls), cycles=100, warmup=60)


def test_many_small_calls():
    x = np.arange(64, dtype=np.uint8)
    out = np.empty_like(x)
    for kw in ({}, {"out": out}):
        assert_flat(lambda: qs.clamp(x, 3, 200, **kw), cycles=50_000, warmup=5_000)


def test_assert_flat_sees_leaks():
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
        assert grew.rss > RSS_LIMIT and grew.heap > HEAP_LIMIT
        with pytest.raises(AssertionError, match="heap"):
            assert_flat(native_leak, cycles=2, warmup=0)
    finally:
        for p in blocks:
            libc.free(ctypes.c_void_p(p))
    grew = growth(lambda: kept.append(bytearray(size)), cycles=2, warmup=0)
    assert grew.rss > RSS_LIMIT and grew.heap > HEAP_LIMIT
    kept.clear()
    # Small Python objects come from pymalloc's arenas, neither malloc'd nor (a few) resident.
    grew = growth(lambda: kept.append(object()), cycles=2000, warmup=0)
    assert grew.blocks > BLOCKS_LIMIT
    with pytest.raises(AssertionError, match="blocks"):
        assert_flat(lambda: kept.append(object()), cycles=2000, warmup=0)

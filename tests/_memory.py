"""Memory of this process for the leak checks (test_leaks.py, test_onnx_replay.py,
benchmarks/leak_check.py): resident set size, bytes malloc'd and not freed (which the Swift
runtime, the library's buffers and NumPy's array data all come from), and Python's own
small-object blocks (pymalloc, which takes its arenas with mmap, outside malloc)."""
import ctypes
import gc
import os
import sys
from typing import NamedTuple

_PAGE = os.sysconf("SC_PAGE_SIZE")

RSS_LIMIT = 2 << 20    # bytes of resident memory a loop may gain after warm-up
HEAP_LIMIT = 64 << 10  # bytes of malloc'd memory
BLOCKS_LIMIT = 1000    # pymalloc blocks (a leaked object per call of a 2000-call loop is 2000)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


_libc = ctypes.CDLL(None)
_libc.mallinfo2.restype = _MallInfo2


def rss():
    """Resident set size in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def heap():
    """Bytes allocated with malloc and not freed, over all arenas (glibc's mallinfo2)."""
    info = _libc.mallinfo2()
    return info.uordblks + info.hblkhd


class Growth(NamedTuple):
    rss: int
    heap: int
    blocks: int

    def within_limits(self):
        return self.rss < RSS_LIMIT and self.heap < HEAP_LIMIT and self.blocks < BLOCKS_LIMIT

    def __str__(self):
        return f"RSS {self.rss:+} B, heap {self.heap:+} B, Python blocks {self.blocks:+}"


def growth(fn, cycles, warmup):
    """How much `cycles` calls of `fn` after `warmup` calls grew the memory (`Growth`)."""
    for _ in range(warmup):
        fn()
    gc.collect()
    before = rss(), heap(), sys.getallocatedblocks()
    for _ in range(cycles):
        fn()
    gc.collect()
    return Growth(rss() - before[0], heap() - before[1], sys.getallocatedblocks() - before[2])


def assert_flat(fn, cycles, warmup):
    """Fails if `cycles` calls of `fn` after warm-up grow the memory past the limits. Resident
    memory alone can jump once with nothing held (seen once in CI: +6 MB with the heap flat;
    e.g. pymalloc arenas each kept by one live object), so where only it grew, a second
    window decides: a leak grows again."""
    grew = growth(fn, cycles, warmup)
    if not grew.within_limits() and grew.heap < HEAP_LIMIT and grew.blocks < BLOCKS_LIMIT:
        grew = growth(fn, cycles, 0)
    assert grew.within_limits(), str(grew)

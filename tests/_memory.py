"""Memory of this process for the leak checks (test_leaks.py, benchmarks/leak_check.py):
resident set size, and bytes malloc'd and not freed (which the Swift runtime, the library's
buffers and NumPy's array data all come from)."""
import ctypes
import gc
import os

_PAGE = os.sysconf("SC_PAGE_SIZE")


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


def growth(fn, cycles, warmup):
    """(RSS growth, heap growth) in bytes over `cycles` calls of `fn` after `warmup` calls."""
    for _ in range(warmup):
        fn()
    gc.collect()
    rss0, heap0 = rss(), heap()
    for _ in range(cycles):
        fn()
    gc.collect()
    return rss() - rss0, heap() - heap0

"""Eight Python threads at once (API.md §1: the GIL is released while a kernel runs) get
exactly the serial results: calls of every operator of the table (_op_table.OPS), and one
prepacked operator shared by all threads over inputs of several shapes, while another
thread keeps changing the kernel thread count and the kernel family.
"""
import itertools
import random
import threading

import numpy as np
import pytest

import qnnpack_swift as qs
from _op_table import OPS, invoke, valid_calls

THREADS = 8
ROUNDS = 5


def hammer(jobs, seconds_budget=120):
    """Runs every (callable, expected) job from THREADS threads, each in its own order, ROUNDS
    times, while one more thread cycles set_num_threads and set_kernel_family; returns the
    mismatches and exceptions seen."""
    failures = []
    start = threading.Barrier(THREADS + 1)
    done = threading.Event()

    def worker(index):
        order = list(range(len(jobs)))
        random.Random(index).shuffle(order)
        start.wait()
        for i in order * ROUNDS:
            fn, expected = jobs[i]
            try:
                got = fn()
                if not (got.dtype == expected.dtype and np.array_equal(got, expected)):
                    failures.append(f"job {i}: a result differs from the serial one")
            except Exception as error:  # noqa: BLE001
                failures.append(f"job {i}: {error!r}")

    def tuner():
        families = qs.cpu_features()["supported_kernel_families"]
        settings = itertools.cycle(itertools.product([1, 2, 3, 4], families))
        start.wait()
        while not done.is_set():
            n, family = next(settings)
            qs.set_num_threads(n)
            qs.set_kernel_family(family)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    tune = threading.Thread(target=tuner)
    for t in threads + [tune]:
        t.start()
    for t in threads:
        t.join(seconds_budget)
    done.set()
    tune.join()
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return failures


@pytest.fixture
def restore_runtime():
    saved = qs.get_num_threads(), qs.get_kernel_family()
    yield
    qs.set_num_threads(saved[0])
    qs.set_kernel_family(saved[1])


def serial_job(call):
    """(a callable running `call`, its result run alone on one thread)."""
    kwargs, run = call.values(library=True)
    kwargs.pop("out", None)

    def fn():
        return invoke(call.target, kwargs, run)
    return fn, fn()


def large_jobs():
    """Calls large enough for the kernels to split their work over threads themselves."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (2, 40, 40, 32), dtype=np.uint8)
    w = rng.integers(-128, 128, (32, 3, 3, 32), dtype=np.int8)
    q = dict(input_scale=0.02, input_zero_point=128, output_scale=0.3, output_zero_point=120)
    calls = [
        lambda: qs.conv2d(x, w, padding=1, weight_scale=0.01, weight_zero_point=0, **q),
        lambda: qs.conv2d(x, w[:, :, :, :1], padding=1, groups=32, weight_scale=0.01, weight_zero_point=0, **q),
        lambda: qs.avg_pool2d(x, 3, 1, 1, **q),
        lambda: qs.add(x, x[:1, :1], a_scale=0.02, a_zero_point=128, b_scale=0.01, b_zero_point=3,
                       output_scale=0.03, output_zero_point=128),
        lambda: qs.quantize(x.astype(np.float32), 0.7, 3, dtype=np.int8),
    ]
    return [(fn, fn()) for fn in calls]


def test_functional_calls_from_eight_threads(restore_runtime):
    qs.set_num_threads(1)
    jobs = [serial_job(call) for row in OPS if row.has_out
            for call in valid_calls(row, 4, batch=(64, 256))]
    assert hammer(jobs + large_jobs()) == []


def test_shared_prepacked_operators_from_eight_threads(restore_runtime):
    qs.set_num_threads(1)
    jobs = []
    for row in (r for r in OPS if r.prepacked):
        for call in valid_calls(row, 3, batch=(64, 256)):
            kwargs, run = call.values(library=True)
            op = invoke(call.target, kwargs, None)  # one operator for every thread
            x = run["x"]
            rng = np.random.default_rng(len(jobs))
            # Other batch sizes and (convolutions) larger images: other workspaces. (A
            # locally connected layer's weights fix its image size.)
            grows = x.ndim == 4 and not hasattr(op, "output_size")
            grown = np.pad(x, [(0, 0)] + [(0, 3)] * (x.ndim - 2) + [(0, 0)]) if grows else x
            grown = grown + rng.integers(0, 2, grown.shape).astype(x.dtype)
            more = np.concatenate([x] * 3) if x.ndim == 4 else np.stack([x] * 3)
            for v in (x, more, grown):
                jobs.append((lambda op=op, v=v: op(v), op(v)))
    assert hammer(jobs) == []


def test_hammer_reports_wrong_results_and_errors(restore_runtime):
    x = np.arange(10, dtype=np.uint8)
    jobs = [(lambda: qs.clamp(x, 2, 5), np.clip(x, 2, 6)), (lambda: qs.clamp(x, 5, 2), x)]
    failures = hammer(jobs)
    assert len(failures) == 2 * THREADS * ROUNDS
    assert sum("differs" in f for f in failures) == THREADS * ROUNDS

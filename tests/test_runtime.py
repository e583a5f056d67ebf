"""Runtime controls: threads, cpu_features(), kernel families, operators(), __version__."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import qnnpack_swift as qs
from _support import assert_same, rand_q, ref

SECTION4 = ["conv2d", "linear", "add", "clamp", "max_pool2d", "avg_pool2d", "global_avg_pool2d"]


@pytest.fixture
def restore_threads():
    n = qs.get_num_threads()
    yield
    qs.set_num_threads(n)


def test_version():
    assert isinstance(qs.__version__, str)
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?([.+\-]?[A-Za-z0-9.]+)*", qs.__version__), qs.__version__


def test_set_and_get_num_threads(restore_threads):
    for n in (1, 2, 3, 1):
        qs.set_num_threads(n)
        assert qs.get_num_threads() == n
        assert isinstance(qs.get_num_threads(), int)


@pytest.mark.parametrize("n", [0, -1])
def test_set_num_threads_rejects_non_positive(n, restore_threads):
    before = qs.get_num_threads()
    with pytest.raises(ValueError, match=r"(?i)thread"):
        qs.set_num_threads(n)
    assert qs.get_num_threads() == before


def test_default_num_threads_is_the_number_of_cores():
    code = "import qnnpack_swift as qs; print(qs.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QNNPACK_SWIFT")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=os.path.dirname(os.path.abspath(__file__)) + "/..")
    cores = {os.cpu_count(), len(os.sched_getaffinity(0))}
    assert int(out.stdout.strip()) in cores, (out.stdout, cores)


def test_results_do_not_depend_on_the_thread_count(restore_threads):
    rng = np.random.default_rng(1234)
    x = rand_q(rng, (2, 40, 40, 24), np.uint8)
    w = rand_q(rng, (48, 3, 3, 24), np.int8)
    kw = dict(padding=1, input_scale=0.02, input_zero_point=128, weight_scale=0.01,
              weight_zero_point=0, output_scale=0.6, output_zero_point=128)
    want = ref.conv2d(x, w, None, **kw)
    for n in (1, 2, 3, 4):
        qs.set_num_threads(n)
        assert_same(qs.conv2d(x, w, None, **kw), want)
        assert_same(qs.Conv2d(w, None, **kw)(x), want)


def test_cpu_features():
    f = qs.cpu_features()
    assert isinstance(f, dict)
    fams = f["supported_kernel_families"]
    assert isinstance(fams, (list, tuple)) and len(fams) >= 1
    assert all(isinstance(n, str) and n for n in fams)
    assert len(set(fams)) == len(fams)
    assert f.get("kernel_family") in fams


def test_set_kernel_family_round_trip():
    f = qs.cpu_features()
    previous = f["kernel_family"]
    try:
        for name in f["supported_kernel_families"]:
            qs.set_kernel_family(name)
            assert qs.cpu_features()["kernel_family"] == name
    finally:
        qs.set_kernel_family(previous)


@pytest.mark.parametrize("name", ["", "no-such-family", "AVX9000"])
def test_set_kernel_family_rejects_unknown_names(name):
    before = qs.cpu_features()["kernel_family"]
    with pytest.raises(ValueError, match=r"(?i)famil|kernel|name|" + re.escape(name or "''")):
        qs.set_kernel_family(name)
    assert qs.cpu_features()["kernel_family"] == before


def test_set_kernel_family_rejects_non_strings():
    with pytest.raises((TypeError, ValueError)):
        qs.set_kernel_family(None)


def test_operator_keeps_the_family_it_was_created_with(kernel_family):
    """An operator created under one family gives the same (exact) results after the
    global family changes."""
    rng = np.random.default_rng(99)
    w = rand_q(rng, (16, 3, 3, 8), np.int8)
    kw = dict(padding=1, input_scale=0.05, input_zero_point=128, weight_scale=0.01,
              weight_zero_point=0, output_scale=0.3, output_zero_point=128)
    op = qs.Conv2d(w, None, **kw)
    x = rand_q(rng, (1, 9, 9, 8), np.uint8)
    want = ref.conv2d(x, w, None, **kw)
    for other in qs.cpu_features()["supported_kernel_families"]:
        qs.set_kernel_family(other)
        assert_same(op(x), want)
    qs.set_kernel_family(kernel_family)


def test_operators_lists_callable_names():
    ops = qs.operators()
    assert isinstance(ops, (list, tuple)) and all(isinstance(n, str) for n in ops)
    assert len(set(ops)) == len(ops)
    for name in ops:
        assert callable(getattr(qs, name, None)), \
            f"operators() lists {name!r}, which is not a callable of qs"
    missing = [n for n in SECTION4 if n not in ops]
    assert not missing, f"operators() does not list {missing}"

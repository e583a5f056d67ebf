"""Fixtures of the parity suite.

`threads` runs a test with 1 and with 2 kernel threads; `kernel_family` runs it with every
kernel family that qs.cpu_features() reports as supported. Both restore the previous
setting afterwards. A test creates its prepacked operators in its body, i.e. after the
family is set (the family is fixed when an operator is created).
"""
import pytest


def _qs():
    import qnnpack_swift  # noqa: PLC0415  (only the parity tests need the native module)
    return qnnpack_swift


def _current_family(qs):
    getter = getattr(qs, "get_kernel_family", None)
    if getter is not None:
        return getter()
    return qs.cpu_features().get("kernel_family")


def pytest_generate_tests(metafunc):
    if "kernel_family" in metafunc.fixturenames:
        families = list(_qs().cpu_features()["supported_kernel_families"])
        assert families, "cpu_features()['supported_kernel_families'] is empty"
        metafunc.parametrize("kernel_family", families, indirect=True,
                             ids=[f"fam={f}" for f in families])


@pytest.fixture
def kernel_family(request):
    qs = _qs()
    previous = _current_family(qs)
    qs.set_kernel_family(request.param)
    try:
        yield request.param
    finally:
        if previous is not None:
            qs.set_kernel_family(previous)


@pytest.fixture(params=[1, 2], ids=["t1", "t2"])
def threads(request):
    qs = _qs()
    previous = qs.get_num_threads()
    qs.set_num_threads(request.param)
    try:
        yield request.param
    finally:
        qs.set_num_threads(previous)

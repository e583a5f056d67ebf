"""Property-based fuzzing of the operator table (_op_table.OPS) with Hypothesis.

Every drawn call runs in a worker process (`Worker`), so a crash or a hang of the library is
a failing example (which Hypothesis then shrinks), not a dead test run. Each call must
return exactly the reference result (`out=` included) or raise the error the table decides,
and must leave its inputs unchanged. Used by test_fuzz.py (bounded, derandomized) and
benchmarks/fuzz_long.py (long, random seeds).
"""
import multiprocessing

import hypothesis
import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from _op_table import Draw, exception_names, execute, fuzz_call
from _support import assert_same


def _serve(connection):
    """Worker loop: receives calls, sends back what `execute` returns."""
    while True:
        call = connection.recv()
        try:
            connection.send(execute(call))
        except Exception as error:  # noqa: BLE001  (an unpicklable result or error)
            connection.send((None, RuntimeError(f"worker could not return the outcome: {error!r}"), False, []))


class Worker:
    """A process that runs calls; restarted after it dies or hangs (over `timeout` s)."""

    def __init__(self, timeout=120):
        self.timeout = timeout
        self._start()

    def _start(self):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()

    def run(self, call):
        """(result, error, returned_out, modified) of `call`; AssertionError when the
        worker crashed or hung on it."""
        try:
            self._connection.send(call)
            if self._connection.poll(self.timeout):
                return self._connection.recv()
            self._process.kill()
            failure = f"hung for over {self.timeout} s"
        except (EOFError, OSError):
            failure = "crashed"
        self._process.join(10)
        code = self._process.exitcode
        self._start()
        raise AssertionError(f"the worker process {failure} (exit code {code}) on {call!r}")

    def close(self):
        self._process.kill()
        self._process.join(10)


class HypothesisDraw(Draw):
    """Choices drawn from Hypothesis' `data` (they shrink toward lo)."""

    def __init__(self, data):
        self._data = data

    def int(self, lo, hi):
        return self._data.draw(st.integers(lo, hi))

    def uniform(self, lo, hi):
        return self._data.draw(st.floats(lo, hi))


def check(call, expected, outcome, compare=None):
    """Asserts the outcome of `call` in the worker: the reference result (compared by
    `compare(got, expected, call)`, default exact) or the error."""
    result, error, returned_out, modified = outcome
    assert not modified, f"inputs modified: {modified}"
    if call.expect is not None:
        assert isinstance(error, call.expect), f"expected {exception_names(call.expect)}, got {error!r} / {result!r}"
        return
    assert error is None, f"raised {error!r}"
    if isinstance(expected, tuple):
        assert result == expected and [type(v) for v in result] == [type(v) for v in expected], (result, expected)
        return
    (compare or (lambda got, want, _: assert_same(got, want)))(result, expected, call)
    if "out" in call.out_kwargs:
        assert returned_out, "the result is not the out= array"


def fuzz(row, worker, families, max_examples, derandomize=True, seed=None):
    """Runs `max_examples` Hypothesis examples of `row`; returns how many calls ran."""
    ran = [0]

    @settings(max_examples=max_examples, derandomize=derandomize, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(st.data())
    def one(data):
        call, expected = fuzz_call(row, HypothesisDraw(data), families)
        note(repr(call))
        ran[0] += 1
        check(call, expected, worker.run(call), row.compare)

    if seed is not None:
        one = hypothesis.seed(seed)(one)
    one()
    return ran[0]

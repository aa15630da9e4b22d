"""glimpse.pools: ordered bounded maps, errors from workers, Ctrl-C without orphans."""

import concurrent.futures
import operator
import os
import pickle
import subprocess
import sys
import tempfile
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glimpse.pools import POOLS, MakePool, Pool, ProcessPool, SerialPool, ThreadPool, WorkerError

NAMES = ["serial", "threads", "processes"]


@pytest.fixture(scope="module")
def process_pool():
    with MakePool("processes", workers=2) as pool:
        yield pool


@pytest.mark.parametrize("name", NAMES)
def test_make_pool_by_name(name):
    with MakePool(name, workers=1) as pool:
        assert isinstance(pool, Pool) and pool.name == name and pool.workers == 1
        assert list(pool.map(operator.neg, range(5))) == [0, -1, -2, -3, -4]


def test_environment_names_the_default(monkeypatch):
    monkeypatch.setenv("GLIMPSE_POOL", "serial")
    assert isinstance(MakePool(), SerialPool)
    monkeypatch.setenv("GLIMPSE_POOL", "processes")
    assert isinstance(MakePool(workers=2), ProcessPool)
    monkeypatch.setenv("GLIMPSE_POOL", "nope")
    with pytest.raises(ValueError, match="GLIMPSE_POOL must be one of .*'nope'"):
        MakePool()
    monkeypatch.delenv("GLIMPSE_POOL")
    assert isinstance(MakePool(), ThreadPool)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(name="gpu"), ValueError, "name must be one of"),
        (dict(name=3), TypeError, "pool name must be a str, got 3"),
        (dict(name="threads", workers=0), ValueError, "workers must be an integer >= 1, got 0"),
        (dict(name="threads", workers=2.0), TypeError, "workers must be an integer"),
        (dict(name="threads", workers=True), TypeError, "workers must be an integer"),
        (dict(name="processes", chunksize=0), ValueError, "chunksize must be"),
        (dict(name="threads", max_pending=-1), ValueError, "max_pending must be"),
        (dict(name="serial", workers=0), ValueError, "workers must be an integer >= 1"),
    ],
)
def test_bad_options(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MakePool(**kwargs)


def test_registry_accepts_lazy_entries(monkeypatch):
    monkeypatch.setitem(POOLS, "lazy", "._local:SerialPool")
    assert type(MakePool("lazy")) is SerialPool
    monkeypatch.setitem(POOLS, "absent", "._no_such_module:Pool")
    with pytest.raises(ValueError, match="'absent' pool needs a package"):
        MakePool("absent")


def test_serial_runs_one_worker_whatever_is_asked(monkeypatch):
    monkeypatch.setenv("GLIMPSE_POOL", "serial")
    with MakePool(workers=4) as pool:
        assert pool.workers == 1 and list(pool.map(abs, [-2])) == [2]


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(["serial", "threads"]),
    n=st.integers(0, 40),
    workers=st.integers(1, 3),
    chunksize=st.integers(1, 5),
    max_pending=st.none() | st.integers(1, 4),
)
def test_map_is_ordered_and_complete(name, n, workers, chunksize, max_pending):
    if name == "serial":
        workers = 1
    done = []
    with MakePool(name, workers=workers, chunksize=chunksize, max_pending=max_pending) as pool:
        assert list(pool.map(operator.neg, range(n), progress=done.append)) == \
            [-i for i in range(n)]
    assert sum(done) == n and all(k >= 1 for k in done)


@pytest.mark.parametrize("chunksize", [1, 3])
def test_process_map_is_ordered(process_pool, chunksize):
    pool = ProcessPool(2, chunksize=chunksize)
    with pool:
        assert list(pool.map(operator.neg, range(20))) == [-i for i in range(20)]


def test_items_are_read_lazily():
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield i

    with ThreadPool(2, chunksize=3, max_pending=2) as pool:
        results = pool.map(operator.neg, items())
        assert pulled == []  # nothing runs before the first result is asked for
        assert next(results) == 0
        assert len(pulled) <= 2 * 3 + 3
        results.close()  # the caller stops: pending work is dropped
    assert len(pulled) < 20


def test_exception_in_func_is_raised_in_order():
    def fail_on_3(i):
        if i == 3:
            raise KeyError("three")
        return i

    for name in ("serial", "threads"):
        got = []
        with MakePool(name, workers=1 if name == "serial" else 2) as pool:
            with pytest.raises(KeyError, match="three"):
                for r in pool.map(fail_on_3, range(10)):
                    got.append(r)
            assert got == [0, 1, 2]
            assert list(pool.map(abs, [-1])) == [1]  # the pool is still usable


def test_worker_memory_error_reaches_the_caller(process_pool):
    with pytest.raises(MemoryError):
        list(process_pool.map(bytearray, [1, 2**62]))
    assert list(process_pool.map(abs, [-4])) == [4]


def test_dead_worker_is_one_clear_error():
    with ProcessPool(2) as pool:
        with pytest.raises(WorkerError, match="worker process died"):
            list(pool.map(os._exit, [3] * 4))
        assert pool._closed
        with pytest.raises(ValueError, match="closed"):
            pool.map(abs, [1])


def test_pickles_as_configuration():
    for pool in (SerialPool(), ThreadPool(3, chunksize=2), ProcessPool(2, max_pending=5)):
        with pool:
            list(pool.map(abs, [-1, -2]))
            copy = pickle.loads(pickle.dumps(pool))
        assert type(copy) is type(pool) and copy._options() == pool._options()
        assert repr(copy) == repr(pool)
        with copy:
            assert list(copy.map(abs, [-5])) == [5]


def test_bad_map_arguments():
    with ThreadPool(1) as pool:
        with pytest.raises(TypeError, match="func must be callable"):
            pool.map(3, [1])
        with pytest.raises(TypeError, match="progress must be callable"):
            pool.map(abs, [1], progress=5)


SCRIPT = """
import signal, sys, time
from glimpse.pools import MakePool
try:
    with MakePool(sys.argv[1], workers=int(sys.argv[2])) as pool:
        for i, _ in enumerate(pool.map(time.sleep, [0.05] * 100000)):
            if i == 3:
                print("running", flush=True)
except KeyboardInterrupt:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as the glimpse command does
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_quickly_without_orphans(name, presses, procs):
    if not hasattr(os, "killpg"):
        pytest.skip("needs POSIX process groups")
    count = "1" if name == "serial" else "2"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, name, count], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, cwd=tempfile.gettempdir(),
    )
    try:
        assert proc.stdout.readline() == b"running\n"
        workers = procs.children(proc.pid) or []
        if name == "processes" and procs.children(proc.pid) is not None:
            assert len(workers) == 2
    finally:
        err, elapsed = procs.interrupt(proc, presses)
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted"
    assert elapsed < 5
    assert procs.wait_gone(workers)


def test_waiting_for_a_slow_first_item_does_not_spin(monkeypatch):
    # Items after the first finish at once; the map must sleep until the first is done,
    # not loop over the finished ones.
    calls = []
    wait = ThreadPool._wait

    def counting_wait(self, futures, timeout):
        calls.append(len(futures))
        return wait(self, futures, timeout)

    monkeypatch.setattr(ThreadPool, "_wait", counting_wait)
    done = []
    with ThreadPool(2, max_pending=4) as pool:
        results = list(pool.map(lambda i: time.sleep(0.3) if i == 0 else i, range(4),
                                progress=done.append))
    assert results == [None, 1, 2, 3] and sum(done) == 4
    assert len(calls) < 10, len(calls)


class _LateFuture(concurrent.futures.Future):
    """A future that reports itself done only from its second ``done()`` call on."""

    def __init__(self, result):
        super().__init__()
        self._value = result
        self._asked = 0

    def done(self):
        self._asked += 1
        if self._asked == 2:
            self.set_result(self._value)
        return super().done()


class _LatePool(Pool):
    """Chunks that finish between the pool's progress count and their removal."""

    def _submit(self, func, chunk):
        return _LateFuture([func(item) for item in chunk])

    def _stop(self, cancel):
        pass

    def _wait(self, futures, timeout):
        pass


def test_progress_counts_a_chunk_that_finishes_after_the_count():
    counted = []
    with _LatePool(1) as pool:
        results = list(pool.map(operator.neg, range(7), progress=counted.append))
    assert results == [-i for i in range(7)]
    assert sum(counted) == 7

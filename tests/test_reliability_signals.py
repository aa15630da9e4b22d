"""SIGTERM and SIGHUP get Ctrl-C's clean-up; worker processes never outlive their parent."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from glimpse import _exit
from glimpse.pools import MakePool

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP") or not hasattr(os, "killpg"),
                                reason="needs POSIX signals")


def test_terminated_carries_its_signal_and_status():
    err = _exit.Terminated(signal.SIGTERM)
    assert isinstance(err, KeyboardInterrupt)
    assert (err.signum, err.status, str(err)) == (15, 143, "terminated by SIGTERM")
    assert _exit.Terminated(signal.SIGHUP).status == 129


def test_the_handlers_are_installed_only_over_the_defaults_and_restored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup leaves it
    try:
        with _exit.terminate_as_interrupt():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert _exit.raises_terminated(signal.getsignal(signal.SIGTERM))
            with pytest.raises(_exit.Terminated) as info:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)  # the handler raises before this ends
            assert info.value.signum == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, previous)


WRITE = r"""
import sys, time
from glimpse._exit import Terminated, terminate_as_interrupt, terminated
from glimpse.util.fileio import atomic_write

with terminate_as_interrupt():
    try:
        with atomic_write(sys.argv[1]) as f:
            f.write(b"half of the new output")
            f.flush()
            print("writing", flush=True)
            time.sleep(30)
    except Terminated as err:
        sys.exit(terminated(err))
"""


def _start(script, *args):
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=tempfile.gettempdir())


def _end(proc, timeout=10):
    try:
        _, err = proc.communicate(timeout=timeout)
        return err.decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


@pytest.mark.parametrize("signum, status, name", [(signal.SIGTERM, 143, "SIGTERM"),
                                                  (signal.SIGHUP, 129, "SIGHUP")])
def test_a_signal_during_a_write_keeps_the_previous_output(tmp_path, signum, status, name):
    out = tmp_path / "out.npz"
    out.write_bytes(b"the previous output")
    proc = _start(WRITE, out)
    try:
        assert proc.stdout.readline() == b"writing\n"
        start = time.monotonic()
        proc.send_signal(signum)
    finally:
        err = _end(proc)
    assert time.monotonic() - start < 5
    assert proc.returncode == status, err
    assert err == "glimpse: terminated (%s)\n" % name
    assert out.read_bytes() == b"the previous output"
    assert os.listdir(tmp_path) == ["out.npz"]


POOL = r"""
import sys, time
from glimpse._exit import Terminated, terminate_as_interrupt, terminated
from glimpse.pools import MakePool

with terminate_as_interrupt():
    try:
        with MakePool("processes", workers=2) as pool:
            for i, _ in enumerate(pool.map(time.sleep, [0.05] * 100000)):
                if i == 3:
                    print("running", flush=True)
    except Terminated as err:
        sys.exit(terminated(err))
"""


def test_sigterm_to_the_parent_stops_the_workers(procs):
    proc = _start(POOL)
    try:
        assert proc.stdout.readline() == b"running\n"
        workers = procs.children(proc.pid) or []
        start = time.monotonic()
        proc.terminate()  # the parent only, as `kill PID` or `timeout` send it
    finally:
        err = _end(proc)
    assert time.monotonic() - start < 3  # the workers end at once, not after a timeout
    assert proc.returncode == 143, err
    assert err == "glimpse: terminated (SIGTERM)\n"
    assert procs.wait_gone(workers)


def test_workers_end_when_their_parent_is_killed(procs):
    if procs.children(os.getpid()) is None:
        pytest.skip("needs /proc to find the workers")
    proc = _start(POOL)
    workers = []
    try:
        assert proc.stdout.readline() == b"running\n"
        workers = procs.children(proc.pid)
        assert len(workers) == 2
        proc.kill()  # no chance to stop them
        proc.wait()
        assert procs.wait_gone(workers, timeout=5)
    finally:
        _end(proc)
        for pid in workers:  # in the worker's session: the group outlives its leader
            if not procs.gone(pid):
                os.kill(pid, signal.SIGKILL)


def _signal_self(i):
    if i == 10:  # from a worker thread, while the main thread waits in the pool
        os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.01)
    return i


def test_a_sigterm_while_the_pool_waits_is_raised_after_its_bookkeeping():
    with _exit.terminate_as_interrupt():
        with pytest.raises(_exit.Terminated) as info:
            with MakePool("threads", workers=2) as pool:
                for _ in pool.map(_signal_self, range(1000)):
                    pass
        assert info.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _sigterm_handler(_):
    return str(signal.getsignal(signal.SIGTERM))


def test_process_workers_keep_the_default_sigterm():
    """A worker forked from a parent that turns SIGTERM into Terminated still just ends."""
    with _exit.terminate_as_interrupt(), MakePool("processes", workers=1) as pool:
        assert list(pool.map(_sigterm_handler, [0])) == [str(signal.SIG_DFL)]

"""Fixtures shared by the test modules."""

import contextlib
import io
import os
import signal
import subprocess

import numpy as np
import pytest
from hypothesis import settings
from PIL import Image

# Property tests draw fresh examples on every run here; with CI set (as continuous
# integration sets it) they draw the same ones every time, so a result can be reproduced.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _invoke(*args, cwd=None):
    """Run the glimpse command in this process; restore what ``main`` may change."""
    from glimpse import cli

    out, err = io.StringIO(), io.StringIO()
    handler = signal.getsignal(signal.SIGINT)
    limit = Image.MAX_IMAGE_PIXELS
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main([str(a) for a in args])
            except SystemExit as exc:  # --help, --version
                status = exc.code
    finally:
        os.chdir(here)
        signal.signal(signal.SIGINT, handler)
        Image.MAX_IMAGE_PIXELS = limit
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session", autouse=True)
def _sigint_not_ignored():
    """Ctrl-C tests need SIGINT to reach their child processes.

    A shell starts a background job (``pytest &``) with SIGINT ignored, and a child
    process inherits that; a handler, by contrast, is reset to the default on exec.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        yield
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        yield


@pytest.fixture(scope="session")
def invoke():
    """``invoke(*args, cwd=None)``: the glimpse command run in-process (fast).

    Returns a ``subprocess.CompletedProcess`` with ``returncode``, ``stdout``, ``stderr``.
    """
    return _invoke


class _Processes:
    """Looks at processes through Linux's /proc."""

    @staticmethod
    def children(pid):
        """The pids of `pid`'s children, or None where /proc cannot say."""
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return None

    @staticmethod
    def gone(pid):
        """Whether `pid` has exited (a zombie counts as gone)."""
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except FileNotFoundError:
            return True

    @staticmethod
    def threads(pid):
        """How many threads `pid` runs (0 when it is gone)."""
        try:
            return len(os.listdir("/proc/%d/task" % pid))
        except OSError:
            return 0

    @staticmethod
    def interrupt(proc, presses=1, timeout=30.0):
        """Ctrl-C `proc`'s process group `presses` times; return (stderr, seconds to exit).

        The group is killed if it has not exited within `timeout` seconds.
        """
        import time

        try:
            start = time.monotonic()
            for _ in range(presses):
                os.killpg(proc.pid, signal.SIGINT)
                time.sleep(0.1)
            _, err = proc.communicate(timeout=timeout)
            return err.decode(), time.monotonic() - start
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()

    def wait_gone(self, pids, timeout=5.0):
        """Whether all `pids` are gone within `timeout` seconds."""
        import time

        deadline = time.monotonic() + timeout
        while not all(map(self.gone, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return all(map(self.gone, pids))


@pytest.fixture(scope="session")
def procs():
    """Helpers to find a process's children and see whether processes are gone (/proc)."""
    return _Processes()


@pytest.fixture
def tiny_corpus(tmp_path):
    """A corpus of two classes of 6 grey 40x40 images: bright against dark, a brighter square
    in each, plus noise."""
    rng = np.random.default_rng(0)
    for label, name in enumerate(["bright", "dark"]):
        (tmp_path / name).mkdir()
        for i in range(6):
            data = rng.integers(0, 80, (40, 40)) + (150 if label == 0 else 0)
            data[10:30, 10:30] += 60
            Image.fromarray(np.clip(data, 0, 255).astype(np.uint8), "L").save(
                tmp_path / name / ("%02d.png" % i))
    return tmp_path

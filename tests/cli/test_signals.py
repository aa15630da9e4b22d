"""Ctrl-C, SIGTERM and SIGHUP sent to the experiment commands while they compute and while
they write their output: the exit status, one line, the previous output, no temporary file,
no worker process left behind."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from .test_failures import ENV, _wait_for_workers

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task") or not hasattr(os, "killpg"),
                                reason="needs POSIX signals and Linux /proc")

#: Runs the command with the bytes of its final output written and then a long pause
#: before the file is renamed into place: a signal sent after the mark file appears comes
#: during the final write.
SLOW_WRITE = r"""
import os, sys, time
from glimpse.util import npz
real_savez = npz.savez
def savez(file, **arrays):
    real_savez(file, **arrays)
    open(os.environ["GLIMPSE_TEST_MARK"], "w").close()
    time.sleep(60)
npz.savez = savez
from glimpse.__main__ import main
sys.exit(main())
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory, invoke):
    """A corpus of two classes (links to one 500x500 JPEG), small model parameters and the
    prototypes 'glimpse imprint' makes."""
    root = tmp_path_factory.mktemp("signals")
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (500, 500), dtype=np.uint8)).save(root / "img.jpg")
    for cls in ("a", "b"):
        (root / "corpus" / cls).mkdir(parents=True)
        for i in range(16):
            os.symlink(root / "img.jpg", root / "corpus" / cls / ("%02d.jpg" % i))
    (root / "params.json").write_text(json.dumps(
        {"image_resize_length": 128, "num_scales": 3, "s2_kwidth": [5]}))
    res = invoke("imprint", root / "corpus", "--params", root / "params.json", "-n", 10,
                 "--seed", 0, "-q", "-o", root / "protos.npz")
    assert res.returncode == 0, res.stderr
    return root


def _argv(command, root, out, pool):
    argv = [command, root / "corpus", "--params", root / "params.json", "-q",
            "--workers", 2, "--pool", pool, "-o", out]
    if command == "features":
        argv += ["--prototypes", root / "protos.npz"]
    else:
        argv += ["-n", 10, "--seed", 0]
    return [str(a) for a in argv]


def _start(argv, cwd, mark):
    env = dict(ENV, GLIMPSE_TEST_MARK=str(mark))
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITE, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)


def _send(proc, signum):
    """SIGINT as a terminal sends it (to the process group); SIGTERM and SIGHUP as `kill PID`,
    `timeout` or a container stop send them (to the command alone)."""
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        os.kill(proc.pid, signum)


def _finish(proc, timeout=30):
    try:
        start = time.monotonic()
        _, err = proc.communicate(timeout=timeout)
        return err.decode(), time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _wait_for(path, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the final write never started"
        time.sleep(0.02)


REPORTS = {signal.SIGINT: (130, "glimpse: interrupted"),
           signal.SIGTERM: (143, "glimpse: terminated (SIGTERM)"),
           signal.SIGHUP: (129, "glimpse: terminated (SIGHUP)")}


@pytest.mark.parametrize("when, signum", [
    ("computing", signal.SIGINT), ("computing", signal.SIGTERM),
    ("writing", signal.SIGINT), ("writing", signal.SIGTERM),
], ids=["computing-SIGINT", "computing-SIGTERM", "writing-SIGINT", "writing-SIGTERM"])
@pytest.mark.parametrize("pool", ["threads", "processes"])
@pytest.mark.parametrize("command", ["features", "evaluate"])
def test_a_signal_cleans_up_as_ctrl_c_does(setup, tmp_path, command, pool, when, signum,
                                           procs):
    out = tmp_path / "out.npz"
    out.write_bytes(b"the previous output")
    mark = tmp_path / "writing.mark"
    proc = _start(_argv(command, setup, out, pool), tmp_path, mark)
    workers = []
    try:
        if when == "computing":
            workers = _wait_for_workers(proc, pool, procs)
            time.sleep(0.3)
        else:
            if command == "features" and pool == "processes":  # still running: the write is
                workers = procs.children(proc.pid) or []       # inside the pool's block
            _wait_for(mark, proc)
            assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]  # being written
        _send(proc, signum)
    finally:
        stderr, elapsed = _finish(proc)
    status, line = REPORTS[signum]
    assert proc.returncode == status, (proc.returncode, stderr)
    assert stderr == line + "\n", stderr
    assert elapsed < 10
    assert out.read_bytes() == b"the previous output"
    assert sorted(n for n in os.listdir(tmp_path) if n != "writing.mark") == ["out.npz"]
    assert procs.wait_gone(workers), [p for p in workers if not procs.gone(p)]


def test_sighup_is_129(setup, tmp_path, procs):
    out = tmp_path / "out.npz"
    out.write_bytes(b"the previous output")
    proc = _start(_argv("features", setup, out, "processes"), tmp_path, tmp_path / "m")
    try:
        workers = _wait_for_workers(proc, "processes", procs)
        _send(proc, signal.SIGHUP)
    finally:
        stderr, _ = _finish(proc)
    assert (proc.returncode, stderr) == (129, "glimpse: terminated (SIGHUP)\n")
    assert out.read_bytes() == b"the previous output" and os.listdir(tmp_path) == ["out.npz"]
    assert procs.wait_gone(workers)


def test_an_ignored_sighup_stays_ignored(setup, tmp_path):
    # nohup leaves SIGHUP ignored: the command must not take it over
    out = tmp_path / "out.npz"
    res = subprocess.run(
        [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGHUP, "
         "signal.SIG_IGN); from glimpse.__main__ import main; import os; "
         "os.kill(os.getpid(), signal.SIGHUP); sys.exit(main())", "params"],
        capture_output=True, text=True, env=ENV, timeout=60, cwd=tmp_path)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert json.loads(res.stdout)["num_scales"] > 0
    assert not out.exists()

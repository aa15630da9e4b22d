"""Pools stop at once on an interrupt, even with a worker stuck in I/O."""

import os
import subprocess
import sys
import tempfile

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(os, "killpg"),
                                reason="needs FIFOs and process groups (POSIX)")

STUCK = r"""
import os, signal, sys
from glimpse.pools import MakePool

def read(path):
    os.write(1, b"blocked\n")  # one write: workers share the pipe
    with open(path, "rb") as f:  # a FIFO no one writes to: blocks until a writer comes
        return f.read()

try:
    with MakePool(sys.argv[1], workers=2) as pool:
        list(pool.map(read, [sys.argv[2]] * 4))
except KeyboardInterrupt:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


@pytest.mark.parametrize("name", ["threads", "processes"])
def test_interrupt_ends_the_process_with_a_worker_stuck_reading(name, tmp_path, procs):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK, name, str(fifo)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, cwd=tempfile.gettempdir())
    try:
        assert proc.stdout.readline() == b"blocked\n"
        workers = procs.children(proc.pid) or []
    finally:
        err, elapsed = procs.interrupt(proc, timeout=10)
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted"
    assert elapsed < 2, elapsed
    assert procs.wait_gone(workers)

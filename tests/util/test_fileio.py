"""atomic_write: the target is replaced whole or not at all."""

import errno
import os
import signal
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from glimpse.util import fileio
from glimpse.util.fileio import atomic_write


def leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "a.bin"
    with atomic_write(target) as f:
        f.write(b"first")
    assert target.read_bytes() == b"first"
    with atomic_write(str(target)) as f:
        f.write(b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert leftovers(tmp_path) == []


def test_text_mode(tmp_path):
    target = tmp_path / "a.txt"
    with atomic_write(target, mode="w") as f:
        f.write("h\u00e9")
    assert target.read_text(encoding="utf-8") == "h\u00e9"


def test_bad_mode(tmp_path):
    with pytest.raises(ValueError, match="mode must be"):
        with atomic_write(tmp_path / "x", mode="ab"):
            pass
    assert os.listdir(tmp_path) == []


def test_new_file_permissions_follow_umask(tmp_path):
    target = tmp_path / "p.bin"
    with atomic_write(target) as f:
        f.write(b"x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~fileio._UMASK


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_keeps_previous_file(tmp_path, exc):
    target = tmp_path / "keep.npz"
    np.savez(target, x=np.arange(5))
    before = target.read_bytes()
    with pytest.raises(type(exc)):
        with atomic_write(target) as f:
            f.write(b"partial")
            raise exc
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_failure_without_previous_file_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "new.npz") as f:
            f.write(b"partial")
            raise RuntimeError
    assert os.listdir(tmp_path) == []


def test_disk_full_keeps_previous_file(tmp_path, monkeypatch):
    # The save fails part-way with ENOSPC, as numpy.savez does on a full disk.
    target = tmp_path / "full.npz"
    np.savez(target, x=np.arange(5))
    before = target.read_bytes()
    written = []

    def full_fsync(fd):
        written.append(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full_fsync)
    with pytest.raises(OSError) as info:
        with atomic_write(target) as f:
            np.savez(f, x=np.zeros(100_000))
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(target)  # the message names the file
    assert written  # the failure came from the flush to disk, after the data was written
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_missing_directory_is_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_write(tmp_path / "no" / "x.npz"):
            pass


def test_sigint_while_writing_keeps_previous_file(tmp_path):
    # A real Ctrl-C in the middle of a long write, in a separate interpreter.
    target = tmp_path / "big.npz"
    np.savez(target, x=np.arange(5))
    before = target.read_bytes()
    code = (
        "import sys, time\n"
        "from glimpse.util.fileio import atomic_write\n"
        "with atomic_write(sys.argv[1]) as f:\n"
        "    f.write(b'x' * 1000); f.flush()\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    try:
        assert proc.stdout.readline() == b"writing\n"
        assert len(leftovers(tmp_path)) == 1
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode != 0
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_small_full_file_system(tmp_path):
    # A real full disk: a 64 KiB tmpfs (needs root and mount; skipped otherwise).
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                         capture_output=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = mnt / "p.npz"
        np.savez(target, x=np.arange(100))
        before = target.read_bytes()
        with pytest.raises(OSError) as info:
            with atomic_write(target) as f:
                np.savez(f, x=np.zeros(100_000))
        assert info.value.errno == errno.ENOSPC
        assert target.read_bytes() == before
        assert leftovers(mnt) == []
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)

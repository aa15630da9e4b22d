"""Files that are not regular files (FIFOs, sockets, devices) are never opened as images."""

import contextlib
import os
import signal
import socket

import numpy as np
import pytest
from PIL import Image

from glimpse.backends import InputLoadError, InputSource
from glimpse.experiment import ReadCorpus, ReadCorpusSubdirs
from glimpse.util.imagefiles import CheckImageFile, OpenImageFile, WalkImages

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


@contextlib.contextmanager
def _no_hang(seconds=5):
    """Fail (instead of hanging the suite) if the block blocks for `seconds`."""
    def alarm(signum, frame):
        raise TimeoutError("blocked for %d s" % seconds)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def odd_files(tmp_path):
    """A class directory holding an image, a FIFO, a socket and links to each."""
    cls = tmp_path / "a"
    cls.mkdir()
    Image.fromarray(np.full((8, 8), 100, np.uint8)).save(cls / "good.png")
    os.mkfifo(cls / "pipe.png")
    sock = socket.socket(socket.AF_UNIX)
    here = os.getcwd()
    os.chdir(cls)  # a short relative path: socket paths are limited to ~100 bytes
    try:
        sock.bind("sock.png")
    finally:
        os.chdir(here)
    (cls / "link-to-pipe.png").symlink_to(cls / "pipe.png")
    (cls / "link-to-good.png").symlink_to(cls / "good.png")
    yield cls
    sock.close()


def test_walk_collects_regular_files_only(odd_files):
    with _no_hang():
        found = [os.path.basename(p) for p in WalkImages(str(odd_files))]
    assert found == ["good.png", "link-to-good.png"]


def test_corpus_skips_what_is_not_a_regular_file(odd_files, tmp_path):
    (tmp_path / "b").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "b" / "x.png")
    with _no_hang():
        corpus = ReadCorpus(tmp_path)
    assert [os.path.basename(p) for p in corpus.paths] == ["good.png", "link-to-good.png",
                                                           "x.png"]


@pytest.mark.parametrize("name", ["pipe.png", "sock.png", "link-to-pipe.png"])
def test_a_fifo_or_socket_named_as_a_corpus_is_refused(odd_files, name):
    with _no_hang(), pytest.raises(ValueError, match="not a directory"):
        ReadCorpus(odd_files / name)
    with _no_hang(), pytest.raises(ValueError, match="not a directory"):
        ReadCorpusSubdirs([odd_files / name, odd_files])


@pytest.mark.parametrize("name, kind", [("pipe.png", "a FIFO"), ("sock.png", "a socket"),
                                        ("link-to-pipe.png", "a FIFO")])
def test_an_image_that_is_not_a_regular_file_is_refused_at_once(odd_files, name, kind):
    path = str(odd_files / name)
    with _no_hang(), pytest.raises(InputLoadError) as info:
        InputSource(path).CreateImage()
    assert str(info.value) == "not a regular file: %s (source %s)" % (kind, path)
    with _no_hang(), pytest.raises(InputLoadError, match="not a regular file"):
        InputSource(path, exact=False).CreateGreyImage(lambda w, h: 1)
    with _no_hang(), pytest.raises(ValueError) as info:
        CheckImageFile(path)
    assert str(info.value) == "image must be a regular file, got %s: %r" % (kind, path)
    assert info.value.path == path and info.value.kind == kind


def test_a_device_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with _no_hang(), pytest.raises(InputLoadError, match="not a regular file: a character "
                                                         "device"):
        InputSource("/dev/zero").CreateImage()
    with _no_hang(), pytest.raises(ValueError, match="got a character device"):
        CheckImageFile("/dev/zero", "--image")


def test_regular_files_open_and_read(odd_files):
    img = InputSource(str(odd_files / "link-to-good.png")).CreateImage()
    assert img.size == (8, 8)
    CheckImageFile(str(odd_files / "good.png"))
    with OpenImageFile(str(odd_files / "good.png")) as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
        assert f.name == str(odd_files / "good.png")
    with pytest.raises(InputLoadError, match="no such image file"):
        InputSource(str(odd_files / "missing.png")).CreateImage()
    CheckImageFile(str(odd_files / "missing.png"))  # left for the reader to report


def test_a_fifo_swapped_in_after_the_check_does_not_block(odd_files, monkeypatch):
    """The kind is checked again on the opened descriptor, which never blocks."""
    real_stat = os.stat
    good = os.stat(odd_files / "good.png")

    def stale_stat(path, *args, **kwargs):  # says "regular file" as before a swap
        if str(path).endswith("pipe.png"):
            return good
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stale_stat)
    with _no_hang(), pytest.raises(InputLoadError, match="not a regular file: a FIFO"):
        InputSource(str(odd_files / "pipe.png")).CreateImage()

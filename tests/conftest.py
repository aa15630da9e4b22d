"""Fixtures shared by the test modules."""

import contextlib
import io
import os
import signal
import subprocess

import pytest
from PIL import Image


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


@pytest.fixture(scope="session")
def invoke():
    """``invoke(*args, cwd=None)``: the glimpse command run in-process (fast).

    Returns a ``subprocess.CompletedProcess`` with ``returncode``, ``stdout``, ``stderr``.
    """
    return _invoke

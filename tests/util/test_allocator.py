"""glibc's allocator keeps freed buffers for a run over many images."""

import subprocess
import sys

import pytest

from glimpse.util import _allocator

CHILD = """
from glimpse.util._allocator import retain_freed_memory
made = retain_freed_memory()
print(made)
"""


def _run(env):
    res = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_settings_are_made_on_glibc_unless_the_environment_tunes_malloc():
    import os
    import platform
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")}
    if platform.libc_ver()[0] == "glibc":
        assert _run(env) == "True"
    assert _run(dict(env, GLIBC_TUNABLES="glibc.malloc.trim_threshold=1000000")) == "False"
    assert _run(dict(env, MALLOC_TRIM_THRESHOLD_="1000000")) == "False"


def test_no_mallopt_is_no_setting(monkeypatch):
    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(_allocator.ctypes, "CDLL", NoMallopt)
    monkeypatch.setattr(_allocator.sys, "platform", "linux")
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    for name in list(_allocator.os.environ):
        if name.startswith("MALLOC_"):
            monkeypatch.delenv(name)
    assert _allocator.retain_freed_memory() is False
    monkeypatch.setattr(_allocator.sys, "platform", "darwin")
    assert _allocator.retain_freed_memory() is False

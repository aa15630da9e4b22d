"""The C allocator's settings for a long run of image jobs (glibc only)."""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["retain_freed_memory"]

# <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc's largest mmap threshold on 64-bit).
MMAP_THRESHOLD = 32 * 2**20
#: Freed heap memory up to this size stays with the process.
TRIM_THRESHOLD = 64 * 2**20


def _user_settings():
    """True when the environment already tunes glibc's allocator (it is left alone)."""
    return ("glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "")
            or any(name.startswith("MALLOC_") and name.endswith("_") for name in os.environ))


def retain_freed_memory() -> bool:
    """Let glibc keep freed blocks of a few MB for reuse instead of returning them.

    A run over many images allocates and frees the same buffers (a decoded image, the
    resampler's window and intermediate) for every image. With glibc's defaults, blocks
    above 128 kB (raised as blocks are freed, up to 32 MB) are mapped afresh and the top of
    the heap is returned to the system, so every image pays page faults for memory it had
    a moment ago. This raises the mmap threshold to 32 MB and the trim threshold to 64 MB,
    process-wide; memory is still returned when the process ends.

    Returns
    -------
    bool
        True if the settings were made; False elsewhere than on glibc, or when the
        environment tunes the allocator already (``GLIBC_TUNABLES`` naming
        ``glibc.malloc``, or a ``MALLOC_*_`` variable).
    """
    if not sys.platform.startswith("linux") or _user_settings():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))

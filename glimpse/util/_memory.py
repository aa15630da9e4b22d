"""The memory ceiling for up-front allocation checks.

An allocation larger than the machine's physical memory may still "succeed" under Linux
overcommit and then get the process killed when the pages are touched. Public functions
that size an output from user arguments compare its size with this ceiling first and
raise MemoryError instead.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["MEMORY_LIMIT"]


def _memory_limit():
    limit = int(np.iinfo(np.intp).max)
    try:
        limit = min(limit, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not a POSIX system: rely on malloc
        pass
    return limit


#: Bytes an output (and its working memory) may need before it is refused up front.
MEMORY_LIMIT = _memory_limit()

"""Atomic output files for the experiment module.

Every file the experiment module writes goes through :func:`atomic_write`, so a crash or an
interrupt never leaves a half-written file where a complete one (or an older one) was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["atomic_write"]


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside `path`; on success, move it over `path`.

    Parameters
    ----------
    path : str or os.PathLike
        The file to (re)place.
    mode : str
        "wb" (the default) or "w".

    Yields
    ------
    file object
        The temporary file, in the same directory as `path`. When the ``with`` block ends
        without an error, it is flushed, synced to disk and renamed onto `path`
        (``os.replace``); when the block raises, it is removed and `path` is left as it was.
    """
    if mode not in ("wb", "w"):
        raise ValueError("mode must be 'wb' or 'w', got %r" % (mode,))
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

"""Writing files so that a failure never leaves a truncated file or loses the previous one.

:func:`atomic_write` writes to a temporary file in the target's directory and, only
when the writing code finished without an exception, flushes it to disk and renames it
over the target (``os.replace``, atomic on POSIX and Windows within one file system).
If anything goes wrong (an exception, a full disk, Ctrl-C), the temporary file is
removed and a file that was already at the target path is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import IO, Iterator

__all__ = ["atomic_write", "quote_path", "TEMP_PREFIX"]

#: Prefix of the temporary files :func:`atomic_write` creates (``.NAME.`` + random + ``.tmp``).
TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"


def quote_path(path) -> str:
    """`path` as it is shown in a message: as it is, or quoted and escaped when needed.

    Every message of glimpse that names a file names it through this function.

    Parameters
    ----------
    path : str, bytes or os.PathLike

    Returns
    -------
    str
        The path itself when it is printable (no newline, tab or other control
        character, no undecodable byte) and not empty; else its ``repr``, which
        escapes those, so that a message naming it stays on one line.

    Examples
    --------
    >>> quote_path("images/a.png")
    'images/a.png'
    >>> print(quote_path("bad\\nname.png"))
    'bad\\nname.png'
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    return text if text and text.isprintable() else repr(text)


def _current_umask():
    # Read once at import: os.umask can only be read by setting it, which is not thread-safe.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _current_umask()


def _fsync_directory(directory):
    """Make the rename durable (POSIX); directories cannot be opened on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file that replaces `path` only when the block succeeds.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its directory must exist. The file is created, or replaced
        when it exists; the new file gets the permissions a new file would get from
        ``open`` (the process umask), not those of the file it replaces.
    mode : {"wb", "w"}
        Binary or text mode. Text mode uses UTF-8.

    Yields
    ------
    file object
        An open file in the same directory as `path`, named
        ``.BASENAME.RANDOM.tmp``. Write to it (or pass it to ``numpy.savez``,
        ``PIL.Image.save``, ...); do not close or rename it.

    Raises
    ------
    ValueError
        If `mode` is not "wb" or "w".
    OSError
        If the temporary file cannot be created, written, flushed or renamed (for
        example a missing directory, no permission, or a full disk). The target is
        then left as it was. An error that names no file (a failed write) is given
        `path` as its ``filename``.

    Notes
    -----
    On leaving the block normally, the file is flushed, ``fsync``-ed and renamed over
    `path` with ``os.replace``, and the directory is ``fsync``-ed. On any exception,
    including ``KeyboardInterrupt``, the temporary file is removed and the exception
    propagates; the previous file at `path`, if any, is untouched.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> with atomic_write(target) as f:
    ...     np.savez(f, x=np.arange(3))
    >>> np.load(target)["x"].tolist()
    [0, 1, 2]
    """
    if mode not in ("wb", "w"):
        raise ValueError("mode must be 'wb' or 'w', got %r" % (mode,))
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(
        prefix=TEMP_PREFIX + os.path.basename(path) + ".", suffix=_TEMP_SUFFIX, dir=directory
    )
    try:
        # mkstemp creates the file 0600; give it the mode open() would give a new file.
        try:
            os.chmod(temp, 0o666 & ~_UMASK)
        except OSError:  # pragma: no cover - file systems without permissions
            pass
        if mode == "w":
            f = os.fdopen(fd, mode, encoding="utf-8")
        else:
            f = os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(err, OSError) and err.filename is None and err.strerror is not None:
            err.filename = path  # "[Errno 28] No space left on device: 'out.npz'"
        raise
    _fsync_directory(directory)

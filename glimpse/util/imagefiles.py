"""Finding image files: which extensions are images, the walk of a directory, and opening
an image file without ever blocking on something that is not a regular file."""

from __future__ import annotations

import os
import stat

from PIL import Image

__all__ = ["RasterExtensions", "WalkImages", "CheckImageFile", "OpenImageFile",
           "NotRegularFileError"]

#: What a file that is not a regular file is, by the test of its mode.
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


class NotRegularFileError(ValueError):
    """A path named as an image file is a FIFO, a socket, a device or a directory.

    Reading one could block forever (a FIFO with no writer, a device), so it is refused
    before it is opened.

    Attributes
    ----------
    path : str
    kind : str
        What the file is: "a FIFO", "a socket", "a character device", ...
    """

    def __init__(self, path, kind, name="image"):
        super().__init__("%s must be a regular file, got %s: %r" % (name, kind, path))
        self.path = path
        self.kind = kind

    def __reduce__(self):
        return (type(self), (self.path, self.kind))


def _kind(mode):
    """None for a regular file's `mode`, else what the file is ("a FIFO", ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def CheckImageFile(path: str, name: str = "image") -> None:
    """Refuse a path that exists and is not a regular file, without opening it.

    Parameters
    ----------
    path : str
        The path named as an image (symbolic links are followed).
    name : str
        What the path is, for the message (``"image"``, ``"--image"``).

    Raises
    ------
    NotRegularFileError
        A ValueError: ``NAME must be a regular file, got a FIFO: 'PATH'`` for a FIFO,
        socket, device or directory. A path that does not exist (or cannot be looked at)
        passes: reading it reports why.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    kind = _kind(mode)
    if kind is not None:
        raise NotRegularFileError(os.fspath(path), kind, name)


def OpenImageFile(path: str):
    """Open an image file for reading in binary mode; never block on what is not a file.

    Parameters
    ----------
    path : str

    Returns
    -------
    file object
        Opened with ``O_NONBLOCK`` (then made blocking again: for a regular file the flag
        changes nothing), after checking that the path is a regular file and checking again
        on the opened descriptor, so a FIFO swapped in meanwhile is refused too. Its
        ``name`` is `path`.

    Raises
    ------
    NotRegularFileError
        For a FIFO, socket, device or directory.
    OSError
        If the file cannot be opened (FileNotFoundError when it does not exist).
    """
    CheckImageFile(path)

    def opener(file, flags):
        return os.open(file, flags | getattr(os, "O_NONBLOCK", 0))

    f = open(path, "rb", opener=opener)
    try:
        kind = _kind(os.fstat(f.fileno()).st_mode)
        if kind is not None:
            raise NotRegularFileError(os.fspath(path), kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(f.fileno(), True)
    except BaseException:
        f.close()
        raise
    return f


#: Formats Pillow opens that are not raster images (or need an external program).
_NOT_RASTER = {"EPS", "PDF", "WMF", "MPEG"}


def _registered() -> set[str]:
    """The raster extensions of the formats Pillow has registered so far."""
    return {ext.lower() for ext, fmt in Image.EXTENSION.items()
            if fmt in Image.OPEN and fmt not in _NOT_RASTER}


def RasterExtensions() -> set[str]:
    """File extensions (lower case, with the dot) of the raster formats Pillow reads.

    EPS, PDF, WMF and MPEG are left out. This imports every Pillow plugin
    (``PIL.Image.init``); :func:`WalkImages` does so only when it must.
    """
    Image.init()
    return _registered()


class _Extensions:
    """Tells raster extensions, importing all of Pillow's plugins only when needed.

    The common formats (BMP, GIF, JPEG, PNG, PPM) are registered by
    ``PIL.Image.preinit``, which imports five plugins; ``PIL.Image.init`` imports all
    of them (some forty, a few MB and tens of milliseconds). An extension is looked up
    among the common formats first, and all plugins are loaded the first time one is
    not found there. The plugins ``init`` adds register new extensions without taking
    over those of the common formats, so the answer is that of
    :func:`RasterExtensions`.
    """

    def __init__(self):
        Image.preinit()
        self.known = _registered()
        self.complete = False

    def __contains__(self, ext):
        if ext in self.known:
            return True
        if not self.complete:
            self.known = RasterExtensions()
            self.complete = True
        return ext in self.known


def WalkImages(directory: str) -> list[str]:
    """The image files under `directory`, sorted by path.

    Parameters
    ----------
    directory : str
        Walked recursively, following symbolic links to directories; each directory is
        visited once, so link loops end.

    Returns
    -------
    list of str
        The regular files whose extension (any case) is in :func:`RasterExtensions`
        (symbolic links to them included). FIFOs, sockets and devices are left out, never
        opened; an entry that cannot be looked at (a broken link) is kept, for the reader
        to report. Pillow's less common plugins are imported only if a file's extension
        is not that of a common format (BMP, GIF, JPEG, PNG, PPM).
    """
    extensions = _Extensions()
    found = []
    seen = set()
    for root, dirs, files in os.walk(directory, followlinks=True):
        try:
            st = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        found.extend(path for path in (os.path.join(root, name) for name in files
                                       if os.path.splitext(name)[1].lower() in extensions)
                     if _walked_file(path))
    return sorted(found)


def _walked_file(path):
    """Whether the walk keeps `path`: a regular file, or an entry it cannot look at."""
    try:
        return _kind(os.stat(path).st_mode) is None
    except OSError:
        return True

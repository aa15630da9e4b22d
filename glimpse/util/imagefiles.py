"""Finding image files: which extensions are images, and the walk of a directory."""

from __future__ import annotations

import os

from PIL import Image

__all__ = ["RasterExtensions", "WalkImages"]

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
        The files whose extension (any case) is in :func:`RasterExtensions`.
        Pillow's less common plugins are imported only if a file's extension is
        not that of a common format (BMP, GIF, JPEG, PNG, PPM).
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
        found.extend(os.path.join(root, name) for name in files
                     if os.path.splitext(name)[1].lower() in extensions)
    return sorted(found)

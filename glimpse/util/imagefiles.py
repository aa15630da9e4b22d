"""Finding image files: which extensions are images, and the walk of a directory."""

from __future__ import annotations

import os

from PIL import Image

__all__ = ["RasterExtensions", "WalkImages"]

#: Formats Pillow opens that are not raster images (or need an external program).
_NOT_RASTER = {"EPS", "PDF", "WMF", "MPEG"}


def RasterExtensions() -> set[str]:
    """File extensions (lower case, with the dot) of the raster formats Pillow reads.

    EPS, PDF, WMF and MPEG are left out.
    """
    Image.init()
    return {ext.lower() for ext, fmt in Image.registered_extensions().items()
            if fmt in Image.OPEN and fmt not in _NOT_RASTER}


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
    """
    extensions = RasterExtensions()
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

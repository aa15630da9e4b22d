"""Convenience functions for interactive use (the "glimpse lab")."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PIL import Image

__all__ = ["GetExampleImage", "GetExampleImagePath"]

_EXAMPLE = "example.png"


def GetExampleImagePath() -> Path:
    """Return the path of the example image shipped inside the package.

    Returns
    -------
    pathlib.Path
        Path of a 320x256 greyscale PNG: a synthetic outdoor scene with edges
        at many orientations and scales (made by ``tools/make_example_image.py``).
    """
    path = resources.files("glimpse").joinpath("data", _EXAMPLE)
    with resources.as_file(path) as real:
        return real


def GetExampleImage() -> Image.Image:
    """Return the example image shipped inside the package.

    Returns
    -------
    PIL.Image.Image
        A greyscale ('L') image of 320x256 pixels, fully loaded.

    Examples
    --------
    >>> img = GetExampleImage()
    >>> img.mode, img.size
    ('L', (320, 256))
    """
    with Image.open(GetExampleImagePath()) as img:
        img.load()
    return img

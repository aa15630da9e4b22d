"""Image <-> array conversion, resizing and scale pyramids: the 2013 name of :mod:`glimpse.images`.

Every public name of :mod:`glimpse.images` is read from here as well (``from
glimpse.util.gimage import ScaleImage`` keeps working). They are looked up on first
use: :mod:`glimpse.util` imports nothing above itself when it is imported.
"""

from __future__ import annotations

import importlib

_PUBLIC = (
    "ImageToArray",
    "ImageToBytes",
    "ImageToColourBytes",
    "ArrayToImage",
    "ScaleImage",
    "ScaleAndCropImage",
    "MakeScalePyramid",
    "ScalePyramidShapes",
    "ScaledSize",
    "ScaleAndCropSize",
)
__all__ = list(_PUBLIC)

_NAMES = frozenset(_PUBLIC) | {"ImageOrArray", "Size"}


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module("glimpse.images"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | _NAMES)

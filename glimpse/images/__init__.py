"""Images: from a file to a model's IMAGE layer.

Decoding (:mod:`~glimpse.images.decode`: EXIF orientation, the JPEG decoder's luma and
reduction), conversion between images and greyscale arrays
(:mod:`~glimpse.images.convert`), resizing and scale pyramids
(:mod:`~glimpse.images.resize`) and the preparation a model applies to its input
(:mod:`~glimpse.images.prepare`), and :class:`Picture`, which hands an array (or a PIL
image) to a model as a picture to be prepared, as an image file is. Numeric work runs on a backend
(:mod:`glimpse.backends`); this package sits above it and below the models.

Arrays follow numpy's (height, width) order; sizes follow Pillow's (width, height)
order. Greyscale arrays hold values in [0, 1].

Examples
--------
>>> import numpy as np
>>> ScaleImage(np.ones((4, 6)), (3, 2)).shape
(2, 3)
"""

from .convert import ArrayToImage, ImageToArray, ImageToBytes, ImageToColourBytes
from .decode import InputSource
from .picture import Picture
from .prepare import ResizeMethod
from .resize import (
    ImageOrArray,
    MakeScalePyramid,
    ScaleAndCropImage,
    ScaleAndCropSize,
    ScaledSize,
    ScaleImage,
    ScalePyramidShapes,
    Size,
)

__all__ = [
    "Picture",
    "InputSource",
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
    "ResizeMethod",
    "ImageOrArray",
    "Size",
]

"""Pictures: arrays and PIL images handed to a model as images to be prepared.

A model takes a path or a PIL image as a picture: it prepares it (converts it to grey,
resizes it as ``params.image_resize_method`` says) to make its IMAGE layer. A plain 2D
array, on the other hand, *is* the IMAGE layer (``Model.MakeState(array)``), taken as
it is. :class:`Picture` says "this array is a picture": wrapped in one, an array is
prepared exactly as the same picture is when it arrives as a file or a PIL image.

Examples
--------
>>> import numpy as np
>>> from glimpse.models import MakeModel
>>> from glimpse.models.base import BuildLayer
>>> model = MakeModel()
>>> digit = np.zeros((8, 8), np.uint8)
>>> BuildLayer(model, "image", Picture(digit))[model.LayerClass.IMAGE].shape
(220, 220)
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from ..util import _checks

__all__ = ["Picture"]


def _copy(data, dtype):
    """A C-ordered copy of `data` (Pillow's ``fromarray`` shares the array's memory)."""
    return np.array(data, dtype=dtype, order="C", copy=True)


def _from_array(data):
    """The PIL image that holds the picture of the array `data` (validated here)."""
    kind = data.dtype.kind
    if data.ndim == 3 and data.shape[2] in (3, 4) and data.dtype == np.uint8:
        return Image.fromarray(_copy(data, np.uint8))  # RGB or RGBA
    if data.ndim != 2:
        raise ValueError("image must be a 2D array (height, width), or (height, width, 3 or 4) "
                         "of uint8 for colour, got shape %r" % (data.shape,))
    if data.size == 0:
        raise ValueError("image must not be empty, got shape %r" % (data.shape,))
    if kind == "f":
        data = _checks.float32_array(data, "image")
        return Image.fromarray(_copy(data, np.float32))  # mode "F": clipped when prepared
    if kind == "b":
        return Image.fromarray(data.astype(np.uint8) * np.uint8(255))
    if kind in "iu":
        lo, hi = int(data.min()), int(data.max())
        if lo < 0 or hi > 255:
            raise ValueError("image must hold 8-bit grey levels in [0, 255] when it has an "
                             "integer dtype, got range [%d, %d]" % (lo, hi))
        return Image.fromarray(_copy(data, np.uint8))
    raise TypeError("image must hold real numbers or booleans, got dtype %s" % data.dtype)


class Picture:
    """An image given as an array or a PIL image, to be prepared as an image file is.

    A model's functions (:meth:`~glimpse.models.base.Model.MakeState`,
    :func:`~glimpse.models.base.BuildLayer`, :func:`~glimpse.models.base.PrepareImage`,
    :func:`glimpse.experiment.ComputeFeatures`, the functions of
    :mod:`glimpse.prototypes`) accept a Picture wherever they accept a path. The model
    builds its IMAGE layer from it with its image preparation (grey, then resized), so one
    picture gives the same layers, bit for bit, whether it arrives as a file, a PIL image
    or a Picture of its pixels.

    Parameters
    ----------
    image : ndarray or PIL.Image.Image or Picture
        - a 2D array of floats: grey intensities, 0 black and 1 white. The values must be
          finite; they are taken as a Pillow mode 'F' image's are, so values outside
          [0, 1] are clipped to it.
        - a 2D array of uint8 (or of another integer dtype with values in [0, 255]):
          8-bit grey levels, as a greyscale PNG stores them.
        - a 2D array of bools: black and white.
        - a (height, width, 3) or (height, width, 4) array of uint8: RGB or RGBA,
          turned to grey as a colour file is.
        - a PIL image of any mode (as :meth:`Model.MakeState` prepares it).

        Paths are not accepted: a path is already a picture to a model; pass it as it is.

    Raises
    ------
    TypeError
        If `image` is none of these (a path among them), or an array of another dtype.
    ValueError
        If an array is empty, has another shape, holds NaN or infinite values, or
        integers outside [0, 255].

    Notes
    -----
    The picture keeps a PIL image of the array's pixels (a copy of the array, so changing
    the array afterwards does not change the picture); a PIL image is kept as given.
    Pictures pickle, so they can be sent to a process pool.

    Examples
    --------
    >>> import numpy as np
    >>> Picture(np.full((2, 3), 0.5))
    Picture(mode 'F', 3x2)
    """

    __slots__ = ("_image",)

    def __init__(self, image: np.ndarray | Image.Image | Picture) -> None:
        if isinstance(image, Picture):
            image = image.image
        elif isinstance(image, (str, bytes, os.PathLike)):
            raise TypeError("image must be an array or a PIL image, got the path %s: a model "
                            "prepares a path as it is, pass the path itself"
                            % _checks.show(image))
        elif isinstance(image, np.ndarray):
            image = _from_array(image)
        elif not isinstance(image, Image.Image):
            raise TypeError("image must be a 2D array or a PIL image, got %s"
                            % type(image).__name__)
        if image.width == 0 or image.height == 0:
            raise ValueError("image must not be empty, got size %dx%d"
                             % (image.width, image.height))
        self._image = image

    @property
    def image(self) -> Image.Image:
        """The PIL image a model prepares."""
        return self._image

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the picture, before any preparation."""
        return (self._image.height, self._image.width)

    def __getstate__(self):
        return {"image": self._image}

    def __setstate__(self, state):
        self._image = state["image"]

    def __repr__(self):
        image = self._image
        return "Picture(mode %r, %dx%d)" % (image.mode, image.width, image.height)

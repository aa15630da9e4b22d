"""Preparing an image for a model: grey float32 data, resized as the parameters say.

The functions here read three fields of a model's parameters (a
:class:`glimpse.models.base.Params`, or any object with them):
``image_resize_method``, ``image_resize_length`` and ``image_resize_aspect_ratio``.
:func:`glimpse.models.base.PrepareImage` is the public door; a model's IMAGE layer
builder calls :func:`Prepare` with the reduction a JPEG decoder applied.
"""

from __future__ import annotations

import enum

import numpy as np
from PIL import Image

from ..backends import ACTIVATION_DTYPE
from ..util import _checks
from . import convert, resize
from .picture import Picture

__all__ = ["ResizeMethod", "DRAFT_MARGIN", "ResampleTarget", "MaxDraftScale", "Prepare",
           "UnitArray"]


class ResizeMethod(str, enum.Enum):
    """How :func:`PrepareImage` resizes its input. Members are also plain strings."""

    NONE = "none"
    SCALE_SHORT_EDGE = "scale short edge"
    SCALE_LONG_EDGE = "scale long edge"
    SCALE_WIDTH = "scale width"
    SCALE_HEIGHT = "scale height"
    SCALE_AND_CROP = "scale and crop"

    def __str__(self):
        return self.value


#: The decoded image stays at least this many times the resample target on each side when
#: a JPEG decoder reduces it (closer to the target, the layer moves by up to 0.26).
DRAFT_MARGIN = 4


def UnitArray(data: np.ndarray, name: str = "source", copy: bool = True) -> np.ndarray:
    """Validate a 2D floating array with finite values in [0, 1].

    Parameters
    ----------
    data : ndarray
        The array to check.
    name : str
        Its name in messages.
    copy : bool
        True: return a C-ordered float32 copy. False: the array itself when it is
        float32 or float64 (what the resampler reads in place), else a float32 copy.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        If the array is not floating, not 2D, empty, not finite or outside [0, 1].
    """
    if data.dtype.kind != "f":
        raise ValueError(
            "%s array must have a floating dtype, got %s" % (name, data.dtype)
        )
    if data.ndim != 2:
        raise ValueError("%s array must be 2D (height, width), got shape %s" % (name, data.shape))
    if data.size == 0:
        raise ValueError("%s array is empty (shape %s)" % (name, data.shape))
    lo, hi = data.min(), data.max()  # NaN propagates, infinities show: no isfinite pass
    if not (np.isfinite(lo) and np.isfinite(hi)):
        _checks.finite(data, name)  # the message names the first bad value
    if lo < 0 or hi > 1:
        raise ValueError(
            "%s array values must lie in [0, 1], got range [%g, %g]" % (name, lo, hi)
        )
    if not copy and data.dtype in (np.float32, np.float64):
        return data
    return np.array(data, dtype=ACTIVATION_DTYPE, order="C", copy=True)


def _unresized(data, img):
    """``data`` as a float32 array of its own (never the caller's array ``img``)."""
    if data.dtype == np.uint8:  # an 8-bit grey image's bytes: ImageToArray's values
        return data.astype(ACTIVATION_DTYPE) / ACTIVATION_DTYPE(255.0)
    if data is img:
        return np.array(data, dtype=ACTIVATION_DTYPE, order="C", copy=True)
    return data


def _plan(params, width, height):
    """(size, box) of the resize of a (width, height) image: the size it is resampled to
    and the crop box (None for no crop); None when ``params`` asks for no resize."""
    method = ResizeMethod(params.image_resize_method)
    if method is ResizeMethod.NONE:
        return None
    length = params.image_resize_length
    if method is ResizeMethod.SCALE_AND_CROP:
        size = resize.ScaledSize((width, height), method.value, length,
                                 params.image_resize_aspect_ratio)
        return resize.ScaleAndCropSize((width, height), size)
    return resize.ScaledSize((width, height), method.value, length), None


def ResampleTarget(params, width: int, height: int) -> tuple[int, int] | None:
    """The size an image of (width, height) is resampled to (before any crop).

    Parameters
    ----------
    params : Params
        The model's parameters (see the module documentation).
    width, height : int
        Size of the image.

    Returns
    -------
    (int, int) or None
        (width, height), or None when ``params`` asks for no resize.
    """
    plan = _plan(params, width, height)
    return None if plan is None else plan[0]


def MaxDraftScale(params, width: int, height: int) -> int:
    """How much a decoder may reduce an image of (width, height) for ``params``.

    Parameters
    ----------
    params : Params
        The model's parameters (see the module documentation).
    width, height : int
        Size of the upright image in the file.

    Returns
    -------
    int
        The largest reduction (>= 1) that keeps the decoded image at least
        :data:`DRAFT_MARGIN` times the resample target on each side.
    """
    target = ResampleTarget(params, width, height)
    if target is None:
        return 1
    return max(1, min(width // (DRAFT_MARGIN * target[0]),
                      height // (DRAFT_MARGIN * target[1])))


def Prepare(img: Image.Image | Picture | np.ndarray, params, backend, scale: int = 1,
            exact: bool = True) -> np.ndarray:
    """The IMAGE layer of ``img``: an image that is the original reduced ``scale`` times.

    Parameters
    ----------
    img : PIL.Image.Image or Picture or 2D ndarray of float
        An image of any Pillow mode, a :class:`~glimpse.images.Picture` (its image), or
        an array with finite values in [0, 1].
    params : Params
        The model's parameters (see the module documentation).
    backend : glimpse.backends.Backend
        Resamples the data.
    scale : int
        How many times the decoder reduced the original on each side.
    exact : bool
        False: a colour image's grey is the backend's luma of its 8-bit samples.

    Returns
    -------
    ndarray of float32, shape (height, width)
        Values in [0, 1].

    Notes
    -----
    The output size and crop are computed from the original's size; the resampler maps
    the whole reduced image onto them, which covers the same area (``scale`` divides the
    original's sides). An 8-bit grey image is resampled from its bytes (the backend
    divides by 255 as it reads them: no full-size float copy), with the same result.
    Unless ``exact``, a colour image's grey is the backend's luma of its 8-bit samples
    (``LumaBytes``: one pass, no float copies of the channels), within a few float32
    ulps of :func:`glimpse.images.ImageToArray`'s.
    """
    data8 = None
    if isinstance(img, Picture):
        img = img.image
    if isinstance(img, Image.Image):
        data8 = convert.ImageToBytes(img)
        if data8 is not None:
            data = data8
        else:
            rgb = None if exact else convert.ImageToColourBytes(img)
            data = convert.ImageToArray(img) if rgb is None else backend.LumaBytes(rgb)
    elif isinstance(img, np.ndarray):
        data = UnitArray(img, "img", copy=False)
    else:
        raise TypeError("img must be a PIL image or a 2D array, got %s" % type(img).__name__)
    height, width = data.shape
    plan = _plan(params, width * scale, height * scale)
    if plan is None:
        return _unresized(data, img)
    resample = backend.Resample if data8 is None else backend.ResampleBytes
    size, box = plan
    if box is None and size == data.shape[::-1]:
        return _unresized(data, img)
    _checks.prepared_image(size, backend.ResampleScratchBytes(*data.shape, *size, box=box),
                           Image.MAX_IMAGE_PIXELS)
    out = resample(data, size[0], size[1], box=box)
    return np.clip(out, 0.0, 1.0, out=out)

"""Resizing images and arrays, and scale pyramids.

Arrays follow numpy's (height, width) order; sizes follow Pillow's
(width, height) order. Greyscale arrays hold values in [0, 1].

Resampling uses Pillow's filters and pixel-centre conventions: bicubic when
the new width is larger than the old one, Lanczos (antialiasing) otherwise.
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from PIL import Image

from ..backends import AsBackend, Backend
from ..util import _checks
from .convert import _check_array, _check_pil

__all__ = [
    "ScaleImage",
    "ScaleAndCropImage",
    "MakeScalePyramid",
    "ScalePyramidShapes",
    "ScaledSize",
    "ScaleAndCropSize",
]

#: A PIL image or a 2D array.
ImageOrArray = Union[Image.Image, np.ndarray]
#: A (width, height) pair.
Size = Sequence[int]

# Largest accepted side of a size (Pillow's limit: a C int).
_MAX_SIDE = 2**31 - 1


def _check_size(size, name="size"):
    try:
        width, height = size
    except (TypeError, ValueError):
        raise TypeError("%s must be a pair (width, height), got %s"
                        % (name, _checks.show(size))) from None
    return (_checks.integer(width, name + " width", 1, _MAX_SIDE),
            _checks.integer(height, name + " height", 1, _MAX_SIDE))


def _filter_for(old_width, new_width):
    return Image.Resampling.BICUBIC if new_width > old_width else Image.Resampling.LANCZOS


def _resize_pil(img, size, backend, box=None):
    """Pillow's resize of a checked image, refused up front when it cannot fit in memory.

    The memory estimate is the backend's for the same resize of an array, so an image and
    an array of the same size meet the same limit with the same message.
    """
    width, height = size
    filt = _filter_for(img.width, width)
    what = "resizing a %dx%d image to size (%d, %d)" % (img.height, img.width, width, height)
    _checks.memory(backend.ResampleScratchBytes(img.height, img.width, width, height,
                                                int(filt), box), what)
    try:
        return img.resize((width, height), resample=filt)
    except (MemoryError, OverflowError) as err:
        raise MemoryError("%s failed: Pillow cannot allocate it (%s)"
                          % (what, str(err) or type(err).__name__)) from None


def ScaleImage(img: ImageOrArray, size: Size, backend: Backend | None = None) -> ImageOrArray:
    """Resize an image or a 2D array to the given size.

    Parameters
    ----------
    img : PIL.Image.Image or 2D ndarray of real numbers
        Input. Arrays are indexed (height, width) and must hold finite values.
    size : (int, int)
        Output (width, height), each in ``[1, 2**31 - 1]``.
    backend : glimpse.backends.Backend, optional
        Resamples arrays (default: :func:`glimpse.backends.MakeBackend`'s) and sizes the
        memory check of images.

    Returns
    -------
    PIL.Image.Image or ndarray of float32
        An image of the same mode for an image input; a float32 array of
        shape (height, width) for an array input. Values are not clipped
        (bicubic and Lanczos overshoot near edges).

    Raises
    ------
    TypeError
        If ``img`` is neither an image nor an ndarray of real numbers, or a side is not
        an integer.
    ValueError
        If the array is not 2D, is empty or holds NaN, infinite or too large values,
        or a side is out of range.
    MemoryError
        If the resize would need more than the machine's memory (images and arrays
        alike).

    Notes
    -----
    Bicubic interpolation when the width grows, Lanczos otherwise. Arrays
    (float32 or float64, any strides; other real dtypes are converted) are
    resampled by the backend (:meth:`glimpse.backends.Backend.Resample`); the
    compiled one releases the GIL and agrees with Pillow's mode 'F' resize to
    within float32 rounding (within 5e-7 on data in [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> ScaleImage(np.ones((4, 6)), (3, 2)).shape
    (2, 3)
    """
    width, height = _check_size(size)
    backend = AsBackend(backend)
    if isinstance(img, Image.Image):
        _check_pil(img)
        return _resize_pil(img, (width, height), backend)
    return backend.Resample(_check_array(img, "img"), width, height)


def ScaledSize(size: Size, method: str, length: int, aspect_ratio: float = 1.0) -> tuple[int, int]:
    """Compute the output size of a resize method, in exact integer arithmetic.

    Parameters
    ----------
    size : (int, int)
        Input (width, height).
    method : str
        One of 'none', 'scale short edge', 'scale long edge', 'scale width',
        'scale height', 'scale and crop'.
    length : int
        Target edge length.
    aspect_ratio : float
        Width / height of the output of 'scale and crop'.

    Returns
    -------
    (int, int)
        Output (width, height). The scaled edge equals `length`; the other is
        ``other_edge * length // edge``, at least 1. For 'scale and crop' the
        result is ``(length, int(length / aspect_ratio))``.

    Raises
    ------
    ValueError
        For an unknown method, or an output side above ``2**31 - 1``.
    """
    width, height = _check_size(size)
    method = str(method)
    if method == "none":
        return width, height
    if method == "scale and crop":
        return _within_sides(method, length, size, (length, max(1, int(length / aspect_ratio))))
    if method == "scale short edge":
        by_width = width <= height
    elif method == "scale long edge":
        by_width = width >= height
    elif method == "scale width":
        by_width = True
    elif method == "scale height":
        by_width = False
    else:
        raise ValueError("unknown resize method %r" % (method,))
    if by_width:
        return _within_sides(method, length, size, (length, max(1, height * length // width)))
    return _within_sides(method, length, size, (max(1, width * length // height), length))


def _within_sides(method, length, size, result):
    if max(result) > _MAX_SIDE:
        raise ValueError("%r to length %d of a %dx%d input must give at most %d pixels a side, "
                         "got a size of %s" % (method, length, size[0], size[1], _MAX_SIDE,
                                               result))
    return result


def ScaleAndCropSize(
    size: Size, target: Size
) -> tuple[tuple[int, int], tuple[int, int, int, int]]:
    """Plan :func:`ScaleAndCropImage`: the scaled size and the crop box.

    Parameters
    ----------
    size : (int, int)
        Input (width, height).
    target : (int, int)
        Output (width, height).

    Returns
    -------
    scaled : (int, int)
        The (width, height) the input is scaled to, preserving its aspect
        ratio, so that it covers `target`.
    box : (int, int, int, int)
        (left, top, right, bottom) of the centred crop in the scaled image.

    Raises
    ------
    ValueError
        If a side of the scaled size would exceed ``2**31 - 1``.
    """
    iw, ih = _check_size(size)
    w, h = _check_size(target, "target")
    if iw * h >= w * ih:
        # the input is relatively wider: match heights, crop the width
        sw, sh = max(w, iw * h // ih), h
    else:
        sw, sh = w, max(h, ih * w // iw)
    if max(sw, sh) > _MAX_SIDE:
        raise ValueError("target %s must be covered by the %dx%d input scaled to at most %d "
                         "pixels a side, got a scaled size of (%d, %d)"
                         % ((w, h), iw, ih, _MAX_SIDE, sw, sh))
    left = (sw - w) // 2
    top = (sh - h) // 2
    return (sw, sh), (left, top, left + w, top + h)


def ScaleAndCropImage(img: ImageOrArray, size: Size,
                      backend: Backend | None = None) -> ImageOrArray:
    """Scale an image to cover the given size, preserving its aspect ratio, and crop its centre.

    Parameters
    ----------
    img : PIL.Image.Image or 2D ndarray of real numbers
        Input.
    size : (int, int)
        Output (width, height), each in ``[1, 2**31 - 1]``.
    backend : glimpse.backends.Backend, optional
        As for :func:`ScaleImage`.

    Returns
    -------
    PIL.Image.Image or ndarray of float32
        Same conventions as :func:`ScaleImage`. The result equals scaling the
        short edge (relative to `size`) and cropping the centre of the long one.

    Raises
    ------
    TypeError, ValueError, MemoryError
        As :func:`ScaleImage`.

    Notes
    -----
    For arrays only the cropped window is computed (no full-size
    intermediate); the result equals :func:`ScaleImage` to the scaled size of
    :func:`ScaleAndCropSize` followed by the crop.

    Examples
    --------
    >>> import numpy as np
    >>> ScaleAndCropImage(np.zeros((480, 640)), (220, 220)).shape
    (220, 220)
    """
    width, height = _check_size(size)
    backend = AsBackend(backend)
    if isinstance(img, Image.Image):
        _check_pil(img)
        scaled, box = ScaleAndCropSize(img.size, (width, height))
        if scaled != img.size:
            img = _resize_pil(img, scaled, backend, box)
        return img.crop(box)
    data = _check_array(img, "img")
    scaled, box = ScaleAndCropSize((data.shape[1], data.shape[0]), (width, height))
    return backend.Resample(data, scaled[0], scaled[1], box=box)


def ScalePyramidShapes(shape: Sequence[int], num_layers: int,
                       scale_factor: float) -> list[tuple[int, int]]:
    """The (height, width) of the levels :func:`MakeScalePyramid` builds.

    Parameters
    ----------
    shape : (int, int)
        (height, width) of level 0, each >= 1.
    num_layers : int
        Number of levels wanted, >= 1.
    scale_factor : float
        Ratio between the sides of consecutive levels, in (0, 1).

    Returns
    -------
    list of (int, int)
        Level k's sides are ``max(1, numpy.round(side * scale_factor))`` of level
        k-1's (halves round to even, as the 2013 library did). The list stops early,
        with fewer than ``num_layers`` shapes, at the last level that shrinks: the 1x1
        level, or one that rounding maps to itself.

    Examples
    --------
    >>> ScalePyramidShapes((25, 35), 3, 0.5)
    [(25, 35), (12, 18), (6, 9)]
    >>> ScalePyramidShapes((3, 2), 10, 0.5)
    [(3, 2), (2, 1), (1, 1)]
    """
    try:
        height, width = shape
    except (TypeError, ValueError):
        raise TypeError("shape must be a pair (height, width), got %s"
                        % _checks.show(shape)) from None
    sizes = [(_checks.integer(height, "shape height", 1),
              _checks.integer(width, "shape width", 1))]
    num_layers = _checks.integer(num_layers, "num_layers", 1)
    scale_factor = _checks.real(scale_factor, "scale_factor", 0.0, 1.0,
                                low_open=True, high_open=True)
    while len(sizes) < num_layers:
        h, w = sizes[-1]
        nxt = (max(1, int(np.round(h * scale_factor))), max(1, int(np.round(w * scale_factor))))
        if nxt == (h, w):
            break
        sizes.append(nxt)
    return sizes


def MakeScalePyramid(data: np.ndarray, num_layers: int, scale_factor: float,
                     backend: Backend | None = None) -> list[np.ndarray]:
    """Build a pyramid of successively smaller copies of a 2D array.

    Parameters
    ----------
    data : 2D ndarray of real numbers
        Level 0 of the pyramid; finite values.
    num_layers : int
        Number of levels, >= 1, and no more than the levels that still shrink.
    scale_factor : float
        Ratio between the sides of consecutive levels, in (0, 1).
    backend : glimpse.backends.Backend, optional
        Resamples the levels (default: :func:`glimpse.backends.MakeBackend`'s).

    Returns
    -------
    list of ndarray of float32
        ``num_layers`` arrays. Level 0 is a float32 copy of `data`; level k is
        level k-1 resized with the same resampler as :func:`ScaleImage`
        (Lanczos, as sides never grow) to the size :func:`ScalePyramidShapes`
        gives: each side ``numpy.round(side * scale_factor)`` of level k-1's side
        (halves round to even, as the 2013 library did), at least 1.

    Raises
    ------
    TypeError
        If `data` is not a real 2D array, `num_layers` not an integer or
        `scale_factor` not a real number.
    ValueError
        If `data` is empty, not 2D or not finite, `scale_factor` is not inside
        (0, 1), `num_layers` < 1, or `num_layers` asks for levels past the last one
        that shrinks (the 1x1 level, or a side that rounding keeps): the largest
        possible count is in the message. Checked before anything is computed.

    Examples
    --------
    >>> import numpy as np
    >>> [lvl.shape for lvl in MakeScalePyramid(np.zeros((25, 35)), 3, 0.5)]
    [(25, 35), (12, 18), (6, 9)]
    """
    data = _check_array(data, "data")
    num_layers = _checks.integer(num_layers, "num_layers", 1)
    scale_factor = _checks.real(scale_factor, "scale_factor", 0.0, 1.0,
                                low_open=True, high_open=True)
    backend = AsBackend(backend)
    sizes = ScalePyramidShapes(data.shape, num_layers, scale_factor)
    if len(sizes) < num_layers:
        raise ValueError(
            "num_layers must be <= %d for a %dx%d array at scale_factor %r (level %d, %dx%d, "
            "is the last that shrinks), got %s"
            % (len(sizes), data.shape[0], data.shape[1], scale_factor, len(sizes) - 1,
               sizes[-1][0], sizes[-1][1], _checks.show(num_layers)))
    first = _checks.float32_array(data, "data", 2)
    levels = [first.copy() if first is data else first]
    for height, width in sizes[1:]:
        levels.append(backend.Resample(levels[-1], width, height))
    return levels

"""Image <-> array conversion, resizing and scale pyramids.

Arrays follow numpy's (height, width) order; sizes follow Pillow's
(width, height) order. Greyscale arrays hold values in [0, 1].

Resampling uses Pillow's filters and pixel-centre conventions: bicubic when
the new width is larger than the old one, Lanczos (antialiasing) otherwise.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, Union

import numpy as np
from PIL import Image

from .._kernels import _resample as _resample_module
from ._memory import MEMORY_LIMIT

_resample_kernel = _resample_module.resample

__all__ = [
    "ImageToArray",
    "ArrayToImage",
    "ScaleImage",
    "ScaleAndCropImage",
    "MakeScalePyramid",
    "ScaledSize",
    "ScaleAndCropSize",
]

#: A PIL image or a 2D array.
ImageOrArray = Union[Image.Image, np.ndarray]
#: A (width, height) pair.
Size = Sequence[int]

# ITU-R 601-2 luma weights, as Pillow's convert("L") uses them.
_LUMA = np.array([299.0, 587.0, 114.0], dtype=np.float32) / np.float32(1000.0)

# Modes whose first band is already a greyscale (luma or lightness) channel.
_GREY_FIRST_BAND = {"L", "LA", "La", "YCbCr"}
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}

# Largest accepted side of a size (Pillow's limit: a C int).
_MAX_SIDE = 2**31 - 1


def _check_pil(img, name="img"):
    if not isinstance(img, Image.Image):
        raise TypeError("%s must be a PIL image, got %s" % (name, type(img).__name__))
    if img.width < 1 or img.height < 1:
        raise ValueError("%s is empty (size %dx%d)" % (name, img.width, img.height))


def ImageToArray(img: Image.Image) -> np.ndarray:
    """Convert a PIL image of any mode to a greyscale float32 array in [0, 1].

    Parameters
    ----------
    img : PIL.Image.Image
        Input image. Colour modes (RGB, RGBA, P, CMYK, ...) are mapped to grey
        with the ITU-R 601-2 luma transform, computed in float (no rounding to
        8 bits). Alpha is dropped. 8-bit modes are divided by 255; 'I;16' and
        'I' modes are read as 16-bit data (divided by 65535 and clipped);
        'F' images are taken as they are and clipped to [0, 1].

    Returns
    -------
    ndarray of float32, shape (height, width)

    Raises
    ------
    TypeError
        If `img` is not a PIL image.
    ValueError
        If the image is empty or its mode cannot be converted to grey.

    Examples
    --------
    >>> from PIL import Image
    >>> ImageToArray(Image.new("L", (3, 2), 255)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    _check_pil(img)
    mode = img.mode
    if mode == "F":
        out = np.array(img, dtype=np.float32)
        np.nan_to_num(out, copy=False, nan=0.0)
        return np.clip(out, 0.0, 1.0, out=out)
    if mode in _SIXTEEN_BIT:
        out = np.asarray(img).astype(np.float32) / np.float32(65535.0)
        return np.clip(out, 0.0, 1.0, out=out)
    if mode == "1":
        return np.asarray(img, dtype=np.float32)  # Pillow gives booleans
    if mode in _GREY_FIRST_BAND:
        band = img if mode == "L" else img.getchannel(0)
        return np.asarray(band, dtype=np.float32) / np.float32(255.0)
    if mode not in ("RGB", "RGBA", "RGBa", "RGBX"):
        try:
            img = img.convert("RGBA" if "A" in img.getbands() or mode == "P" else "RGB")
        except (ValueError, OSError) as err:
            raise ValueError("cannot convert image mode %r to grey: %s" % (mode, err)) from None
    rgb = np.asarray(img)[..., :3].astype(np.float32)
    out = rgb @ _LUMA
    out /= np.float32(255.0)
    return np.clip(out, 0.0, 1.0, out=out)


def ArrayToImage(data: np.ndarray) -> Image.Image:
    """Convert a greyscale array with values in [0, 1] to an 8-bit PIL image.

    Parameters
    ----------
    data : 2D array_like of real numbers
        Values are clipped to [0, 1], scaled by 255 and rounded.

    Returns
    -------
    PIL.Image.Image
        An image of mode 'L'.
    """
    data = _check_array(data, "data")
    out = np.clip(np.asarray(data, dtype=np.float64), 0.0, 1.0) * 255.0
    return Image.fromarray(np.rint(out).astype(np.uint8))


def _check_array(data, name, allow_nonfinite=False):
    """Validate a 2D real array; return it as float32 or float64 (no copy if possible)."""
    if not isinstance(data, np.ndarray):
        raise TypeError(
            "%s must be a numpy array or PIL image, got %s" % (name, type(data).__name__)
        )
    if data.dtype.kind not in "fiu":
        raise TypeError(
            "%s must hold real numbers, got dtype %s" % (name, data.dtype)
        )
    if data.ndim != 2:
        raise ValueError("%s must be 2D (height, width), got shape %s" % (name, data.shape))
    if data.size == 0:
        raise ValueError("%s is empty (shape %s)" % (name, data.shape))
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float64 if data.dtype.itemsize > 2 else np.float32)
    if not allow_nonfinite and not np.isfinite(data).all():
        raise ValueError("%s holds NaN or infinite values" % name)
    return data


def _check_size(size, name="size"):
    try:
        width, height = size
    except (TypeError, ValueError):
        raise TypeError("%s must be a pair (width, height), got %r" % (name, size)) from None
    for value, what in ((width, "width"), (height, "height")):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError("%s %s must be an integer, got %r" % (name, what, value))
        if value < 1:
            raise ValueError("%s %s must be >= 1, got %r" % (name, what, value))
        if value > _MAX_SIDE:
            raise ValueError("%s %s must be <= %d, got %r" % (name, what, _MAX_SIDE, value))
    return int(width), int(height)


# Pillow's filter supports (half-widths of the kernels, in input pixels when enlarging).
_SUPPORT = {
    Image.Resampling.BOX: 0.5,
    Image.Resampling.BILINEAR: 1.0,
    Image.Resampling.BICUBIC: 2.0,
    Image.Resampling.LANCZOS: 3.0,
}


def _check_memory(in_height, in_width, width, height, box, filter):
    """MemoryError if a resize would need more than the machine's memory (see _memory)."""
    left, top, right, bottom = box
    crop_w, crop_h = right - left, bottom - top
    nbytes = 4 * (crop_w * crop_h + in_height * crop_w + crop_h * in_width + in_height * in_width)
    for n_in, n_out, n_crop in ((in_width, width, crop_w), (in_height, height, crop_h)):
        taps = 2 * math.ceil(_SUPPORT[filter] * max(n_in / n_out, 1.0)) + 1
        nbytes += n_crop * (16 + 4 * taps)
    if nbytes > MEMORY_LIMIT:
        raise MemoryError(
            "resizing a %dx%d array to size (%d, %d) needs about %d bytes, more than this "
            "machine's memory (%d bytes)"
            % (in_height, in_width, width, height, nbytes, MEMORY_LIMIT)
        )


def _filter_for(old_width, new_width):
    return Image.Resampling.BICUBIC if new_width > old_width else Image.Resampling.LANCZOS


def _resample(data, width, height, box=None, filter=None):
    """Resize a validated 2D float array to (height, width); crop to ``box`` if given.

    Parameters
    ----------
    data : 2D ndarray of float32 or float64
        Validated input (finite, non-empty), any strides.
    width, height : int
        Full output size.
    box : (int, int, int, int), optional
        (left, top, right, bottom) in output pixels. Only that window is
        computed; the result equals the full resize followed by the crop.
    filter : PIL.Image.Resampling, optional
        BOX, BILINEAR, BICUBIC or LANCZOS; by default :func:`_filter_for`'s
        choice (bicubic when the width grows, Lanczos otherwise).

    Returns
    -------
    ndarray of float32
        Agrees with Pillow's mode 'F' resize to within float32 rounding
        (within 5e-7 on data in [0, 1]); values are not clipped.
    """
    if filter is None:
        filter = _filter_for(data.shape[1], width)
    if box is None:
        box = (0, 0, width, height)
    _check_memory(data.shape[0], data.shape[1], width, height, box, filter)
    if not data.flags.aligned:
        data = np.ascontiguousarray(data)
    left, top, right, bottom = box
    return _resample_kernel(data, width, height, int(filter), left, top, right, bottom)


def ScaleImage(img: ImageOrArray, size: Size) -> ImageOrArray:
    """Resize an image or a 2D array to the given size.

    Parameters
    ----------
    img : PIL.Image.Image or 2D ndarray of real numbers
        Input. Arrays are indexed (height, width).
    size : (int, int)
        Output (width, height), each >= 1.

    Returns
    -------
    PIL.Image.Image or ndarray of float32
        An image of the same mode for an image input; a float32 array of
        shape (height, width) for an array input. Values are not clipped
        (bicubic and Lanczos overshoot near edges).

    Notes
    -----
    Bicubic interpolation when the width grows, Lanczos otherwise. Arrays
    (float32 or float64, any strides; other real dtypes are converted) are
    resampled by glimpse's compiled kernel, which releases the GIL and agrees
    with Pillow's mode 'F' resize to within float32 rounding (within 5e-7 on
    data in [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> ScaleImage(np.ones((4, 6)), (3, 2)).shape
    (2, 3)
    """
    width, height = _check_size(size)
    if isinstance(img, Image.Image):
        _check_pil(img)
        return img.resize((width, height), resample=_filter_for(img.width, width))
    data = _check_array(img, "img")
    return _resample(data, width, height)


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
    """
    width, height = _check_size(size)
    method = str(method)
    if method == "none":
        return width, height
    if method == "scale and crop":
        return length, max(1, int(length / aspect_ratio))
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
        return length, max(1, height * length // width)
    return max(1, width * length // height), length


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
    """
    iw, ih = _check_size(size)
    w, h = _check_size(target, "target")
    if iw * h >= w * ih:
        # the input is relatively wider: match heights, crop the width
        sw, sh = max(w, iw * h // ih), h
    else:
        sw, sh = w, max(h, ih * w // iw)
    left = (sw - w) // 2
    top = (sh - h) // 2
    return (sw, sh), (left, top, left + w, top + h)


def ScaleAndCropImage(img: ImageOrArray, size: Size) -> ImageOrArray:
    """Scale an image to cover the given size, preserving its aspect ratio, and crop its centre.

    Parameters
    ----------
    img : PIL.Image.Image or 2D ndarray of real numbers
        Input.
    size : (int, int)
        Output (width, height), each >= 1.

    Returns
    -------
    PIL.Image.Image or ndarray of float32
        Same conventions as :func:`ScaleImage`. The result equals scaling the
        short edge (relative to `size`) and cropping the centre of the long one.

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
    if isinstance(img, Image.Image):
        _check_pil(img)
        scaled, box = ScaleAndCropSize(img.size, (width, height))
        if scaled != img.size:
            img = img.resize(scaled, resample=_filter_for(img.width, scaled[0]))
        return img.crop(box)
    return _scale_and_crop_array(_check_array(img, "img"), width, height)


def _scale_and_crop_array(data, width, height):
    """ScaleAndCropImage for a validated array and size: only the window is computed."""
    scaled, box = ScaleAndCropSize((data.shape[1], data.shape[0]), (width, height))
    return _resample(data, scaled[0], scaled[1], box=box)


def MakeScalePyramid(data: np.ndarray, num_layers: int, scale_factor: float) -> list[np.ndarray]:
    """Build a pyramid of successively smaller copies of a 2D array.

    Parameters
    ----------
    data : 2D ndarray of real numbers
        Level 0 of the pyramid.
    num_layers : int
        Number of levels, >= 1.
    scale_factor : float
        Ratio between the sides of consecutive levels, in (0, 1).

    Returns
    -------
    list of ndarray of float32
        ``num_layers`` arrays. Level 0 is a float32 copy of `data`; level k is
        level k-1 resized with the same resampler as :func:`ScaleImage`
        (Lanczos, as sides never grow) so that each side is
        ``floor(side * scale_factor + 0.5)`` of level k-1's side, at least 1.
        Once a level is 1 x 1 the following levels are 1 x 1 copies.

    Raises
    ------
    TypeError
        If `data` is not a real 2D array, `num_layers` not an integer or
        `scale_factor` not a real number.
    ValueError
        If `data` is empty, not 2D or not finite, `num_layers` < 1, or
        `scale_factor` is not inside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> [lvl.shape for lvl in MakeScalePyramid(np.zeros((100, 80)), 3, 0.5)]
    [(100, 80), (50, 40), (25, 20)]
    """
    data = _check_array(data, "data")
    if isinstance(num_layers, (bool, np.bool_)) or not isinstance(num_layers, numbers.Integral):
        raise TypeError("num_layers must be an integer, got %r" % (num_layers,))
    if num_layers < 1:
        raise ValueError("num_layers must be >= 1, got %r" % (num_layers,))
    if not isinstance(scale_factor, numbers.Real) or isinstance(scale_factor, (bool, np.bool_)):
        raise TypeError("scale_factor must be a real number, got %r" % (scale_factor,))
    if not 0.0 < scale_factor < 1.0:
        raise ValueError("scale_factor must lie in (0, 1), got %r" % (scale_factor,))
    levels = [np.array(data, dtype=np.float32, copy=True)]
    for _ in range(int(num_layers) - 1):
        prev = levels[-1]
        height, width = (max(1, int(np.floor(side * scale_factor + 0.5))) for side in prev.shape)
        levels.append(_resample(prev, width, height))
    return levels

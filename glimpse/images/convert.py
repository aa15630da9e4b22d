"""Images to greyscale arrays and back.

Arrays follow numpy's (height, width) order. Greyscale arrays hold values in [0, 1].
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..util import _checks

__all__ = ["ImageToArray", "ImageToBytes", "ImageToColourBytes", "ArrayToImage"]

# ITU-R 601-2 luma weights, as Pillow's convert("L") uses them.
_LUMA = np.array([299.0, 587.0, 114.0], dtype=np.float32) / np.float32(1000.0)

# Modes whose first band is already a greyscale (luma or lightness) channel.
_GREY_FIRST_BAND = {"L", "LA", "La", "YCbCr"}
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


def _check_pil(img, name="img"):
    if not isinstance(img, Image.Image):
        raise TypeError("%s must be a PIL image, got %s" % (name, type(img).__name__))
    if img.width < 1 or img.height < 1:
        raise ValueError("%s is empty (size %dx%d)" % (name, img.width, img.height))


def _as_rgb(img):
    """A colour image as RGB or RGBA (RGBa and RGBX as they are), converted by Pillow."""
    mode = img.mode
    if mode not in ("RGB", "RGBA", "RGBa", "RGBX"):
        try:
            img = img.convert("RGBA" if "A" in img.getbands() or mode == "P" else "RGB")
        except (ValueError, OSError) as err:
            raise ValueError("cannot convert image mode %r to grey: %s" % (mode, err)) from None
    return img


def ImageToArray(img: Image.Image) -> np.ndarray:
    """Convert a PIL image of any mode to a greyscale float32 array in [0, 1].

    Parameters
    ----------
    img : PIL.Image.Image
        Input image. Colour modes (RGB, RGBA, P, CMYK, ...) are mapped to grey
        with the ITU-R 601-2 luma transform, computed in float (no rounding to
        8 bits). Alpha is dropped. 8-bit modes are divided by 255; 'I;16' and
        'I' modes are read as 16-bit data (divided by 65535 and clipped);
        'F' images are taken as they are and clipped to [0, 1] (NaN or
        infinite values are refused, as they are in arrays).

    Returns
    -------
    ndarray of float32, shape (height, width)

    Raises
    ------
    TypeError
        If `img` is not a PIL image.
    ValueError
        If the image is empty, its mode cannot be converted to grey, or it is a
        mode 'F' image holding NaN or infinite values.

    Examples
    --------
    >>> from PIL import Image
    >>> ImageToArray(Image.new("L", (3, 2), 255)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    _check_pil(img)
    mode = img.mode
    if mode == "F":
        out = _checks.finite(np.array(img, dtype=np.float32), "img")
        return np.clip(out, 0.0, 1.0, out=out)
    if mode in _SIXTEEN_BIT:
        out = np.asarray(img).astype(np.float32) / np.float32(65535.0)
        return np.clip(out, 0.0, 1.0, out=out)
    if mode == "1":
        return np.asarray(img, dtype=np.float32)  # Pillow gives booleans
    if mode in _GREY_FIRST_BAND:
        band = img if mode == "L" else img.getchannel(0)
        return np.asarray(band, dtype=np.float32) / np.float32(255.0)
    rgb = np.asarray(_as_rgb(img))[..., :3].astype(np.float32)
    out = rgb @ _LUMA
    out /= np.float32(255.0)
    return np.clip(out, 0.0, 1.0, out=out)


def ImageToColourBytes(img: Image.Image) -> np.ndarray | None:
    """The 8-bit red, green and blue samples of a colour image, else None.

    Parameters
    ----------
    img : PIL.Image.Image
        Input image.

    Returns
    -------
    ndarray of uint8, shape (height, width, 3) or (height, width, 4), or None
        For the colour modes :func:`ImageToArray` maps to grey with the luma transform,
        the RGB or RGBA samples it reads (other colour modes, such as 'P' or 'CMYK',
        converted by Pillow as :func:`ImageToArray` converts them); channel 3, when
        present, is alpha or padding (RGB images come with 4 channels, as Pillow
        stores them). :meth:`glimpse.backends.base.Backend.LumaBytes`
        turns them into grey without float copies of the channels. None for the grey,
        binary, 16-bit and float modes.

    Raises
    ------
    TypeError
        If `img` is not a PIL image.
    ValueError
        If the image is empty, or its mode cannot be converted to RGB.

    Examples
    --------
    >>> from PIL import Image
    >>> ImageToColourBytes(Image.new("RGB", (3, 2), (255, 0, 0)))[..., :3].shape
    (2, 3, 3)
    """
    _check_pil(img)
    mode = img.mode
    if mode in _GREY_FIRST_BAND or mode in _SIXTEEN_BIT or mode in ("1", "F"):
        return None
    img = _as_rgb(img)
    if img.mode == "RGB":
        # Pillow stores RGB pixels in 4 bytes: copying them as they are is about twice
        # as fast as packing them into 3 (numpy.asarray); channel 3 is padding
        rgbx = np.frombuffer(img.tobytes("raw", "RGBX"), np.uint8)
        return rgbx.reshape(img.height, img.width, 4)
    return np.asarray(img)


def ImageToBytes(img: Image.Image) -> np.ndarray | None:
    """The 8-bit grey samples of an image that stores them, else None.

    Parameters
    ----------
    img : PIL.Image.Image
        Input image.

    Returns
    -------
    ndarray of uint8, shape (height, width), or None
        For modes whose grey is an 8-bit band ('L', 'LA', 'La', 'YCbCr': the first
        band), that band; :func:`ImageToArray` gives it divided by 255 (in float32).
        None for other modes.

    Raises
    ------
    TypeError
        If `img` is not a PIL image.
    ValueError
        If the image is empty.
    """
    _check_pil(img)
    if img.mode not in _GREY_FIRST_BAND:
        return None
    return np.asarray(img if img.mode == "L" else img.getchannel(0))


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
    data = _checks.finite(_check_array(data, "data"), "data")
    out = np.clip(np.asarray(data, dtype=np.float64), 0.0, 1.0) * 255.0
    return Image.fromarray(np.rint(out).astype(np.uint8))


def _check_array(data, name):
    """A 2D, non-empty real ndarray (its values are the backend's to check)."""
    if not isinstance(data, np.ndarray):
        raise TypeError(
            "%s must be a numpy array or PIL image, got %s" % (name, type(data).__name__)
        )
    data = _checks.array(data, name, 2)
    if data.size == 0:
        raise ValueError("%s must not be empty, got shape %s" % (name, data.shape))
    return data

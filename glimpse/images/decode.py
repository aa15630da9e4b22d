"""Decoding image files: a model's input as its file stores it (EXIF orientation, JPEG draft)."""

from __future__ import annotations

import os
import re
import threading
import warnings
from typing import Callable

import numpy as np
from PIL import Image, ImageOps

from ..util import imagefiles
from ..backends.errors import InputLoadError

__all__ = ["InputSource"]

# Pillow announces a decompression bomb with a warning at open time; turning that one
# warning into an error needs the process-wide warnings filters, so opens are serialised
# (only the header is read under the lock: decoding runs in parallel).
_OPEN_LOCK = threading.Lock()


def _open(path):
    """Open `path` (a file object) with Pillow, refusing images over Pillow's pixel limit."""
    with _OPEN_LOCK:
        limit = Image.MAX_IMAGE_PIXELS
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                return Image.open(path)
            except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
                # Pillow names twice the limit when it errors; say the limit that was set.
                found = re.search(r"\((\d+) pixels\)", str(err))
                text = str(err) if found is None else "image has %s pixels, more than the " \
                    "limit of %s" % (found.group(1), limit)
                raise Image.DecompressionBombError(text) from None


def _orientation(img):
    """`img`'s EXIF orientation, 1 (as stored) when it has none or its EXIF is unreadable."""
    try:
        return img.getexif().get(0x0112, 1)
    except Exception:  # unreadable EXIF: viewers show the pixels as stored
        return 1


def _upright(img):
    """`img` turned as its EXIF orientation says, as image viewers do (`img` without one)."""
    if _orientation(img) in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(img)
    return img


def _draft_grey(img, max_scale):
    """Ask a colour JPEG's decoder for luma, reduced as ``max_scale`` allows; the reduction."""
    if img.format != "JPEG" or img.mode not in ("RGB", "YCbCr"):
        return 1
    width, height = img.size
    upright = (height, width) if _orientation(img) in (5, 6, 7, 8) else (width, height)
    limit = int(max_scale(*upright))
    scale = next((s for s in (8, 4, 2) if s <= limit and width % s == 0 and height % s == 0), 1)
    if img.draft("L", (width // scale, height // scale)) is None:
        return 1  # the decoder cannot: the image is read as it is stored
    if img.size != (width // scale, height // scale):  # pragma: no cover - Pillow's rule
        raise OSError("the JPEG decoder reduced %dx%d to %dx%d, not by %d"
                      % (width, height, img.width, img.height, scale))
    return scale


class InputSource:
    """An image file used as the input of a model.

    Parameters
    ----------
    image_path : str or os.PathLike
        Path of the image file. It is not opened until :meth:`CreateImage`.
    exact : bool
        True (the default): a model builds its IMAGE layer from the RGB the file decodes
        to (:meth:`CreateImage`), bit for bit as it does from the same image opened with
        Pillow. False: from the luma a JPEG stores, reduced in the DCT domain while the
        decoded image stays at least 4 times the model's resize target
        (:meth:`CreateGreyImage`); faster, and within 0.02 of the exact layer (see the
        README's "Corpus throughput"). Other colour files (PNG, BMP, TIFF, palette
        images, ...) are then made grey by the backend's
        :meth:`~glimpse.backends.base.Backend.LumaBytes` from their 8-bit samples, with
        no float copy of the colour channels: within a few float32 ulps of the exact layer
        (at most 5e-7 measured on PNG photos and screenshots, mean 1e-8).

    Notes
    -----
    Two sources are equal when their paths (as given, not resolved) and ``exact`` are
    equal.
    """

    __slots__ = ("image_path", "exact")

    def __init__(self, image_path: str | os.PathLike[str], exact: bool = True) -> None:
        try:
            path = os.fspath(image_path)
        except TypeError:
            raise TypeError(
                "image_path must be a str or os.PathLike, got %r" % (image_path,)
            ) from None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(exact, (bool, np.bool_)):
            raise TypeError("exact must be True or False, got %r" % (exact,))
        self.image_path = path
        self.exact = bool(exact)

    def CreateImage(self) -> Image.Image:
        """Read the image file.

        Returns
        -------
        PIL.Image.Image
            The decoded image, fully loaded (the file is closed on return), turned
            upright as image viewers show it when the file has an EXIF orientation
            (a photo stored sideways with orientation 6 comes out rotated).

        Raises
        ------
        InputLoadError
            If the file is missing, not a regular file (a FIFO, socket or device is
            refused without being read), unreadable, not an image, or has more pixels
            than ``PIL.Image.MAX_IMAGE_PIXELS`` (Pillow's guard against decompression
            bombs; set it higher, or to None, to read larger images).
        """
        return self._read(None)[0]

    def CreateGreyImage(self, max_scale: Callable[[int, int], int]) -> tuple[Image.Image, int]:
        """Read the image file, letting a JPEG decoder hand over its luma, maybe downscaled.

        Parameters
        ----------
        max_scale : callable
            Called with the upright image's (width, height) before anything is decoded;
            returns the largest reduction (an integer) the caller accepts.

        Returns
        -------
        img : PIL.Image.Image
            As :meth:`CreateImage` gives it, except for JPEG files in colour: they come
            out as mode 'L', the luma (ITU-R 601 Y) the file stores, decoded without
            going through RGB; and when ``max_scale`` allows it, reduced by a factor 2,
            4 or 8 in the DCT domain (the largest factor at most ``max_scale(width,
            height)`` that divides both sides exactly, so the image covers the same
            area). Other files are read as :meth:`CreateImage` reads them.
        scale : int
            The reduction applied (1, 2, 4 or 8): the file's image is ``scale`` times
            the returned one on each side.

        Raises
        ------
        InputLoadError
            As :meth:`CreateImage`.
        """
        return self._read(max_scale)

    def _read(self, max_scale):
        try:
            with imagefiles.OpenImageFile(self.image_path) as f, _open(f) as img:
                scale = 1 if max_scale is None else _draft_grey(img, max_scale)
                img.load()
                img = _upright(img)
        except FileNotFoundError:
            raise InputLoadError(self, msg="no such image file") from None
        except imagefiles.NotRegularFileError as err:
            raise InputLoadError(self, msg="not a regular file: %s" % err.kind) from None
        except Image.UnidentifiedImageError:
            raise InputLoadError(self, msg="cannot read image: cannot identify image file "
                                 "(not an image, or a format Pillow does not read)") from None
        except Image.DecompressionBombError as err:
            raise InputLoadError(
                self, msg="image refused as too large: %s (PIL.Image.MAX_IMAGE_PIXELS, a guard "
                "against decompression bombs)" % str(err).rstrip(".")
            ) from None
        except (OSError, ValueError, SyntaxError, EOFError) as err:
            raise InputLoadError(self, msg="cannot read image: %s" % err) from None
        return img, scale

    def __eq__(self, other):
        if not isinstance(other, InputSource):
            return NotImplemented
        return self.image_path == other.image_path and self.exact == other.exact

    def __hash__(self):
        return hash(("InputSource", self.image_path, self.exact))

    def __repr__(self):
        if self.exact:
            return "InputSource(%r)" % (self.image_path,)
        return "InputSource(%r, exact=False)" % (self.image_path,)

    def __getstate__(self):
        return {"image_path": self.image_path, "exact": self.exact}

    def __setstate__(self, state):
        self.image_path = state["image_path"]
        self.exact = bool(state.get("exact", True))

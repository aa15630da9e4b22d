"""Where a model's input comes from."""

from __future__ import annotations

import os
import re
import threading
import warnings

from PIL import Image, ImageOps

from .errors import InputLoadError

__all__ = ["InputSource"]

# Pillow announces a decompression bomb with a warning at open time; turning that one
# warning into an error needs the process-wide warnings filters, so opens are serialised
# (only the header is read under the lock: decoding runs in parallel).
_OPEN_LOCK = threading.Lock()


def _open(path):
    """Open `path` with Pillow, refusing images over Pillow's pixel limit (no warning)."""
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


def _upright(img):
    """`img` turned as its EXIF orientation says, as image viewers do (`img` without one)."""
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:  # unreadable EXIF: viewers show the pixels as stored
        return img
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(img)
    return img


class InputSource:
    """An image file used as the input of a model.

    Parameters
    ----------
    image_path : str or os.PathLike
        Path of the image file. It is not opened until :meth:`CreateImage`.

    Notes
    -----
    Two sources are equal when their paths are equal (as given, not resolved).
    """

    __slots__ = ("image_path",)

    def __init__(self, image_path: str | os.PathLike[str]) -> None:
        try:
            path = os.fspath(image_path)
        except TypeError:
            raise TypeError(
                "image_path must be a str or os.PathLike, got %r" % (image_path,)
            ) from None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self.image_path = path

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
            If the file is missing, unreadable, not an image, or has more pixels
            than ``PIL.Image.MAX_IMAGE_PIXELS`` (Pillow's guard against decompression
            bombs; set it higher, or to None, to read larger images).
        """
        try:
            with _open(self.image_path) as img:
                img.load()
                img = _upright(img)
        except FileNotFoundError:
            raise InputLoadError(self, msg="no such image file") from None
        except Image.DecompressionBombError as err:
            raise InputLoadError(
                self, msg="image refused as too large: %s (PIL.Image.MAX_IMAGE_PIXELS, a guard "
                "against decompression bombs)" % str(err).rstrip(".")
            ) from None
        except (OSError, ValueError, SyntaxError, EOFError) as err:
            raise InputLoadError(self, msg="cannot read image: %s" % err) from None
        return img

    def __eq__(self, other):
        if not isinstance(other, InputSource):
            return NotImplemented
        return self.image_path == other.image_path

    def __hash__(self):
        return hash(("InputSource", self.image_path))

    def __repr__(self):
        return "InputSource(%r)" % (self.image_path,)

    def __getstate__(self):
        return {"image_path": self.image_path}

    def __setstate__(self, state):
        self.image_path = state["image_path"]

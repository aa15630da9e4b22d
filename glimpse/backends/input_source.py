"""Where a model's input comes from."""

from __future__ import annotations

import os

from PIL import Image

from .errors import InputLoadError

__all__ = ["InputSource"]


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
            The decoded image, fully loaded (the file is closed on return).

        Raises
        ------
        InputLoadError
            If the file is missing, unreadable, not an image, or so large that
            Pillow refuses it as a decompression bomb.
        """
        try:
            with Image.open(self.image_path) as img:
                img.load()
        except FileNotFoundError:
            raise InputLoadError(self, msg="no such image file") from None
        except Image.DecompressionBombError as err:
            raise InputLoadError(self, msg="image refused as too large: %s" % err) from None
        except (OSError, ValueError, SyntaxError) as err:
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

"""InputSource reads files as viewers show them and refuses decompression bombs in one line."""

import warnings

import numpy as np
import pytest
from PIL import Image

from glimpse.backends import InputLoadError
from glimpse.images import InputSource
from glimpse.models.base import BuildLayer, Layer, Model, Params


def sideways(path, orientation, size=(33, 22), fmt="JPEG"):
    """Save an image with an EXIF orientation; return the stored pixels."""
    rng = np.random.default_rng(orientation)
    stored = Image.fromarray(rng.integers(0, 256, size[::-1], dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, format=fmt, exif=exif, **({"quality": 100} if fmt == "JPEG" else {}))
    with Image.open(path) as img:
        img.load()
        return img.copy()


@pytest.mark.parametrize("orientation, method", [
    (2, Image.Transpose.FLIP_LEFT_RIGHT), (3, Image.Transpose.ROTATE_180),
    (4, Image.Transpose.FLIP_TOP_BOTTOM), (5, Image.Transpose.TRANSPOSE),
    (6, Image.Transpose.ROTATE_270), (7, Image.Transpose.TRANSVERSE),
    (8, Image.Transpose.ROTATE_90),
])
def test_exif_orientation_is_applied(tmp_path, orientation, method):
    path = tmp_path / "photo.png"
    stored = sideways(path, orientation, fmt="PNG")
    img = InputSource(path).CreateImage()
    assert np.array_equal(np.asarray(img), np.asarray(stored.transpose(method)))


def test_phone_photo_comes_out_upright(tmp_path):
    path = tmp_path / "phone.jpg"
    sideways(path, 6, size=(330, 220))
    assert InputSource(path).CreateImage().size == (220, 330)
    layer = BuildLayer(Model(Params(image_resize_method="none")), Layer.IMAGE, path)
    assert layer[Layer.IMAGE].shape == (330, 220)


def test_no_orientation_is_unchanged(tmp_path):
    path = tmp_path / "plain.png"
    stored = sideways(path, 1, fmt="PNG")
    assert np.array_equal(np.asarray(InputSource(path).CreateImage()), np.asarray(stored))


@pytest.mark.parametrize("side", [40, 100])  # Pillow warns above the limit, errors above 2x
def test_decompression_bomb_is_one_error_and_no_warning(tmp_path, monkeypatch, side):
    path = tmp_path / "bomb.png"
    Image.new("L", (side, side)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputLoadError) as info:
            InputSource(path).CreateImage()
    message = str(info.value)
    assert "bomb.png" in message and "MAX_IMAGE_PIXELS" in message
    assert "image has %d pixels, more than the limit of 1000" % (side * side) in message
    assert "\n" not in message
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", side * side)  # raising the limit reads it
    assert InputSource(path).CreateImage().size == (side, side)

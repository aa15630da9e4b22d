import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from glimpse import images


def rgb_image():
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8), "RGB")


def test_rgb_uses_float_luma():
    img = rgb_image()
    rgb = np.asarray(img).astype(np.float64)
    expected = (rgb @ [0.299, 0.587, 0.114]) / 255
    got = images.ImageToArray(img)
    assert got.dtype == np.float32 and got.shape == (6, 7)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # Pillow's own 8-bit luma agrees to within its rounding
    np.testing.assert_allclose(got, np.asarray(img.convert("L")) / 255, atol=0.6 / 255)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "P", "CMYK", "1", "YCbCr", "RGBX"])
def test_eight_bit_modes(mode):
    img = rgb_image().convert(mode)
    got = images.ImageToArray(img)
    assert got.dtype == np.float32 and got.shape == (6, 7)
    assert got.min() >= 0 and got.max() <= 1
    expected = np.asarray(img.convert("L"), dtype=np.float64) / 255
    np.testing.assert_allclose(got, expected, atol=1.01 / 255)


def test_alpha_is_dropped():
    img = rgb_image()
    rgba = img.copy()
    rgba.putalpha(0)
    np.testing.assert_array_equal(images.ImageToArray(rgba), images.ImageToArray(img))


def test_sixteen_bit_and_int_modes_keep_precision():
    data = np.array([[0, 1, 2, 65535], [32768, 1000, 7, 65534]], dtype=np.uint16)
    img = Image.fromarray(data)
    assert img.mode == "I;16"
    np.testing.assert_allclose(images.ImageToArray(img), data / 65535.0, rtol=1e-6)
    wide = Image.fromarray(np.array([[-5, 70000, 65535, 3]], dtype=np.int32))
    assert wide.mode == "I"
    np.testing.assert_allclose(images.ImageToArray(wide), [[0, 1, 1, 3 / 65535]], rtol=1e-6)


def test_float_mode_is_clipped_not_scaled():
    img = Image.fromarray(np.array([[-0.5, 0.25, 1.5]], dtype=np.float32), "F")
    np.testing.assert_array_equal(images.ImageToArray(img), [[0, 0.25, 1]])


def test_image_to_array_errors():
    with pytest.raises(TypeError, match="img"):
        images.ImageToArray(np.zeros((2, 2)))


def test_array_to_image_roundtrip():
    data = np.linspace(0, 1, 12).reshape(3, 4)
    img = images.ArrayToImage(data)
    assert img.mode == "L" and img.size == (4, 3)
    np.testing.assert_allclose(np.asarray(img) / 255, data, atol=0.5 / 255)


@pytest.mark.parametrize(
    "size, method, length, ratio, expected",
    [
        ((100, 200), "scale short edge", 256, 1.0, (256, 512)),
        ((240, 220), "scale short edge", 220, 1.0, (240, 220)),
        ((640, 480), "scale short edge", 220, 1.0, (293, 220)),
        ((640, 480), "scale long edge", 320, 1.0, (320, 240)),
        ((640, 480), "scale width", 100, 1.0, (100, 75)),
        ((640, 480), "scale height", 100, 1.0, (133, 100)),
        ((640, 480), "none", 100, 1.0, (640, 480)),
        ((640, 480), "scale and crop", 256, 0.25, (256, 1024)),
        ((640, 480), "scale and crop", 220, 1.5, (220, 146)),
        ((1, 1000), "scale long edge", 10, 1.0, (1, 10)),
    ],
)
def test_scaled_size_exact_integer(size, method, length, ratio, expected):
    assert images.ScaledSize(size, method, length, ratio) == expected


def test_scale_and_crop_size():
    assert images.ScaleAndCropSize((640, 480), (220, 220)) == ((293, 220), (36, 0, 256, 220))
    assert images.ScaleAndCropSize((480, 640), (220, 220)) == ((220, 293), (0, 36, 220, 256))
    assert images.ScaleAndCropSize((100, 100), (50, 50)) == ((50, 50), (0, 0, 50, 50))


@pytest.mark.parametrize("make", [lambda: Image.new("L", (40, 30)),
                                  lambda: np.zeros((30, 40), np.float32)])
def test_scale_and_crop_beyond_the_largest_side_names_the_size(make):
    # Covering (1, 2**31 - 1) needs a 40x30 input 2863311529 pixels wide.
    with pytest.raises(ValueError, match=r"target \(1, 2147483647\) must be covered by the "
                       r"40x30 input .*got a scaled size of \(2863311529, 2147483647\)"):
        images.ScaleAndCropImage(make(), (1, 2**31 - 1))
    with pytest.raises(ValueError, match=r"'scale and crop' to length 2147483647 of a 40x30 "
                       r"input must give at most 2147483647 pixels a side, got a size of "
                       r"\(2147483647, 214748364700\)"):
        images.ScaledSize((40, 30), "scale and crop", 2**31 - 1, 0.01)
    with pytest.raises(ValueError, match=r"got a size of \(2863311529, 2147483647\)"):
        images.ScaledSize((40, 30), "scale short edge", 2**31 - 1)


def test_scale_pil_keeps_mode():
    img = rgb_image()
    out = images.ScaleImage(img, (14, 12))
    assert out.mode == "RGB" and out.size == (14, 12)
    out = images.ScaleAndCropImage(img.convert("L"), (3, 3))
    assert out.mode == "L" and out.size == (3, 3)


@pytest.mark.parametrize("size", [(0, 3), (3, -1), (2.5, 3), (3,), "ab", None, (True, 2)])
def test_bad_sizes(size):
    with pytest.raises((ValueError, TypeError), match="size"):
        images.ScaleImage(np.zeros((4, 4)), size)


@pytest.mark.parametrize(
    "data, exc",
    [
        (np.zeros((2, 2, 2)), ValueError),
        (np.zeros((0, 3)), ValueError),
        (np.zeros((3, 3), complex), TypeError),
        (np.zeros((3, 3), object), TypeError),
        (np.full((3, 3), np.nan), ValueError),
        (np.full((3, 3), np.inf), ValueError),
        ([[0.0, 1.0]], TypeError),
    ],
)
def test_bad_arrays(data, exc):
    # the kind and shape of img are checked by ScaleImage, its values by the backend
    name = "data" if data.__class__ is np.ndarray and data.dtype.kind == "f" and \
        data.size and not np.isfinite(data).all() else "img"
    with pytest.raises(exc, match=name):
        images.ScaleImage(data, (2, 2))


def test_pyramid_sizes_and_errors():
    levels = images.MakeScalePyramid(np.random.default_rng(1).random((101, 80)), 4, 0.7)
    assert [lvl.shape for lvl in levels] == [(101, 80), (71, 56), (50, 39), (35, 27)]
    assert all(lvl.dtype == np.float32 for lvl in levels)
    assert images.MakeScalePyramid(np.ones((3, 3)), 2, 0.1)[-1].shape == (1, 1)
    for factor in (0, 1, 1.5, -0.5):
        with pytest.raises(ValueError, match="scale_factor"):
            images.MakeScalePyramid(np.ones((4, 4)), 2, factor)
    with pytest.raises(ValueError, match="num_layers"):
        images.MakeScalePyramid(np.ones((4, 4)), 0, 0.5)
    with pytest.raises(TypeError, match="num_layers"):
        images.MakeScalePyramid(np.ones((4, 4)), 2.0, 0.5)


@pytest.mark.parametrize("size", [(2**31 - 1, 1), (1, 2**31 - 1), (2**20, 2**20)])
def test_absurd_sizes_raise_memory_error_up_front(size):
    with pytest.raises(MemoryError, match="size"):
        images.ScaleImage(np.ones((1, 1), np.float32), size)
    with pytest.raises(MemoryError, match="size"):
        images.ScaleAndCropImage(np.ones((2, 2), np.float32), size)


sides = st.integers(1, 5000)


@settings(max_examples=300, deadline=None)
@given(sides, sides, st.sampled_from(
    ["scale short edge", "scale long edge", "scale width", "scale height"]), sides)
def test_scaled_size_properties(w, h, method, length):
    sw, sh = images.ScaledSize((w, h), method, length)
    by_width = {"scale short edge": w <= h, "scale long edge": w >= h,
                "scale width": True, "scale height": False}[method]
    if by_width:
        assert sw == length and sh == max(1, h * length // w)
        assert sh <= h * length / w + 1e-9 < sh + 1 or sh == 1
    else:
        assert sh == length and sw == max(1, w * length // h)
        assert sw <= w * length / h + 1e-9 < sw + 1 or sw == 1


@settings(max_examples=300, deadline=None)
@given(sides, sides, sides, sides)
def test_scale_and_crop_size_properties(w, h, tw, th):
    (sw, sh), (left, top, right, bottom) = images.ScaleAndCropSize((w, h), (tw, th))
    assert (right - left, bottom - top) == (tw, th)
    assert 0 <= left and right <= sw and 0 <= top and bottom <= sh
    # one scaled edge matches the target exactly; the other covers it, centred
    assert sw == tw or sh == th
    assert abs(left - (sw - right)) <= 1 and abs(top - (sh - bottom)) <= 1
    if sh == th and sw > tw:
        assert sw == w * th // h
    if sw == tw and sh > th:
        assert sh == h * tw // w

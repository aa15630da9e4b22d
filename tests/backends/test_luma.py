"""Backend.LumaBytes: the ITU-R 601-2 luma of 8-bit RGB(A) samples, as fractions of 255."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from glimpse.backends import CythonBackend, NumpyBackend
from glimpse import images as gimage

COMPILED, REFERENCE = CythonBackend(), NumpyBackend()


@pytest.fixture(params=[NumpyBackend, CythonBackend], ids=lambda cls: cls.name)
def backend(request):
    return request.param()


def _exact(rgb):
    """The exact luma / 255 of every pixel, in float64 (the integer sum is exact)."""
    return (rgb[..., :3].astype(np.int64) @ np.array([299, 587, 114])) / 255000.0


@st.composite
def layouts(draw):
    """uint8 (H, W, 3 or 4) arrays of every layout: C order, channels first, transposed,
    sliced with steps, reversed, read-only."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    h, w = draw(st.integers(1, 37)), draw(st.integers(1, 37))
    channels = draw(st.sampled_from([3, 4]))
    sy, sx = draw(st.sampled_from([1, 2, -1, -3])), draw(st.sampled_from([1, 3, -1, -2]))
    layout = draw(st.sampled_from(["hwc", "chw", "whc", "wide"]))
    full = (h * abs(sy), w * abs(sx))
    if layout == "hwc":
        base = rng.integers(0, 256, full + (channels,), dtype=np.uint8)
    elif layout == "chw":  # planes, viewed as (H, W, C)
        base = np.moveaxis(rng.integers(0, 256, (channels,) + full, dtype=np.uint8), 0, -1)
    elif layout == "whc":  # columns first, viewed as (H, W, C)
        base = rng.integers(0, 256, full[::-1] + (channels,), dtype=np.uint8).swapaxes(0, 1)
    else:  # more channels than read, channel stride 2
        base = rng.integers(0, 256, full + (2 * channels,), dtype=np.uint8)[..., ::2]
    rgb = base[::sy, ::sx]
    assert rgb.shape == (h, w, channels)
    if draw(st.booleans()):
        rgb.flags.writeable = False
    return rgb


@settings(max_examples=120, deadline=None)
@given(layouts(), st.booleans())
def test_compiled_equals_the_numpy_twin(rgb, with_out):
    want = REFERENCE.LumaBytes(rgb)
    if with_out:
        out = np.full(rgb.shape[:2], -1, np.float32)
        got = COMPILED.LumaBytes(rgb, out=out)
        assert got is out
    else:
        got = COMPILED.LumaBytes(rgb)
    assert got.dtype == np.float32 and got.shape == rgb.shape[:2] and got.flags.c_contiguous
    assert got.tobytes() == want.tobytes()


def test_correctly_rounded_and_in_range(backend):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (500, 400, 3), dtype=np.uint8)
    rgb[0, :4] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 0, 255]]
    got = backend.LumaBytes(rgb)
    exact = _exact(rgb)
    # within half a float32 ulp of the exact value: the nearest float32
    assert np.all(np.abs(got - exact) <= np.spacing(got) / 2)
    assert got.min() >= 0 and got.max() <= 1
    assert got[0, :4].tolist() == [0.0, 1.0, np.float32(0.299), np.float32(0.114)]
    assert got[0, 1] == 1.0  # white is exactly 1


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "RGBX", "P", "CMYK"])
def test_within_two_ulps_of_image_to_array(backend, mode):
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 256, (61, 83, 3), dtype=np.uint8)).convert(mode)
    rgb = gimage.ImageToColourBytes(img)
    assert rgb.dtype == np.uint8 and rgb.shape[:2] == (61, 83)
    got, want = backend.LumaBytes(rgb), gimage.ImageToArray(img)
    ulps = np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32))
    assert ulps.max() <= 2 and np.abs(got - want).max() <= 1.2e-7


def test_alpha_is_not_read(backend):
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, (9, 11, 4), dtype=np.uint8)
    other = rgba.copy()
    other[..., 3] = 255 - other[..., 3]
    assert backend.LumaBytes(rgba).tobytes() == backend.LumaBytes(other).tobytes()
    assert backend.LumaBytes(rgba).tobytes() == backend.LumaBytes(rgba[..., :3]).tobytes()


def test_empty_inputs(backend):
    for shape in [(0, 5, 3), (4, 0, 4), (0, 0, 3)]:
        got = backend.LumaBytes(np.zeros(shape, np.uint8))
        assert got.shape == shape[:2] and got.dtype == np.float32


@pytest.mark.parametrize("data, exc, pattern", [
    (np.zeros((2, 2, 3), np.float32), TypeError, "data must be a numpy array of uint8, got "
     "an array of float32"),
    ([[[1, 2, 3]]], TypeError, "data must be a numpy array of uint8, got"),
    (np.zeros((2, 2), np.uint8), ValueError, r"data must have shape \(height, width, 3\) or "
     r"\(height, width, 4\), got shape \(2, 2\)"),
    (np.zeros((2, 2, 2), np.uint8), ValueError, r"got shape \(2, 2, 2\)"),
    (np.zeros((2, 2, 5), np.uint8), ValueError, r"got shape \(2, 2, 5\)"),
    (np.zeros((1, 2, 2, 3), np.uint8), ValueError, r"got shape \(1, 2, 2, 3\)"),
])
def test_data_validation(backend, data, exc, pattern):
    with pytest.raises(exc, match=pattern):
        backend.LumaBytes(data)


def test_out_validation(backend):
    rgb = np.zeros((3, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="out must have dtype float32, got float64"):
        backend.LumaBytes(rgb, out=np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"out must have shape \(3, 4\), got \(4, 3\)"):
        backend.LumaBytes(rgb, out=np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="out must be C-contiguous"):
        backend.LumaBytes(rgb, out=np.zeros((4, 3), np.float32).T)
    read_only = np.zeros((3, 4), np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        backend.LumaBytes(rgb, out=read_only)
    with pytest.raises(TypeError, match="out must be a numpy array or None"):
        backend.LumaBytes(rgb, out=[[0.0] * 4] * 3)
    shared = np.zeros(3 * 4 * 4 * 3, np.uint8)
    with pytest.raises(ValueError, match="out must not share memory with data"):
        backend.LumaBytes(shared[:36].reshape(3, 4, 3), out=shared.view(np.float32)[:12]
                          .reshape(3, 4))


def test_image_to_colour_bytes_modes():
    assert gimage.ImageToColourBytes(Image.new("RGBA", (3, 2))).shape == (2, 3, 4)
    assert gimage.ImageToColourBytes(Image.new("P", (3, 2))).shape == (2, 3, 4)
    cmyk = Image.new("CMYK", (3, 2), (0, 255, 255, 0))
    assert np.array_equal(gimage.ImageToColourBytes(cmyk)[..., :3],
                          np.asarray(cmyk.convert("RGB")))
    rgb = np.random.default_rng(4).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    got = gimage.ImageToColourBytes(Image.fromarray(rgb))
    assert got.shape == (5, 7, 4) and np.array_equal(got[..., :3], rgb)
    for mode in ["L", "LA", "YCbCr", "1", "F", "I", "I;16"]:
        assert gimage.ImageToColourBytes(Image.new(mode, (3, 2))) is None
    with pytest.raises(TypeError, match="img must be a PIL image"):
        gimage.ImageToColourBytes(np.zeros((2, 3, 3), np.uint8))

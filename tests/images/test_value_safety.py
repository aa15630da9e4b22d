"""Values are never changed silently, and PIL images meet the same size checks as arrays."""

import numpy as np
import pytest
from PIL import Image

from glimpse import images
from glimpse.backends import InputLoadError, MakeBackend
from glimpse.models.base import BuildLayer, Layer, Model, Params, PrepareImage
from glimpse.models.base.sampling import SamplePatchesFromData

F32_MAX = float(np.finfo(np.float32).max)


# -- a float image holding NaN is refused as an array holding NaN is --------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_image_with_non_finite_values_is_refused_like_an_array(bad):
    values = np.full((6, 7), 0.5, np.float32)
    values[2, 3] = bad
    image = Image.fromarray(values, "F")
    with pytest.raises(ValueError) as from_array:
        PrepareImage(values, Params())
    with pytest.raises(ValueError) as from_image:
        PrepareImage(image, Params())
    assert str(from_image.value) == str(from_array.value)
    assert "img must hold finite values, got %s at index (2, 3)" % bad in str(from_image.value)
    with pytest.raises(ValueError, match="img must hold finite values"):
        images.ImageToArray(image)


def test_float_image_file_with_nan_is_an_input_load_error(tmp_path):
    values = np.full((6, 7), 0.5, np.float32)
    values[0, 0] = np.nan
    path = tmp_path / "nan.tiff"
    Image.fromarray(values, "F").save(path)
    with pytest.raises(InputLoadError, match="nan.tiff") as info:
        BuildLayer(Model(), Layer.IMAGE, str(path))
    assert "must hold finite values" in str(info.value)


# -- finite input gives a finite result, or a ValueError saying why -------------------------

@pytest.mark.parametrize("data", [
    np.full((50, 60), F32_MAX, np.float32), np.full((50, 60), -F32_MAX, np.float32),
    np.full((50, 60), 1e300), np.full((50, 60), 1e39),
])
@pytest.mark.parametrize("func", [images.ScaleImage, images.ScaleAndCropImage])
def test_resizing_huge_values_is_finite_or_refused(func, data):
    try:
        out = func(data, (30, 20))
    except ValueError as err:
        assert "out of float32 range" in str(err)
    else:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("value", [1e38, -3e38, 1e-38, 1e-300])
def test_resizing_large_but_safe_values_is_finite(value):
    for func in (images.ScaleImage, images.ScaleAndCropImage):
        out = func(np.full((50, 60), value), (30, 20))
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out, np.float32(value), rtol=1e-5)


def test_sampling_float64_beyond_float32_range_is_refused():
    with pytest.raises(ValueError, match="out of float32 range"):
        SamplePatchesFromData(np.full((2, 10, 10), 1e300), 3, 5, rng=0)
    # values that fit are copied, and so are NaN and infinities the data holds
    patches, _ = SamplePatchesFromData(np.full((2, 10, 10), 3e38), 3, 5, rng=0)
    assert np.isfinite(patches).all()
    patches, _ = SamplePatchesFromData(np.full((2, 10, 10), np.inf), 3, 5, rng=0)
    assert np.isinf(patches).all()
    # only the values copied matter
    data = np.zeros((1, 10, 10))
    data[0, 9, 9] = 1e300
    backend = MakeBackend()
    assert np.isfinite(backend.GatherPatches(data, [[0, 0, 0], [0, 6, 7]], 3)).all()
    with pytest.raises(ValueError, match=r"got 1e\+300 in the patch at \(scale 0, y 7, x 7\)"):
        backend.GatherPatches(data, [[0, 0, 0], [0, 7, 7]], 3)


# -- PIL images meet the same size checks and messages as arrays ---------------------------

@pytest.mark.parametrize("size", [(10**5, 10**5), (1, 2**31 - 1), (2**31 - 1, 1)])
@pytest.mark.parametrize("func", [images.ScaleImage, images.ScaleAndCropImage])
def test_image_sizes_checked_like_arrays(func, size):
    with pytest.raises(MemoryError) as from_array:
        func(np.ones((4, 4), np.float32), size)
    with pytest.raises(MemoryError) as from_image:
        func(Image.new("L", (4, 4)), size)
    assert str(from_image.value) == str(from_array.value).replace("array", "image")
    assert "more than this machine's memory" in str(from_image.value)


@pytest.mark.parametrize("size, exc", [
    ((2**31, 1), ValueError), ((0, 4), ValueError), ((4.5, 4), TypeError)])
def test_image_size_refusals_name_the_size(size, exc):
    with pytest.raises(exc, match="size width must be"):
        images.ScaleImage(Image.new("L", (4, 4)), size)

"""Picture: an array handed to a model as a picture is prepared as the same file is."""

import pickle

import numpy as np
import pytest
from PIL import Image

from glimpse.backends import InputSizeError
from glimpse.experiment import ComputeFeatures
from glimpse.images import Picture
from glimpse.models.base import BuildLayer, PrepareImage, SamplePatches
from glimpse.models.ml import Model, Params
from glimpse.prototypes import ImprintS2Prototypes


def _model():
    return Model(params=Params(image_resize_length=64, num_scales=3, s2_kwidth=[3, 5]))


def _imprinted(rng=0):
    """A model with prototypes imprinted from an image the tests do not compute (an image's
    own prototypes match it perfectly: C2 would be 1 everywhere)."""
    model = _model()
    other = np.random.default_rng(99).integers(0, 256, (40, 40), dtype=np.uint8)
    ImprintS2Prototypes(model, [Picture(other)], 4, rng=rng)
    return model


@pytest.fixture(scope="module")
def grey():
    """An 8-bit grey picture whose sides are not the prepared ones."""
    return np.random.default_rng(3).integers(0, 256, (30, 41), dtype=np.uint8)


def _c2(model, image):
    return np.concatenate(BuildLayer(model, "C2", image)[model.LayerClass.C2])


def test_png_pil_and_picture_give_the_same_features(tmp_path, grey):
    path = tmp_path / "grey.png"
    Image.fromarray(grey).save(path)  # PNG: lossless
    model = _imprinted()
    forms = {
        "PIL image": Image.open(path),
        "Picture of uint8": Picture(grey),
        "Picture of float64": Picture(grey / 255.0),
        "Picture of float32": Picture(grey.astype(np.float32) / np.float32(255)),
        "Picture of a PIL image": Picture(Image.fromarray(grey)),
    }
    expected = _c2(model, str(path))
    assert expected.std() > 0  # the features tell images apart
    for name, image in forms.items():
        np.testing.assert_array_equal(_c2(model, image), expected, err_msg=name)


def test_colour_array_is_prepared_as_its_png(tmp_path):
    rgb = np.random.default_rng(4).integers(0, 256, (25, 33, 3), dtype=np.uint8)
    path = tmp_path / "rgb.png"
    Image.fromarray(rgb).save(path)
    model = _imprinted()
    np.testing.assert_array_equal(_c2(model, Picture(rgb)), _c2(model, str(path)))


def test_float_array_is_prepared_as_a_float_tiff_clipped(tmp_path):
    data = np.random.default_rng(5).uniform(-0.5, 1.5, (28, 36)).astype(np.float32)
    path = tmp_path / "float.tiff"
    Image.fromarray(data).save(path)  # mode F, lossless
    model = _imprinted()
    np.testing.assert_array_equal(_c2(model, Picture(data)), _c2(model, str(path)))
    clipped = Picture(np.clip(data, 0, 1))
    np.testing.assert_array_equal(_c2(model, clipped), _c2(model, Picture(data)))


def test_prototypes_and_compute_features_take_pictures(tmp_path, grey):
    images = [grey, np.ascontiguousarray(grey[::-1]), np.ascontiguousarray(grey[:, ::-1])]
    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / ("%d.png" % i)))
        Image.fromarray(image).save(paths[-1])
    pictures = [Picture(image) for image in images]
    from_files, from_pictures = _model(), _model()
    locations = ImprintS2Prototypes(from_files, paths, 4, rng=7)
    np.testing.assert_array_equal(ImprintS2Prototypes(from_pictures, pictures, 4, rng=7)[1],
                                  locations[1])
    for mine, theirs in zip(from_pictures.s2_kernels, from_files.s2_kernels):
        np.testing.assert_array_equal(mine, theirs)
    features, kept, skipped = ComputeFeatures(from_files, pictures, ["C2"], pool="serial")
    expected, _, _ = ComputeFeatures(from_files, paths, ["C2"], pool="serial")
    assert kept.all() and not skipped
    np.testing.assert_array_equal(features, expected)


def test_picture_is_the_state_source_and_prepared_lazily(grey):
    model = _model()
    picture = Picture(grey)
    state = model.MakeState(picture)
    assert state[model.LayerClass.SOURCE] is picture
    assert model.LayerClass.IMAGE not in state
    image = BuildLayer(model, "IMAGE", state)[model.LayerClass.IMAGE]
    assert image.shape == (64, 87)  # the short edge scaled to 64
    np.testing.assert_array_equal(image, PrepareImage(Image.fromarray(grey), model.params))
    np.testing.assert_array_equal(PrepareImage(picture, model.params), image)


def test_plain_array_too_small_says_how_to_have_it_prepared(grey):
    model = _model()
    small = grey[:12, :12] / 255.0
    for run in (lambda: BuildLayer(model, "C1", small),
                lambda: ImprintS2Prototypes(model, [small], 2, rng=0),
                lambda: SamplePatches(model, "C1", 1, 9, small, rng=0)):
        with pytest.raises(InputSizeError, match="glimpse.images.Picture") as info:
            run()
        assert "prepared IMAGE layer" in str(info.value)
    # the same array as a Picture is prepared, and so large enough
    assert BuildLayer(model, "C1", Picture(small))[model.LayerClass.C1]
    # a picture too small for its layers gets no advice about arrays
    tiny = _model()
    tiny.params.image_resize_method = "none"
    with pytest.raises(InputSizeError) as info:
        BuildLayer(tiny, "C1", Picture(small))
    assert "prepared IMAGE layer" not in str(info.value)


def test_picture_copies_the_array_and_pickles(grey):
    data = grey.copy()
    picture = Picture(data)
    data[:] = 0
    assert np.array_equal(np.asarray(picture.image), grey)
    again = pickle.loads(pickle.dumps(picture))
    assert again.shape == (30, 41) == picture.shape
    assert np.array_equal(np.asarray(again.image), grey)
    assert repr(again) == "Picture(mode 'L', 41x30)"


def test_picture_of_bools_and_small_integers(grey):
    mask = grey > 127
    model = _imprinted()
    np.testing.assert_array_equal(_c2(model, Picture(mask)),
                                  _c2(model, Picture(mask.astype(np.uint8) * 255)))
    np.testing.assert_array_equal(_c2(model, Picture(grey.astype(np.int64))),
                                  _c2(model, Picture(grey)))


@pytest.mark.parametrize("bad, error, match", [
    ("a.png", TypeError, "pass the path itself"),
    ([[0.5]], TypeError, "2D array or a PIL image, got list"),
    (np.zeros(5), ValueError, "2D array"),
    (np.zeros((2, 2, 2)), ValueError, "got shape"),
    (np.zeros((0, 3)), ValueError, "must not be empty"),
    (np.array([[0.5, np.nan]]), ValueError, "finite"),
    (np.array([[0, 300]]), ValueError, r"\[0, 255\].*\[0, 300\]"),
    (np.array([[-1, 3]], np.int8), ValueError, "range"),
    (np.array([["a"]]), TypeError, "dtype"),
    (np.zeros((2, 2), complex), TypeError, "dtype"),
])
def test_picture_refuses(bad, error, match):
    with pytest.raises(error, match=match):
        Picture(bad)

"""Building the IMAGE layer from the luma a JPEG stores (InputSource(path, exact=False))."""

import pickle

import numpy as np
import pytest
from PIL import Image

from glimpse import images
from glimpse.backends import InputLoadError
from glimpse.images import InputSource
from glimpse.images.prepare import DRAFT_MARGIN, MaxDraftScale
from glimpse.models.base import BuildLayer, Layer, Model, Params, PrepareImage


def _picture(rng, width, height):
    """A smooth random colour field with fine texture (what cameras give, roughly)."""
    coarse = rng.random((height // 16 + 2, width // 16 + 2, 3)).astype(np.float32)
    planes = [np.asarray(Image.fromarray(coarse[:, :, c], mode="F")
                         .resize((width, height), Image.Resampling.BICUBIC)) for c in range(3)]
    rgb = np.stack(planes, axis=2) * 200.0 + 20.0
    rgb += rng.normal(0.0, 12.0, (height, width, 1)).astype(np.float32)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def _jpeg(path, rng, width, height, **save):
    _picture(rng, width, height).save(path, quality=90, **save)
    return str(path)


def _layer(model, path, exact):
    return BuildLayer(model, Layer.IMAGE, InputSource(path, exact=exact))[Layer.IMAGE]


def test_exact_path_is_bit_identical_to_an_opened_image(tmp_path):
    path = _jpeg(tmp_path / "a.jpg", np.random.default_rng(0), 320, 240)
    model = Model(Params(image_resize_length=48))
    with Image.open(path) as img:
        img.load()
        want = PrepareImage(img, model.params, model.backend)
    got = _layer(model, path, True)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)
    assert np.array_equal(BuildLayer(model, Layer.IMAGE, path)[Layer.IMAGE], want)


@pytest.mark.parametrize("size, length, method, scale", [
    ((320, 240), 48, "scale short edge", 1),      # luma only: 240 < 2 * 4 * 48
    ((640, 480), 48, "scale short edge", 2),      # 480 // (4 * 48) = 2
    ((960, 640), 20, "scale short edge", 8),
    ((968, 648), 20, "scale short edge", 8),      # 8 divides both sides
    ((964, 644), 20, "scale short edge", 4),      # 4 does, 8 does not
    ((962, 642), 20, "scale short edge", 2),
    ((961, 641), 20, "scale short edge", 1),
    ((640, 480), 40, "scale long edge", 4),
    ((640, 480), 30, "scale and crop", 4),
    ((480, 640), 48, "scale width", 2),
])
def test_draft_path_is_close_and_keeps_the_size_rule(tmp_path, size, length, method, scale):
    rng = np.random.default_rng(sum(size) + length)
    path = _jpeg(tmp_path / "a.jpg", rng, *size)
    model = Model(Params(image_resize_length=length, image_resize_method=method))
    _, used = InputSource(path, exact=False).CreateGreyImage(
        lambda w, h: MaxDraftScale(model.params, w, h))
    assert used == scale
    exact, grey = _layer(model, path, True), _layer(model, path, False)
    assert grey.dtype == np.float32 and grey.shape == exact.shape
    assert grey.min() >= 0.0 and grey.max() <= 1.0
    diff = np.abs(grey.astype(np.float64) - exact)
    # the documented bounds: stored luma vs luma of rounded RGB, DCT reduction at >= 4x
    assert diff.max() <= 0.0185, diff.max()
    assert diff.mean() <= 2e-3, diff.mean()
    assert diff.max() > 0  # the paths do differ: the test sees which one ran


def test_drafting_to_the_target_is_what_the_margin_prevents(tmp_path):
    # the rule's reason: reduced by 8 to twice the target, the layer moves more than with
    # the margin the draft path keeps (reduced by 4, to 4 times the target)
    path = _jpeg(tmp_path / "a.jpg", np.random.default_rng(5), 640, 480)
    model = Model(Params(image_resize_length=30))
    exact, grey = _layer(model, path, True), _layer(model, path, False)
    with Image.open(path) as img:
        img.draft("L", (80, 60))
        img.load()
        assert img.size == (80, 60)
        rough = np.asarray(img.resize((40, 30), Image.Resampling.LANCZOS), np.float32) / 255
    assert np.abs(rough - exact).max() > 1.5 * np.abs(grey - exact).max()
    assert DRAFT_MARGIN == 4


def test_exif_orientation_with_draft(tmp_path):
    rng = np.random.default_rng(2)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: upright it is 480 wide, 640 high
    path = _jpeg(tmp_path / "a.jpg", rng, 640, 480, exif=exif.tobytes())
    model = Model(Params(image_resize_length=30, image_resize_method="scale width"))
    calls = []

    def limit(w, h):
        calls.append((w, h))
        return MaxDraftScale(model.params, w, h)

    img, scale = InputSource(path, exact=False).CreateGreyImage(limit)
    assert calls == [(480, 640)] and scale == 4 and img.size == (120, 160) and img.mode == "L"
    exact, grey = _layer(model, path, True), _layer(model, path, False)
    assert grey.shape == exact.shape == (40, 30)
    assert np.abs(grey - exact).max() <= 0.0185


@pytest.mark.parametrize("mode, ext", [("L", ".jpg"), ("L", ".png"), ("LA", ".png")])
def test_grey_files_are_read_exactly(tmp_path, mode, ext):
    img = _picture(np.random.default_rng(3), 160, 120).convert(mode)
    path = str(tmp_path / ("a" + ext))
    img.save(path)
    model = Model(Params(image_resize_length=10))
    got, scale = InputSource(path, exact=False).CreateGreyImage(lambda w, h: 8)
    assert scale == 1 and got.mode == Image.open(path).mode
    assert np.array_equal(_layer(model, path, False), _layer(model, path, True))


@pytest.mark.parametrize("mode, ext", [("RGB", ".png"), ("RGBA", ".png"), ("P", ".png"),
                                       ("RGB", ".bmp"), ("RGB", ".tiff"), ("RGBA", ".tiff"),
                                       ("CMYK", ".jpg"), ("RGB", ".webp")])
@pytest.mark.parametrize("backend", ["cython", "numpy"])
def test_other_colour_files_take_the_luma_of_their_samples(tmp_path, mode, ext, backend):
    img = _picture(np.random.default_rng(3), 160, 120).convert(mode)
    path = str(tmp_path / ("a" + ext))
    img.save(path, **({"lossless": True} if ext == ".webp" else {}))
    model = Model(backend, Params(image_resize_length=10))
    got, scale = InputSource(path, exact=False).CreateGreyImage(lambda w, h: 8)
    assert scale == 1 and got.mode == Image.open(path).mode
    grey, exact = _layer(model, path, False), _layer(model, path, True)
    with Image.open(path) as opened:
        luma = model.backend.LumaBytes(images.ImageToColourBytes(opened))
    want = model.backend.Resample(luma, *images.ScaledSize((160, 120), "scale short edge", 10))
    assert grey.shape == exact.shape == (10, 13)
    assert np.array_equal(grey, np.clip(want, 0, 1))
    assert np.abs(grey - exact).max() <= 5e-7
    # the full-size grey: within two float32 ulps of the exact path's
    model = Model(backend, Params(image_resize_method="none"))
    grey, exact = _layer(model, path, False), _layer(model, path, True)
    assert np.abs(grey.view(np.int32) - exact.view(np.int32)).max() <= 2
    assert not np.array_equal(grey, exact)  # the two paths do differ in the last bits


def test_resize_none_decodes_luma_at_full_size(tmp_path):
    path = _jpeg(tmp_path / "a.jpg", np.random.default_rng(4), 64, 48)
    model = Model(Params(image_resize_method="none"))
    exact, grey = _layer(model, path, True), _layer(model, path, False)
    assert grey.shape == exact.shape == (48, 64)
    with Image.open(path) as img:
        img.draft("L", None)
        stored = np.asarray(img, np.float32) / np.float32(255)
    assert np.array_equal(grey, stored)
    assert 0 < np.abs(grey - exact).max() <= 0.0185


def test_input_source_exact_argument(tmp_path):
    with pytest.raises(TypeError, match="exact must be True or False, got 'no'"):
        InputSource("a.jpg", exact="no")
    with pytest.raises(TypeError, match="exact must be True or False, got 1"):
        InputSource("a.jpg", exact=1)
    a, b = InputSource("a.jpg"), InputSource("a.jpg", exact=False)
    assert a.exact is True and b.exact is False and a != b and a == InputSource("a.jpg")
    assert repr(b) == "InputSource('a.jpg', exact=False)" and repr(a) == "InputSource('a.jpg')"
    for src in (a, b):
        back = pickle.loads(pickle.dumps(src))
        assert back == src and hash(back) == hash(src)
    with pytest.raises(InputLoadError, match="no such image file"):
        InputSource(str(tmp_path / "missing.jpg"), exact=False).CreateGreyImage(lambda w, h: 1)


@pytest.mark.parametrize("mode", ["L", "LA", "YCbCr"])
@pytest.mark.parametrize("method", ["scale short edge", "scale and crop", "none"])
@pytest.mark.parametrize("backend", ["cython", "numpy"])
def test_eight_bit_grey_images_resample_from_their_bytes_bit_for_bit(mode, method, backend):
    img = _picture(np.random.default_rng(6), 90, 70).convert(mode)
    model = Model(backend, Params(image_resize_length=33, image_resize_method=method))
    got = PrepareImage(img, model.params, model.backend)
    data = images.ImageToArray(img)
    if method == "none":
        want = data
    elif method == "scale and crop":
        size = images.ScaledSize((90, 70), method, 33)
        scaled, box = images.ScaleAndCropSize((90, 70), size)
        want = model.backend.Resample(data, scaled[0], scaled[1], box=box)
    else:
        want = model.backend.Resample(data, *images.ScaledSize((90, 70), method, 33))
    want = np.clip(want, 0, 1)
    assert got.dtype == np.float32 and np.array_equal(got, want)
    assert images.ImageToBytes(img).dtype == np.uint8
    assert images.ImageToBytes(img.convert("RGB")) is None
    with pytest.raises(TypeError, match="img must be a PIL image"):
        images.ImageToBytes(data)

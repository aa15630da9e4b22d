"""The standard HMAX model: layers, inputs, patches, errors, pickling, bounded C2."""

import multiprocessing
import pickle
import tracemalloc
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from PIL import Image

from glimpse import glab
from glimpse.backends import BackendError, InputSizeError, MakeBackend, NumpyBackend
from glimpse.models import MakeModel, ml
from glimpse.models.hmax import BuildLayer, Layer, MinimumImageSize, Model, Params, State
from glimpse.prototypes import ImprintS2Prototypes

from .conftest import SMALL, small_model


def image(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def test_layers_table():
    rows = [(Layer.S1, "s1", "S1", Layer.IMAGE), (Layer.C1, "c1", "C1", Layer.S1),
            (Layer.S2, "s2", "S2", Layer.C1), (Layer.C2, "c2", "C2", Layer.C1)]
    for layer, id_, name, dep in rows:
        assert (layer.id_, layer.name, layer.depends) == (id_, name, [dep])
        assert Layer.FromName(name.lower()) is layer and Layer.FromId(id_) is layer
        # the ml model's layer of the same name has the same id
        assert getattr(ml.Layer, name).id_ == id_
    assert (Layer.SOURCE.id_, Layer.IMAGE.id_) == (ml.Layer.SOURCE.id_, ml.Layer.IMAGE.id_)
    assert Layer.TopLayer() is Layer.C2
    names = {lyr.name for lyr in Layer.AllLayers()}
    assert names == {"source", "image", "S1", "C1", "S2", "C2"}
    assert Model.StateClass is State and State.ModelClass is Model and Model.LayerClass is Layer


def test_shapes_of_a_non_square_image():
    model = small_model()
    model.s2_kernels = [np.ones((3, 4, 4, 4)), np.ones((2, 4, 5, 5))]
    state = BuildLayer(model, (Layer.S2, Layer.C2), image((37, 52)))
    assert [m.shape for m in state[Layer.S1]] == [(4, 37, 52)] * 4
    # side (H + 2 (p // 2) - p) // (p // 2) + 1 with p = 8 and 10
    assert [m.shape for m in state[Layer.C1]] == [(4, 10, 14), (4, 8, 11)]
    # even patch sizes keep the C1 size, odd ones lose a row and a column
    assert [[m.shape for m in band] for band in state[Layer.S2]] == [
        [(3, 10, 14), (2, 9, 13)], [(3, 8, 11), (2, 7, 10)]]
    assert [v.shape for v in state[Layer.C2]] == [(3,), (2,)]
    for maps in (state[Layer.S1], state[Layer.C1], state[Layer.C2]):
        assert all(m.dtype == np.float32 for m in maps)


def test_default_parameters_on_an_example_image():
    model = Model()
    img = glab.GetExampleImage()
    img = img.crop((img.width // 2 - 40, img.height // 2 - 30, img.width // 2 + 40,
                    img.height // 2 + 30))
    state = BuildLayer(model, Layer.C1, img)
    # no resizing: the IMAGE layer is the picture's size
    assert state[Layer.IMAGE].shape == (img.height, img.width)
    assert len(state[Layer.S1]) == 16 and len(state[Layer.C1]) == 8
    assert [k.shape[-1] for k in model.s1_kernels] == list(range(7, 38, 2))
    for s1 in state[Layer.S1]:
        assert s1.shape == (4, img.height, img.width) and s1.max() > 0


def test_pixel_values_0_to_255_give_the_same_s1():
    # the reference feeds 0..255; S1 divides by the window norm, so the scale drops out
    backend = NumpyBackend()
    img = image((30, 34), 3)
    s1 = backend.HmaxS1(img, small_model().s1_kernels)
    scaled = backend.HmaxS1(img * np.float32(255), small_model().s1_kernels)
    for a, b in zip(s1, scaled):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_the_model_computes_through_its_backend(monkeypatch):
    backend = MakeBackend("numpy")
    calls = []
    for name in ("HmaxS1", "HmaxC1", "HmaxS2", "HmaxC2"):
        def spy(*args, _name=name, _method=getattr(backend, name), **kw):
            calls.append(_name)
            return _method(*args, **kw)
        monkeypatch.setattr(backend, name, spy, raising=False)
    model = small_model(backend)
    model.s2_kernels = [np.ones((2, 4, 4, 4)), np.ones((2, 4, 5, 5))]
    state = BuildLayer(model, Layer.C2, image((30, 30)), save_all=False)
    # C2 comes from C1 through the fused operation: no S2 map is made or kept
    assert calls == ["HmaxS1", "HmaxC1", "HmaxC1", "HmaxC2", "HmaxC2"]
    assert set(state.keys()) == {Layer.C2.id_} | ({Layer.SOURCE.id_} & set(state.keys()))
    calls.clear()
    state = BuildLayer(model, Layer.C2, image((30, 30)), save_all=True)
    assert "HmaxS2" not in calls and Layer.S2 not in state and Layer.C1 in state
    calls.clear()
    BuildLayer(model, (Layer.S2, Layer.C2), state)
    assert calls == ["HmaxS2"] * 4


def test_c2_is_the_best_of_s2():
    for activation, best in (("euclidean", np.min), ("gaussian", np.max)):
        model = small_model(s2_activation=activation, s2_sigma=0.5)
        rng = np.random.default_rng(1)
        model.s2_kernels = [rng.random((5, 4, 4, 4), dtype=np.float32) * 0.3,
                            rng.random((4, 4, 5, 5), dtype=np.float32) * 0.3]
        state = BuildLayer(model, (Layer.S2, Layer.C2), image((41, 35), 2))
        for i, c2 in enumerate(state[Layer.C2]):
            per_band = [best(band[i], axis=(1, 2)) for band in state[Layer.S2]]
            np.testing.assert_allclose(c2, best(np.stack(per_band), axis=0), rtol=1e-6)


@pytest.mark.parametrize("shape, band, need", [
    ((4, 40), 1, 5), ((3, 3), 0, 4), ((40, 4), 1, 5), ((1, 1), 0, 4)])
def test_too_small_images_name_the_layer_and_band(shape, band, need):
    model = small_model()
    model.s2_kernels = [np.ones((1, 4, 4, 4)), np.ones((1, 4, 5, 5))]
    with pytest.raises(InputSizeError) as info:
        BuildLayer(model, Layer.C2, np.zeros(shape, np.float32))
    err = info.value
    assert err.layer is Layer.C1 and err.scale == band
    text = str(err)
    assert "band %d" % band in text and "at least %dx%d" % (need, need) in text
    assert "%dx%d" % shape in text and "\n" not in text


def test_minimum_image_size_is_the_smallest_that_works():
    for kw in (SMALL, dict(c1_kwidths=[7, 9], c1_band_sizes=2, s1_kwidths=[5, 7, 9, 11],
                           s1_wavelengths=[4, 4, 4, 4])):
        params = Params(**kw)
        side = MinimumImageSize(params)
        model = Model(params=params)
        c1 = BuildLayer(model, Layer.C1, np.zeros((side, side), np.float32))[Layer.C1]
        assert min(min(m.shape[1:]) for m in c1) == 2
        with pytest.raises(InputSizeError):
            BuildLayer(model, Layer.C1, np.zeros((side - 1, side + 5), np.float32))
    assert MinimumImageSize(Params()) == 11
    with pytest.raises(TypeError, match="params"):
        MinimumImageSize(ml.Params())


@pytest.mark.parametrize("layer", [Layer.S2, Layer.C2])
def test_building_s2_or_c2_without_patches_says_how_to_get_them(layer):
    model = small_model()
    with pytest.raises(BackendError) as info:
        BuildLayer(model, layer, image((30, 30)))
    text = str(info.value)
    assert "no S2 patches" in text and "s2_kernels" in text and "ImprintS2Prototypes" in text
    assert "LoadPatches" in text and info.value.layer is layer


def test_patches_are_validated_on_assignment():
    model = small_model()
    good = [np.ones((2, 4, 4, 4)), np.ones((3, 4, 5, 5))]
    model.s2_kernels = good
    stored = model.s2_kernels
    assert [p.dtype for p in stored] == [np.float32] * 2
    assert not stored[0].flags.writeable and stored[0] is not good[0]
    good[0][:] = 7  # a copy was kept
    assert model.s2_kernels[0].max() == 1
    bad = [
        (np.ones((2, 4, 4, 4)), TypeError, r"s2_kernels must be a list of 2 array\(s\)"),
        ([np.ones((2, 4, 4, 4))], ValueError, "one array per S2 patch size"),
        ("patches", TypeError, "s2_kernels must be a list"),
        ([np.ones((2, 4, 4, 4)), np.ones((3, 4, 4, 4))], ValueError,
         r"s2_kernels\[1\] must have shape \(n,\) \+ \(4, 5, 5\)"),
        ([np.ones((2, 3, 4, 4)), np.ones((3, 4, 5, 5))], ValueError,
         r"s2_kernels\[0\] must have shape"),
        ([np.ones((0, 4, 4, 4)), np.ones((3, 4, 5, 5))], ValueError, "n >= 1"),
        ([np.ones((4, 4, 4)), np.ones((3, 4, 5, 5))], ValueError, r"s2_kernels\[0\] must be 4D"),
        ([np.full((2, 4, 4, 4), np.nan), np.ones((3, 4, 5, 5))], ValueError, "finite"),
        ([np.ones((2, 4, 4, 4)), np.full((3, 4, 5, 5), 1e300)], ValueError, "float32 range"),
        ([np.ones((2, 4, 4, 4), complex), np.ones((3, 4, 5, 5))], TypeError, "real numbers"),
        ([None, np.ones((3, 4, 5, 5))], TypeError, "s2_kernels"),
    ]
    for value, error, message in bad:
        with pytest.raises(error, match=message):
            model.s2_kernels = value
        assert all(np.array_equal(a, b) for a, b in zip(model.s2_kernels, stored))
    model.s2_kernels = None
    assert model.s2_kernels is None
    single = Model(params=Params(s2_kwidths=[4]))
    single.s2_kernels = np.zeros((1, 4, 4, 4))
    assert single.s2_kernels[0].shape == (1, 4, 4, 4)


def test_patches_are_checked_again_when_the_parameters_change():
    model = small_model()
    model.s2_kernels = [np.ones((2, 4, 4, 4)), np.ones((3, 4, 5, 5))]
    model.params.s2_kwidths = [4, 6]
    with pytest.raises(BackendError, match=r"s2_kernels\[1\] must have shape") as info:
        BuildLayer(model, Layer.C2, image((30, 30)))
    assert info.value.layer is Layer.C2


def test_s1_filters_follow_the_parameters():
    model = small_model()
    first = model.s1_kernels
    assert [k.shape for k in first] == [(4, 7, 7), (4, 9, 9), (4, 11, 11), (4, 13, 13)]
    assert not first[0].flags.writeable
    assert model.s1_kernels[0] is first[0]  # made once
    model.params.s1_orientations = [0.0, 45.0]
    assert [k.shape[0] for k in model.s1_kernels] == [2] * 4
    model.params.s1_gamma = 0.5
    again = model.s1_kernels
    assert not np.array_equal(again[0], Model(params=Params(**dict(
        SMALL, s1_orientations=[0.0, 45.0]))).s1_kernels[0])


def test_inputs_the_base_model_takes(tmp_path):
    model = small_model()
    data = image((33, 41), 4)
    path = tmp_path / "in.png"
    Image.fromarray((data * 255).astype(np.uint8), "L").save(path)
    by_path = BuildLayer(model, Layer.C1, str(path))
    by_image = BuildLayer(model, Layer.C1, Image.open(path))
    assert by_path[Layer.IMAGE].shape == (33, 41)
    for a, b in zip(by_path[Layer.C1], by_image[Layer.C1]):
        np.testing.assert_array_equal(a, b)
    model.params.image_resize_method = "scale short edge"
    model.params.image_resize_length = 20
    assert BuildLayer(model, Layer.IMAGE, str(path))[Layer.IMAGE].shape == (20, 24)


def test_model_with_patches_pickles_through_a_process_pool():
    model = small_model(NumpyBackend())
    ImprintS2Prototypes(model, [image((30, 30), 5), image((34, 30), 6)], 3, rng=0)
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model and copy.s2_kernels[1].shape == (3, 4, 5, 5)
    assert not copy.s2_kernels[0].flags.writeable and not copy.s1_kernels[0].flags.writeable
    img = image((32, 36), 7)
    local = BuildLayer(model, Layer.C2, img)[Layer.C2]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = pool.submit(BuildLayer, model, Layer.C2, img).result()[Layer.C2]
    for a, b in zip(local, remote):
        np.testing.assert_array_equal(a, b)


def test_model_equality():
    a, b = small_model(NumpyBackend()), small_model(NumpyBackend())
    assert a == b
    b.s2_kernels = [np.ones((1, 4, 4, 4)), np.ones((1, 4, 5, 5))]
    assert a != b
    a.s2_kernels = [np.ones((1, 4, 4, 4)), np.zeros((1, 4, 5, 5))]
    assert a != b
    a.s2_kernels = b.s2_kernels
    assert a == b
    assert small_model(NumpyBackend(), s2_sigma=2.0) != b
    assert MakeModel("ml") != Model()


def test_c2_holds_no_s2_maps():
    # 400 patches of each of the four sizes on a 128x128 image: the S2 maps would take
    # 22 MB; C2 holds the compiled backend's bounded scratch only (save_all or not)
    model = Model("cython")
    rng = np.random.default_rng(0)
    model.s2_kernels = [rng.random((400, 4, k, k), dtype=np.float32) for k in (4, 8, 12, 16)]
    c1 = BuildLayer(model, Layer.C1, image((128, 128), 8))
    s2_bytes = sum(4 * 400 * m.shape[1] * m.shape[2] * 4 for m in c1[Layer.C1])
    assert s2_bytes > 20e6
    for save_all in (False, True):
        tracemalloc.start()
        try:
            state = BuildLayer(model, Layer.C2, c1, save_all=save_all)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert Layer.S2 not in state
        assert peak < s2_bytes / 2, "peak %d bytes, S2 %d bytes" % (peak, s2_bytes)

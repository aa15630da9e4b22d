import pickle
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from glimpse import glab
from glimpse.backends import (
    CythonBackend,
    InputLoadError,
    InputSizeError,
    InputSource,
    NumpyBackend,
)
from glimpse.models.base import (
    BackendError,
    BuildLayer,
    Layer,
    LayerSpec,
    Model,
    Params,
    PrepareImage,
    ResolveLayers,
    SamplePatches,
    State,
    layer_builder,
)


def gradient_image(width, height, mode="L"):
    x = np.linspace(0, 255, width)[None, :] * np.ones((height, 1))
    return Image.fromarray(x.astype(np.uint8)).convert(mode)


# A small derived model, as a user would write one.
class EdgeLayer(Layer):
    EDGE = LayerSpec("e", "edge", [Layer.IMAGE])


class EdgeParams(Params):
    pass


class EdgeState(State):
    pass


class EdgeModel(Model):
    LayerClass = EdgeLayer
    ParamClass = EdgeParams
    StateClass = EdgeState

    @layer_builder(EdgeLayer.EDGE)
    def BuildEdge(self, image):
        if image.shape[0] < 2:
            raise BackendError("image too small for edges", scale=0)
        return np.abs(np.diff(image, axis=0))


EdgeState.ModelClass = EdgeModel


def test_model_construction(monkeypatch):
    monkeypatch.delenv("GLIMPSE_BACKEND", raising=False)
    model = Model()
    assert type(model.backend) is CythonBackend
    assert model.params == Params()
    p = Params(image_resize_length=64)
    assert Model(p).params is p
    assert Model(params=p).params is p
    assert Model(None, p).params is p
    assert isinstance(Model("cython").backend, CythonBackend)
    with pytest.raises(ValueError, match="params"):
        EdgeModel(params=Params())
    with pytest.raises(ValueError, match="params"):
        Model(params={"image_resize_length": 3})
    with pytest.raises(ValueError, match="backend"):
        Model("no-such-backend")
    assert type(Model("numpy").backend) is NumpyBackend
    assert type(Model(NumpyBackend()).backend) is NumpyBackend
    monkeypatch.setenv("GLIMPSE_BACKEND", "numpy")
    assert type(Model().backend) is NumpyBackend
    for bad in (3, object(), CythonBackend):
        with pytest.raises(TypeError, match="backend must be a glimpse.backends.Backend"):
            Model(backend=bad)


def test_make_state_from_path(tmp_path):
    path = tmp_path / "img.png"
    gradient_image(30, 20).save(path)
    model = Model()
    for source in (str(path), path):
        state = model.MakeState(source)
        assert type(state) is State
        assert state[Layer.SOURCE] == InputSource(path)
        assert Layer.IMAGE not in state


def test_make_state_from_image_and_array():
    model = Model(Params(image_resize_length=10))
    state = model.MakeState(gradient_image(40, 20))
    assert state[Layer.IMAGE].shape == (10, 20)
    data = np.random.default_rng(0).random((5, 6))
    state = model.MakeState(data)
    assert state[Layer.IMAGE].dtype == np.float32 and state[Layer.IMAGE].shape == (5, 6)
    np.testing.assert_allclose(state[Layer.IMAGE], data, rtol=1e-6)
    state[Layer.IMAGE][0, 0] = 7
    assert data[0, 0] != 7  # the state owns its copy


def test_make_state_from_state():
    model = Model()
    state = model.MakeState(np.zeros((3, 3)))
    assert model.MakeState(state) is state
    copy = model.MakeState(state, copy=True)
    assert copy == state and copy is not state and type(copy) is State
    with pytest.raises(ValueError, match="EdgeState"):
        EdgeModel().MakeState(state)


@pytest.mark.parametrize(
    "source, match",
    [
        (np.zeros((3, 3), dtype=int), "floating"),
        (np.zeros((3, 3), dtype=bool), "floating"),
        (np.zeros((3, 3), dtype=complex), "floating"),
        (np.zeros((3, 3, 3)), "2D"),
        (np.zeros(3), "2D"),
        (np.zeros((0, 3)), "empty"),
        (np.full((3, 3), np.nan), "finite values, got nan"),
        (np.full((3, 3), 1.5), r"\[0, 1\]"),
        (np.full((3, 3), -0.1), r"\[0, 1\]"),
        (3, "int"),
        (None, "NoneType"),
        ([[0.5]], "list"),
    ],
)
def test_make_state_rejects(source, match):
    with pytest.raises(ValueError, match=match):
        Model().MakeState(source)


def test_prepare_image_methods():
    img = gradient_image(100, 200)
    assert PrepareImage(img, Params(image_resize_length=256)).shape == (512, 256)
    img = gradient_image(240, 220)
    out = PrepareImage(img, Params())
    assert out.shape == (220, 240) and out.dtype == np.float32
    np.testing.assert_allclose(out, np.asarray(img) / 255, atol=1e-6)
    img = gradient_image(640, 480)
    expect = {
        "none": (480, 640),
        "scale short edge": (220, 293),
        "scale long edge": (165, 220),
        "scale width": (165, 220),
        "scale height": (220, 293),
        "scale and crop": (220, 220),
    }
    for method, shape in expect.items():
        out = PrepareImage(img, Params(image_resize_method=method))
        assert out.shape == shape, method
        assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    out = PrepareImage(
        img, Params(image_resize_method="scale and crop", image_resize_length=256,
                    image_resize_aspect_ratio=0.25)
    )
    assert out.shape == (1024, 256)


def test_prepare_image_is_clipped_and_quantised_once():
    # a sharp edge makes Lanczos overshoot; the output is clipped to [0, 1]
    data = np.zeros((40, 40), np.uint8)
    data[:, 20:] = 255
    out = PrepareImage(Image.fromarray(data), Params(image_resize_length=17))
    assert out.min() == 0.0 and out.max() == 1.0
    # resized in float: values between 8-bit levels appear
    levels = out * 255
    assert np.abs(levels - np.rint(levels)).max() > 0.01


def test_prepare_image_errors():
    with pytest.raises(TypeError, match="params"):
        PrepareImage(gradient_image(4, 4), {"image_resize_length": 3})
    with pytest.raises(TypeError, match="img"):
        PrepareImage("file.png", Params())


def test_build_layer_from_every_source(tmp_path):
    model = Model(Params(image_resize_length=32))
    img = gradient_image(64, 48)
    path = tmp_path / "g.png"
    img.save(path)
    from_path = BuildLayer(model, Layer.IMAGE, path)
    from_image = BuildLayer(model, Layer.IMAGE, img)
    from_state = BuildLayer(model, Layer.IMAGE, model.MakeState(str(path)))
    assert from_path[Layer.IMAGE].shape == (32, 42)
    np.testing.assert_array_equal(from_path[Layer.IMAGE], from_image[Layer.IMAGE])
    assert from_path == from_state
    assert from_path[Layer.SOURCE] == InputSource(path)


def test_build_layer_does_not_modify_input_and_save_all():
    model = EdgeModel()
    start = model.MakeState(np.random.default_rng(2).random((6, 5)))
    out = BuildLayer(model, EdgeLayer.EDGE, start)
    assert type(out) is EdgeState
    assert list(start.keys()) == ["i"]
    assert set(out.keys()) == {"i", "e"}
    slim = BuildLayer(model, EdgeLayer.EDGE, start, save_all=False)
    assert set(slim.keys()) == {"e"}
    both = BuildLayer(model, (EdgeLayer.EDGE, EdgeLayer.IMAGE), start, save_all=False)
    assert set(both.keys()) == {"e", "i"}
    assert BuildLayer(model, "edge", start) == out


def test_build_layer_keeps_source_when_slim(tmp_path):
    path = tmp_path / "g.png"
    gradient_image(30, 30).save(path)
    model = EdgeModel()
    slim = BuildLayer(model, EdgeLayer.EDGE, path, save_all=False)
    assert set(slim.keys()) == {"s", "e"}


def test_build_layer_errors(tmp_path):
    model = Model()
    with pytest.raises(ValueError, match="edge"):
        BuildLayer(model, EdgeLayer.EDGE, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="bogus"):
        BuildLayer(model, "bogus", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="source"):
        BuildLayer(model, Layer.IMAGE, State())
    with pytest.raises(InputLoadError, match="nope.png"):
        BuildLayer(model, Layer.IMAGE, tmp_path / "nope.png")
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0garbage")
    with pytest.raises(InputLoadError, match="corrupt.jpg"):
        BuildLayer(model, Layer.IMAGE, corrupt)


def test_backend_error_gets_source_attached(tmp_path):
    path = tmp_path / "thin.png"
    gradient_image(30, 1).save(path)
    model = EdgeModel(EdgeParams(image_resize_method="none"))
    with pytest.raises(BackendError, match="thin.png") as info:
        BuildLayer(model, EdgeLayer.EDGE, path)
    assert info.value.source == InputSource(path)


def test_sample_patches(tmp_path):
    model = Model()
    state = model.MakeState(glab.GetExampleImage())
    patches, locs = SamplePatches(model, Layer.IMAGE, 20, 9, state, rng=5)
    assert patches.shape == (20, 9, 9) and patches.dtype == np.float32
    assert locs.shape == (20, 3)
    image = BuildLayer(model, Layer.IMAGE, state)[Layer.IMAGE]
    for patch, (s, y, x) in zip(patches, locs):
        assert s == 0
        np.testing.assert_array_equal(patch, image[y:y + 9, x:x + 9])
    again, locs2 = SamplePatches(model, Layer.IMAGE, 20, 9, state, rng=5)
    np.testing.assert_array_equal(again, patches)
    np.testing.assert_array_equal(locs2, locs)


def test_sample_patches_too_small_names_source_and_layer(tmp_path):
    path = tmp_path / "small.png"
    gradient_image(12, 10).save(path)
    model = Model(Params(image_resize_method="none"))
    with pytest.raises(InputSizeError) as info:
        SamplePatches(model, Layer.IMAGE, 3, 11, path, rng=0)
    err = info.value
    assert err.source == InputSource(path) and err.layer == Layer.IMAGE and err.scale == 0
    assert "small.png" in str(err) and "image" in str(err)


def _build_in_child(model, path):
    return BuildLayer(model, EdgeLayer.EDGE, path)[EdgeLayer.EDGE]


def test_models_states_params_pickle(tmp_path):
    path = tmp_path / "g.png"
    gradient_image(40, 30).save(path)
    model = EdgeModel(EdgeParams(image_resize_length=16))
    clone = pickle.loads(pickle.dumps(model))
    assert clone.params == model.params and clone.backend == model.backend
    state = BuildLayer(model, EdgeLayer.EDGE, path)
    assert pickle.loads(pickle.dumps(state)) == state
    # EdgeModel lives in this test module, which a freshly started worker (spawn, as on
    # macOS and Windows) cannot import from an installed wheel: the child is forked.
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method to send a class defined in a test module")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        remote = pool.submit(_build_in_child, model, Path(path)).result()
    np.testing.assert_array_equal(remote, state[EdgeLayer.EDGE])


@pytest.mark.parametrize("method", ["none", "scale short edge", "scale and crop"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prepare_image_array_input_is_not_aliased(method, dtype):
    data = np.random.default_rng(3).random((30, 20)).astype(dtype)
    params = Params(image_resize_method=method, image_resize_length=20)
    out = PrepareImage(data, params)
    assert out.dtype == np.float32 and not np.shares_memory(out, data)
    before = data.copy()
    out[...] = 0
    np.testing.assert_array_equal(data, before)
    if method != "scale and crop":
        np.testing.assert_array_equal(PrepareImage(data, params), data.astype(np.float32))


# -- the layer graph as the 2013 library built it -------------------------------------------

def test_layer_module_base_class_holds_no_layers():
    from glimpse.models.base import layer as layer_module

    assert layer_module.Layer.AllLayers() == []
    with pytest.raises(ValueError, match="holds no layers"):
        layer_module.Layer.TopLayer()

    class Graph(layer_module.Layer):
        RAW = LayerSpec("r", "raw")
        SMOOTH = LayerSpec("m", "smooth", [RAW])
        EDGE = LayerSpec("e", "edge", [SMOOTH])

    assert Graph.AllLayers() == [Graph.EDGE, Graph.RAW, Graph.SMOOTH]
    assert Graph.TopLayer() == Graph.EDGE
    assert Layer.AllLayers() == [Layer.IMAGE, Layer.SOURCE]


def _double(image):
    return 2 * image


def test_registered_node_is_buildable():
    model = Model()
    doubled = LayerSpec("d", "doubled", [Layer.IMAGE])
    model.Register(doubled, _double)
    image = np.full((6, 7), 0.25, np.float32)
    for spec in (doubled, "doubled", "DOUBLED", "d", LayerSpec("d", "doubled", [Layer.IMAGE])):
        state = BuildLayer(model, spec, image)
        np.testing.assert_array_equal(state[doubled], 2 * image)
    unknown = LayerSpec("u", "unknown", [Layer.IMAGE])
    for spec in (unknown, "unknown"):
        with pytest.raises(ValueError, match="must be a layer of Model .*got .*'unknown'"):
            BuildLayer(model, spec, image)
    with pytest.raises(ValueError, match="got LayerSpec 'doubled'"):
        BuildLayer(Model(), doubled, image)  # registered on another model only


def test_sample_patches_refuses_non_models_and_the_source_layer(tmp_path):
    image = np.full((20, 20), 0.5, np.float32)
    with pytest.raises(TypeError, match="model must be a Model, got NoneType"):
        SamplePatches(None, Layer.IMAGE, 3, 5, image)
    path = tmp_path / "a.png"
    Image.new("L", (30, 30), 100).save(path)
    with pytest.raises(ValueError, match="layer must hold activity maps .* got the source layer"):
        SamplePatches(Model(), Layer.SOURCE, 3, 5, str(path))


def test_every_layer_argument_finds_registered_nodes():
    from glimpse.experiment import ComputeFeatures
    from glimpse.prototypes import SamplePatchesFromImages

    model = Model(NumpyBackend())
    doubled = LayerSpec("d", "doubled", [Layer.IMAGE])
    model.Register(doubled, _double)
    assert ResolveLayers(model, "DOUBLED") == [doubled]
    assert ResolveLayers(model, ("d", Layer.IMAGE)) == [doubled, Layer.IMAGE]
    image = np.full((6, 7), 0.25, np.float32)
    features, kept, skipped = ComputeFeatures(model, [image], layers=["doubled"])
    np.testing.assert_array_equal(features, (2 * image).reshape(1, -1))
    assert kept.tolist() == [True] and skipped == []
    ((patches, locations),) = SamplePatchesFromImages(model, "doubled", 3, 2, [image], rng=0)
    np.testing.assert_array_equal(patches, np.full((2, 1, 3, 3), 0.5, np.float32))
    with pytest.raises(ValueError, match="^layer must be a layer of Model \\(image, source\\) "
                       "or a node registered on the model, got 'doubled'$"):
        ResolveLayers(Model(), "doubled")
    with pytest.raises(ValueError, match="^layers must name at least one layer, got \\[\\]$"):
        ResolveLayers(model, [], "layers")

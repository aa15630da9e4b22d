"""The HMAX model end to end: layer values, variants on both backends, errors, pickling."""

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from glimpse import glab
from glimpse.backends import BackendError, InputSizeError, MakeBackend, NumpyBackend
from glimpse.models import MakeModel
from glimpse.models.ml import (BuildLayer, GetS2ReceptiveField, Layer, Model, NumScalesSupported,
                               Params, State, Whiten)
from glimpse.models.ml import model as ml_model
from glimpse.prototypes import ImprintS2Prototypes
from glimpse.images import MakeScalePyramid


def smooth_image(shape, seed):
    """A random image with structure at several scales, values in [0, 1]."""
    rng = np.random.default_rng(seed)
    img = rng.random(shape)
    for _ in range(2):  # cheap blur, so Gabors see edges rather than noise
        img = (img + np.roll(img, 1, 0) + np.roll(img, 1, 1) + np.roll(img, (1, 1), (0, 1))) / 4
    img = (img - img.min()) / (img.max() - img.min())
    return img.astype(np.float32)


IMAGE = smooth_image((72, 80), 0)
TRAIN = [smooth_image((70, 70), s) for s in (1, 2)]


def test_layers_table():
    rows = [(Layer.RETINA, "r", "retina", Layer.IMAGE), (Layer.S1, "s1", "S1", Layer.RETINA),
            (Layer.C1, "c1", "C1", Layer.S1), (Layer.S2, "s2", "S2", Layer.C1),
            (Layer.C2, "c2", "C2", Layer.S2)]
    for layer, id_, name, dep in rows:
        assert (layer.id_, layer.name, layer.depends) == (id_, name, [dep])
        assert Layer.FromName(name.lower()) is layer and Layer.FromId(id_) is layer
    assert Layer.TopLayer() is Layer.C2
    assert Layer.SOURCE in Layer.AllLayers() and Layer.IMAGE in Layer.AllLayers()
    assert Model.StateClass is State and State.ModelClass is Model and Model.LayerClass is Layer


def gabor_response_by_hand(level, kernel, bias, y, x):
    k = kernel.shape[-1]
    window = level[y:y + k, x:x + k].astype(np.float64)
    return abs((window * kernel).sum()) / np.sqrt(max((window ** 2).sum(), bias))


def test_default_layers_by_hand():
    model = Model(NumpyBackend(), Params(num_scales=3))
    model.s2_kernels = [np.random.default_rng(3).random((6, 4, 7, 7), dtype=np.float32)]
    state = BuildLayer(model, Layer.C2, IMAGE)
    p = model.params
    assert state[Layer.RETINA] is state[Layer.IMAGE] or np.array_equal(state[Layer.RETINA], IMAGE)
    pyramid = MakeScalePyramid(IMAGE, 3, 1 / p.scale_factor)
    s1, c1, s2, c2 = (state[lyr] for lyr in (Layer.S1, Layer.C1, Layer.S2, Layer.C2))
    assert len(s1) == len(c1) == len(s2) == 3
    kernels = model.s1_kernels.astype(np.float64)
    for scale, level in enumerate(pyramid):
        h, w = level.shape
        assert s1[scale].shape == (4, h - 10, w - 10) and s1[scale].dtype == np.float32
        for y, x in [(0, 0), (h - 11, w - 11), (5, 7)]:
            for o in range(4):  # NormDotProduct: phase 0, absolute value
                assert s1[scale][o, y, x] == pytest.approx(
                    gabor_response_by_hand(level, kernels[o, 0], p.s1_bias, y, x), abs=2e-6)
        ch, cw = (h - 10 - 11) // 5 + 1, (w - 10 - 11) // 5 + 1
        assert c1[scale].shape == (4, ch, cw)
        assert c1[scale][2, 1, 1] == s1[scale][2, 5:16, 5:16].max()
        assert len(s2[scale]) == 1 and s2[scale][0].shape == (6, ch - 6, cw - 6)
    expected = np.max([s2[scale][0].max(axis=(1, 2)) for scale in range(3)], axis=0)
    assert len(c2) == 1 and c2[0].shape == (6,)
    np.testing.assert_array_equal(c2[0], expected)


def test_other_s1_operations_take_the_max_over_phases():
    model = Model(NumpyBackend(), Params(num_scales=1, s1_operation="Rbf", s1_num_phases=3))
    assert np.abs(np.sqrt((model.s1_kernels.astype(np.float64) ** 2).sum((2, 3))) - 1).max() > 0.1
    s1 = BuildLayer(model, Layer.S1, IMAGE)[Layer.S1][0]
    k = model.s1_kernels.astype(np.float64)
    window = IMAGE[3:14, 4:15].astype(np.float64)
    for o in range(4):
        expected = max(np.exp(-1.0 * ((window - k[o, ph]) ** 2).sum()) for ph in range(3))
        assert s1[o, 3, 4] == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_retina_and_whitening():
    model = Model(NumpyBackend(), Params(num_scales=1, retina_enabled=True, retina_kwidth=5,
                                         c1_whiten=True))
    state = BuildLayer(model, Layer.C1, IMAGE)
    retina = state[Layer.RETINA]
    assert retina.shape == (68, 76)
    window = IMAGE[10:15, 20:25].astype(np.float64)
    assert retina[10, 20] == pytest.approx(
        (window[2, 2] - window.mean()) / np.sqrt(window.var(ddof=1) + 1.0), abs=1e-6)
    c1 = state[Layer.C1][0]
    raw = model.backend.LocalMax(state[Layer.S1][0], 11, scaling=5)
    np.testing.assert_allclose(c1, Whiten(raw), atol=1e-6)
    norms = np.sqrt((c1.astype(np.float64) ** 2).sum(0))
    assert np.all(norms <= 1 + 1e-5) and np.allclose(c1.sum(0), 0, atol=1e-5)


def test_whiten():
    data = np.array([[1.0, 0.0, 5.0], [3.0, 0.5, -5.0]])
    out = Whiten(data)
    r = 0.5 ** 0.5
    np.testing.assert_allclose(out, [[-r, -0.25, r], [r, 0.25, -r]], rtol=1e-6)
    assert out.dtype == np.float32 and data[0, 0] == 1.0
    with pytest.raises(ValueError, match="band"):
        Whiten(np.zeros((0, 3)))


def c2_tolerance(params, c1_maps, c2):
    """1e-4 (relative for large values); for Rbf on C1 values above 1, plus 4x the error of
    a float32 ``||x||^2 - 2<x, w> + ||w||^2`` (a compiled S2 may compute it that way)."""
    tol = 1e-4 * max(1.0, float(np.abs(c2).max()))
    c1_max = max(float(np.abs(c).max()) for c in c1_maps)
    if params.s2_operation == "Rbf" and c1_max > 1:
        n = params.s1_num_orientations * max(params.s2_kwidth) ** 2
        tol += params.s2_beta * 4 * 2.0 ** -23 * 2 * n * c1_max ** 2
    return tol


VARIANTS = {
    "default": {},
    "retina": dict(retina_enabled=True, retina_kwidth=5),
    "whiten": dict(c1_whiten=True),
    "s1_dot": dict(s1_operation="DotProduct"),
    "s1_rbf": dict(s1_operation="Rbf", s1_beta=0.5),
    "s1_normrbf": dict(s1_operation="NormRbf"),
    "s2_widths": dict(s2_kwidth=[3, 5, 7], s2_operation="NormRbf"),
    "s2_ndp_strided": dict(s2_kwidth=[4], s2_operation="NormDotProduct", s2_sampling=2),
    "s2_dot": dict(s2_kwidth=[5], s2_operation="DotProduct", s1_sampling=2, c1_sampling=3),
    "num_scales_0": dict(num_scales=0, scale_factor=2 ** 0.5),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_agree_across_backends(name):
    params = Params(**dict(dict(num_scales=2), **VARIANTS[name]))
    reference = Model(NumpyBackend(), params)
    ImprintS2Prototypes(reference, TRAIN, 8, rng=5)
    compiled = Model(MakeBackend("cython"), params)
    compiled.s2_kernels = reference.s2_kernels
    want = BuildLayer(reference, Layer.C2, IMAGE)
    got = BuildLayer(compiled, Layer.C2, IMAGE)
    if params.num_scales == 0:
        retina_shape = want[Layer.RETINA].shape
        assert len(want[Layer.S1]) == NumScalesSupported(params, retina_shape) >= 2
    for layer, tol in ((Layer.S1, 2e-5), (Layer.C1, 2e-5)):
        for a, b in zip(want[layer], got[layer]):
            assert a.shape == b.shape
            scale = max(1.0, float(np.abs(a).max()))  # raw Gabor dot products are not in [0, 1]
            np.testing.assert_allclose(b, a, rtol=0, atol=tol * scale)
    for a, b in zip(want[Layer.C2], got[Layer.C2]):
        assert a.shape == b.shape == (8,)
        np.testing.assert_allclose(b, a, rtol=0, atol=c2_tolerance(params, want[Layer.C1], a))


def test_num_scales_zero_and_too_small_images():
    params = Params(num_scales=0)
    model = Model(NumpyBackend(), params)
    # level 1 of 62 rows has 52: S1 42, C1 7, one S2 row; level 2 (44 rows) has none
    s1 = BuildLayer(model, Layer.S1, np.zeros((62, 90), np.float32))[Layer.S1]
    assert len(s1) == NumScalesSupported(params, (62, 90)) == 2
    with pytest.raises(InputSizeError) as info:
        BuildLayer(model, Layer.S1, np.zeros((50, 90), np.float32))
    assert info.value.scale == 0 and info.value.layer is Layer.S2
    assert "layer S2" in str(info.value) and "scale 0" in str(info.value)
    # a fixed count of scales on a small image: the first empty layer and scale are named
    with pytest.raises(InputSizeError) as info:  # S1 is 10x10, smaller than c1_kwidth
        BuildLayer(Model(NumpyBackend(), Params(num_scales=1)), Layer.C1,
                   np.zeros((20, 20), np.float32))
    assert info.value.layer is Layer.C1 and info.value.scale == 0
    model = Model(NumpyBackend(), Params(num_scales=9))
    with pytest.raises(InputSizeError) as info:
        BuildLayer(model, Layer.S1, np.zeros((30, 30), np.float32))
    # levels: 30, 25, 21, 18, 15, 13, 11, 9 -> S1 (kwidth 11) is empty at scale 7
    assert info.value.layer is Layer.S1 and info.value.scale == 7
    assert "layer S1" in str(info.value) and "scale 7" in str(info.value)
    model = Model(NumpyBackend(), Params(num_scales=2))
    model.s2_kernels = [np.ones((2, 4, 7, 7), np.float32)]
    with pytest.raises(InputSizeError) as info:  # C1 of scale 1 is 6x6
        BuildLayer(model, Layer.C2, np.zeros((60, 60), np.float32))
    assert info.value.layer is Layer.S2 and info.value.scale == 1
    retina = Model(NumpyBackend(), Params(retina_enabled=True))
    with pytest.raises(InputSizeError) as info:
        BuildLayer(retina, Layer.RETINA, np.zeros((10, 40), np.float32))
    assert info.value.layer is Layer.RETINA and "retina_kwidth" in str(info.value)


class FailingBackend(NumpyBackend):
    def LocalMax(self, data, kwidth, scaling=1, out=None):
        if data.shape[-1] < 60:
            raise ValueError("simulated failure")
        return super().LocalMax(data, kwidth, scaling=scaling, out=out)


def test_errors_while_building_name_the_layer_and_the_scale():
    model = Model(FailingBackend(), Params(num_scales=3))
    with pytest.raises(BackendError) as info:
        BuildLayer(model, Layer.C1, IMAGE)
    assert info.value.layer is Layer.C1 and info.value.scale == 1
    assert "simulated failure" in str(info.value) and "layer C1, scale 1" in str(info.value)


def test_s2_without_prototypes_is_a_clear_error():
    model = Model(NumpyBackend(), Params(num_scales=1))
    assert model.s2_kernels is None
    with pytest.raises(BackendError, match="s2_kernels") as info:
        BuildLayer(model, Layer.C2, IMAGE)
    assert info.value.layer is Layer.S2


def test_kernel_validation():
    model = Model(NumpyBackend(), Params(num_scales=1, s2_kwidth=[3, 5],
                                         s2_operation="NormDotProduct"))
    good = [np.full((2, 4, 3, 3), 1 / 6, np.float32), np.full((3, 4, 5, 5), 0.1, np.float32)]
    model.s2_kernels = good
    assert [k.shape for k in model.s2_kernels] == [(2, 4, 3, 3), (3, 4, 5, 5)]
    assert not model.s2_kernels[0].flags.writeable
    bad = [
        (good[:1], ValueError, "one array per"),
        ([good[0], good[0]], ValueError, r"s2_kernels\[1\] must have shape"),
        ([good[0] * 2, good[1]], ValueError, "unit norm"),
        ([good[0], np.zeros((0, 4, 5, 5))], ValueError, "at least one"),
        ("abc", TypeError, "list"),
        ([good[0], np.where(good[1] > 0, np.nan, 0)], ValueError, "finite"),
        ([good[0], good[1].astype(complex)], TypeError, "real"),
    ]
    for value, error, match in bad:
        with pytest.raises(error, match=match):
            model.s2_kernels = value
    assert len(model.s2_kernels) == 2  # a refused assignment keeps the old kernels
    model.s2_kernels = [np.zeros((1, 4, 3, 3)), good[1]]  # a flat patch, normalised, is zero
    model.params.s2_operation = "Rbf"  # unnormalised prototypes are fine for Rbf
    model.s2_kernels = [good[0] * 2, good[1]]
    one = Model(NumpyBackend(), Params(num_scales=1))
    one.s2_kernels = np.zeros((1, 4, 7, 7))  # a single array for a single width
    assert one.s2_kernels[0].dtype == np.float32
    # parameters changed after assignment: building S2 names the mismatch
    one.params.s2_kwidth = [5]
    with pytest.raises(BackendError, match="shape") as info:
        BuildLayer(one, Layer.S2, IMAGE)
    assert info.value.layer is Layer.S2
    # S1 kernels: generated (normed for NormDotProduct), settable, validated
    m = Model(NumpyBackend(), Params(num_scales=1, s1_kwidth=5, s1_num_orientations=2))
    assert m.s1_kernels.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(np.sqrt((m.s1_kernels.astype(np.float64) ** 2).sum((2, 3))), 1,
                               atol=1e-6)
    with pytest.raises(ValueError, match="unit norm"):
        m.s1_kernels = np.ones((2, 2, 5, 5))
    with pytest.raises(ValueError, match="shape"):
        m.s1_kernels = np.ones((2, 1, 5, 5)) / 5
    custom = np.zeros((2, 2, 5, 5))
    custom[:, :, 2, 2] = 1  # a delta: S1 is |x_center| / ||x||
    m.s1_kernels = custom
    s1 = BuildLayer(m, Layer.S1, IMAGE)[Layer.S1][0]
    window = IMAGE[:5, :5].astype(np.float64)
    assert s1[1, 0, 0] == pytest.approx(window[2, 2] / np.sqrt((window ** 2).sum()), rel=1e-5)
    # kernels assigned for DotProduct (not unit norm), then the operation needs unit norm:
    # building S1 checks them again
    m.params.s1_operation = "DotProduct"
    m.s1_kernels = np.ones((2, 2, 5, 5))
    BuildLayer(m, Layer.S1, IMAGE)
    m.params.s1_operation = "NormDotProduct"
    with pytest.raises(BackendError, match="unit norm") as info:
        BuildLayer(m, Layer.S1, IMAGE)
    assert info.value.layer is Layer.S1
    m.s1_kernels = None
    m.params.s1_kwidth = 7  # generated kernels follow the parameters
    assert m.s1_kernels.shape == (2, 2, 7, 7)


def test_receptive_field_bounds_what_an_s2_unit_sees():
    for retina in (False, True):
        params = Params(num_scales=1, s2_kwidth=[3], retina_enabled=retina, retina_kwidth=5)
        model = Model(NumpyBackend(), params)
        model.s2_kernels = [np.random.default_rng(0).random((3, 4, 3, 3), dtype=np.float32)]
        s2 = BuildLayer(model, Layer.S2, IMAGE)[Layer.S2][0][0]
        y, x = 2, 3
        top, bottom, left, right = GetS2ReceptiveField(params, 0, y, x, image_shape=IMAGE.shape)
        changed = np.random.default_rng(1).random(IMAGE.shape, dtype=np.float32)
        changed[top:bottom, left:right] = IMAGE[top:bottom, left:right]
        s2b = BuildLayer(model, Layer.S2, changed)[Layer.S2][0][0]
        np.testing.assert_array_equal(s2b[:, y, x], s2[:, y, x])
        assert not np.array_equal(s2b, s2)


def test_model_with_kernels_pickles_through_a_process_pool():
    model = Model(NumpyBackend(), Params(num_scales=2, s2_kwidth=[3, 5]))
    ImprintS2Prototypes(model, TRAIN, 4, rng=0)
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model and copy.s2_kernels[1].shape == (4, 4, 5, 5)
    assert not copy.s2_kernels[0].flags.writeable
    local = BuildLayer(model, Layer.C2, IMAGE)[Layer.C2]
    # BuildLayer itself is the task: a worker started fresh (spawn, as on macOS and
    # Windows) can import it, where it could not import this test module.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = pool.submit(BuildLayer, model, Layer.C2, IMAGE).result()[Layer.C2]
    for a, b in zip(local, remote):
        np.testing.assert_array_equal(a, b)


def test_build_c2_from_a_path_with_imprinted_prototypes():
    model = MakeModel(params=Params(num_scales=4))
    path = str(glab.GetExampleImagePath())
    locations = ImprintS2Prototypes(model, [path], 5, rng=0)
    assert locations[0].shape == (5, 4) and (locations[0][:, 0] == 0).all()
    state = BuildLayer(model, "c2", path)
    (c2,) = state[Layer.C2]
    assert c2.shape == (5,) and np.all((c2 > 0) & (c2 <= 1))
    # an imprinted prototype matches its own C1 patch exactly: its Rbf response is 1
    i, s, y, x = locations[0][0]
    c1 = state[Layer.C1][s]
    np.testing.assert_array_equal(model.s2_kernels[0][0], c1[:, y:y + 7, x:x + 7])
    assert c2[0] == pytest.approx(1.0, abs=1e-5)
    assert state[Layer.S2][s][0][0, y, x] == pytest.approx(1.0, abs=1e-5)


def test_model_equality():
    a, b = Model(NumpyBackend(), Params()), Model(NumpyBackend(), Params())
    assert a == b
    b.s2_kernels = [np.ones((1, 4, 7, 7))]
    assert a != b
    assert ml_model.Model(NumpyBackend(), Params(num_scales=2)) != a


from hypothesis import given, settings, strategies as st  # noqa: E402

random_params = st.fixed_dictionaries({
    "retina_enabled": st.booleans(), "retina_kwidth": st.sampled_from([3, 5]),
    "s1_kwidth": st.sampled_from([5, 7, 11]), "s1_num_orientations": st.integers(1, 4),
    "s1_num_phases": st.integers(1, 3),
    "s1_operation": st.sampled_from(["DotProduct", "NormDotProduct", "Rbf", "NormRbf"]),
    "s1_sampling": st.integers(1, 2), "c1_kwidth": st.integers(2, 6),
    "c1_sampling": st.integers(1, 4), "c1_whiten": st.booleans(),
    "s2_kwidth": st.lists(st.integers(1, 4), min_size=1, max_size=2),
    "s2_operation": st.sampled_from(["DotProduct", "NormDotProduct", "Rbf", "NormRbf"]),
    "s2_sampling": st.integers(1, 2), "num_scales": st.integers(0, 3),
})


@settings(max_examples=15, deadline=None)
@given(kw=random_params, h=st.integers(40, 64), w=st.integers(40, 64), seed=st.integers(0, 9))
def test_random_variants_agree_across_backends(kw, h, w, seed):
    params = Params(**kw)
    image = smooth_image((h, w), seed)
    reference = Model(NumpyBackend(), params)
    try:
        ImprintS2Prototypes(reference, [image], 3, rng=seed)
        want = BuildLayer(reference, Layer.C2, image)
    except InputSizeError:
        return  # an image too small for these parameters (tested elsewhere)
    compiled = Model(MakeBackend("cython"), params)
    compiled.s2_kernels = reference.s2_kernels
    got = BuildLayer(compiled, Layer.C2, image)
    for layer in (Layer.S1, Layer.C1):
        for a, b in zip(want[layer], got[layer]):
            np.testing.assert_allclose(b, a, rtol=0, atol=2e-5 * max(1.0, float(np.abs(a).max())))
    for a, b in zip(want[Layer.C2], got[Layer.C2]):
        np.testing.assert_allclose(b, a, rtol=0, atol=c2_tolerance(params, want[Layer.C1], a))


def test_s2_maps_alive_are_never_reused_and_freed_ones_are():
    rng = np.random.default_rng(3)
    model = Model(params=Params(num_scales=2, s2_kwidth=[3, 5], s2_beta=0.05))
    model.s2_kernels = [rng.random((6, 4, 3, 3), dtype=np.float32),
                        rng.random((5, 4, 5, 5), dtype=np.float32)]
    images = [smooth_image((72, 80), seed) for seed in (4, 5)]
    kept = BuildLayer(model, Layer.S2, images[0])[Layer.S2]
    copies = [[m.copy() for m in per_width] for per_width in kept]
    one_map = kept[1][0]
    del kept  # one map of the layer is still alive: the next layer must not use its memory
    other = BuildLayer(model, Layer.S2, images[1])[Layer.S2]
    np.testing.assert_array_equal(one_map, copies[1][0])
    assert not any(np.shares_memory(one_map, m) for per_width in other for m in per_width)
    # every map equals the backend's own call, whether its memory is new or reused
    for image in images + images:
        c1 = BuildLayer(model, Layer.C1, image)[Layer.C1]
        s2 = BuildLayer(model, Layer.S2, image)[Layer.S2]
        for scale, per_width in enumerate(s2):
            for kernels, got in zip(model.s2_kernels, per_width):
                want = model.backend.Rbf(c1[scale], kernels, beta=model.params.s2_beta)
                assert want.min() > 0
                assert got.tobytes() == want.tobytes()
        del s2
    # once nothing refers to them, the maps' memory serves the next image
    first = BuildLayer(model, Layer.S2, images[0])[Layer.S2][0][0]
    address = first.__array_interface__["data"][0]
    del first
    again = BuildLayer(model, Layer.S2, images[1])[Layer.S2][0][0]
    assert again.__array_interface__["data"][0] == address


def test_s2_memory_reused_per_thread_only():
    import threading

    model = Model(params=Params(num_scales=1, s2_beta=0.05))
    model.s2_kernels = [np.random.default_rng(6).random((8, 4, 7, 7), dtype=np.float32)]
    results = {}

    def run(name, image):
        results[name] = BuildLayer(model, Layer.C2, image)[Layer.S2][0][0]

    threads = [threading.Thread(target=run, args=(i, smooth_image((72, 80), 7 + i)))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not np.shares_memory(results[0], results[1])
    for i in range(2):
        want = BuildLayer(Model(params=Params(num_scales=1)), Layer.C1,
                          smooth_image((72, 80), 7 + i))[Layer.C1][0]
        want = model.backend.Rbf(want, model.s2_kernels[0], beta=model.params.s2_beta)
        assert want.min() > 0
        assert results[i].tobytes() == want.tobytes()


def test_s1_maps_alive_are_never_reused_and_freed_ones_are():
    model = Model(params=Params(num_scales=3))
    images = [smooth_image((72, 80), seed) for seed in (8, 9)]
    kept = BuildLayer(model, Layer.S1, images[0])[Layer.S1][1]
    copy = kept.copy()
    other = BuildLayer(model, Layer.S1, images[1])[Layer.S1]
    np.testing.assert_array_equal(kept, copy)
    assert not any(np.shares_memory(kept, m) for m in other)
    reference = Model(NumpyBackend(), Params(num_scales=3))
    for image in images + images:
        got = BuildLayer(model, Layer.S1, image)[Layer.S1]
        want = BuildLayer(reference, Layer.S1, image)[Layer.S1]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=2e-5)
        del got
    del other, kept
    first = BuildLayer(model, Layer.S1, images[0])[Layer.S1][0]
    address = first.__array_interface__["data"][0]
    del first
    again = BuildLayer(model, Layer.S1, images[1])[Layer.S1][0]
    assert again.__array_interface__["data"][0] == address


def test_a_slice_of_a_map_keeps_its_layer_memory_from_reuse():
    # A slice's base is the layer's buffer, not the map it was taken from: holding only
    # the slice must still keep the next image from writing over it.
    model = Model(params=Params(num_scales=3))
    images = [smooth_image((72, 80), seed) for seed in (10, 11)]
    piece = BuildLayer(model, Layer.S1, images[0])[Layer.S1][1][0, 2:5]
    copy = piece.copy()
    for image in images:
        BuildLayer(model, Layer.S1, image)
    np.testing.assert_array_equal(piece, copy)

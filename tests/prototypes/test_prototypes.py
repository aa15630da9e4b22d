"""Imprinting: patches sampled from many images, reproducible whatever the pool."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from glimpse.backends import InputSizeError, NumpyBackend
from glimpse.models.base import Model as BaseModel
from glimpse.models.ml import BuildLayer, Layer, Model, Params
from glimpse.prototypes import ImprintS2Prototypes, SamplePatchesFromImages

RNG = np.random.default_rng(42)
IMAGES = [RNG.random((64 + 4 * i, 70), dtype=np.float32) for i in range(4)]


def make_model(**kw):
    return Model(NumpyBackend(), Params(num_scales=2, **kw))


class ReversedPool:
    """A pool that runs its tasks in reverse order (but returns results in order)."""

    def map(self, func, items):
        items = list(items)
        results = [func(item) for item in reversed(items)]
        return results[::-1]


def test_patches_are_layer_patches_at_their_locations():
    model = make_model()
    out = SamplePatchesFromImages(model, Layer.C1, [3, 5], [20, 7], IMAGES, rng=0)
    assert [p.shape for p, _ in out] == [(20, 4, 3, 3), (7, 4, 5, 5)]
    c1 = [BuildLayer(model, Layer.C1, img)[Layer.C1] for img in IMAGES]
    for (patches, locations), k in zip(out, [3, 5]):
        assert patches.dtype == np.float32 and locations.shape == (len(patches), 4)
        for patch, (i, s, y, x) in zip(patches, locations):
            assert 0 <= i < 4 and 0 <= s < 2
            np.testing.assert_array_equal(patch, c1[i][s][:, y:y + k, x:x + k])


def test_draw_order_is_documented():
    model = make_model()
    (patches, locations), = SamplePatchesFromImages(model, "c1", 3, 30, IMAGES, rng=7)
    g = np.random.default_rng(7)
    np.testing.assert_array_equal(locations[:, 0], g.integers(0, 4, size=30))
    seeds = g.integers(0, 2 ** 32, size=(4, 4), dtype=np.uint32)
    i = int(locations[0, 0])
    from glimpse.models.base import SamplePatchesFromData
    c1 = BuildLayer(model, Layer.C1, IMAGES[i])[Layer.C1]
    child = np.random.default_rng(np.random.SeedSequence([int(s) for s in seeds[i]]))
    rows = np.flatnonzero(locations[:, 0] == i)
    want, want_loc = SamplePatchesFromData(c1, 3, len(rows), rng=child)
    np.testing.assert_array_equal(patches[rows], want)
    np.testing.assert_array_equal(locations[rows, 1:], want_loc)


def test_same_seed_same_prototypes_whatever_the_pool():
    model = make_model()
    args = (model, Layer.C1, [3, 4], 12, IMAGES)
    serial = SamplePatchesFromImages(*args, rng=3)
    reversed_ = SamplePatchesFromImages(*args, rng=np.random.default_rng(3), pool=ReversedPool())
    with ThreadPoolExecutor(2) as threads:
        threaded = SamplePatchesFromImages(*args, rng=3, pool=threads)
    with ProcessPoolExecutor(2) as processes:
        forked = SamplePatchesFromImages(*args, rng=3, pool=processes)
    for other in (reversed_, threaded, forked):
        for (p, loc), (q, loc2) in zip(serial, other):
            np.testing.assert_array_equal(p, q)
            np.testing.assert_array_equal(loc, loc2)
    different = SamplePatchesFromImages(*args, rng=4)
    assert not np.array_equal(different[0][1], serial[0][1])


def test_images_are_drawn_uniformly():
    model = Model(NumpyBackend(), Params())
    images = [np.zeros((8, 8), np.float32) for _ in range(5)]
    (patches, locations), = SamplePatchesFromImages(model, Layer.IMAGE, 2, 5000, images, rng=1)
    assert patches.shape == (5000, 1, 2, 2)
    counts = np.bincount(locations[:, 0], minlength=5)
    chi2 = ((counts - 1000) ** 2 / 1000).sum()
    assert chi2 < 20.5  # p = 0.001 for 4 degrees of freedom


def test_normalize_and_imprint():
    model = make_model(s2_kwidth=[3, 5], s2_operation="NormRbf")
    (p, _), = SamplePatchesFromImages(model, Layer.C1, 3, 6, IMAGES, rng=0, normalize=True)
    np.testing.assert_allclose(np.sqrt((p.astype(np.float64) ** 2).sum((1, 2, 3))), 1, atol=1e-6)
    locations = ImprintS2Prototypes(model, IMAGES, [5, 2], rng=0)
    assert [k.shape for k in model.s2_kernels] == [(5, 4, 3, 3), (2, 4, 5, 5)]
    assert [loc.shape for loc in locations] == [(5, 4), (2, 4)]
    norms = np.sqrt((model.s2_kernels[0].astype(np.float64) ** 2).sum((1, 2, 3)))
    np.testing.assert_allclose(norms, 1, atol=1e-6)
    raw = make_model(s2_kwidth=[3])
    ImprintS2Prototypes(raw, IMAGES, 5, rng=0)  # Rbf: not normalised
    assert np.abs(np.sqrt((raw.s2_kernels[0] ** 2).sum((1, 2, 3))) - 1).max() > 0.01


def test_errors():
    model = make_model()
    with pytest.raises(InputSizeError, match=r"images\[1\]") as info:
        SamplePatchesFromImages(model, Layer.C1, 7, 50,
                                [IMAGES[0], np.zeros((56, 56), np.float32)], rng=0)
    assert info.value.layer is Layer.C1
    with pytest.raises(ValueError, match="layer"):
        SamplePatchesFromImages(model, "S9", 3, 1, IMAGES)
    with pytest.raises(ValueError, match="num_kernels"):
        SamplePatchesFromImages(model, Layer.C1, [3, 4], [1], IMAGES)
    with pytest.raises(ValueError, match="kernel_sizes"):
        SamplePatchesFromImages(model, Layer.C1, 0, 1, IMAGES)
    with pytest.raises(ValueError, match="at least one image"):
        SamplePatchesFromImages(model, Layer.C1, 3, 1, [])
    with pytest.raises(TypeError, match="pool"):
        SamplePatchesFromImages(model, Layer.C1, 3, 1, IMAGES, pool=object())
    with pytest.raises(ValueError, match="num_prototypes"):
        ImprintS2Prototypes(model, IMAGES, 0)
    with pytest.raises(TypeError, match="s2_kernels"):
        ImprintS2Prototypes(BaseModel(), IMAGES, 1)
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="kernel_sizes must be an integer or a sequence of "
                                            "integers, got %r" % (bad,)):
            SamplePatchesFromImages(model, Layer.C1, bad, 1, IMAGES)
        with pytest.raises(TypeError, match=r"kernel_sizes\[1\] must be an integer, got %r"
                                            % (bad,)):
            SamplePatchesFromImages(model, Layer.C1, [3, bad], 1, IMAGES)
        with pytest.raises(TypeError, match="num_kernels must be an integer or a sequence of "
                                            "integers, got %r" % (bad,)):
            SamplePatchesFromImages(model, Layer.C1, 3, bad, IMAGES)
        with pytest.raises(TypeError, match=r"num_kernels\[0\] must be an integer, got %r"
                                            % (bad,)):
            SamplePatchesFromImages(model, Layer.C1, [3], [bad], IMAGES)
        with pytest.raises(TypeError, match="num_prototypes must be an integer or a sequence of "
                                            "integers, got %r" % (bad,)):
            ImprintS2Prototypes(model, IMAGES, bad)
    with pytest.raises(ValueError, match=r"kernel_sizes\[1\] must be an integer >= 1, got 0"):
        SamplePatchesFromImages(model, Layer.C1, [3, 0], 1, IMAGES)
    with pytest.raises(ValueError, match="kernel_sizes must hold at least one integer, got"):
        SamplePatchesFromImages(model, Layer.C1, [], 1, IMAGES)
    with pytest.raises(ValueError, match=r"num_kernels must hold 2 integer\(s\), got \[1\]"):
        SamplePatchesFromImages(model, Layer.C1, [3, 4], [1], IMAGES)
    with pytest.raises(ValueError, match="num_kernels must be an integer >= 0, got -1"):
        SamplePatchesFromImages(model, Layer.C1, 3, -1, IMAGES)
    with pytest.raises(ValueError, match="num_prototypes must be an integer >= 1, got 0"):
        ImprintS2Prototypes(model, IMAGES, 0)
    empty = SamplePatchesFromImages(model, Layer.C1, 3, 0, IMAGES, rng=0)
    assert empty[0][0].shape == (0, 4, 3, 3) and empty[0][1].shape == (0, 4)


def test_the_tasks_do_not_carry_the_prototypes():
    model = make_model()
    ImprintS2Prototypes(model, IMAGES, 30, rng=0)
    kept = model.s2_kernels[0]
    seen = []

    class RecordingPool:
        def map(self, func, items):
            items = list(items)
            seen.extend(task[0] for task in items)
            return [func(task) for task in items]

    again = SamplePatchesFromImages(model, Layer.C1, 7, 30, IMAGES, rng=0, pool=RecordingPool())
    assert seen and all(m.s2_kernels is None for m in seen)
    assert model.s2_kernels[0] is kept  # the caller's model is untouched
    np.testing.assert_array_equal(again[0][0], kept)  # same seed, same draws as the imprint


def test_errors_carry_the_index_and_path_of_the_image(tmp_path):
    from glimpse.backends import InputLoadError

    model = Model(NumpyBackend(), Params(num_scales=1, s2_kwidth=[3]))
    big = np.random.default_rng(0).random((70, 70), dtype=np.float32)
    missing = str(tmp_path / "missing.png")
    with pytest.raises(InputLoadError) as info:
        SamplePatchesFromImages(model, "C1", 3, 20, [big, missing], rng=0)
    assert (info.value.image_index, info.value.image_path) == (1, missing)
    small = np.zeros((20, 20), np.float32)
    with pytest.raises(InputSizeError) as info:
        SamplePatchesFromImages(model, "C1", 3, 20, [big, big, small], rng=0)
    assert (info.value.image_index, info.value.image_path) == (2, None)

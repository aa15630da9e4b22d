import tracemalloc
import zipfile

import numpy as np
import pytest
from PIL import Image

from glimpse.experiment import (ComputeFeatures, ExtractFeatures, IterFeatures, ReadCorpus,
                                ResolveLayers, WriteFeatures)
from glimpse.models.base import BuildLayer, Layer

from .conftest import ThreadPool


def _state(model, value):
    state = model.StateClass()
    state[Layer.IMAGE] = value
    return state


def test_extract_features_flattens_in_the_documented_order(model):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    nested = [np.array([[[10, 11]], [[12, 13]]], np.float32), [np.array([20.0, 21.0])]]
    s1 = _state(model, a)
    s1[Layer.SOURCE] = nested
    rows = ExtractFeatures([Layer.SOURCE, Layer.IMAGE], [s1, s1])
    expected = [10, 11, 12, 13, 20, 21, 0, 1, 2, 3, 4, 5]
    assert rows.dtype == np.float32 and rows.tolist() == [expected, expected]
    rows = ExtractFeatures([Layer.IMAGE, Layer.SOURCE], [s1])
    assert rows.tolist() == [[0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 20, 21]]


def test_extract_features_errors(model):
    s1 = _state(model, np.zeros((2, 2), np.float32))
    s2 = _state(model, np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="different lengths"):
        ExtractFeatures([Layer.IMAGE], [s1, s2])
    del s1[Layer.IMAGE]
    with pytest.raises(ValueError, match="no image layer"):
        ExtractFeatures([Layer.IMAGE], [s1])
    assert ExtractFeatures([Layer.IMAGE], []).shape == (0, 0)


def test_resolve_layers(model):
    assert ResolveLayers(model, "image") == [Layer.IMAGE]
    assert ResolveLayers(model, ["IMAGE", Layer.SOURCE]) == [Layer.IMAGE, Layer.SOURCE]
    with pytest.raises(ValueError, match="layer must be a layer of Model \\(C1, C2, S1, S2, "
                       "image, retina, source\\) or a node registered on the model, got 'nope'"):
        ResolveLayers(model, ["nope"])
    with pytest.raises(ValueError, match="at least one"):
        ResolveLayers(model, [])


def test_features_match_build_layer_and_skip_bad_images(model, tiny_corpus, thread_pool):
    corpus = ReadCorpus(tiny_corpus)
    bad = tiny_corpus / "bright" / "zz_broken.png"
    bad.write_bytes(b"not a png")
    paths = corpus.paths[:3] + [str(bad)] + corpus.paths[3:5]
    features, kept, skipped = ComputeFeatures(model, paths, ["image"], pool=thread_pool,
                                              block_size=2)
    assert kept.tolist() == [True, True, True, False, True, True]
    assert [i for i, _ in skipped] == [3] and skipped[0][1].startswith("unreadable")
    expected = [BuildLayer(model, Layer.IMAGE, p)[Layer.IMAGE].ravel() for p in paths if
                p != str(bad)]
    np.testing.assert_array_equal(features, np.stack(expected))


@pytest.mark.parametrize("block_size", [1, 3, 100])
def test_features_do_not_depend_on_pool_or_block_size(model, tiny_corpus, block_size):
    paths = ReadCorpus(tiny_corpus).paths
    serial, _, _ = ComputeFeatures(model, paths, ["image"], pool="serial")
    threaded, _, _ = ComputeFeatures(model, paths, ["image"], pool=ThreadPool(4),
                                     block_size=block_size)
    assert serial.tobytes() == threaded.tobytes()


def test_iter_features_hands_the_pool_one_block_at_a_time(model, tiny_corpus):
    calls = []

    class Recording:
        def map(self, func, items, progress=None):
            calls.append(len(items))
            return [func(item) for item in items]

    paths = ReadCorpus(tiny_corpus).paths
    got = [i for i, _, _ in IterFeatures(model, paths, ["image"], pool=Recording(),
                                         block_size=5)]
    assert got == list(range(12)) and calls == [5, 5, 2]
    with pytest.raises(ValueError, match="block_size must be an integer >= 1, got 0"):
        next(IterFeatures(model, paths, ["image"], block_size=0))
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="block_size must be an integer, got %r" % (bad,)):
            next(IterFeatures(model, paths, ["image"], block_size=bad))


def test_write_features_streams_in_bounded_memory(model, tmp_path):
    """A corpus 100x larger than the block bound: peak memory stays near the bound."""
    img = tmp_path / "one.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)).save(
        img)
    params = type(model.params)(image_resize_method="none")
    model = type(model)(params=params)
    n, block = 800, 8
    row_bytes = 64 * 64 * 4
    total = n * row_bytes
    out = tmp_path / "features.npz"
    WriteFeatures(out, model, [str(img)], ["image"], pool="serial")  # imports, caches
    tracemalloc.start()
    try:
        kept, skipped = WriteFeatures(out, model, [str(img)] * n, ["image"], pool="serial",
                                      block_size=block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept.all() and not skipped
    assert peak < 1_000_000 < total / 10, (peak, total)  # the whole array: `total` bytes
    with np.load(out) as npz:
        features = npz["features"]
        assert features.shape == (n, 64 * 64) and features.dtype == np.float32
        expected = BuildLayer(model, Layer.IMAGE, str(img))[Layer.IMAGE].ravel()
        np.testing.assert_array_equal(features[-1], expected)
        assert npz["image_paths"].shape == (n,) and npz["kept"].all()
    assert zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir()] != [] and not [
        p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_write_features_keeps_the_old_file_on_failure(model, tmp_path, tiny_corpus):
    out = tmp_path / "features.npz"
    out.write_bytes(b"old")
    paths = ReadCorpus(tiny_corpus).paths

    class Failing:
        def map(self, func, items, progress=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        WriteFeatures(out, model, paths, ["image"], pool=Failing())
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bright", "dark", "features.npz"]

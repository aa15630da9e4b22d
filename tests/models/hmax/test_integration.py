"""Everything built on models takes the standard HMAX model: prototypes, experiments, glab,
pools (threads, processes, Dask)."""

import numpy as np
import pytest

from glimpse.experiment import (PROTOTYPE_ALGORITHMS, ComputeActivation,
                                CrossValidateClassifier, Experiment, LoadExperiment,
                                MakePrototypes, ReadCorpus, StoreExperiment,
                                TrainAndTestClassifier)
from glimpse.models import hmax
from glimpse.models.hmax import BuildLayer, Layer
from glimpse.pools import MakePool
from glimpse.prototypes import ImprintS2Prototypes, SamplePatchesFromImages

from .conftest import small_model


def images(count=3):
    rng = np.random.default_rng(7)
    shapes = [(36, 44), (40, 40), (45, 33)][:count]
    return [rng.random(shape, dtype=np.float32) for shape in shapes]


def test_patches_are_c1_windows_at_band_y_x():
    model = small_model()
    imgs = images()
    (p4, l4), (p5, l5) = SamplePatchesFromImages(model, "C1", [4, 5], [8, 3], imgs, rng=1)
    assert p4.shape == (8, 4, 4, 4) and p5.shape == (3, 4, 5, 5)
    c1 = [BuildLayer(model, Layer.C1, img)[Layer.C1] for img in imgs]
    for patches, locations, k in ((p4, l4, 4), (p5, l5, 5)):
        assert locations.shape == (len(patches), 4)
        for patch, (i, band, y, x) in zip(patches, locations):
            assert 0 <= band < model.params.num_bands
            np.testing.assert_array_equal(patch, c1[i][band][:, y:y + k, x:x + k])


def test_imprinted_patches_match_their_own_image():
    model = small_model()
    imgs = images()
    locations = ImprintS2Prototypes(model, imgs, [5, 2], rng=2)
    assert [p.shape for p in model.s2_kernels] == [(5, 4, 4, 4), (2, 4, 5, 5)]
    assert [loc.shape for loc in locations] == [(5, 4), (2, 4)]
    c2 = [BuildLayer(model, Layer.C2, img)[Layer.C2] for img in imgs]
    for size, loc in enumerate(locations):
        for j, (i, band, y, x) in enumerate(loc):
            # a patch is at distance 0 from the window it was cut from
            assert c2[i][size][j] == pytest.approx(0.0, abs=1e-3)


def test_imprinting_does_not_depend_on_the_pool():
    imgs = images()
    results = []
    for pool in (None, MakePool("threads", workers=2), MakePool("processes", workers=2)):
        model = small_model()
        try:
            locations = ImprintS2Prototypes(model, imgs, 4, rng=3, pool=pool)
        finally:
            if pool is not None:
                pool.close()
        results.append((model.s2_kernels, locations))
    for kernels, locations in results[1:]:
        for a, b in zip(kernels, results[0][0]):
            assert a.tobytes() == b.tobytes()
        for a, b in zip(locations, results[0][1]):
            np.testing.assert_array_equal(a, b)


def experiment(root, seed=0, **kw):
    return Experiment(model=small_model(**kw), corpus=ReadCorpus(root), seed=seed)


@pytest.mark.parametrize("algorithm", PROTOTYPE_ALGORITHMS)
def test_every_prototype_algorithm(tiny_corpus, algorithm):
    exp = experiment(tiny_corpus)
    protos = MakePrototypes(exp, 3, algorithm)
    assert [p.shape for p in protos] == [(3, 4, 4, 4), (3, 4, 5, 5)]
    assert all(np.isfinite(p).all() for p in protos)
    assert all(a is not b and np.array_equal(a, b)
               for a, b in zip(exp.model.s2_kernels, protos))
    again = MakePrototypes(experiment(tiny_corpus), 3, algorithm)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(again, protos))
    if algorithm == "imprint":
        train = np.flatnonzero(exp.train_mask)
        for loc in exp.prototype_locations:
            assert np.isin(loc[:, 0], train).all()
            assert (loc[:, 1] < exp.model.params.num_bands).all()


@pytest.mark.parametrize("activation", ["euclidean", "gaussian"])
def test_an_experiment_from_prototypes_to_a_stored_score(tiny_corpus, tmp_path, activation):
    exp = experiment(tiny_corpus, s2_activation=activation)
    MakePrototypes(exp, 4, "imprint")
    with MakePool("threads", workers=2) as pool:
        features = ComputeActivation(exp, pool=pool, block_size=5)
    assert features.shape == (12, 8) and exp.layers == ["C2"]
    if activation == "euclidean":
        assert features.min() >= 0
    else:
        assert features.max() <= 1 and features.min() >= 0
    # the features of an image are its C2
    c2 = BuildLayer(exp.model, Layer.C2, exp.corpus.paths[0])[Layer.C2]
    np.testing.assert_array_equal(features[0], np.concatenate(c2))
    evaluation = TrainAndTestClassifier(exp)
    assert evaluation.score == 1.0  # bright and dark squares
    CrossValidateClassifier(exp, num_folds=3)
    path = tmp_path / "exp.npz"
    StoreExperiment(exp, path)
    loaded = LoadExperiment(path)
    assert type(loaded.model) is hmax.Model and loaded.model.params == exp.model.params
    assert loaded.model.params.s2_activation == activation
    for a, b in zip(loaded.model.s2_kernels, exp.model.s2_kernels):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.features, features)


def test_glab_with_the_hmax_model(tiny_corpus):
    from glimpse.glab import api

    api.Reset(seed=0)
    try:
        model = api.SetModelClass("hmax")
        assert type(model) is hmax.Model and api.GetModel() is model
        params = api.SetParams(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4, 3.95, 3.9, 3.85],
                               c1_kwidths=[8, 10], s2_kwidths=[4])
        assert type(params) is hmax.Params and api.GetParams().s2_kwidths == [4]
        api.SetCorpus(str(tiny_corpus))
        api.ImprintS2Prototypes(3)
        assert api.GetPrototype(0).shape == (4, 4, 4)
        path, band, y, x = api.GetImprintLocation(0)
        assert path.startswith(str(tiny_corpus)) and 0 <= band < 2
        api.EvaluateClassifier()
        assert api.GetEvaluationResults().score == 1.0
        assert api.GetFeatures().shape == (12, 3)
        api.SetLayer("C1")
        assert api.GetLayer() == ["C1"]
    finally:
        api.Reset()


def test_processes_pool_gives_the_thread_pools_features(tiny_corpus):
    runs = []
    for name in ("threads", "processes"):
        with MakePool(name, workers=2) as pool:
            exp = experiment(tiny_corpus, seed=4)
            MakePrototypes(exp, 3, "imprint", pool=pool)
            ComputeActivation(exp, pool=pool, block_size=5)
        runs.append(exp)
    assert runs[0].features.tobytes() == runs[1].features.tobytes()


def test_dask_pool_gives_the_thread_pools_prototypes_and_features(tiny_corpus):
    distributed = pytest.importorskip("distributed")
    from glimpse.pools._dask import DaskPool

    runs = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            for pool in (MakePool("threads", workers=2), DaskPool(client=client, chunksize=2)):
                with pool:
                    exp = experiment(tiny_corpus, seed=4)
                    MakePrototypes(exp, 3, "imprint", pool=pool)
                    ComputeActivation(exp, pool=pool, block_size=5)
                runs.append(exp)
    threads, dask = runs
    for a, b in zip(threads.prototypes, dask.prototypes):
        assert a.tobytes() == b.tobytes()
    assert threads.features.tobytes() == dask.features.tobytes()


def test_the_experiment_reads_and_sets_s2_widths_of_either_model():
    from glimpse.experiment import _models
    from glimpse.models import MakeParams

    for name, param in (("hmax", "s2_kwidths"), ("ml", "s2_kwidth")):
        model = _models.make_model(name)
        assert _models.s2_widths(model) == getattr(model.params, param)
        params = MakeParams(name)
        _models.set_s2_widths(params, (3, 6))
        assert getattr(params, param) == [3, 6]
    assert _models.s2_widths(_models.make_model("base")) is None


def test_scikit_learn_frontend_takes_the_model():
    pytest.importorskip("sklearn")
    from glimpse.sklearn import HmaxFeatures

    from .conftest import SMALL

    X = np.random.default_rng(0).random((6, 40 * 40))
    features = HmaxFeatures(model="hmax", params=SMALL, n_prototypes=3, random_state=0)
    rows = features.fit_transform(X)
    assert type(features.model_) is hmax.Model and rows.shape == (6, 6)
    assert [p.shape for p in features.prototypes_] == [(3, 4, 4, 4), (3, 4, 5, 5)]
    again = HmaxFeatures(model="hmax", params=SMALL, n_prototypes=3, random_state=0)
    assert again.fit_transform(X).tobytes() == rows.tobytes()

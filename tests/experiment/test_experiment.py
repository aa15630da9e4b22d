import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import glimpse.experiment
from glimpse.experiment import (PROTOTYPE_ALGORITHMS, ComputeActivation, Corpus,
                                CrossValidateClassifier, Experiment, LoadExperiment,
                                MakeLearner, MakePrototypes, ReadCorpus, SplitCorpus,
                                StoreExperiment, TrainAndTestClassifier)
from glimpse.util import npz

from .conftest import ThreadPool, small_model


def _experiment(root, seed=0):
    return Experiment(model=small_model(), corpus=ReadCorpus(root), seed=seed)


def test_split_is_stratified_and_seeded(tiny_corpus):
    exp = _experiment(tiny_corpus)
    mask = SplitCorpus(exp)
    assert mask.sum() == 6 and mask[:6].sum() == 3 and mask[6:].sum() == 3
    again = SplitCorpus(_experiment(tiny_corpus))
    assert (again == mask).all()
    other = [SplitCorpus(_experiment(tiny_corpus, seed)).tobytes() for seed in range(1, 6)]
    assert any(o != mask.tobytes() for o in other)
    assert SplitCorpus(exp, train_size=0.01)[:6].sum() == 1  # at least one per side
    with pytest.raises(ValueError, match=r"train_size must lie in \(0, 1\)"):
        SplitCorpus(exp, train_size=1.0)


def test_fixed_split_is_kept():
    corpus = Corpus(["a", "b", "c", "d"], [0, 0, 1, 1], ["x", "y"], train=[1, 0, 0, 1])
    exp = Experiment(model=small_model(), corpus=corpus, seed=1)
    assert SplitCorpus(exp).tolist() == [True, False, False, True]


def test_prototypes_come_from_training_images_and_are_seeded(tiny_corpus, thread_pool):
    exp = _experiment(tiny_corpus)
    protos = MakePrototypes(exp, 7, "imprint", pool="serial")
    locations = exp.prototype_locations[0]
    assert protos[0].shape[0] == 7 and protos[0].dtype == np.float32
    assert locations.shape == (7, 4) and exp.train_mask[locations[:, 0]].all()
    other = _experiment(tiny_corpus)
    again = MakePrototypes(other, 7, "imprint", pool=thread_pool)
    assert again[0].tobytes() == protos[0].tobytes()
    assert (other.prototype_locations[0] == locations).all()
    different = MakePrototypes(_experiment(tiny_corpus, seed=5), 7, "imprint")
    assert different[0].tobytes() != protos[0].tobytes()


@pytest.mark.parametrize("algorithm", PROTOTYPE_ALGORITHMS)
def test_every_algorithm_gives_seeded_prototypes_of_the_imprinted_shape(tiny_corpus,
                                                                        algorithm):
    exp = _experiment(tiny_corpus)
    imprinted = MakePrototypes(exp, 4, "imprint")[0]
    protos = MakePrototypes(exp, 4, algorithm, pool=ThreadPool(2))[0]
    assert protos.shape == imprinted.shape and protos.dtype == np.float32
    assert np.isfinite(protos).all()
    again = MakePrototypes(_experiment(tiny_corpus), 4, algorithm)[0]
    assert again.tobytes() == protos.tobytes()
    assert exp.prototype_algorithm == algorithm
    assert (exp.prototype_locations is not None) == (algorithm == "imprint")
    if algorithm == "shuffle":  # the same values as the imprinted patches, reordered
        np.testing.assert_array_equal(np.sort(protos.reshape(4, -1), axis=1),
                                      np.sort(imprinted.reshape(4, -1), axis=1))
        assert protos.tobytes() != imprinted.tobytes()
    if algorithm == "uniform":
        assert protos.min() >= 0 and protos.max() < 1


def test_prototype_argument_errors(tiny_corpus):
    exp = _experiment(tiny_corpus)
    with pytest.raises(ValueError, match="algorithm must be one of imprint"):
        MakePrototypes(exp, 3, "random")
    with pytest.raises(ValueError, match="num_prototypes must be an integer >= 1, got 0"):
        MakePrototypes(exp, 0)
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="num_prototypes must be an integer, got %r" % (bad,)):
            MakePrototypes(exp, bad)
    with pytest.raises(ValueError, match="no corpus"):
        MakePrototypes(Experiment(model=small_model(), seed=0), 3)


def test_unreadable_training_image_is_skipped_when_imprinting(tiny_corpus):
    (tiny_corpus / "bright" / "00.png").write_bytes(b"broken")
    exp = _experiment(tiny_corpus)
    exp.train_mask = np.ones(12, bool)
    exp.train_mask[[5, 11]] = False
    MakePrototypes(exp, 30, "imprint")
    assert len(exp.corpus) == 11 and exp.skipped[0][0].endswith("00.png")
    assert exp.skipped[0][1].startswith("unreadable")
    assert exp.train_mask.sum() == 9
    assert exp.train_mask[exp.prototype_locations[0][:, 0]].all()


def _evaluated(root, **kw):
    exp = _experiment(root)
    MakePrototypes(exp, 4, "imprint")
    ComputeActivation(exp, **kw)
    return exp


def test_activation_and_classifiers(tiny_corpus):
    exp = _evaluated(tiny_corpus)
    assert exp.features.shape[0] == 12 and exp.features.dtype == np.float32
    ev = TrainAndTestClassifier(exp)
    assert ev.kind == "train_test" and ev.metric == "accuracy"
    assert ev.score == 1.0 and ev.auc == 1.0  # bright against dark: separable
    assert (ev.test_indices == np.flatnonzero(~exp.train_mask)).all()
    assert (ev.predictions == exp.corpus.labels[ev.test_indices]).all()
    ev = TrainAndTestClassifier(exp, "logreg", score="auc")
    assert ev.metric == "auc" and ev.score == ev.auc == 1.0 and "LogisticRegression" in ev.learner
    cv = CrossValidateClassifier(exp, num_folds=3)
    assert cv.fold_scores.shape == (3,) and cv.score == cv.fold_scores.mean()
    assert cv.predictions.shape == (12,) and exp.evaluations[-1] is cv
    with pytest.raises(ValueError, match=r"num_folds must be an integer in \[2, 6\], got 7: "
                                         r"the smallest class has 6 image\(s\)"):
        CrossValidateClassifier(exp, num_folds=7)
    with pytest.raises(ValueError, match=r"num_folds must be an integer in \[2, 6\], got 1"):
        CrossValidateClassifier(exp, num_folds=1)
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="num_folds must be an integer, got %r" % (bad,)):
            CrossValidateClassifier(exp, num_folds=bad)
    with pytest.raises(ValueError, match="score must be one of accuracy, auc"):
        TrainAndTestClassifier(exp, score="f1")


def test_classifier_on_shuffled_labels_is_near_chance(tiny_corpus):
    exp = _evaluated(tiny_corpus)
    exp.corpus.labels = np.random.default_rng(3).permutation(exp.corpus.labels)
    scores = [CrossValidateClassifier(exp, 3, rng=s).score for s in range(4)]
    assert np.mean(scores) < 0.9


def test_learner_names_and_estimators():
    from sklearn.neighbors import KNeighborsClassifier

    assert "LinearSVC" in repr(MakeLearner()) and "StandardScaler" in repr(MakeLearner("svm"))
    mine = KNeighborsClassifier(1)
    made = MakeLearner(mine)
    assert made is not mine and made.get_params() == mine.get_params()
    with pytest.raises(ValueError, match="learner must be 'svm', 'logreg'"):
        MakeLearner("forest")
    with pytest.raises(TypeError, match="scikit-learn estimator"):
        MakeLearner(3)


def test_missing_features_is_a_clear_error(tiny_corpus):
    with pytest.raises(ValueError, match="no features"):
        TrainAndTestClassifier(_experiment(tiny_corpus))


def test_activation_is_the_same_whatever_the_pool(tiny_corpus, thread_pool):
    a = _evaluated(tiny_corpus, pool="serial").features
    b = _evaluated(tiny_corpus, pool=thread_pool, block_size=5).features
    assert a.tobytes() == b.tobytes()


def test_store_and_load_round_trip(tiny_corpus, tmp_path):
    exp = _evaluated(tiny_corpus)
    TrainAndTestClassifier(exp)
    CrossValidateClassifier(exp, 3)
    path = tmp_path / "exp.npz"
    StoreExperiment(exp, path)
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
    assert meta["format"] == "glimpse.experiment" and meta["version"] == 2
    back = LoadExperiment(path)
    assert back.seed == exp.seed and back.model.params == exp.model.params
    assert type(back.model) is type(exp.model)
    assert back.corpus.paths == exp.corpus.paths and back.corpus.class_names == ["bright", "dark"]
    assert (back.corpus.labels == exp.corpus.labels).all()
    assert (back.train_mask == exp.train_mask).all()
    assert back.features.tobytes() == exp.features.tobytes()
    assert back.prototypes[0].tobytes() == exp.prototypes[0].tobytes()
    assert (back.prototype_locations[0] == exp.prototype_locations[0]).all()
    assert [e.metadata() for e in back.evaluations] == [e.metadata() for e in exp.evaluations]
    assert (back.evaluations[1].fold_scores == exp.evaluations[1].fold_scores).all()
    assert back.layers == exp.layers and back.prototype_algorithm == "imprint"


def test_load_rejects_other_files(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="other.npz: it has no metadata record"):
        LoadExperiment(other)
    np.savez(other, metadata=np.array(json.dumps({"format": "glimpse.experiment",
                                                  "version": 99})))
    with pytest.raises(ValueError, match="version 99 was written by a newer glimpse"):
        LoadExperiment(other)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.npz: it is not an .npz archive"):
        LoadExperiment(junk)


def test_store_is_atomic(tiny_corpus, tmp_path, monkeypatch):
    exp = _evaluated(tiny_corpus)
    path = tmp_path / "exp.npz"
    path.write_bytes(b"previous")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(npz, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        StoreExperiment(exp, path)
    assert path.read_bytes() == b"previous"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_seed_validation():
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 9223372036854775807\], "
                                         r"got -1"):
        Experiment(model=small_model(), seed=-1)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 9223372036854775807\]"):
        Experiment(model=small_model(), seed=2**63)
    assert Experiment(model=small_model(), seed=2**63 - 1).seed == 2**63 - 1
    for bad in (2.5, 3.0, True):
        with pytest.raises(TypeError, match="seed must be an integer, got %r" % (bad,)):
            Experiment(model=small_model(), seed=bad)
    assert 0 <= Experiment(model=small_model()).seed < 2**63


def test_missing_scikit_learn_names_the_install_command(monkeypatch, tiny_corpus):
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'glimpse-vision\[experiment\]'"):
        MakeLearner()
    with pytest.raises(ImportError, match="needs scikit-learn"):
        MakePrototypes(_experiment(tiny_corpus), 3, "kmeans")


def test_the_package_gives_its_names_and_its_modules_on_use():
    # glimpse.experiment imports its modules when a name is first asked for; its modules
    # are attributes of the package, as they were when the package imported them all
    code = ("import glimpse.experiment as e, sys; "
            "assert 'glimpse.experiment.corpus' not in sys.modules; "
            "assert e.corpus.MakeCorpus is e.MakeCorpus; "
            "assert e.store.StoreExperiment is e.StoreExperiment; "
            "assert {'classify', 'corpora', 'experiment', 'features', 'prototypes'} "
            "<= set(dir(e)); "
            "[getattr(e, m) for m in ('classify', 'corpora', 'experiment', 'features', "
            "'prototypes')]")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0"), timeout=120,
                         cwd=tempfile.gettempdir())
    assert res.returncode == 0, res.stderr
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        glimpse.experiment.nothing

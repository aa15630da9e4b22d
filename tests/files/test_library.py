"""The files as the library and the commands use them: imprint, features, store, load."""

import numpy as np
import pytest
from PIL import Image

from glimpse import files
from glimpse.experiment import (ComputeActivation, Experiment, LoadExperiment, MakePrototypes,
                                ReadCorpus, SplitCorpus, StoreExperiment, WriteFeatures)
from glimpse.experiment import _models
from glimpse.models import MakeModel, MakeParams


@pytest.fixture
def corpus(tmp_path):
    rng = np.random.default_rng(0)
    for label, name in enumerate(["bright", "dark"]):
        (tmp_path / name).mkdir()
        for i in range(3):
            data = rng.integers(0, 80, (40, 40)) + (150 if label == 0 else 0)
            Image.fromarray(data.astype(np.uint8), "L").save(tmp_path / name / ("%d.png" % i))
    return ReadCorpus(tmp_path)


def small_model():
    return MakeModel("ml", MakeParams("ml", image_resize_length=64, num_scales=2,
                                      s2_kwidth=[3, 5]))


def test_imprint_then_features_through_the_files(corpus, tmp_path):
    # what 'glimpse imprint' and then 'glimpse features --prototypes' do
    exp = Experiment(model=small_model(), corpus=corpus, seed=4)
    exp.train_mask = np.ones(len(corpus), bool)
    MakePrototypes(exp, 3, "imprint", pool="serial")
    protos = tmp_path / "p.npz"
    files.write_prototypes(protos, exp.prototypes, exp.prototype_locations, corpus.paths,
                           model="ml", params=exp.model.params.AsDict(), seed=exp.seed,
                           algorithm="imprint")
    got = files.read_prototypes(protos)
    model = _models.make_model(got.model, got.params)
    model.s2_kernels = got.prototypes
    assert got.seed == 4 and got.image_paths == corpus.paths
    assert [loc.tolist() for loc in got.locations] == \
        [loc.tolist() for loc in exp.prototype_locations]
    out = tmp_path / "f.npz"
    kept, skipped = WriteFeatures(out, model, corpus.paths, ["C2"], pool="serial",
                                  labels=corpus.labels, class_names=corpus.class_names)
    features = files.read_features(out)
    assert features.kept.all() and features.features.shape == (6, 6)
    assert features.labels.tolist() == corpus.labels.tolist()
    assert features.class_names == ["bright", "dark"] and features.layers == ["C2"]
    assert features.model == "ml" and features.params == got.params
    expected = ComputeActivation(Experiment(model=model, corpus=corpus), pool="serial")
    assert features.features.tobytes() == expected.tobytes()


def test_write_features_takes_labels_and_class_names_from_extra(corpus, tmp_path):
    # the arrays 'glimpse features' of glimpse 0.1.0 passed as extra
    model = small_model()
    exp = Experiment(model=model, corpus=corpus, seed=1)
    exp.train_mask = np.ones(len(corpus), bool)
    MakePrototypes(exp, 1, "imprint", pool="serial")
    WriteFeatures(tmp_path / "f.npz", model, corpus.paths, ["C2"], pool="serial",
                  extra={"labels": corpus.labels,
                         "class_names": np.array(corpus.class_names, dtype=str),
                         "layers": np.array(["C2"])})
    got = files.read_features(tmp_path / "f.npz")
    assert got.labels.tolist() == corpus.labels.tolist()
    assert got.class_names == corpus.class_names and list(got.extra) == ["layers"]


def test_store_and_load_an_experiment_of_images(corpus, tmp_path):
    exp = Experiment(model=small_model(), corpus=corpus, seed=2)
    SplitCorpus(exp)
    MakePrototypes(exp, 2, "imprint", pool="serial")
    ComputeActivation(exp, pool="serial")
    StoreExperiment(exp, tmp_path / "e.npz")
    back = LoadExperiment(tmp_path / "e.npz")
    assert back.features.tobytes() == exp.features.tobytes()
    assert back.train_mask.tolist() == exp.train_mask.tolist()
    protos = files.read_prototypes(tmp_path / "e.npz")
    assert [p.tobytes() for p in protos.prototypes] == [p.tobytes() for p in exp.prototypes]


def test_store_refuses_an_experiment_that_would_not_load(corpus, tmp_path):
    exp = Experiment(model=small_model(), corpus=corpus, seed=2)
    exp.train_mask = np.arange(len(corpus))  # not a split: TrainAndTest would use them all
    with pytest.raises(ValueError, match=r"train_mask must be a bool array of shape \(6,\)"):
        StoreExperiment(exp, tmp_path / "e.npz")
    assert not (tmp_path / "e.npz").exists()


def test_prototypes_without_locations(tmp_path):
    rng = np.random.default_rng(0)
    p = rng.random((2, 4, 3, 3), dtype=np.float32)
    p /= np.sqrt((p ** 2).sum(axis=(1, 2, 3), keepdims=True))
    params = MakeParams("ml", s2_kwidth=[3]).AsDict()
    files.write_prototypes(tmp_path / "p.npz", [p], None, [], model="ml", params=params,
                           seed=0, algorithm="normal")
    got = files.read_prototypes(tmp_path / "p.npz")
    assert got.locations is None and got.algorithm == "normal" and got.image_paths == []

"""Files written by glimpse 0.1.0 (tests/files/data, see its README) still load."""

import os

import numpy as np

from glimpse import files
from glimpse.experiment import LoadExperiment

from .conftest import DATA


def data(name):
    return os.path.join(DATA, name + "-0.1.0.npz")


def test_old_patches_file():
    got = files.read_patches(data("patches"))
    assert got.version == 1 and got.glimpse_version == "0.1.0"
    assert got.patches.shape == (8, 4, 4) and got.patches.dtype == np.float32
    assert (got.seed, got.num_patches, got.width, got.exact) == (7, 2, 4, False)
    assert got.params == {"image_resize_method": "scale short edge",
                          "image_resize_length": 48, "image_resize_aspect_ratio": 1.0}
    assert got.image_paths == ["corpus/bright/%02d.png" % i for i in range(4)]
    assert len(got.image_realpaths) == 4 and got.skipped == []
    assert got.image_index.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_old_prototypes_file():
    got = files.read_prototypes(data("prototypes"))
    assert got.format == "glimpse.prototypes" and got.version == 1
    assert got.model == "ml" and got.seed == 3 and got.algorithm == "imprint"
    assert got.params["s2_kwidth"] == [3, 5] and got.params["image_resize_length"] == 64
    assert [p.shape for p in got.prototypes] == [(2, 4, 3, 3), (2, 4, 5, 5)]
    assert [loc.shape for loc in got.locations] == [(2, 4), (2, 4)]
    assert len(got.image_paths) == 8


def test_old_features_file():
    got = files.read_features(data("features"))
    assert got.version == 1 and got.model is None
    assert got.features.shape == (8, 4) and got.kept.all()
    assert got.labels.tolist() == [0] * 4 + [1] * 4
    assert got.class_names == ["bright", "dark"] and got.layers == ["C2"]


def test_old_experiment_file():
    got = files.read_experiment(data("experiment"))
    assert got.version == 1 and got.seed == 5 and got.class_names == ["bright", "dark"]
    assert [e.kind for e in got.evaluations] == ["train_test", "cross_validation"]
    protos = files.read_prototypes(data("experiment"))
    assert protos.format == "glimpse.experiment" and protos.prototypes[0].shape == (2, 4, 3, 3)
    exp = LoadExperiment(data("experiment"))
    assert exp.seed == 5 and len(exp.corpus) == 8 and exp.train_mask.sum() == 4
    assert exp.features.shape == (8, 2) and exp.model.params.s2_kwidth == [3]
    assert exp.evaluations[1].fold_scores.tolist() == [1.0, 1.0]

"""Each format written by glimpse.files reads back as it was written."""

import numpy as np
import pytest

from glimpse import __version__, files

from .conftest import experiment_record, members, prototype_params


@pytest.mark.parametrize("name", ["patches", "prototypes", "experiment", "features"])
def test_every_file_holds_the_metadata_record(written, name):
    arrays, meta = members(written[name])
    assert meta["format"] == "glimpse." + name
    assert meta["version"] == files.VERSION and isinstance(meta["version"], int)
    assert meta["glimpse_version"] == __version__


def test_prototype_locations_have_one_name_in_every_file(written):
    for name in ("prototypes", "experiment"):
        arrays, _ = members(written[name])
        assert {"prototype_locations_0", "prototype_locations_1"} <= set(arrays), name
        assert not any(k.startswith("locations") for k in arrays), name


def test_patches_round_trip(written):
    got = files.read_patches(written["patches"])
    arrays, meta = members(written["patches"])
    assert got.version == files.VERSION and got.glimpse_version == __version__
    assert got.patches.dtype == np.float32 and got.patches.tobytes() == arrays["patches"].tobytes()
    assert got.locations.tolist() == [[0, 1, 2], [0, 3, 0], [0, 2, 2], [0, 0, 0]]
    assert got.image_index.tolist() == [0, 0, 2, 2]
    assert got.image_paths == ["a.png", "b.png", "c.png"]
    assert got.image_realpaths == ["/x/a.png", "/x/b.png", "/x/c.png"]
    assert got.skipped == [("b.png", "unreadable: truncated")]
    assert (got.seed, got.num_patches, got.width, got.exact) == (5, 2, 5, False)
    assert got.params["image_resize_length"] == 48 and meta["seed"] == 5


def test_prototypes_round_trip(written):
    got = files.read_prototypes(written["prototypes"])
    arrays, meta = members(written["prototypes"])
    assert got.format == "glimpse.prototypes" and got.model == "ml"
    assert got.params == prototype_params() and got.seed == 9 and got.algorithm == "imprint"
    assert [p.shape for p in got.prototypes] == [(2, 4, 3, 3), (3, 4, 5, 5)]
    assert got.prototypes[1].tobytes() == arrays["prototypes_1"].tobytes()
    assert got.locations[0].tolist() == [[0, 0, 1, 1], [2, 1, 0, 0]]
    assert got.image_paths == ["a.png", "b.png", "c.png"]
    assert meta["num_prototype_widths"] == 2


def test_prototypes_of_a_stored_experiment(written):
    got = files.read_prototypes(written["experiment"])
    record = experiment_record(10)
    assert got.format == "glimpse.experiment" and got.seed == 11 and got.model == "ml"
    assert [p.tobytes() for p in got.prototypes] == [p.tobytes() for p in record.prototypes]
    assert [loc.tolist() for loc in got.locations] == \
        [loc.tolist() for loc in record.prototype_locations]
    assert got.image_paths == record.paths and got.algorithm == "imprint"


def test_experiment_round_trip(written):
    got = files.read_experiment(written["experiment"])
    want = experiment_record(10)
    for name in ("model", "params", "seed", "paths", "class_names", "layers",
                 "prototype_algorithm", "skipped", "timing"):
        assert getattr(got, name) == getattr(want, name), name
    for name in ("labels", "train_mask", "features"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist(), name
    assert got.train_mask.dtype == bool and got.features.dtype == np.float32
    assert got.corpus_train is None
    for a, b in zip(got.evaluations, want.evaluations):
        assert (a.kind, a.learner, a.metric, a.score, a.accuracy, a.auc, a.num_folds) == \
            (b.kind, b.learner, b.metric, b.score, b.accuracy, b.auc, b.num_folds)
        assert a.test_indices.tolist() == b.test_indices.tolist()
        assert a.predictions.tolist() == b.predictions.tolist()
    assert got.evaluations[1].fold_scores.tolist() == [0.7, 0.8, 0.9]
    assert got.evaluations[0].fold_scores is None


def test_features_round_trip(written):
    got = files.read_features(written["features"])
    arrays, meta = members(written["features"])
    assert got.features.tobytes() == arrays["features"].tobytes()
    assert got.kept.tolist() == [True, False, True]
    assert got.skipped == [("b.png", "too small: 3x3")]
    assert got.labels.tolist() == [0, 1, 1] and got.class_names == ["x", "y"]
    assert got.layers == ["C2"] and got.model == "ml" and got.params == prototype_params()
    assert got.extra == {}


def test_an_experiment_without_corpus_or_prototypes(tmp_path):
    record = files.ExperimentFile(path="", version=2, glimpse_version=None, model="base",
                                  params={}, seed=0)
    files.write_experiment(tmp_path / "e.npz", record)
    got = files.read_experiment(tmp_path / "e.npz")
    assert got.paths is None and got.prototypes is None and got.evaluations == []
    with pytest.raises(files.FileFormatError, match="holds no prototypes"):
        files.read_prototypes(tmp_path / "e.npz")


def test_bare_prototypes_only_when_asked(tmp_path):
    a = np.ones((3, 4, 5, 5), np.float32)
    np.save(tmp_path / "p.npy", a)
    got = files.read_prototypes(tmp_path / "p.npy", bare=True)
    assert got.format == "npy" and [p.shape for p in got.prototypes] == [(3, 4, 5, 5)]
    assert got.params == {} and got.model is None
    np.savez(tmp_path / "two.npz", prototypes_0=a, prototypes_1=a[:, :, :3, :3])
    got = files.read_prototypes(tmp_path / "two.npz", bare=True)
    assert [p.shape[-1] for p in got.prototypes] == [5, 3]
    for name in ("p.npy", "two.npz"):
        with pytest.raises(files.FileFormatError):
            files.read_prototypes(tmp_path / name)
    np.save(tmp_path / "flat.npy", a[0])
    with pytest.raises(files.FileFormatError, match=r"flat.npy: prototypes_0 must be"):
        files.read_prototypes(tmp_path / "flat.npy", bare=True)


def test_writers_refuse_what_the_reader_would(tmp_path):
    record = experiment_record(8)
    record.train_mask = np.arange(8)
    with pytest.raises(ValueError, match=r"cannot write .*e.npz: train_mask must be a bool "
                                         r"array of shape \(8,\), got int64"):
        files.write_experiment(tmp_path / "e.npz", record)
    with pytest.raises(ValueError, match=r"features must have one row per kept image \(2\)"):
        files.write_features(tmp_path / "f.npz", np.zeros((3, 2), np.float32),
                             np.array([True, True]), ["a", "b"], [], model="ml",
                             params={}, layers=["C2"])
    with pytest.raises(ValueError, match="extra must not hold the array kept"):
        files.write_features(tmp_path / "f.npz", np.zeros((2, 2), np.float32),
                             np.array([True, True]), ["a", "b"], [], model="ml",
                             params={}, layers=["C2"], extra={"kept": np.ones(2)})
    assert not list(tmp_path.iterdir())

import json
import os

import numpy as np
import pytest

from glimpse import files
from glimpse.cli import main
from glimpse.experiment import LoadExperiment, ReadCorpus

from ..experiment.conftest import small_model
from ..files.conftest import DATA


@pytest.fixture
def params_file(tmp_path):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(small_model().params.AsDict()))
    return str(path)


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_params_prints_the_defaults_and_reads_a_file(capsys, tmp_path, params_file):
    status, out, _ = _run(capsys, "params")
    defaults = small_model().ParamClass().AsDict()
    assert status == 0 and json.loads(out) == defaults
    status, out, _ = _run(capsys, "params", "--params", params_file)
    assert status == 0
    assert json.loads(out)["image_resize_length"] == small_model().params.image_resize_length


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "must hold a JSON object"),
    ("{nope", "is not JSON"),
    ('{"no_such_param": 1}', "bad model parameters"),
    ('{"image_resize_length": -3}', "bad model parameters"),
])
def test_bad_params_file_is_a_one_line_usage_error(capsys, tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_text(content)
    status, _, err = _run(capsys, "params", "--params", path)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    status, _, err = _run(capsys, "params", "--params", tmp_path / "missing.json")
    assert status == 2 and "cannot read --params" in err


def test_usage_errors(capsys, tmp_path, tiny_corpus):
    for argv, message in [
        (["evaluate"], "give a CORPUS directory or --corpus-name"),
        (["evaluate", tiny_corpus, "--corpus-name", "easy"], "one of them"),
        (["evaluate", tmp_path / "missing"], "does not exist"),
        (["evaluate", tiny_corpus, "-o", tmp_path / "x" / "e.npz"],
         "glimpse evaluate: error: the directory of --output must exist, got %s"
         % (tmp_path / "x")),
        (["evaluate", tiny_corpus, "-o", tmp_path / "x" / "e.txt"],
         "glimpse evaluate: error: the directory of --output must exist, got"),
        (["evaluate", tiny_corpus, "-o", tmp_path / "e.txt"],
         "glimpse evaluate: error: --output must end with .npz, got %s" % (tmp_path / "e.txt")),
        (["evaluate", tiny_corpus, "-o", tmp_path / "bright"],
         "glimpse evaluate: error: --output must be a file, got the directory %s"
         % (tmp_path / "bright")),
        (["features", tiny_corpus, "--prototypes", tmp_path / "p.npz", "-o", tmp_path / "f.txt"],
         "glimpse features: error: --output must end with .npz, got"),
        (["evaluate", tiny_corpus, "--scheduler", "tcp://127.0.0.1:1"], "needs --pool dask"),
        (["evaluate", tiny_corpus, "-n", "0"], "integer >= 1, got 0"),
        (["imprint", tiny_corpus, "-o", tmp_path / "p.npz"], "-n/--num-prototypes"),
    ]:
        status, _, err = _run(capsys, *argv)
        assert status == 2, (argv, err)
        assert message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_evaluate_prints_score_and_timing_and_stores(capsys, tmp_path, tiny_corpus,
                                                     params_file):
    (tiny_corpus / "dark" / "broken.png").write_bytes(b"not an image")
    out_file = tmp_path / "exp.npz"
    status, out, err = _run(capsys, "evaluate", tiny_corpus, "--params", params_file, "-n", 4,
                            "--seed", 3, "--pool", "serial", "-o", out_file, "-q")
    assert status == 0, err
    first = out.splitlines()[0]
    assert first.startswith("accuracy 1.0000  AUC 1.0000")
    assert out.splitlines()[1].startswith("time: ") and "features" in out
    assert "skipped" in err and "broken.png" in err
    exp = LoadExperiment(out_file)
    assert exp.seed == 3 and len(exp.corpus) == 12 and exp.evaluations[0].score == 1.0
    status, out, _ = _run(capsys, "evaluate", tiny_corpus, "--params", params_file, "-n", 4,
                          "--cross-validate", "--folds", 3, "--classifier", "logreg", "-q")
    assert status == 0 and "3-fold cross-validation over 12 images; logreg" in out


def test_output_suffix_is_case_insensitive(capsys, tmp_path, tiny_corpus, params_file):
    out_file = tmp_path / "E.NPZ"
    status, _, err = _run(capsys, "evaluate", tiny_corpus, "--params", params_file, "-n", 4,
                          "--seed", 3, "-o", out_file, "-q")
    assert status == 0, err
    assert out_file.exists() and not (tmp_path / "E.NPZ.npz").exists()
    assert LoadExperiment(out_file).seed == 3


@pytest.mark.parametrize("folds", [1, 7])
def test_folds_out_of_range_is_one_clean_line(capsys, tiny_corpus, params_file, folds):
    status, _, err = _run(capsys, "evaluate", tiny_corpus, "--params", params_file, "-n", 4,
                          "--cross-validate", "--folds", folds, "-q")
    assert status != 0 and "Traceback" not in err
    line, = [ln for ln in err.splitlines() if "num_folds" in ln]
    assert "num_folds must be an integer in [2, 6], got %d" % folds in line


def test_imprint_then_features(capsys, tmp_path, tiny_corpus, params_file):
    protos = tmp_path / "protos.npz"
    status, out, err = _run(capsys, "imprint", tiny_corpus, "--params", params_file, "-n", 5,
                            "--seed", 1, "-o", protos)
    assert status == 0, err
    stored = files.read_prototypes(protos)
    assert stored.format == "glimpse.prototypes" and stored.seed == 1
    assert stored.prototypes[0].shape[0] == 5 and stored.locations[0].shape == (5, 4)
    assert stored.params == small_model().params.AsDict() and stored.algorithm == "imprint"
    assert stored.image_paths == ReadCorpus(str(tiny_corpus)).paths
    features = tmp_path / "features.npz"
    (tiny_corpus / "bright" / "03b.png").write_bytes(b"broken")
    status, out, err = _run(capsys, "features", tiny_corpus, "--prototypes", protos, "-o",
                            features, "-q")
    assert status == 0, err
    assert "skipped" in err and "03b.png: unreadable" in err
    got = files.read_features(features)
    assert got.features.shape == (12, 5) and got.kept.sum() == 12
    assert not got.kept[4] and got.skipped[0][0].endswith("03b.png")
    assert got.labels.tolist() == [0] * 7 + [1] * 6 and got.class_names == ["bright", "dark"]
    assert got.layers == ["C2"] and got.params == stored.params and got.extra == {}
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", features, "-o",
                          tmp_path / "f2.npz")
    assert status == 2 and len(err.splitlines()) == 1
    assert "cannot read --prototypes %s: it is a glimpse.features file" % features in err


def test_features_takes_the_prototypes_of_a_stored_experiment(capsys, tmp_path, tiny_corpus,
                                                              params_file):
    stored = tmp_path / "exp.npz"
    status, _, err = _run(capsys, "evaluate", tiny_corpus, "--params", params_file, "-n", 3,
                          "--seed", 2, "-o", stored, "-q")
    assert status == 0, err
    exp = LoadExperiment(stored)
    out = tmp_path / "f.npz"
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", stored, "-o", out,
                          "-q")
    assert status == 0, err
    got = files.read_features(out)
    assert got.kept.all() and got.params == exp.model.params.AsDict()
    # the features of the stored experiment, which were computed with the same prototypes
    np.testing.assert_allclose(got.features, exp.features, rtol=1e-5)


@pytest.mark.parametrize("name", ["prototypes-0.1.0.npz", "experiment-0.1.0.npz"])
def test_features_takes_the_prototypes_of_files_of_glimpse_0_1_0(capsys, tmp_path,
                                                                 tiny_corpus, name):
    path = os.path.join(DATA, name)
    stored = files.read_prototypes(path)
    out = tmp_path / "f.npz"
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", path, "-o", out, "-q")
    assert status == 0, err
    got = files.read_features(out)
    assert got.features.shape == (12, sum(len(p) for p in stored.prototypes))
    assert got.params["s2_kwidth"] == stored.params["s2_kwidth"]

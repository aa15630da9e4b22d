"""``--model``: the command line builds the model it names (the standard HMAX model here)."""

import json

import numpy as np
import pytest
from PIL import Image

from glimpse import files, glab
from glimpse.cli import main
from glimpse.models import MakeModel, MakeParams, hmax, ml
from glimpse.util.show import CAPTION_HEIGHT, GAP

from ..models.hmax.conftest import SMALL
from .test_show import grid, scaled, tile

EXAMPLE = str(glab.GetExampleImagePath())


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _usage_error(capsys, *argv):
    """The error line of a run that must be refused as a usage error (status 2, one line)."""
    status, _, err = _run(capsys, *argv)
    assert status == 2, (argv, err)
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL))
    return path


@pytest.fixture
def hmax_prototypes(capsys, tmp_path, tiny_corpus, small_file):
    """A prototypes file imprinted by the small hmax model from the tiny corpus."""
    out = tmp_path / "protos.npz"
    status, _, err = _run(capsys, "imprint", tiny_corpus, "--model", "hmax", "--params",
                          small_file, "-n", "3", "--seed", "1", "-q", "-o", out)
    assert status == 0, err
    return out


def test_params_prints_the_models_defaults_and_round_trips(capsys, tmp_path):
    status, out, _ = _run(capsys, "params", "--model", "hmax")
    assert status == 0 and json.loads(out) == hmax.Params().AsDict()
    assert json.loads(out) != ml.Params().AsDict()
    path = tmp_path / "p.json"
    path.write_text(out)
    status, again, _ = _run(capsys, "params", "--model", " HMAX ", "--params", path)
    assert status == 0 and json.loads(again) == json.loads(out)
    status, out, _ = _run(capsys, "params", "--model", "ml")
    assert status == 0 and json.loads(out) == ml.Params().AsDict()


def test_params_follows_glimpse_model_without_model(capsys, monkeypatch):
    monkeypatch.setenv("GLIMPSE_MODEL", "hmax")
    status, out, _ = _run(capsys, "params")
    assert status == 0 and json.loads(out) == hmax.Params().AsDict()
    status, out, _ = _run(capsys, "params", "--model", "ml")  # the option wins
    assert status == 0 and json.loads(out) == ml.Params().AsDict()


def test_params_file_is_checked_against_the_named_model(capsys, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"num_scales": 3}))  # an ml parameter
    assert _run(capsys, "params", "--model", "ml", "--params", path)[0] == 0
    err = _usage_error(capsys, "params", "--model", "hmax", "--params", path)
    assert "bad model parameters in --params" in err and "num_scales" in err
    path.write_text(json.dumps({"s1_kwidths": [7, 9]}))
    err = _usage_error(capsys, "params", "--model", "hmax", "--params", path)
    assert "s1_wavelengths" in err


def test_unknown_model_is_a_usage_error_listing_the_models(capsys):
    err = _usage_error(capsys, "params", "--model", "nope")
    assert "--model" in err and "'ml', 'hmax'" in err and "'nope'" in err


def test_imprint_features_evaluate_with_hmax(capsys, tmp_path, tiny_corpus, small_file,
                                             hmax_prototypes):
    stored = files.read_prototypes(hmax_prototypes)
    assert stored.model == "hmax"
    assert [p.shape for p in stored.prototypes] == [(3, 4, 4, 4), (3, 4, 5, 5)]
    assert stored.params["s1_kwidths"] == SMALL["s1_kwidths"]
    out = tmp_path / "features.npz"
    # the model comes from the prototypes file: no --model needed
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", hmax_prototypes,
                          "-q", "-o", out)
    assert status == 0, err
    with np.load(out, allow_pickle=False) as data:
        features, paths = data["features"], [str(p) for p in data["image_paths"]]
    assert features.shape == (12, 6)
    model = MakeModel("hmax", MakeParams("hmax", **SMALL))
    model.s2_kernels = stored.prototypes
    c2 = hmax.BuildLayer(model, hmax.Layer.C2, paths[0])[hmax.Layer.C2]
    np.testing.assert_allclose(features[0], np.concatenate(c2), rtol=1e-5)
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", hmax_prototypes,
                          "--model", "HMAX", "-q", "-o", out)
    assert status == 0, err
    status, out, err = _run(capsys, "evaluate", tiny_corpus, "--model", "hmax", "--params",
                            small_file, "-n", "3", "-q")
    assert status == 0, err
    assert out.startswith("accuracy 1.0000") and "3 imprint prototypes" in out


def test_imprint_kernel_width_sets_the_hmax_widths(capsys, tmp_path, tiny_corpus, small_file):
    out = tmp_path / "p.npz"
    status, _, err = _run(capsys, "imprint", tiny_corpus, "--model", "hmax", "--params",
                          small_file, "--kernel-width", "3", "2", "-n", "2", "-q", "-o", out)
    assert status == 0, err
    stored = files.read_prototypes(out)
    assert [p.shape[-1] for p in stored.prototypes] == [3, 2]
    assert stored.params["s2_kwidths"] == [3, 2]


def test_features_refuses_a_model_other_than_the_prototypes(capsys, tmp_path, tiny_corpus,
                                                            hmax_prototypes):
    err = _usage_error(capsys, "features", tiny_corpus, "--prototypes", hmax_prototypes,
                       "--model", "ml", "-q", "-o", tmp_path / "f.npz")
    assert "--model ml disagrees with --prototypes" in err and "hmax model" in err
    assert not (tmp_path / "f.npz").exists()


@pytest.fixture(scope="module")
def example_c1():
    model = hmax.Model()
    return model, hmax.BuildLayer(model, hmax.Layer.C1, EXAMPLE)


@pytest.mark.parametrize("layer, rows", [("S1", 16), ("C1", 8)])
def test_show_hmax_s1_by_sizes_and_c1_by_bands(capsys, tmp_path, example_c1, layer, rows):
    out = tmp_path / "layer.png"
    status, _, err = _run(capsys, "show", "--model", "hmax", "--layer", layer.lower(),
                          "--output", out)
    assert status == 0, err
    maps = example_c1[1][getattr(hmax.Layer, layer)]
    assert len(maps) == rows
    a = grid(out)
    cell_h = max(m.shape[1] for m in maps)
    cell_w = max(m.shape[2] for m in maps)
    assert a.shape[0] == CAPTION_HEIGHT + GAP + rows * (cell_h + GAP)
    assert a.shape[1] >= GAP + 4 * (cell_w + GAP)  # columns: the four orientations
    for r in (0, rows - 1):
        for o in (0, 3):
            h, w = maps[r].shape[1:]
            if np.ptp(maps[r][o]) > 0:
                np.testing.assert_allclose(tile(a, r, o, cell_h, cell_w)[:h, :w],
                                           scaled(maps[r][o]), atol=1)


def test_show_hmax_kernels_by_sizes_and_orientations(capsys, tmp_path, example_c1):
    out = tmp_path / "k.png"
    status, _, err = _run(capsys, "show", "--model", "hmax", "--kernels", "--output", out)
    assert status == 0, err
    kernels = example_c1[0].s1_kernels
    assert len(kernels) == 16
    a = grid(out)
    cell = 4 * 37  # the largest filter, zoom 4
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 16 * (cell + GAP)  # rows: sizes
    assert a.shape[1] >= GAP + 4 * (cell + GAP)  # columns: orientations
    for r, o in [(0, 1), (15, 2)]:
        k = kernels[r][o]
        np.testing.assert_allclose(tile(a, r, o, cell, cell)[:4 * k.shape[0]:4, :4 * k.shape[1]:4],
                                   scaled(k), atol=1)


def test_show_hmax_s2_with_prototypes_of_the_small_model(capsys, tmp_path, hmax_prototypes):
    image = tmp_path / "img.png"
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 256, (40, 48), dtype=np.uint8), "L").save(image)
    out = tmp_path / "s2.png"
    # the model and its parameters come from the prototypes file
    status, _, err = _run(capsys, "show", image, "--layer", "S2", "--prototypes",
                          hmax_prototypes, "--output", out)
    assert status == 0, err
    model = MakeModel("hmax", MakeParams("hmax", **SMALL))
    model.s2_kernels = files.read_prototypes(hmax_prototypes).prototypes
    s2 = hmax.BuildLayer(model, hmax.Layer.S2, str(image))[hmax.Layer.S2]
    maps = [m for per_band in s2 for m in per_band]  # 2 bands x 2 patch sizes
    a = grid(out)
    cell_h = max(m.shape[1] for m in maps)
    cell_w = max(m.shape[2] for m in maps)
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 4 * (cell_h + GAP)
    for r, m in enumerate(maps):
        h, w = m.shape[1:]
        np.testing.assert_allclose(tile(a, r, 2, cell_h, cell_w)[:h, :w], scaled(m[2]), atol=1)


def test_show_refuses_what_hmax_has_not(capsys, tmp_path, hmax_prototypes):
    out = tmp_path / "x.png"
    err = _usage_error(capsys, "show", "--model", "hmax", "--layer", "retina", "-o", out)
    assert "--layer retina: the hmax model has no such layer; it has S1, C1, S2" in err
    err = _usage_error(capsys, "show", "--model", "hmax", "--layer", "c1", "--num-scales", "2",
                       "-o", out)
    assert "--num-scales does not apply to the hmax model" in err
    err = _usage_error(capsys, "show", "--model", "ml", "--layer", "s2", "--prototypes",
                       hmax_prototypes, "-o", out)
    assert "--model ml disagrees with --prototypes" in err
    bare = tmp_path / "two_bands.npy"
    np.save(bare, np.ones((3, 2, 4, 4), np.float32))
    err = _usage_error(capsys, "show", "--model", "hmax", "--layer", "s2", "--prototypes",
                       bare, "-o", out)
    assert "the prototypes have 2 bands; the hmax model's S1 has 4 orientations" in err
    assert not out.exists()


def test_imprint_refuses_a_model_without_prototypes_before_its_widths(
        capsys, tmp_path, tiny_corpus):
    for extra in ([], ["--kernel-width", "3"]):
        err = _usage_error(capsys, "imprint", tiny_corpus, "--model", "base", "-n", "1",
                           *extra, "-o", tmp_path / "p.npz")
        assert "the base model has no S2 prototypes" in err


def test_features_takes_the_model_of_a_stored_hmax_experiment(capsys, tmp_path, tiny_corpus,
                                                              small_file):
    experiment = tmp_path / "exp.npz"
    status, _, err = _run(capsys, "evaluate", tiny_corpus, "--model", "hmax", "--params",
                          small_file, "-n", "2", "-q", "-o", experiment)
    assert status == 0, err
    out = tmp_path / "f.npz"
    status, _, err = _run(capsys, "features", tiny_corpus, "--prototypes", experiment, "-q",
                          "-o", out)
    assert status == 0, err
    with np.load(out, allow_pickle=False) as data:
        assert data["features"].shape == (12, 4)  # two prototypes of each of two widths
    err = _usage_error(capsys, "features", tiny_corpus, "--prototypes", experiment,
                       "--model", "ml", "-q", "-o", out)
    assert "made by the hmax model" in err

"""The command line and the pictures with the standard HMAX model (GLIMPSE_MODEL=hmax)."""

import json
import os
import subprocess
import sys

import numpy as np

from glimpse import files
from glimpse.models.hmax import BuildLayer, Layer, Params
from glimpse.prototypes import ImprintS2Prototypes
from glimpse.util import show

from .conftest import SMALL, small_model


def glimpse(*args, cwd):
    env = dict(os.environ, GLIMPSE_MODEL="hmax")
    return subprocess.run([sys.executable, "-m", "glimpse"] + [str(a) for a in args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_params_prints_the_hmax_defaults(tmp_path):
    run = glimpse("params", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == Params().AsDict()
    (tmp_path / "p.json").write_text(json.dumps({"s2_activation": "gaussian"}))
    run = glimpse("params", "--params", "p.json", cwd=tmp_path)
    assert json.loads(run.stdout)["s2_activation"] == "gaussian"
    (tmp_path / "bad.json").write_text(json.dumps({"s1_kwidths": [7, 9]}))
    run = glimpse("params", "--params", "bad.json", cwd=tmp_path)
    assert run.returncode == 2 and "s1_wavelengths must hold one wavelength" in run.stderr


def test_imprint_features_and_evaluate(tiny_corpus, tmp_path):
    (tmp_path / "small.json").write_text(json.dumps(SMALL))
    run = glimpse("imprint", tiny_corpus, "--params", "small.json", "-n", "3", "--seed", "1",
                  "-q", "--pool", "serial", "-o", "protos.npz", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    stored = files.read_prototypes(tmp_path / "protos.npz")
    assert stored.model == "hmax"
    assert [p.shape for p in stored.prototypes] == [(3, 4, 4, 4), (3, 4, 5, 5)]
    assert (stored.locations[0][:, 1] < 2).all()  # C1 bands
    run = glimpse("features", tiny_corpus, "--prototypes", "protos.npz", "-q", "--pool",
                  "serial", "-o", "features.npz", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with np.load(tmp_path / "features.npz") as data:
        assert data["features"].shape == (12, 6)
    run = glimpse("evaluate", tiny_corpus, "--params", "small.json", "-n", "3", "-q",
                  "--pool", "serial", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("accuracy 1.0000")


def test_pictures_of_s1_c1_and_s2():
    model = small_model()
    image = np.random.default_rng(0).random((40, 48), dtype=np.float32)
    ImprintS2Prototypes(model, [image], 3, rng=0)
    state = BuildLayer(model, (Layer.S2,), image)
    sizes = {}
    for layer in (Layer.S1, Layer.C1, Layer.S2):
        rows, what = show.LayerRows(state[layer])
        picture = show.ShowLayer(layer.name, state[layer])
        assert picture.mode in ("L", "RGB") and picture.width > 0
        sizes[layer.name] = (len(rows), len(rows[0]))
    # 4 S1 sizes by 4 orientations, 2 bands by 4 orientations, 2 bands x 2 sizes by 3 patches
    assert sizes == {"S1": (4, 4), "C1": (2, 4), "S2": (4, 3)}

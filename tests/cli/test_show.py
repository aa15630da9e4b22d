"""``glimpse show``: the PNG has the tile layout of the layer, kernels or prototypes drawn."""

import os

import numpy as np
import pytest
from PIL import Image

from glimpse import files, glab
from glimpse.cli import main
from glimpse.models.ml import BuildLayer, Layer, Model, Params
from glimpse.prototypes import ImprintS2Prototypes
from glimpse.util.show import CAPTION_HEIGHT, GAP

from ..files.conftest import DATA

EXAMPLE = str(glab.GetExampleImagePath())


def grid(path):
    return np.asarray(Image.open(path))


def tile(a, r, c, cell_h, cell_w):
    y = CAPTION_HEIGHT + GAP + r * (cell_h + GAP)
    x = GAP + c * (cell_w + GAP)
    return a[y:y + cell_h, x:x + cell_w]


def scaled(m):
    m = m.astype(np.float64)
    return np.round((m - m.min()) * 255 / (m.max() - m.min()))


def test_show_c1_layer(tmp_path, capsys):
    out = tmp_path / "c1.png"
    assert main(["show", EXAMPLE, "--layer", "c1", "--num-scales", "2", "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    c1 = BuildLayer(Model(params=Params(num_scales=2)), Layer.C1, EXAMPLE)[Layer.C1]
    a = grid(out)
    cell_h, cell_w = c1[0].shape[1:]
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 2 * (cell_h + GAP)
    assert a.shape[1] >= GAP + 4 * (cell_w + GAP)
    for s in range(2):
        for o in range(4):
            h, w = c1[s].shape[1:]
            np.testing.assert_allclose(tile(a, s, o, cell_h, cell_w)[:h, :w], scaled(c1[s][o]),
                                       atol=1)


def test_show_kernels(tmp_path):
    out = tmp_path / "k.png"
    assert main(["show", "--kernels", "--output", str(out)]) == 0
    a = grid(out)
    cell = 4 * 11  # zoom 4
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 2 * (cell + GAP)  # rows: the two phases
    assert a.shape[1] >= GAP + 4 * (cell + GAP)  # columns: the four orientations
    kernels = Model().s1_kernels
    np.testing.assert_allclose(tile(a, 1, 2, cell, cell)[::4, ::4], scaled(kernels[2, 1]), atol=1)


def test_show_s2_imprinted_and_from_a_file(tmp_path):
    out = tmp_path / "s2.png"
    assert main(["show", EXAMPLE, "--layer", "S2", "--num-scales", "2", "--num-prototypes", "3",
                 "--output", str(out)]) == 0
    a = grid(out)
    model = Model(params=Params(num_scales=2))
    ImprintS2Prototypes(model, [EXAMPLE], 3, rng=0)  # as the command does: seed 0
    s2 = BuildLayer(model, Layer.S2, EXAMPLE)[Layer.S2]
    cell_h, cell_w = s2[0][0].shape[1:]
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 2 * (cell_h + GAP)
    h, w = s2[1][0].shape[1:]
    np.testing.assert_allclose(tile(a, 1, 2, cell_h, cell_w)[:h, :w], scaled(s2[1][0][2]), atol=1)
    # prototypes stored as 'glimpse imprint' stores them
    protos = [np.random.default_rng(0).random((5, 4, 3, 3), dtype=np.float32),
              np.random.default_rng(1).random((2, 4, 5, 5), dtype=np.float32)]
    path = tmp_path / "protos.npz"
    files.write_prototypes(path, protos, None, [], model="ml", seed=0, algorithm="imprint",
                           params=Params(s2_operation="Rbf", s2_kwidth=[3, 5]).AsDict())
    alone = tmp_path / "protos.png"
    assert main(["show", "--prototypes", str(path), "--zoom", "2", "--output", str(alone)]) == 0
    a = grid(alone)
    assert a.shape[0] == CAPTION_HEIGHT + GAP + 7 * (10 + GAP)  # 7 prototypes, cells 10x10
    np.testing.assert_allclose(tile(a, 6, 3, 10, 10)[::2, ::2], scaled(protos[1][1, 3]), atol=1)
    used = tmp_path / "s2file.png"
    assert main(["show", EXAMPLE, "--layer", "s2", "--num-scales", "1", "--prototypes", str(path),
                 "--output", str(used)]) == 0
    assert grid(used).shape[0] == CAPTION_HEIGHT + GAP + 2 * (s2[0][0].shape[1] + 4 + GAP)


@pytest.mark.parametrize("argv, status, message", [
    (["--output", "x.png"], 2, "--layer, --kernels or --prototypes"),
    (["--layer", "S7", "--output", "x.png"], 2, "S7"),
    (["--layer", "S1", "--output", "x.jpg"], 2, ".png"),
    (["--layer", "S1", "--kernels", "--output", "x.png"], 2, "without --layer"),
    (["--kernels", "--prototypes", "p.npy", "--output", "x.png"], 2, "without --prototypes"),
    (["--prototypes", "missing.npz", "--output", "x.png"], 2,
     "glimpse show: error: cannot read --prototypes missing.npz: No such file"),
    (["/no/such/image.png", "--layer", "S1", "--output", "x.png"], 1, "image.png"),
    (["/no/such/image.png", "--layer", "S1", "--output", "no/x.png"], 2,
     "glimpse show: error: the directory of --output must exist"),
    (["--kernels", "--output", "d.png"], 2, "glimpse show: error: --output must be a file"),
])
def test_show_errors(tmp_path, monkeypatch, capsys, argv, status, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.png").mkdir()
    np.save(tmp_path / "p.npy", np.ones((2, 4, 3, 3), np.float32))
    assert main(["show"] + argv) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "error: glimpse" not in err, err
    assert not (tmp_path / "x.png").exists()


def test_load_prototypes_formats(tmp_path):
    from glimpse.cli.show import LoadPrototypes

    a = np.ones((3, 4, 5, 5), np.float32)
    np.save(tmp_path / "p.npy", a)
    protos, params = LoadPrototypes(str(tmp_path / "p.npy"))
    assert [p.shape for p in protos] == [(3, 4, 5, 5)] and params == {}
    recorded = Params(s2_operation="NormRbf", num_scales=3, s2_kwidth=[5, 3]).AsDict()
    unit = [a / 10, np.ones((3, 4, 3, 3), np.float32) / 6]  # NormRbf needs unit norms
    files.write_prototypes(tmp_path / "imprint.npz", unit, None, [],
                           model="ml", params=recorded, seed=1, algorithm="imprint")
    protos, params = LoadPrototypes(str(tmp_path / "imprint.npz"))
    assert [p.shape[-1] for p in protos] == [5, 3] and params["s2_operation"] == "NormRbf"
    np.savez(tmp_path / "bare.npz", prototypes_1=a[:, :, :3, :3], prototypes_0=a)
    protos, params = LoadPrototypes(str(tmp_path / "bare.npz"))
    assert [p.shape[-1] for p in protos] == [5, 3] and params == {}
    np.savez(tmp_path / "none.npz", other=a)
    with pytest.raises(ValueError, match="no prototypes"):
        LoadPrototypes(str(tmp_path / "none.npz"))
    np.save(tmp_path / "flat.npy", a[0])
    with pytest.raises(ValueError, match="n, bands, k, k|shape"):
        LoadPrototypes(str(tmp_path / "flat.npy"))
    with pytest.raises(ValueError, match="No such file"):
        LoadPrototypes(str(tmp_path / "missing.npy"))


@pytest.mark.parametrize("name", ["prototypes-0.1.0.npz", "experiment-0.1.0.npz"])
def test_show_draws_the_prototypes_of_files_of_glimpse_0_1_0(tmp_path, invoke, name):
    path = os.path.join(DATA, name)
    stored = files.read_prototypes(path)
    out = tmp_path / "p.png"
    res = invoke("show", "--prototypes", path, "--zoom", "1", "-o", out)
    assert res.returncode == 0, res.stderr
    rows = sum(len(p) for p in stored.prototypes)
    cell = max(p.shape[-1] for p in stored.prototypes)
    assert grid(out).shape[0] == CAPTION_HEIGHT + GAP + rows * (cell + GAP)


@pytest.mark.parametrize("value", [np.nan, np.inf, 1e300])
@pytest.mark.parametrize("layer", [[], ["--layer", "s2", "--num-scales", "1"]])
def test_show_refuses_prototypes_not_finite_in_float32(tmp_path, capsys, value, layer):
    a = np.ones((2, 4, 3, 3))
    a[1, 2, 0, 1] = value
    np.save(tmp_path / "p.npy", a)
    out = tmp_path / "x.png"
    assert main(["show", EXAMPLE, "--prototypes", str(tmp_path / "p.npy"), "--output", str(out)]
                + layer) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cannot read --prototypes" in err[0], err
    assert "finite" in err[0] or "float32" in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("zoom, status", [("2147483647", 1), ("9" * 20, 2)])
def test_show_huge_zoom_is_one_line(tmp_path, capsys, zoom, status):
    out = tmp_path / "x.png"
    assert main(["show", "--kernels", "--zoom", zoom, "--output", str(out)]) == status
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "unexpected" not in err[0] and "zoom" in err[0], err
    assert not out.exists()

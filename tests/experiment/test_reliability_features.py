"""A failed feature run leaves the file it was to replace as it was."""

import os

import numpy as np
import pytest
from PIL import Image

from glimpse.experiment import WriteFeatures
from glimpse.models import MakeModel, MakeParams


def _corpus(root, make):
    paths = []
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        path = root / name / "x.png"
        make(path)
        paths.append(str(path))
    return paths


def _empty(path):
    path.write_bytes(b"")


def _tiny(path):
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(path)


@pytest.mark.parametrize("make", [_empty, _tiny], ids=["unreadable", "too-small"])
def test_every_image_skipped_keeps_the_previous_output(tmp_path, make):
    # images as they are (not resized), so that a 2x2 one is too small for C1
    model = MakeModel("ml", MakeParams("ml", image_resize_method="none", num_scales=2))
    paths = _corpus(tmp_path / "corpus", make)
    out = tmp_path / "out.npz"
    np.savez(out, features=np.ones((2, 3), np.float32))
    before = out.read_bytes()
    with pytest.raises(ValueError, match="no image could be computed.*2 skipped") as info:
        WriteFeatures(str(out), model, paths, ["C1"])
    assert [index for index, _ in info.value.skipped] == [0, 1]
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["corpus", "out.npz"]


def test_every_image_skipped_writes_no_new_output(model, tmp_path):
    paths = _corpus(tmp_path / "corpus", _empty)
    with pytest.raises(ValueError, match="no image could be computed"):
        WriteFeatures(str(tmp_path / "out.npz"), model, paths, ["C1"])
    assert sorted(os.listdir(tmp_path)) == ["corpus"]


def test_one_good_image_is_written(model, tmp_path):
    paths = _corpus(tmp_path / "corpus", _empty)
    Image.fromarray(np.full((40, 40), 90, np.uint8)).save(paths[1])
    kept, skipped = WriteFeatures(str(tmp_path / "out.npz"), model, paths, ["C1"])
    assert kept.tolist() == [False, True] and [i for i, _ in skipped] == [0]
    with np.load(tmp_path / "out.npz") as data:
        assert data["features"].shape[0] == 1

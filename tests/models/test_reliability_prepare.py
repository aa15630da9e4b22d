"""An image whose preparation would need too much memory is refused, naming its file."""

import os
import subprocess
import tempfile
import sys
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from glimpse import prototypes
from glimpse.backends import InputLoadError
from glimpse.experiment import ComputeFeatures, Experiment, MakeCorpus, MakePrototypes
from glimpse.models import MakeModel, MakeParams
from glimpse.models.base import PrepareImage


def _model():
    return MakeModel("ml", MakeParams("ml", image_resize_length=64, num_scales=2,
                                      s2_kwidth=[5]))


@pytest.fixture
def images(tmp_path):
    good = tmp_path / "good.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (48, 48)).astype(np.uint8)).save(good)
    wide = tmp_path / "wide.png"  # 177 bytes; its short edge scaled to 64 is 6400000x64
    Image.fromarray(np.zeros((1, 100000), np.uint8)).save(wide)
    assert os.path.getsize(wide) < 1000
    return str(good), str(wide)


def test_features_skip_the_image_naming_why(images):
    tracemalloc.start()
    try:
        features, kept, skipped = ComputeFeatures(_model(), list(images), ["C1"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kept.tolist() == [True, False] and len(features) == 1
    [(index, reason)] = skipped
    assert index == 1
    assert reason.startswith("unreadable: ") and "6400000x64" in reason
    assert "MAX_IMAGE_PIXELS" in reason
    assert peak < 64 * 2**20, peak


def test_imprinting_refuses_the_image_by_name(images):
    tracemalloc.start()
    try:
        with pytest.raises(InputLoadError) as info:
            prototypes.ImprintS2Prototypes(_model(), list(images[::-1]), 20, rng=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert images[1] in str(info.value) and "\n" not in str(info.value)
    assert peak < 64 * 2**20, peak


def test_experiment_imprinting_skips_the_image(images):
    paths = [images[0], images[1], images[0], images[0]]
    exp = Experiment(_model(), MakeCorpus(paths, [0, 0, 1, 1]), seed=0)
    exp.train_mask = np.ones(4, bool)
    MakePrototypes(exp, 4, "imprint")
    assert [path for path, _ in exp.skipped] == [images[1]]
    assert len(exp.prototypes[0]) == 4


def test_the_bound_is_pillows_pixel_limit(images, monkeypatch):
    model = _model()
    img = Image.new("L", (400, 1))  # prepared to 25600x64: 1638400 pixels
    assert PrepareImage(img, model.params).shape == (64, 25600)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(ValueError, match="at most 1000000 pixels.*25600x64"):
        PrepareImage(img, model.params)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert PrepareImage(img, model.params).shape == (64, 25600)


_LIMITED = r"""
import resource, sys
from glimpse.experiment import ComputeFeatures
from glimpse.models import MakeModel, MakeParams
from PIL import Image
Image.MAX_IMAGE_PIXELS = None  # only the memory this process may use bounds the image
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), hard))
model = MakeModel("ml", MakeParams("ml", image_resize_length=64, num_scales=2))
features, kept, skipped = ComputeFeatures(model, sys.argv[1:3], ["C1"])
print(kept.tolist(), skipped[0][1])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
def test_without_a_pixel_limit_the_process_memory_bounds_it(images):
    limit = 3 * 2**30  # the interpreter, numpy and Pillow fit; the 6400000x64 resample not
    # not from the repository root, where the unbuilt sources would shadow the install
    proc = subprocess.run([sys.executable, "-c", _LIMITED, *images, str(limit)],
                          capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[True, False] unreadable: "), proc.stdout
    assert "bytes" in proc.stdout and "memory this process may use" in proc.stdout

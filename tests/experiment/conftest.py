import numpy as np
import pytest
from PIL import Image


def ThreadPool(workers):
    """A thread pool of `workers` threads."""
    from glimpse.pools import MakePool

    return MakePool("threads", workers=workers)


@pytest.fixture
def thread_pool():
    with ThreadPool(3) as pool:
        yield pool


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("glimpse-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("GLIMPSE_CACHE_DIR", str(root))
    yield root
    mp.undo()


@pytest.fixture
def tiny_corpus(tmp_path):
    """Two classes of 6 small images each: bright discs against dark discs, plus noise."""
    rng = np.random.default_rng(0)
    for label, name in enumerate(["bright", "dark"]):
        (tmp_path / name).mkdir()
        for i in range(6):
            data = rng.integers(0, 80, (40, 40)) + (150 if label == 0 else 0)
            data[10:30, 10:30] += 60
            Image.fromarray(np.clip(data, 0, 255).astype(np.uint8), "L").save(
                tmp_path / name / ("%02d.png" % i))
    return tmp_path


def small_model():
    """The HMAX model on small images (two scales of C1 maps of 9 and 7 pixels), so that a
    corpus takes milliseconds."""
    from glimpse.models import MakeModel, MakeParams

    return MakeModel("ml", MakeParams("ml", image_resize_length=64, num_scales=2,
                                      s2_kwidth=[5]))


@pytest.fixture
def model():
    return small_model()

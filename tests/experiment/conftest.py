import pytest


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


def small_model():
    """The HMAX model on small images (two scales of C1 maps of 9 and 7 pixels), so that a
    corpus takes milliseconds."""
    from glimpse.models import MakeModel, MakeParams

    return MakeModel("ml", MakeParams("ml", image_resize_length=64, num_scales=2,
                                      s2_kwidth=[5]))


@pytest.fixture
def model():
    return small_model()

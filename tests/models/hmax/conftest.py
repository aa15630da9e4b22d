"""A small standard HMAX model and a tiny corpus, shared by the model's tests."""

import numpy as np
import pytest
from PIL import Image

#: Four S1 sizes in two bands, two patch sizes (one odd): C1 maps of about 10 and 8 pixels
#: on the corpus's 40x40 images, so that a corpus takes a fraction of a second.
SMALL = dict(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4.0, 3.95, 3.9, 3.85],
             c1_kwidths=[8, 10], s2_kwidths=[4, 5])


def small_params(**kw):
    from glimpse.models import MakeParams

    return MakeParams("hmax", **dict(SMALL, **kw))


def small_model(backend=None, **kw):
    from glimpse.models import MakeModel

    return MakeModel("hmax", small_params(**kw), backend=backend)


@pytest.fixture
def tiny_corpus(tmp_path):
    """Two classes of 6 images 40x40 each: a bright square against a dark one, plus noise."""
    rng = np.random.default_rng(0)
    for label, name in enumerate(["bright", "dark"]):
        (tmp_path / name).mkdir()
        for i in range(6):
            data = rng.integers(0, 80, (40, 40)) + (150 if label == 0 else 0)
            data[10:30, 10:30] += 60
            Image.fromarray(np.clip(data, 0, 255).astype(np.uint8), "L").save(
                tmp_path / name / ("%02d.png" % i))
    return tmp_path

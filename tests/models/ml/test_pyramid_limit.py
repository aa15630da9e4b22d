"""A model asked for more scales than the retina's pyramid has shrinking levels says so."""

import numpy as np
import pytest

from glimpse.backends import InputSizeError
from glimpse.models.base import BuildLayer
from glimpse.models.ml import Layer, Model, Params


def _params(num_scales):
    return Params(s1_kwidth=3, c1_kwidth=1, c1_sampling=1, s2_kwidth=[1],
                  num_scales=num_scales, image_resize_method="none")


def test_more_scales_than_the_pyramid_shrinks_is_an_input_size_error():
    image = np.full((3, 3), 0.5, np.float32)  # 3 * 2**-0.25 rounds to 3: no second level
    with pytest.raises(InputSizeError, match="shrinks for 1 levels only") as info:
        BuildLayer(Model(params=_params(6)), Layer.S1, image)
    assert info.value.layer == Layer.S1 and info.value.scale == 1
    state = BuildLayer(Model(params=_params(4)), Layer.S1, np.full((12, 12), 0.5, np.float32))
    assert [m.shape[1:] for m in state[Layer.S1]] == [(10, 10), (8, 8), (6, 6), (5, 5)]

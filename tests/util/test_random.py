"""The one rng coercion and the one fresh seed (glimpse.util._random)."""

import numpy as np
import pytest

from glimpse.util import _random


def test_generator_accepts_what_numpy_accepts():
    g = np.random.default_rng(5)
    assert _random.generator(g) is g  # its stream continues
    assert _random.generator(7).integers(1000, size=4).tolist() == \
        np.random.default_rng(7).integers(1000, size=4).tolist()
    seq = np.random.SeedSequence(11)
    assert _random.generator(seq).random() == np.random.default_rng(np.random.SeedSequence(11)
                                                                    ).random()
    assert isinstance(_random.generator(None), np.random.Generator)


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (1.5, TypeError), ("seed", TypeError),
                                      (object(), TypeError)])
def test_generator_names_the_argument(bad, exc):
    with pytest.raises(exc, match="^seeds must be None, a non-negative int seed or a "
                                  "numpy.random.Generator, got "):
        _random.generator(bad, "seeds")


def test_every_rng_argument_has_the_same_message():
    from glimpse.backends import NumpyBackend
    from glimpse.models.base import Model
    from glimpse.prototypes import SamplePatchesFromImages

    data = np.zeros((1, 5, 5), np.float32)
    with pytest.raises(ValueError, match="^rng must be None, a non-negative int seed"):
        NumpyBackend().SampleGatherPatches(data, 2, 1, rng=-3)
    with pytest.raises(ValueError, match="^rng must be None, a non-negative int seed"):
        SamplePatchesFromImages(Model(NumpyBackend()), "image", 2, 1, [data[0]], rng=-3)


def test_fresh_seeds_are_fresh_and_in_range():
    seeds = {_random.fresh_seed() for _ in range(8)}
    assert len(seeds) == 8
    assert all(isinstance(s, int) and 0 <= s <= _random.MAX_SEED for s in seeds)

"""The examples in the docstrings of the model, backend, kernel, prototype and picture modules
run."""

import doctest

import pytest

import glimpse.backends.base
import glimpse.models
import glimpse.models.ml
import glimpse.models.ml.geometry
import glimpse.models.ml.model
import glimpse.models.ml.param
import glimpse.prototypes
import glimpse.util.kernel
import glimpse.util.show


@pytest.mark.parametrize("module", [
    glimpse.models, glimpse.models.ml, glimpse.models.ml.geometry, glimpse.models.ml.model,
    glimpse.models.ml.param, glimpse.backends.base,
    glimpse.prototypes, glimpse.util.kernel, glimpse.util.show,
], ids=lambda m: m.__name__)
def test_module_doctests(module):
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0

"""The examples in the docstrings of the standard HMAX model's modules run."""

import doctest

import pytest

import glimpse.models.hmax
import glimpse.models.hmax.model
import glimpse.models.hmax.param
import glimpse.models.hmax.patchfile

MODULES = [glimpse.models.hmax, glimpse.models.hmax.model, glimpse.models.hmax.param,
           glimpse.models.hmax.patchfile]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_module_doctests(module):
    if module is glimpse.models.hmax.patchfile:
        pytest.importorskip("scipy.io")
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0

"""glab keeps what it reported: an imprint location names its image after images drop."""

import os

import pytest

from glimpse.glab import api

from ..experiment import conftest as _shared

small_model = _shared.small_model


@pytest.fixture(autouse=True)
def fresh_lab():
    api.Reset(seed=0)
    yield
    api.Reset()


def test_imprint_locations_keep_naming_their_image_after_a_drop(tiny_corpus):
    api.SetParams(small_model().params)
    api.SetLayer("C2")
    api.SetCorpus(tiny_corpus)
    api.ImprintS2Prototypes(10)
    before = [api.GetImprintLocation(i) for i in range(10)]
    used = sorted({path for path, _, _, _ in before})
    assert len(used) >= 2
    # the earliest image a prototype came from goes away: every later index shifts
    os.remove(used[0])
    api.ComputeActivation()
    assert used[0] not in api.GetCorpus().paths
    assert [api.GetImprintLocation(i) for i in range(10)] == before


def test_imprint_locations_follow_a_drop_of_an_unused_image(tiny_corpus):
    api.SetParams(small_model().params)
    api.SetLayer("C2")
    api.SetCorpus(tiny_corpus)
    api.ImprintS2Prototypes(3)
    before = [api.GetImprintLocation(i) for i in range(3)]
    unused = [p for p in api.GetCorpus().paths if p not in {b[0] for b in before}]
    os.remove(unused[0])
    api.ComputeActivation()
    assert [api.GetImprintLocation(i) for i in range(3)] == before

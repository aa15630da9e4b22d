"""Corpora hold the labels they were given, or refuse them."""

import numpy as np
import pytest

from glimpse import experiment
from glimpse.glab import api


@pytest.fixture(autouse=True)
def fresh_lab():
    api.Reset(seed=0)
    yield
    api.Reset()


@pytest.mark.parametrize("labels", [[0.5, 1.0], [0.0, 1.0], np.array([0.5, 1.5]),
                                    [0, 1.5], [True, False]])
def test_labels_that_are_not_integers_or_names_are_refused(tiny_corpus, labels):
    paths = sorted(str(p) for p in tiny_corpus.glob("*/*.png"))[:2]
    with pytest.raises(ValueError, match="labels"):
        experiment.MakeCorpus(paths, labels)
    with pytest.raises(ValueError, match="labels"):
        api.SetCorpusFromList(paths, labels)


def test_integer_and_name_labels_are_kept(tiny_corpus):
    paths = sorted(str(p) for p in tiny_corpus.glob("*/*.png"))[:3]
    assert experiment.MakeCorpus(paths, [1, 0, 1]).labels.tolist() == [1, 0, 1]
    assert experiment.MakeCorpus(paths, np.array([2, 0, 1], np.uint8)).labels.tolist() == \
        [2, 0, 1]
    assert api.SetCorpusFromList(paths, ["b", "a", "b"]).labels.tolist() == [1, 0, 1]

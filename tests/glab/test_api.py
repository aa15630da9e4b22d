import numpy as np
import pytest

from glimpse.glab import api
from glimpse.models.base import Layer

from ..experiment import conftest as _shared

small_model = _shared.small_model


@pytest.fixture(autouse=True)
def fresh_lab():
    api.Reset(seed=0)
    yield
    api.Reset()


@pytest.fixture
def small_lab(tiny_corpus):
    api.SetParams(small_model().params)
    api.SetCorpus(tiny_corpus)
    return tiny_corpus


def test_corpus_setters(small_lab, tmp_path):
    corpus = api.GetCorpus()
    assert corpus.class_names == ["bright", "dark"] and len(corpus) == 12
    api.SetCorpusSubdirs([small_lab / "dark", small_lab / "bright"])
    assert api.GetCorpus().class_names == ["dark", "bright"]
    api.SetCorpusFromList(corpus.paths[:4], ["a", "b", "a", "b"])
    assert api.GetCorpus().labels.tolist() == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="does not exist"):
        api.SetCorpus(tmp_path / "missing")


def test_layer_and_params(small_lab):
    api.SetLayer("image")
    assert api.GetLayer() == [Layer.IMAGE.name]
    params = api.SetParams(image_resize_length=24)
    assert params.image_resize_length == 24 and api.GetParams() is params
    api.SetLayer("image")
    features = api.GetFeatures()
    assert features.shape == (12, 24 * 24)
    row = api.GetImageFeatures(api.GetCorpus().paths[3])
    assert row.tobytes() == features[3:4].tobytes()
    with pytest.raises(ValueError, match="unknown parameter"):
        api.SetParams(no_such_param=1)
    with pytest.raises(ValueError, match="cannot be computed: unreadable"):
        api.GetImageFeatures([str(small_lab / "missing.png")])


def test_evaluate_without_prototypes_on_image_features(small_lab):
    api.SetLayer("image")
    ev = api.EvaluateClassifier()
    assert api.GetEvaluationResults() is ev and ev.score == 1.0
    predictions = api.GetPredictions()
    assert len(predictions) == 6
    assert all(true == predicted for _, true, predicted in predictions)
    ev = api.EvaluateClassifier(cross_validate=True, num_folds=3, algorithm="logreg")
    assert ev.kind == "cross_validation" and len(ev.fold_scores) == 3


def test_errors_before_anything_is_computed():
    with pytest.raises(ValueError, match="no classifier has been evaluated"):
        api.GetEvaluationResults()
    with pytest.raises(ValueError, match="no prototypes"):
        api.GetPrototype(0)
    with pytest.raises(ValueError, match="no corpus"):
        api.ComputeActivation()


def test_imprint_and_inspect_prototypes(small_lab):
    protos = api.ImprintS2Prototypes(5)
    assert api.GetPrototype(2).tobytes() == protos[0][2].tobytes()
    path, scale, y, x = api.GetImprintLocation(2)
    assert path in api.GetCorpus().paths and scale >= 0 and y >= 0 and x >= 0
    with pytest.raises(IndexError):
        api.GetPrototype(5)
    for make in (api.MakeUniformS2Prototypes, api.MakeShuffledS2Prototypes,
                 api.MakeHistogramS2Prototypes, api.MakeNormalS2Prototypes,
                 api.MakeKmeansS2Prototypes):
        assert make(3)[0].shape[0] == 3
    with pytest.raises(ValueError, match="not imprinted"):
        api.GetImprintLocation(0)
    api.SetS2Prototypes(protos)
    assert api.GetModel().s2_kernels[0].tobytes() == protos[0].tobytes()
    assert api.GetFeatures().shape == (12, 5)


def test_store_and_load(small_lab, tmp_path):
    api.ImprintS2Prototypes(4)
    score = api.EvaluateClassifier().score
    api.StoreExperiment(tmp_path / "exp.npz")
    api.Reset()
    exp = api.LoadExperiment(tmp_path / "exp.npz")
    assert api.GetExperiment() is exp and api.GetEvaluationResults().score == score
    assert np.array_equal(api.GetModel().s2_kernels[0], exp.prototypes[0])

"""The 2013 "glimpse lab" API: one experiment, driven by short function calls.

The module keeps one current experiment; each function reads or changes it. The 2013 quick
start runs as written::

    from glimpse.glab.api import *
    SetCorpusByName("easy")
    ImprintS2Prototypes(10)
    EvaluateClassifier()
    print(GetEvaluationResults().score)
    StoreExperiment("exp.npz")

The work is done by :mod:`glimpse.experiment`; :func:`GetExperiment` gives the
:class:`~glimpse.experiment.Experiment` itself. Classifiers need scikit-learn
(``pip install 'glimpse-vision[experiment]'``).
"""

from __future__ import annotations

import numpy as np

from .. import experiment as _ex
from ..experiment import _models

__all__ = [
    "Reset", "GetExperiment", "SetExperiment", "GetModel", "SetModelClass", "SetParams",
    "GetParams", "SetLayer", "GetLayer", "SetPool", "SetCorpus", "SetCorpusSubdirs",
    "SetCorpusSplit", "SetCorpusByName", "SetCorpusFromList", "GetCorpus", "SetTrainTestSplit",
    "SetS2Prototypes", "ImprintS2Prototypes", "MakeUniformS2Prototypes",
    "MakeShuffledS2Prototypes", "MakeHistogramS2Prototypes", "MakeNormalS2Prototypes",
    "MakeKmeansS2Prototypes", "GetPrototype", "GetImprintLocation", "ComputeActivation",
    "GetFeatures", "GetImageFeatures", "EvaluateClassifier", "GetEvaluationResults",
    "GetPredictions", "StoreExperiment", "LoadExperiment",
]


class _Lab:
    def __init__(self, seed=None):
        self.exp = _ex.Experiment(seed=seed)
        self.layers = None
        self.pool = None


_lab = _Lab()


def Reset(seed=None):
    """Start a new experiment with the default model (and `seed`, if given)."""
    global _lab
    _lab = _Lab(seed)


def GetExperiment():
    """The current :class:`~glimpse.experiment.Experiment`."""
    return _lab.exp


def SetExperiment(exp):
    """Make `exp` the current experiment."""
    if not isinstance(exp, _ex.Experiment):
        raise TypeError("exp must be an Experiment, got %s" % type(exp).__name__)
    _lab.exp = exp
    _lab.layers = exp.layers


def GetModel():
    """The current experiment's model."""
    return _lab.exp.model


def _replace_model(model):
    exp = _lab.exp
    exp.model = model
    exp.prototypes = exp.prototype_locations = exp.prototype_algorithm = None
    exp.features = exp.layers = None


def SetModelClass(name=None):
    """Use a new model of the named class ("ml", "hmax", "base"; None: the default); drops
    prototypes and features."""
    _replace_model(_models.make_model(name))
    return _lab.exp.model


def SetParams(params=None, **kw):
    """Set the model parameters: a Params object, and/or parameter values by name.

    The model is rebuilt, so prototypes and features are dropped.

    Returns
    -------
    Params
        The new parameters.
    """
    model = _lab.exp.model
    cls = type(model)
    if params is None:
        values = model.params.AsDict()
    elif isinstance(params, cls.ParamClass):
        values = params.AsDict()
    elif isinstance(params, dict):
        values = dict(params)
    else:
        raise TypeError("params must be a %s or a dict, got %s"
                        % (cls.ParamClass.__name__, type(params).__name__))
    values.update(kw)
    _replace_model(cls(params=cls.ParamClass(**values)))
    return _lab.exp.model.params


def GetParams():
    """The current model parameters."""
    return _lab.exp.model.params


def SetLayer(layer):
    """Compute features from this layer (or list of layers); default C2."""
    layers = _ex.ResolveLayers(_lab.exp.model, layer)
    _lab.layers = [x.name for x in layers]
    _lab.exp.features = None


def GetLayer():
    """The layers features are computed from."""
    if _lab.layers is not None:
        return list(_lab.layers)
    from ..experiment.experiment import default_layers

    return default_layers(_lab.exp.model)


def SetPool(pool):
    """Compute with this pool (a name such as "threads" or a pool object)."""
    _lab.pool = pool


def _set_corpus(corpus):
    exp = _lab.exp
    exp.corpus = corpus
    exp.train_mask = None
    exp.prototypes = exp.prototype_locations = exp.prototype_algorithm = None
    exp.features = exp.layers = None
    exp.skipped = []
    exp.evaluations = []
    return corpus


def SetCorpus(corpus_dir):
    """Use the images of ``corpus_dir/<class>/...`` (classes sorted by name)."""
    return _set_corpus(_ex.ReadCorpus(corpus_dir))


def SetCorpusSubdirs(corpus_subdirs, classes=None):
    """Use one directory per class, in the order given."""
    return _set_corpus(_ex.ReadCorpusSubdirs(corpus_subdirs, classes))


def SetCorpusSplit(train_dir, test_dir):
    """Use a fixed split: ``train_dir/<class>/...`` and ``test_dir/<class>/...``."""
    return _set_corpus(_ex.ReadCorpusSplit(train_dir, test_dir))


def SetCorpusByName(name):
    """Use a sample corpus: "easy", "moderate" or "hard" (generated on first use)."""
    return SetCorpus(_ex.GetSampleCorpus(name))


def SetCorpusFromList(paths, labels, class_names=None):
    """Use a list of images with their labels (class names or integers)."""
    return _set_corpus(_ex.MakeCorpus(paths, labels, class_names))


def GetCorpus():
    """The current :class:`~glimpse.experiment.Corpus`."""
    return _lab.exp.corpus


def SetTrainTestSplit(train_size=0.5):
    """Draw a new stratified split with this training fraction."""
    return _ex.SplitCorpus(_lab.exp, train_size)


def SetS2Prototypes(prototypes):
    """Use these S2 prototypes: one array (n, bands, k, k) per S2 kernel width, or one array."""
    _ex.SetPrototypes(_lab.exp, prototypes, algorithm="given")


def _make(num_prototypes, algorithm):
    return _ex.MakePrototypes(_lab.exp, num_prototypes, algorithm, pool=_lab.pool)


def ImprintS2Prototypes(num_prototypes):
    """Imprint prototypes from C1 patches of the training images."""
    return _make(num_prototypes, "imprint")


def MakeUniformS2Prototypes(num_prototypes):
    """Prototypes with values drawn uniformly from [0, 1)."""
    return _make(num_prototypes, "uniform")


def MakeShuffledS2Prototypes(num_prototypes):
    """Imprinted prototypes with their values shuffled."""
    return _make(num_prototypes, "shuffle")


def MakeHistogramS2Prototypes(num_prototypes):
    """Prototypes drawn from the histogram of imprinted C1 values."""
    return _make(num_prototypes, "histogram")


def MakeNormalS2Prototypes(num_prototypes):
    """Prototypes drawn from per-position normal distributions fitted to imprinted patches."""
    return _make(num_prototypes, "normal")


def MakeKmeansS2Prototypes(num_prototypes):
    """The k-means centres of imprinted patches."""
    return _make(num_prototypes, "kmeans")


def _prototypes(kwidth_offset):
    protos = _lab.exp.prototypes
    if not protos:
        raise ValueError("the experiment has no prototypes: imprint or set them first")
    if not 0 <= kwidth_offset < len(protos):
        raise ValueError("kwidth_offset must lie in [0, %d), got %r"
                         % (len(protos), kwidth_offset))
    return protos[kwidth_offset]


def GetPrototype(index, kwidth_offset=0):
    """Prototype `index` of the S2 kernel width `kwidth_offset`: an array (bands, k, k)."""
    protos = _prototypes(kwidth_offset)
    if not -len(protos) <= index < len(protos):
        raise IndexError("index must lie in [0, %d), got %r" % (len(protos), index))
    return protos[index]


def GetImprintLocation(index, kwidth_offset=0):
    """Where prototype `index` was imprinted: (image path, scale, y, x).

    The path stays that of the image the prototype came from, even if that image was
    dropped from the corpus later (unreadable or too small when features were computed).
    """
    _prototypes(kwidth_offset)
    locations = _lab.exp.prototype_locations
    if locations is None:
        raise ValueError("the prototypes were not imprinted (algorithm %r)"
                         % _lab.exp.prototype_algorithm)
    image, scale, y, x = (int(v) for v in locations[kwidth_offset][index])
    return _lab.exp.image_path(image), scale, y, x


def ComputeActivation():
    """Compute the features of every corpus image (imprinting 10 prototypes if the layers
    need prototypes and there are none)."""
    exp = _lab.exp
    layers = GetLayer()
    needs_s2 = any(str(x).upper() in ("S2", "C2") for x in layers)
    if needs_s2 and _models.has_s2(exp.model) and exp.prototypes is None:
        ImprintS2Prototypes(10)
    return _ex.ComputeActivation(exp, layers, pool=_lab.pool)


def GetFeatures():
    """The feature matrix: one row per corpus image (computed if needed)."""
    if _lab.exp.features is None:
        ComputeActivation()
    return _lab.exp.features


def GetImageFeatures(images):
    """Feature vectors of other images (paths, PIL images or arrays), one row each."""
    single = isinstance(images, (str, np.ndarray)) or not hasattr(images, "__len__")
    images = [images] if single else list(images)
    features, kept, skipped = _ex.ComputeFeatures(_lab.exp.model, images, GetLayer(),
                                                  pool=_lab.pool)
    if skipped:
        index, reason = skipped[0]
        raise ValueError("image %r cannot be computed: %s" % (images[index], reason))
    return features


def EvaluateClassifier(cross_validate=False, algorithm=None, num_folds=10, score="accuracy"):
    """Train and test a classifier on the features (computed if needed).

    Parameters
    ----------
    cross_validate : bool
        Cross-validate (`num_folds` folds) instead of training on the training images and
        testing on the rest.
    algorithm : None, str or estimator
        The learner: "svm" (the default), "logreg" or a scikit-learn estimator.
    score : str
        "accuracy" or "auc".

    Returns
    -------
    Evaluation
    """
    if _lab.exp.features is None:
        ComputeActivation()
    if cross_validate:
        return _ex.CrossValidateClassifier(_lab.exp, num_folds, algorithm, score)
    return _ex.TrainAndTestClassifier(_lab.exp, algorithm, score)


def GetEvaluationResults():
    """The last :class:`~glimpse.experiment.Evaluation` (``.score``, ``.predictions``, ...)."""
    if not _lab.exp.evaluations:
        raise ValueError("no classifier has been evaluated yet: call EvaluateClassifier()")
    return _lab.exp.evaluations[-1]


def GetPredictions():
    """The last evaluation's predictions: (image path, true class, predicted class) each."""
    ev = GetEvaluationResults()
    corpus = _lab.exp.corpus
    return [(corpus.paths[i], corpus.class_names[corpus.labels[i]], corpus.class_names[p])
            for i, p in zip(ev.test_indices, ev.predictions)]


def StoreExperiment(path):
    """Write the current experiment to `path` (see :func:`glimpse.experiment.StoreExperiment`)."""
    _ex.StoreExperiment(_lab.exp, path)


def LoadExperiment(path):
    """Read an experiment from `path` and make it the current one."""
    exp = _ex.LoadExperiment(path)
    SetExperiment(exp)
    return exp

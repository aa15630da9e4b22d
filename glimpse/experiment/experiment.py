"""The experiment object: a model, a corpus, its split, prototypes, features, evaluations."""

from __future__ import annotations

import time

import numpy as np

from ..util import _checks, _random
from . import _models
from .corpus import Corpus
from .features import ComputeFeatures, ResolveLayers

__all__ = ["Experiment", "Evaluation", "SplitCorpus", "ComputeActivation", "SetPrototypes"]

# Each random stage draws from its own stream of the experiment's seed, so that e.g. a new
# prototype algorithm does not change the split.
_STREAMS = {"split": 0, "prototypes": 1, "classifier": 2}


class Evaluation:
    """The result of training and testing a classifier.

    Attributes
    ----------
    kind : str
        "train_test" or "cross_validation".
    learner : str
        The estimator, as ``repr`` shows it.
    metric : str
        "accuracy" or "auc": what :attr:`score` is.
    score : float
        The score on the test images (mean over folds for cross-validation).
    accuracy : float
    auc : float or None
        Area under the ROC curve (two classes: of the decision values; more classes: the
        mean of the one-against-the-rest AUCs); None when a test set has only one class.
    test_indices : ndarray of int
        The images scored (indices into the corpus).
    predictions : ndarray of int
        The predicted label of each image of `test_indices` (out-of-fold for
        cross-validation).
    fold_scores : ndarray of float or None
        The score of each fold (cross-validation only).
    """

    _FIELDS = ("kind", "learner", "metric", "score", "accuracy", "auc", "num_folds")

    def __init__(self, kind, learner, metric, score, accuracy, auc, test_indices, predictions,
                 fold_scores=None, num_folds=None):
        self.kind = kind
        self.learner = learner
        self.metric = metric
        self.score = float(score)
        self.accuracy = float(accuracy)
        self.auc = None if auc is None else float(auc)
        self.test_indices = np.asarray(test_indices, np.int64)
        self.predictions = np.asarray(predictions, np.int64)
        self.fold_scores = None if fold_scores is None else np.asarray(fold_scores, float)
        self.num_folds = num_folds

    def metadata(self):
        """The scalar fields as a JSON-ready dict."""
        return {name: getattr(self, name) for name in self._FIELDS}

    def __repr__(self):
        extra = "" if self.auc is None else ", auc=%.4f" % self.auc
        return "Evaluation(%s, %s=%.4f%s)" % (self.kind, self.metric, self.score, extra)


class Experiment:
    """Everything about one experiment, from the model to the classifier's scores.

    Parameters
    ----------
    model : Model, optional
        Default: ``glimpse.models.MakeModel()``.
    corpus : Corpus, optional
        The images and their labels.
    seed : int, optional
        Every random draw of the experiment (split, prototypes, classifier folds) comes from
        this seed, each stage from its own stream. Default: fresh entropy, recorded here.

    Attributes
    ----------
    model, corpus, seed
    train_mask : ndarray of bool or None
        The split: True for a training image (see :func:`SplitCorpus`).
    prototypes : list of ndarray of float32 or None
        One array (n, bands, k, k) per S2 kernel width (see :func:`MakePrototypes`).
    prototype_locations : list of ndarray of int64 or None
        For imprinted prototypes: rows of (image index in the corpus, scale, y, x). An
        image dropped from the corpus later keeps being named: its index becomes ``-1 -
        k``, the k-th image of `skipped` (see :meth:`image_path`).
    prototype_algorithm : str or None
    layers : list of str or None
        The names of the layers the features were computed from.
    features : ndarray of float32 or None
        One row per corpus image (see :func:`ComputeActivation`).
    skipped : list of (str, str)
        Images dropped from the corpus because they could not be read or were too small,
        with the reason.
    evaluations : list of Evaluation
    timing : dict of str to float
        Seconds spent in each stage ("prototypes", "features", "classifier").
    """

    def __init__(self, model=None, corpus=None, seed=None):
        if model is None:
            model = _models.make_model()
        if corpus is not None and not isinstance(corpus, Corpus):
            raise TypeError("corpus must be a Corpus, got %s" % type(corpus).__name__)
        if seed is None:
            seed = _random.fresh_seed()
        else:
            seed = _checks.integer(seed, "seed", 0, _random.MAX_SEED)
        self.model = model
        self.corpus = corpus
        self.seed = int(seed)
        self.train_mask = None
        self.prototypes = None
        self.prototype_locations = None
        self.prototype_algorithm = None
        self.layers = None
        self.features = None
        self.skipped = []
        self.evaluations = []
        self.timing = {}

    def rng(self, stage):
        """A new Generator for `stage` ("split", "prototypes" or "classifier")."""
        return np.random.default_rng([self.seed, _STREAMS[stage]])

    def require_corpus(self):
        if self.corpus is None or len(self.corpus) == 0:
            raise ValueError("the experiment has no corpus: set one first")
        return self.corpus

    def drop_images(self, keep, reasons):
        """Drop the images where `keep` is False, recording `reasons` (index -> reason)."""
        keep = np.asarray(keep, bool)
        if keep.all():
            return
        corpus = self.require_corpus()
        dropped = np.flatnonzero(~keep)
        # Where each image goes: its new index if kept, else -1 - its place in `skipped`.
        new_index = np.cumsum(keep) - 1
        new_index[dropped] = -1 - (len(self.skipped) + np.arange(len(dropped)))
        self.skipped.extend((corpus.paths[i], reasons.get(i, "skipped")) for i in dropped)
        self.corpus = corpus.subset(keep)
        if self.train_mask is not None:
            self.train_mask = self.train_mask[keep]
        if self.features is not None and len(self.features) == len(keep):
            self.features = self.features[keep]
        if self.prototype_locations is not None:  # re-index the imprinting images
            self.prototype_locations = [self._reindex(loc, new_index)
                                        for loc in self.prototype_locations]

    @staticmethod
    def _reindex(locations, new_index):
        locations = np.array(locations, np.int64)
        in_corpus = locations[:, 0] >= 0  # the others name skipped images already
        locations[in_corpus, 0] = new_index[locations[in_corpus, 0]]
        return locations

    def image_path(self, index):
        """The path of image `index` of :attr:`prototype_locations`.

        Parameters
        ----------
        index : int
            An index into the corpus, or ``-1 - k`` for the k-th image of :attr:`skipped`
            (an image dropped after prototypes were imprinted from it).

        Returns
        -------
        str
        """
        index = _checks.integer(index, "index", -len(self.skipped),
                                len(self.require_corpus()) - 1)
        return self.corpus.paths[index] if index >= 0 else self.skipped[-1 - index][0]

    def __repr__(self):
        parts = ["model=%s" % type(self.model).__name__, "seed=%d" % self.seed]
        if self.corpus is not None:
            parts.append("corpus=%d images" % len(self.corpus))
        if self.prototypes is not None:
            parts.append("prototypes=%s" % [len(p) for p in self.prototypes])
        if self.features is not None:
            parts.append("features=%s" % (self.features.shape,))
        if self.evaluations:
            parts.append("last score=%.4f" % self.evaluations[-1].score)
        return "Experiment(%s)" % ", ".join(parts)


def SplitCorpus(exp, train_size=0.5, rng=None):
    """Draw the experiment's train/test split, stratified by class.

    Parameters
    ----------
    exp : Experiment
    train_size : float
        Fraction of each class used for training, in (0, 1); each class keeps at least one
        image on each side when it has two or more.
    rng : None, int or Generator
        Default: the experiment's "split" stream.

    Returns
    -------
    ndarray of bool
        The new :attr:`Experiment.train_mask`. A corpus with a fixed split (separate train
        and test directories) keeps it.
    """
    corpus = exp.require_corpus()
    if corpus.train is not None:
        exp.train_mask = corpus.train.copy()
        return exp.train_mask
    if not 0 < train_size < 1:
        raise ValueError("train_size must lie in (0, 1), got %r" % (train_size,))
    rng = exp.rng("split") if rng is None else _random.generator(rng)
    mask = np.zeros(len(corpus), bool)
    for label in range(len(corpus.class_names)):
        members = np.flatnonzero(corpus.labels == label)
        if len(members) == 0:
            continue
        n = int(round(train_size * len(members)))
        if len(members) >= 2:
            n = min(max(n, 1), len(members) - 1)
        mask[rng.permutation(members)[:n]] = True
    exp.train_mask = mask
    return mask


def SetPrototypes(exp, prototypes, locations=None, algorithm=None):
    """Give the experiment (and its model) these S2 prototypes.

    Parameters
    ----------
    prototypes : sequence of ndarray
        One kernel array (n, bands, k, k) per S2 kernel width (a single array is taken as
        the list of one); the model validates them.
    locations : sequence of ndarray, optional
        Their imprint locations.
    algorithm : str, optional
        How they were made.
    """
    if isinstance(prototypes, np.ndarray):
        prototypes = [prototypes]
    prototypes = [np.ascontiguousarray(p, np.float32) for p in prototypes]
    if _models.has_s2(exp.model):
        exp.model.s2_kernels = prototypes
    exp.prototypes = prototypes
    exp.prototype_locations = None if locations is None else [
        np.asarray(loc, np.int64) for loc in locations]
    exp.prototype_algorithm = algorithm
    exp.features = None
    exp.layers = None


def default_layers(model):
    """The layers features come from by default: C2 for a model with S2, else IMAGE."""
    return ["C2"] if _models.has_s2(model) else ["IMAGE"]


def ComputeActivation(exp, layers=None, pool=None, block_size=None, progress=False):
    """Compute the feature vector of every corpus image.

    Parameters
    ----------
    exp : Experiment
    layers : sequence of str or LayerSpec, optional
        Default: C2 for a model with S2 prototypes (IMAGE otherwise).
    pool : None, str or pool object
        See :mod:`glimpse.pools`.
    block_size : int, optional
        See :func:`glimpse.experiment.IterFeatures` (the memory bound).
    progress : bool
        Show a progress bar.

    Returns
    -------
    ndarray of float32, shape (num_images, num_features)
        The new :attr:`Experiment.features`. Images that cannot be read or are too small
        are dropped from the corpus and listed in :attr:`Experiment.skipped`.
    """
    corpus = exp.require_corpus()
    layers = ResolveLayers(exp.model, default_layers(exp.model) if layers is None else layers)
    start = time.perf_counter()
    features, kept, skipped = ComputeFeatures(exp.model, corpus.paths, layers, pool=pool,
                                              block_size=block_size, progress=progress)
    exp.features = None
    exp.drop_images(kept, dict(skipped))
    if len(exp.corpus) == 0:
        raise ValueError("no image of the corpus could be computed: %s"
                         % "; ".join("%s: %s" % s for s in exp.skipped[:3]))
    exp.features = features
    exp.layers = [layer.name for layer in layers]
    exp.timing["features"] = time.perf_counter() - start
    return features

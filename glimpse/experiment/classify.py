"""Training and scoring classifiers on an experiment's features (scikit-learn)."""

from __future__ import annotations

import time

import numpy as np

from ..util import _checks, _random
from .experiment import Evaluation, SplitCorpus
from ._sklearn import require_sklearn

__all__ = ["MakeLearner", "TrainAndTestClassifier", "CrossValidateClassifier", "SCORES"]

#: The score functions :func:`TrainAndTestClassifier` knows.
SCORES = ("accuracy", "auc")


def MakeLearner(learner=None):
    """A fresh scikit-learn estimator.

    Parameters
    ----------
    learner : None, str or estimator
        None or "svm": ``make_pipeline(StandardScaler(), LinearSVC())``, as the 2013 library
        did; "logreg": the same with ``LogisticRegression``; an estimator is cloned
        (``sklearn.base.clone``), so the caller's object is never fitted.
    """
    require_sklearn()
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    if learner is None or learner == "svm":
        return make_pipeline(StandardScaler(), LinearSVC(random_state=0, max_iter=10000))
    if learner == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    if isinstance(learner, str):
        raise ValueError("learner must be 'svm', 'logreg' or a scikit-learn estimator, got %r"
                         % learner)
    if not (hasattr(learner, "fit") and hasattr(learner, "predict")):
        raise TypeError("learner must be a scikit-learn estimator (fit and predict), got %s"
                        % type(learner).__name__)
    return clone(learner)


def _decision(model, x):
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(x), dtype=float)
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(x), dtype=float)
        return proba[:, 1] if proba.shape[1] == 2 else proba
    return None


def _auc(labels, decision, classes):
    """Binary: ROC AUC of the decision values; more classes: mean one-vs-rest AUC."""
    from sklearn.metrics import roc_auc_score

    if decision is None or len(np.unique(labels)) < 2:
        return None
    if decision.ndim == 1:
        return float(roc_auc_score(labels == classes[1], decision))
    aucs = [roc_auc_score(labels == c, decision[:, i]) for i, c in enumerate(classes)
            if 0 < (labels == c).sum() < len(labels)]
    return float(np.mean(aucs)) if aucs else None


def _check(exp, score):
    if score not in SCORES:
        raise ValueError("score must be one of %s, got %r" % (", ".join(SCORES), score))
    if exp.features is None:
        raise ValueError("the experiment has no features: compute them first "
                         "(ComputeActivation)")
    if len(exp.features) != len(exp.corpus):
        raise ValueError("the experiment has %d feature rows for %d images: compute the "
                         "features again" % (len(exp.features), len(exp.corpus)))
    if len(np.unique(exp.corpus.labels)) < 2:
        raise ValueError("the corpus must hold two or more classes to train a classifier")


def _fit_score(learner, x_train, y_train, x_test, y_test):
    model = MakeLearner(learner)
    model.fit(x_train, y_train)
    predictions = np.asarray(model.predict(x_test))
    decision = _decision(model, x_test)
    classes = np.asarray(getattr(model, "classes_", np.unique(y_train)))
    return model, predictions, decision, classes


def TrainAndTestClassifier(exp, learner=None, score="accuracy", train_size=0.5):
    """Train on the experiment's training images, score on its test images.

    Parameters
    ----------
    exp : Experiment
        With features (:func:`ComputeActivation`). The split is the experiment's
        (:func:`SplitCorpus`, stratified, drawn with `train_size` if not drawn yet).
    learner : None, str or estimator
        See :func:`MakeLearner`.
    score : str
        "accuracy" (the default) or "auc".
    train_size : float
        Used only when the split is drawn here.

    Returns
    -------
    Evaluation
        Also appended to :attr:`Experiment.evaluations`.
    """
    _check(exp, score)
    start = time.perf_counter()
    if exp.train_mask is None:
        SplitCorpus(exp, train_size)
    train, test = exp.train_mask, ~exp.train_mask
    if not test.any() or len(np.unique(exp.corpus.labels[train])) < 2:
        raise ValueError("the split needs test images and training images of two classes")
    x, y = exp.features, exp.corpus.labels
    model, predictions, decision, classes = _fit_score(learner, x[train], y[train], x[test],
                                                       y[test])
    accuracy = float(np.mean(predictions == y[test]))
    auc = _auc(y[test], decision, classes)
    value = accuracy if score == "accuracy" else auc
    if value is None:
        raise ValueError("AUC needs test images of two classes and a learner with decision "
                         "values or probabilities")
    evaluation = Evaluation("train_test", repr(model), score, value, accuracy, auc,
                            np.flatnonzero(test), predictions)
    exp.evaluations.append(evaluation)
    exp.timing["classifier"] = time.perf_counter() - start
    return evaluation


def check_folds(corpus, num_folds):
    """`num_folds`, checked to fold `corpus` (at most the size of its smallest class).

    Raises
    ------
    TypeError
        If `num_folds` is not an integer.
    ValueError
        If it is not in [2, size of the smallest class], or a class has fewer than 2
        images; the message gives the size of each class.
    """
    counts = np.bincount(corpus.labels, minlength=len(corpus.class_names))
    smallest = int(counts[counts > 0].min())
    sizes = ", ".join("%s %d" % (name, n) for name, n in zip(corpus.class_names, counts)
                      if n > 0)
    if smallest < 2:
        raise ValueError("cross-validation needs at least 2 images in every class (2 folds at "
                         "least, each holding an image of every class); the smallest class "
                         "has %d image(s) (%s)" % (smallest, sizes))
    try:
        return _checks.integer(num_folds, "num_folds", 2, smallest)
    except ValueError as err:
        need = ("" if not num_folds > smallest else
                ", and %d folds need %d images in every class" % (num_folds, num_folds))
        raise ValueError("%s: the smallest class has %d image(s) (%s)%s"
                         % (err, smallest, sizes, need)) from None


def CrossValidateClassifier(exp, num_folds=10, learner=None, score="accuracy", rng=None):
    """Score a classifier by stratified k-fold cross-validation over all the images.

    Parameters
    ----------
    exp : Experiment
        With features.
    num_folds : int
        Folds (>= 2, at most the size of the smallest class).
    learner, score
        As for :func:`TrainAndTestClassifier`.
    rng : None, int or Generator
        Shuffles the folds; default: the experiment's "classifier" stream.

    Returns
    -------
    Evaluation
        The mean fold score, the fold scores, and out-of-fold predictions for every image;
        also appended to :attr:`Experiment.evaluations`.
    """
    _check(exp, score)
    from sklearn.model_selection import StratifiedKFold

    y = exp.corpus.labels
    num_folds = check_folds(exp.corpus, num_folds)
    start = time.perf_counter()
    rng = exp.rng("classifier") if rng is None else _random.generator(rng)
    folds = StratifiedKFold(num_folds, shuffle=True, random_state=int(rng.integers(2**31)))
    predictions = np.empty(len(y), np.int64)
    fold_scores, fold_acc, fold_auc = [], [], []
    model = None
    for train, test in folds.split(exp.features, y):
        model, pred, decision, classes = _fit_score(learner, exp.features[train], y[train],
                                                    exp.features[test], y[test])
        predictions[test] = pred
        acc = float(np.mean(pred == y[test]))
        auc = _auc(y[test], decision, classes)
        fold_acc.append(acc)
        fold_auc.append(auc)
        fold_scores.append(acc if score == "accuracy" else auc)
    if any(s is None for s in fold_scores):
        raise ValueError("AUC needs every fold to hold two classes and a learner with "
                         "decision values or probabilities")
    aucs = [a for a in fold_auc if a is not None]
    evaluation = Evaluation("cross_validation", repr(model), score, np.mean(fold_scores),
                            np.mean(fold_acc), np.mean(aucs) if len(aucs) == len(fold_auc)
                            else None, np.arange(len(y)), predictions, fold_scores,
                            int(num_folds))
    exp.evaluations.append(evaluation)
    exp.timing["classifier"] = time.perf_counter() - start
    return evaluation

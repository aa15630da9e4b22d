"""Stored experiments."""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..util import _checks
from ._core import (
    _check_arrays, _check_fit, _count, _json_type, _model_params, _object, _prototype_arrays,
    _prototypes_part, _reading, _seed, _string, _strings, _write)


@dataclasses.dataclass
class EvaluationArrays:
    """One stored evaluation: its record and arrays (see :class:`glimpse.experiment.Evaluation`)."""

    kind: str
    learner: str
    metric: str
    score: float
    accuracy: float
    auc: float | None
    num_folds: int | None
    test_indices: np.ndarray
    predictions: np.ndarray
    fold_scores: np.ndarray | None


@dataclasses.dataclass
class ExperimentFile:
    """What a stored experiment holds (see :class:`glimpse.experiment.Experiment`).

    Attributes
    ----------
    path : str
    version : int
    glimpse_version : str or None
    model : str
    params : dict
    seed : int
    paths : list of str or None
        The corpus (None: the experiment had none).
    labels : ndarray of int64 or None
    class_names : list of str or None
    corpus_train : ndarray of bool or None
        The corpus's fixed split.
    train_mask : ndarray of bool or None
    features : ndarray of float32 or None
        One row per corpus image.
    layers : list of str or None
    prototypes : list of ndarray of float32 or None
    prototype_locations : list of ndarray of int64 or None
    prototype_algorithm : str or None
    skipped : list of (str, str)
    timing : dict of str to float
    evaluations : list of EvaluationArrays
    """

    path: str
    version: int
    glimpse_version: str | None
    model: str
    params: dict
    seed: int
    paths: list | None = None
    labels: np.ndarray | None = None
    class_names: list | None = None
    corpus_train: np.ndarray | None = None
    train_mask: np.ndarray | None = None
    features: np.ndarray | None = None
    layers: list | None = None
    prototypes: list | None = None
    prototype_locations: list | None = None
    prototype_algorithm: str | None = None
    skipped: list = dataclasses.field(default_factory=list)
    timing: dict = dataclasses.field(default_factory=dict)
    evaluations: list = dataclasses.field(default_factory=list)


_EVALUATION_KINDS = ("train_test", "cross_validation")
_METRICS = ("accuracy", "auc")


def write_experiment(path, record):
    """Write a stored experiment, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    record : ExperimentFile
        What to store (its `path`, `version` and `glimpse_version` are not used).

    Raises
    ------
    ValueError
        If the record does not agree with itself (the file would be refused when
        read); nothing is written then.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file holds:

    - ``metadata``: the record, with ``model``, ``params``, ``seed``, ``class_names``,
      ``layers``, ``prototype_algorithm``, ``num_prototype_widths``, ``skipped`` (pairs of
      path and reason), ``timing`` and ``evaluations`` (kind, learner, metric, score,
      accuracy, auc, num_folds of each);
    - ``paths`` (str), ``labels`` (int64), ``train_mask`` (bool; absent before the split),
      ``corpus_train`` (bool; for a corpus with a fixed split), ``features`` (float32, one
      row per image);
    - ``prototypes_<i>`` (float32) and ``prototype_locations_<i>`` (int64: image index,
      scale, y, x) for the i-th S2 kernel width;
    - ``evaluation_<j>_test_indices``, ``evaluation_<j>_predictions`` (int64) and
      ``evaluation_<j>_fold_scores`` (cross-validation) for the j-th evaluation.
    """
    r = record
    meta = {
        "model": r.model, "params": dict(r.params), "seed": r.seed,
        "class_names": None if r.class_names is None else list(r.class_names),
        "layers": None if r.layers is None else list(r.layers),
        "prototype_algorithm": r.prototype_algorithm,
        "num_prototype_widths": len(r.prototypes or []),
        "skipped": [list(s) for s in r.skipped], "timing": dict(r.timing),
        "evaluations": [{"kind": e.kind, "learner": e.learner, "metric": e.metric,
                         "score": e.score, "accuracy": e.accuracy, "auc": e.auc,
                         "num_folds": e.num_folds} for e in r.evaluations],
    }
    arrays = {}
    if r.paths is not None:
        arrays["paths"] = np.array([str(p) for p in r.paths], dtype=str)
        arrays["labels"] = np.asarray(r.labels)
        if r.corpus_train is not None:
            arrays["corpus_train"] = np.asarray(r.corpus_train)
    for name in ("train_mask", "features"):
        if getattr(r, name) is not None:
            arrays[name] = np.asarray(getattr(r, name))
    arrays.update(_prototype_arrays(r.prototypes or [], r.prototype_locations))
    for j, e in enumerate(r.evaluations):
        arrays["evaluation_%d_test_indices" % j] = np.asarray(e.test_indices)
        arrays["evaluation_%d_predictions" % j] = np.asarray(e.predictions)
        if e.fold_scores is not None:
            arrays["evaluation_%d_fold_scores" % j] = np.asarray(e.fold_scores)
    _check_arrays(path, meta, arrays, _experiment)
    _write(path, "glimpse.experiment", meta, arrays)


def read_experiment(path) -> ExperimentFile:
    """Read a stored experiment (of this or an older glimpse), checking all of it.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ExperimentFile

    Raises
    ------
    FileFormatError
        If the file is not a stored experiment, or is damaged or inconsistent: a
        missing record field or array, a field or array of the wrong type, dtype or
        shape, counts that disagree (labels, train_mask, features and paths; prototype
        widths and members; evaluations and their arrays), indices out of range, or
        prototypes that do not fit the recorded model.
    OSError
        If it cannot be opened.
    """
    with _reading(path, ["glimpse.experiment"]) as (contents, _, version):
        fields = _experiment(contents)
        return ExperimentFile(path=os.fspath(path), version=version, **fields)


def _experiment_head(contents):
    model, params = _model_params(contents, None)
    seed = contents.field("seed", _seed)
    return model, params, seed


def _corpus_part(contents):
    paths = contents.paths("paths", optional=True)
    skipped = contents.field("skipped", _pairs, optional=True, default=[])
    if paths is None:
        for name in ("labels", "corpus_train", "train_mask", "features"):
            if name in contents:
                contents.fail("%s is present but paths (the corpus) is missing" % name)
        return None, skipped
    return paths, skipped


def _pairs(value, name):
    if not isinstance(value, list):
        raise TypeError("%s must be a list of [path, reason] pairs, got %s"
                        % (name, _json_type(value)))
    for i, item in enumerate(value):
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(x, str) for x in item)):
            raise TypeError("%s[%d] must be a [path, reason] pair of strings, got %s"
                            % (name, i, _checks.show(item)))
    return [tuple(item) for item in value]


def _timing(value, name):
    _object(value, name)
    for key, seconds in value.items():
        _checks.real(seconds, "%s[%r]" % (name, key))
    return dict(value)


def _experiment_prototypes(contents):
    """The prototypes of a stored experiment, checked with what they depend on."""
    model, params, seed = _experiment_head(contents)
    paths, skipped = _corpus_part(contents)
    count = contents.field("num_prototype_widths", _count, optional=True, default=0)
    if count == 0:
        contents.fail("the experiment holds no prototypes")
    protos, locs = _prototypes_part(contents, count, "prototype_locations_%s",
                                    None if paths is None else len(paths) + len(skipped))
    _check_fit(contents, model, params, protos)
    return dict(glimpse_version=contents.meta.get("glimpse_version"), prototypes=protos,
                locations=locs, image_paths=paths, model=model, params=params, seed=seed,
                algorithm=contents.field("prototype_algorithm", _string, optional=True))


def _experiment(contents):
    model, params, seed = _experiment_head(contents)
    paths, skipped = _corpus_part(contents)
    out = dict(glimpse_version=contents.meta.get("glimpse_version"), model=model,
               params=params, seed=seed, paths=paths, skipped=skipped)
    n = None if paths is None else len(paths)
    if paths is not None:
        class_names = contents.field("class_names", _strings)
        if len(set(class_names)) != len(class_names):
            contents.fail("metadata: class_names must be distinct, got %s"
                          % _checks.show(class_names))
        labels = contents.array("labels", "int", (n,))
        contents.indices("labels", labels, len(class_names), "class indices")
        out.update(class_names=class_names, labels=labels,
                   corpus_train=contents.array("corpus_train", "bool", (n,), optional=True),
                   train_mask=contents.array("train_mask", "bool", (n,), optional=True),
                   features=_float32(contents.array("features", "float", (n, None),
                                                    optional=True)))
    out["layers"] = contents.field("layers", _strings, optional=True)
    out["prototype_algorithm"] = contents.field("prototype_algorithm", _string, optional=True)
    out["timing"] = contents.field("timing", _timing, optional=True, default={})
    count = contents.field("num_prototype_widths", _count, optional=True, default=0)
    protos, locs = _prototypes_part(contents, count, "prototype_locations_%s",
                                    None if n is None else n + len(skipped))
    _check_fit(contents, model, params, protos)
    out.update(prototypes=protos or None, prototype_locations=locs)
    evaluations = contents.field("evaluations", _evaluation_records, optional=True,
                                 default=[])
    if evaluations and paths is None:
        contents.fail("evaluations are present but paths (the corpus) is missing")
    out["evaluations"] = [_evaluation(contents, j, e, n) for j, e in enumerate(evaluations)]
    extra = "evaluation_%d_test_indices" % len(evaluations)
    if extra in contents:
        contents.fail("%s is present but the metadata lists %d evaluations"
                      % (extra, len(evaluations)))
    return out


def _float32(array):
    return None if array is None else array.astype(np.float32, copy=False)


def _evaluation_records(value, name):
    if not isinstance(value, list):
        raise TypeError("%s must be a list, got %s" % (name, _json_type(value)))
    for j, e in enumerate(value):
        where = "%s[%d]" % (name, j)
        _object(e, where)
        if e.get("kind") not in _EVALUATION_KINDS or e.get("metric") not in _METRICS:
            raise ValueError("%s must have kind in %s and metric in %s, got %s and %s"
                             % (where, _EVALUATION_KINDS, _METRICS,
                                _checks.show(e.get("kind")), _checks.show(e.get("metric"))))
        _string(e.get("learner"), where + ".learner")
        for key in ("score", "accuracy"):
            _checks.real(e.get(key), "%s.%s" % (where, key))
        if e.get("auc") is not None:
            _checks.real(e["auc"], where + ".auc")
        if e.get("num_folds") is not None:
            _checks.integer(e["num_folds"], where + ".num_folds", 2)
    return value


def _evaluation(contents, j, e, n):
    name = "evaluation_%d_" % j
    test = contents.array(name + "test_indices", "int", (None,))
    contents.indices(name + "test_indices", test, n, "image indices")
    predictions = contents.array(name + "predictions", "int", (len(test),))
    contents.indices(name + "predictions", predictions, len(contents.meta["class_names"]),
                     "class indices")
    folds = e.get("num_folds")
    fold_scores = contents.array(name + "fold_scores", "real", (folds,),
                                 optional=e["kind"] == "train_test")
    if fold_scores is not None:
        fold_scores = fold_scores.astype(np.float64)
    return EvaluationArrays(
        kind=e["kind"], learner=e["learner"], metric=e["metric"], score=float(e["score"]),
        accuracy=float(e["accuracy"]), auc=None if e.get("auc") is None else float(e["auc"]),
        num_folds=folds, test_indices=test, predictions=predictions, fold_scores=fold_scores)

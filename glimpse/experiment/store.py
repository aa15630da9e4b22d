"""Storing an experiment: a ``glimpse.experiment`` file of :mod:`glimpse.files`."""

from __future__ import annotations

from .. import files
from . import _models
from .corpus import Corpus
from .experiment import Evaluation, Experiment, SetPrototypes

__all__ = ["StoreExperiment", "LoadExperiment", "FORMAT", "FORMAT_VERSION"]

#: The value of the metadata's "format" field.
FORMAT = "glimpse.experiment"
#: The version of the file layout; :func:`LoadExperiment` reads this version and older.
FORMAT_VERSION = files.VERSION


def StoreExperiment(exp, path):
    """Write an experiment to an ``.npz`` file, atomically.

    Parameters
    ----------
    exp : Experiment
    path : str or os.PathLike
        The file (conventionally ``.npz``); an existing file is replaced only once the new
        one is complete.

    Raises
    ------
    TypeError
        If `exp` is not an Experiment.
    ValueError
        If the experiment does not agree with itself (for example a `train_mask` that is
        not one bool per corpus image): the file would be refused when read, and nothing
        is written.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The layout is that of :func:`glimpse.files.write_experiment`: a plain ``.npz`` (read
    it with ``numpy.load(path)``, no pickle) of a JSON ``metadata`` record and arrays.
    """
    if not isinstance(exp, Experiment):
        raise TypeError("exp must be an Experiment, got %s" % type(exp).__name__)
    corpus = exp.corpus
    record = files.ExperimentFile(
        path=str(path), version=files.VERSION, glimpse_version=None,
        model=_models.model_name(exp.model), params=exp.model.params.AsDict(), seed=exp.seed,
        paths=None if corpus is None else list(corpus.paths),
        labels=None if corpus is None else corpus.labels,
        class_names=None if corpus is None else list(corpus.class_names),
        corpus_train=None if corpus is None else corpus.train,
        train_mask=exp.train_mask, features=exp.features, layers=exp.layers,
        prototypes=exp.prototypes, prototype_locations=exp.prototype_locations,
        prototype_algorithm=exp.prototype_algorithm, skipped=list(exp.skipped),
        timing=dict(exp.timing),
        evaluations=[files.EvaluationArrays(
            kind=ev.kind, learner=ev.learner, metric=ev.metric, score=ev.score,
            accuracy=ev.accuracy, auc=ev.auc, num_folds=ev.num_folds,
            test_indices=ev.test_indices, predictions=ev.predictions,
            fold_scores=ev.fold_scores) for ev in exp.evaluations])
    files.write_experiment(path, record)


def LoadExperiment(path):
    """Read an experiment written by :func:`StoreExperiment` (of this or an older glimpse).

    Returns
    -------
    Experiment
        With its model rebuilt from the stored name and parameters, and its prototypes set.

    Raises
    ------
    glimpse.files.FileFormatError
        A ValueError: the file is not a stored experiment, was written by a newer
        glimpse, or is damaged or inconsistent (see :func:`glimpse.files.read_experiment`).
    OSError
        If the file cannot be opened.
    """
    stored = files.read_experiment(path)
    try:
        model = _models.make_model(stored.model, stored.params)
        exp = Experiment(model=model, seed=stored.seed)
        if stored.paths is not None:
            exp.corpus = Corpus(stored.paths, stored.labels, stored.class_names,
                                stored.corpus_train)
        exp.train_mask = stored.train_mask
        if stored.prototypes:
            SetPrototypes(exp, stored.prototypes, stored.prototype_locations,
                          stored.prototype_algorithm)
        else:
            exp.prototype_algorithm = stored.prototype_algorithm
    except (ValueError, TypeError) as err:  # checked by the reader: a safety net
        raise files.FileFormatError(path, str(err)) from None
    exp.features = stored.features
    exp.layers = stored.layers
    exp.skipped = list(stored.skipped)
    exp.timing = dict(stored.timing)
    for ev in stored.evaluations:
        exp.evaluations.append(Evaluation(
            ev.kind, ev.learner, ev.metric, ev.score, ev.accuracy, ev.auc, ev.test_indices,
            ev.predictions, ev.fold_scores, ev.num_folds))
    return exp

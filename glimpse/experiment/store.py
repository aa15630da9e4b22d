"""Storing an experiment: ``.npz`` arrays plus JSON metadata, versioned, written atomically."""

from __future__ import annotations

import json
import os

import numpy as np

from .. import __version__
from ..util import npz
from ..util.fileio import atomic_write
from . import _models
from .corpus import Corpus
from .experiment import Evaluation, Experiment, SetPrototypes

__all__ = ["StoreExperiment", "LoadExperiment", "FORMAT", "FORMAT_VERSION"]

#: The value of the metadata's "format" field.
FORMAT = "glimpse-experiment"
#: The version of the file layout; :func:`LoadExperiment` reads this version and older.
FORMAT_VERSION = 1


def StoreExperiment(exp, path):
    """Write an experiment to an ``.npz`` file, atomically.

    Parameters
    ----------
    exp : Experiment
    path : str or os.PathLike
        The file (conventionally ``.npz``); an existing file is replaced only once the new
        one is complete.

    Notes
    -----
    The file is a plain ``.npz`` (read it with ``numpy.load(path)``, no pickle):

    - ``metadata``: a JSON string with ``format`` ("glimpse-experiment"), ``version`` (1),
      ``glimpse_version``, ``model`` (the registry name), ``params`` (the model parameters),
      ``seed``, ``class_names``, ``layers``, ``prototype_algorithm``, ``skipped`` (pairs of
      path and reason), ``timing`` and ``evaluations`` (kind, learner, metric, score,
      accuracy, auc, num_folds for each);
    - ``paths`` (str), ``labels`` (int64), ``train_mask`` (bool; absent before the split),
      ``corpus_train`` (bool; present for a corpus with a fixed split), ``features``
      (float32, one row per image);
    - ``prototypes_<i>`` (float32) and ``prototype_locations_<i>`` (int64: image index,
      scale, y, x) for the i-th S2 kernel width;
    - ``evaluation_<j>_test_indices``, ``evaluation_<j>_predictions`` (int64) and
      ``evaluation_<j>_fold_scores`` (cross-validation) for the j-th evaluation.
    """
    if not isinstance(exp, Experiment):
        raise TypeError("exp must be an Experiment, got %s" % type(exp).__name__)
    arrays = {}
    corpus = exp.corpus
    if corpus is not None:
        arrays["paths"] = np.array(corpus.paths, dtype=str)
        arrays["labels"] = corpus.labels
        if corpus.train is not None:
            arrays["corpus_train"] = corpus.train
    if exp.train_mask is not None:
        arrays["train_mask"] = exp.train_mask
    if exp.features is not None:
        arrays["features"] = exp.features
    for i, protos in enumerate(exp.prototypes or []):
        arrays["prototypes_%d" % i] = protos
    for i, loc in enumerate(exp.prototype_locations or []):
        arrays["prototype_locations_%d" % i] = loc
    for j, ev in enumerate(exp.evaluations):
        arrays["evaluation_%d_test_indices" % j] = ev.test_indices
        arrays["evaluation_%d_predictions" % j] = ev.predictions
        if ev.fold_scores is not None:
            arrays["evaluation_%d_fold_scores" % j] = ev.fold_scores
    metadata = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "glimpse_version": __version__,
        "model": _models.model_name(exp.model),
        "params": exp.model.params.AsDict(),
        "seed": exp.seed,
        "class_names": None if corpus is None else corpus.class_names,
        "layers": exp.layers,
        "prototype_algorithm": exp.prototype_algorithm,
        "num_prototype_widths": len(exp.prototypes or []),
        "skipped": [list(s) for s in exp.skipped],
        "timing": exp.timing,
        "evaluations": [ev.metadata() for ev in exp.evaluations],
    }
    arrays["metadata"] = np.array(json.dumps(metadata))
    with atomic_write(path) as f:
        npz.savez(f, **arrays)


def _bad(path, why):
    return ValueError("%s is not a glimpse experiment file: %s" % (path, why))


def LoadExperiment(path):
    """Read an experiment written by :func:`StoreExperiment`.

    Returns
    -------
    Experiment
        With its model rebuilt from the stored name and parameters, and its prototypes set.

    Raises
    ------
    ValueError
        If the file is not an experiment file, or was written by a newer version.
    """
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise _bad(path, err) from None
    if "metadata" not in data:
        raise _bad(path, "no metadata")
    try:
        meta = json.loads(str(data["metadata"]))
    except ValueError as err:
        raise _bad(path, "metadata is not JSON (%s)" % err) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _bad(path, "format is %r" % (meta.get("format") if isinstance(meta, dict)
                                           else meta,))
    if not isinstance(meta.get("version"), int) or meta["version"] > FORMAT_VERSION:
        raise ValueError("%s has experiment format version %r; this glimpse reads up to %d"
                         % (path, meta.get("version"), FORMAT_VERSION))
    model = _models.make_model(meta["model"], meta["params"])
    exp = Experiment(model=model, seed=meta["seed"])
    if "paths" in data:
        exp.corpus = Corpus([str(p) for p in data["paths"]], data["labels"],
                            meta["class_names"], data.get("corpus_train"))
    exp.train_mask = data.get("train_mask")
    count = meta.get("num_prototype_widths", 0)
    if count:
        protos = [data["prototypes_%d" % i] for i in range(count)]
        locs = None
        if "prototype_locations_0" in data:
            locs = [data["prototype_locations_%d" % i] for i in range(count)]
        SetPrototypes(exp, protos, locs, meta.get("prototype_algorithm"))
    exp.features = data.get("features")
    exp.layers = meta.get("layers")
    exp.skipped = [tuple(s) for s in meta.get("skipped", [])]
    exp.timing = dict(meta.get("timing", {}))
    for j, ev in enumerate(meta.get("evaluations", [])):
        exp.evaluations.append(Evaluation(
            ev["kind"], ev["learner"], ev["metric"], ev["score"], ev["accuracy"], ev["auc"],
            data["evaluation_%d_test_indices" % j], data["evaluation_%d_predictions" % j],
            data.get("evaluation_%d_fold_scores" % j), ev.get("num_folds")))
    return exp

"""The experiment commands: ``glimpse imprint``, ``features``, ``evaluate`` and ``params``.

:func:`add_parsers` adds them to the ``glimpse`` command's sub-parsers; each sets the
``run`` default to the function that runs it and returns the exit status: 0 on success,
1 when the work failed (no image could be used, a file could not be written), 2 for a
bad argument (reported in one line).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

from ..cli import _positive_int, _seed, check_output

__all__ = ["add_parsers"]


class _Usage(Exception):
    """A bad argument found after parsing: one line, exit status 2."""


class _Failure(Exception):
    """The work could not be done: one line, exit status 1."""


def _add_common(parser, corpus=True):
    if corpus:
        parser.add_argument("corpus", nargs="?", metavar="CORPUS",
                            help="a directory holding one sub-directory of images per class")
        parser.add_argument("--corpus-name", choices=["easy", "moderate", "hard"],
                            help="use a sample corpus made by glimpse instead of CORPUS")
    parser.add_argument("--params", metavar="FILE",
                        help="JSON object of model parameter values (see 'glimpse params')")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _add_pool(parser):
    group = parser.add_argument_group("computing")
    group.add_argument("--pool", choices=["serial", "threads", "processes", "dask"],
                       help="where images are computed (default: $GLIMPSE_POOL, else threads)")
    group.add_argument("--workers", type=_positive_int,
                       help="workers of the pool (default: the number of CPUs)")
    group.add_argument("--scheduler", metavar="ADDR",
                       help="with --pool dask: the address of a running Dask scheduler "
                       "(default: start a local cluster on 127.0.0.1)")


def add_parsers(subparsers):
    """Add the experiment commands to `subparsers` (from ``add_subparsers``)."""
    from ._algorithms import PROTOTYPE_ALGORITHMS

    p = subparsers.add_parser(
        "imprint", help="make S2 prototypes from a corpus",
        description="Imprint S2 prototypes from the C1 layer of the images of CORPUS (or make "
        "them by another algorithm) and write them, with their imprint locations and the "
        "model parameters, to an .npz file.")
    _add_common(p)
    p.add_argument("-n", "--num-prototypes", type=_positive_int, required=True,
                   help="prototypes per kernel width")
    p.add_argument("--kernel-width", type=_positive_int, nargs="+", metavar="W",
                   help="S2 kernel widths (default: the model's s2_kwidth)")
    p.add_argument("--algorithm", choices=PROTOTYPE_ALGORITHMS, default="imprint",
                   help="how prototypes are made (default: imprint)")
    p.add_argument("--seed", type=_seed, help="random seed (default: fresh, recorded)")
    _add_pool(p)
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    p.set_defaults(run=run_imprint)

    p = subparsers.add_parser(
        "features", help="compute feature vectors of a corpus",
        description="Compute one feature vector per image of CORPUS (the C2 layer by default) "
        "with the prototypes of an 'imprint' file, and write them to an .npz file as they "
        "are computed (memory stays bounded whatever the corpus size).")
    _add_common(p)
    p.add_argument("--prototypes", required=True, help=".npz written by 'glimpse imprint'")
    p.add_argument("--layer", nargs="+", default=["C2"],
                   help="layers to flatten into the vector, in this order (default: C2)")
    _add_pool(p)
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    p.set_defaults(run=run_features)

    p = subparsers.add_parser(
        "evaluate", help="run a whole experiment and print the classifier's score",
        description="Split CORPUS (half of each class for training), imprint prototypes from "
        "the training images, compute C2 features and train and test a linear classifier; "
        "print the accuracy (and the AUC for two classes) and the time of each stage.")
    _add_common(p)
    p.add_argument("-n", "--num-prototypes", type=_positive_int, default=100,
                   help="prototypes per kernel width (default: 100)")
    p.add_argument("--algorithm", choices=PROTOTYPE_ALGORITHMS, default="imprint",
                   help="how prototypes are made (default: imprint)")
    p.add_argument("--cross-validate", action="store_true",
                   help="score by cross-validation over all images instead")
    p.add_argument("--folds", type=_positive_int, default=10,
                   help="folds for --cross-validate (default: 10)")
    p.add_argument("--classifier", choices=["svm", "logreg"], default="svm",
                   help="linear SVM (default) or logistic regression, on standardised "
                   "features")
    p.add_argument("--seed", type=_seed, default=0,
                   help="random seed of the split, prototypes and folds (default: 0)")
    _add_pool(p)
    p.add_argument("-o", "--output", help="also store the experiment in this .npz file")
    p.set_defaults(run=run_evaluate)

    p = subparsers.add_parser(
        "params", help="print the model parameters as JSON",
        description="Print the default model parameters (with --params, those of FILE "
        "applied to the defaults) as a JSON object, the format --params reads.")
    _add_common(p, corpus=False)
    p.set_defaults(run=run_params)


# ---------------------------------------------------------------------------------------------


def _error(args, message):
    print("glimpse %s: error: %s" % (args.command, message), file=sys.stderr)


def _guard(run):
    def wrapper(args):
        try:
            return run(args)
        except _Usage as err:
            _error(args, err)
            return 2
        except (_Failure, ValueError, ImportError) as err:
            _error(args, err)
            return 1
    wrapper.__name__ = run.__name__
    wrapper.__doc__ = run.__doc__
    return wrapper


def _read_params(args, base=None):
    """The model parameters: `base` (a dict), updated by the --params file."""
    from . import _models

    values = dict(base or {})
    if args.params is not None:
        try:
            with open(args.params) as f:
                loaded = json.load(f)
        except OSError as err:
            raise _Usage("cannot read --params %s: %s" % (args.params, err.strerror or err))
        except ValueError as err:
            raise _Usage("--params %s is not JSON: %s" % (args.params, err))
        if not isinstance(loaded, dict):
            raise _Usage("--params %s must hold a JSON object, got %s"
                         % (args.params, type(loaded).__name__))
        values.update(loaded)
    cls = _models.model_class()
    try:
        return cls.ParamClass(**values)
    except (ValueError, TypeError) as err:
        raise _Usage("bad model parameters%s: %s"
                     % ("" if args.params is None else " in %s" % args.params, err))


def _corpus(args):
    from .corpora import GetSampleCorpus
    from .corpus import ReadCorpus

    if (args.corpus is None) == (args.corpus_name is None):
        raise _Usage("give a CORPUS directory or --corpus-name (one of them)")
    root = GetSampleCorpus(args.corpus_name) if args.corpus_name else args.corpus
    try:
        return ReadCorpus(root)
    except ValueError as err:
        raise _Usage(str(err))


def _check_output(args):
    if args.output is not None:  # a UsageError: one line, status 2
        check_output(args.output, ".npz", "glimpse %s" % args.command)


def _pool(args):
    from ..pools import MakePool

    if args.scheduler is not None and args.pool != "dask":
        raise _Usage("--scheduler needs --pool dask")
    options = {} if args.scheduler is None else {"address": args.scheduler}
    try:
        pool = MakePool(args.pool, workers=args.workers, **options)
    except (ValueError, TypeError) as err:
        raise _Usage(str(err))
    if pool.name == "dask":
        pool.client  # connect, or start the local cluster, now: the "pool start" stage
    return pool


def _report_skipped(exp_or_list):
    for path, reason in exp_or_list:
        print("glimpse: skipped %s: %s" % (path, reason), file=sys.stderr)


def _prototype_arrays(exp):
    arrays = {}
    for i, protos in enumerate(exp.prototypes):
        arrays["prototypes_%d" % i] = protos
        if exp.prototype_locations is not None:
            arrays["locations_%d" % i] = exp.prototype_locations[i]
    return arrays


@_guard
def run_imprint(args):
    """``glimpse imprint``: prototypes from all images of a corpus, to an .npz file."""
    from . import _models
    from ..util import npz
    from ..util.fileio import atomic_write
    from .experiment import Experiment
    from .prototypes import MakePrototypes

    _check_output(args)
    corpus = _corpus(args)
    params = _read_params(args)
    if args.kernel_width:
        params.s2_kwidth = list(args.kernel_width)
    model = _models.make_model(params=params)
    if not _models.has_s2(model):
        raise _Usage("the %s model has no S2 prototypes" % _models.model_name(model))
    exp = Experiment(model=model, corpus=corpus, seed=args.seed)
    exp.train_mask = np.ones(len(corpus), bool)  # the whole corpus is the training set
    pool = _pool(args)
    try:
        MakePrototypes(exp, args.num_prototypes, args.algorithm, pool=pool)
    finally:
        pool.close()
    _report_skipped(exp.skipped)
    arrays = _prototype_arrays(exp)
    arrays.update(
        image_paths=np.array(exp.corpus.paths, dtype=str),
        params=np.array(json.dumps(model.params.AsDict())),
        model=np.array(_models.model_name(model)),
        algorithm=np.array(args.algorithm),
        num_widths=np.int64(len(exp.prototypes)),
        seed=np.int64(exp.seed),
    )
    with atomic_write(args.output) as f:
        npz.savez(f, **arrays)
    print("glimpse: wrote %s: %s prototypes of width %s (%s) from %d image(s), seed %d"
          % (args.output, args.num_prototypes,
             ", ".join(str(p.shape[-1]) for p in exp.prototypes), args.algorithm,
             len(exp.corpus), exp.seed))
    return 0


def _load_prototypes(args):
    from . import _models

    try:
        with np.load(args.prototypes, allow_pickle=False) as npz:
            data = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError) as err:
        raise _Usage("cannot read --prototypes %s: %s" % (args.prototypes, err))
    if "num_widths" not in data or "params" not in data:
        raise _Usage("--prototypes %s was not written by 'glimpse imprint'" % args.prototypes)
    try:
        stored = json.loads(str(data["params"]))
        protos = [data["prototypes_%d" % i] for i in range(int(data["num_widths"]))]
    except (ValueError, KeyError) as err:
        raise _Usage("--prototypes %s is damaged: %s" % (args.prototypes, err))
    params = _read_params(args, stored)
    model = _models.make_model(str(data.get("model", "ml")), params)
    try:
        model.s2_kernels = protos
    except (ValueError, TypeError) as err:
        raise _Usage("the prototypes of %s do not fit the model parameters: %s"
                     % (args.prototypes, err))
    return model


@_guard
def run_features(args):
    """``glimpse features``: one feature vector per corpus image, written as computed."""
    from .features import ResolveLayers, WriteFeatures

    _check_output(args)
    corpus = _corpus(args)
    model = _load_prototypes(args)
    try:
        layers = ResolveLayers(model, args.layer)
    except ValueError as err:
        raise _Usage(str(err))
    pool = _pool(args)
    try:
        kept, skipped = WriteFeatures(
            args.output, model, corpus.paths, layers, pool=pool,
            progress=not args.quiet and sys.stderr.isatty(),
            extra={"labels": corpus.labels,
                   "class_names": np.array(corpus.class_names, dtype=str),
                   "layers": np.array([x.name for x in layers], dtype=str)})
    finally:
        pool.close()
    _report_skipped([(corpus.paths[i], r) for i, r in skipped])
    if not kept.any():
        if os.path.exists(args.output):
            os.unlink(args.output)
        raise _Failure("no image of the corpus could be computed")
    print("glimpse: wrote %s: features of %d image(s) from %s"
          % (args.output, int(kept.sum()), ", ".join(x.name for x in layers)))
    return 0


@_guard
def run_evaluate(args):
    """``glimpse evaluate``: split, prototypes, features, classifier; print the score."""
    from . import _models
    from ._sklearn import require_sklearn
    from .classify import CrossValidateClassifier, TrainAndTestClassifier
    from .experiment import ComputeActivation, Experiment, SplitCorpus
    from .prototypes import MakePrototypes
    from .store import StoreExperiment

    require_sklearn()
    _check_output(args)
    corpus = _corpus(args)
    model = _models.make_model(params=_read_params(args))
    exp = Experiment(model=model, corpus=corpus, seed=args.seed)
    progress = not args.quiet and sys.stderr.isatty()
    stages = []
    start = time.perf_counter()
    pool = _pool(args)
    stages.append(("pool start", time.perf_counter() - start))
    try:
        SplitCorpus(exp)
        if _models.has_s2(model):
            MakePrototypes(exp, args.num_prototypes, args.algorithm, pool=pool)
            stages.append(("prototypes", exp.timing["prototypes"]))
        ComputeActivation(exp, pool=pool, progress=progress)
        stages.append(("features", exp.timing["features"]))
    finally:
        pool.close()
    _report_skipped(exp.skipped)
    if args.cross_validate:
        ev = CrossValidateClassifier(exp, args.folds, args.classifier)
    else:
        ev = TrainAndTestClassifier(exp, args.classifier)
    stages.append(("classifier", exp.timing["classifier"]))
    how = ("%d-fold cross-validation over %d images" % (args.folds, len(exp.corpus))
           if args.cross_validate else
           "trained on %d, tested on %d images" % (exp.train_mask.sum(),
                                                   (~exp.train_mask).sum()))
    line = "accuracy %.4f" % ev.accuracy
    if len(corpus.class_names) == 2 and ev.auc is not None:
        line += "  AUC %.4f" % ev.auc
    protos = ("%d %s prototypes" % (args.num_prototypes, args.algorithm)
              if exp.prototypes is not None else "no prototypes")
    print("%s  (%s; %s, %s)" % (line, how, args.classifier, protos))
    print("time: " + ", ".join("%s %.2f s" % s for s in stages))
    if args.output:
        StoreExperiment(exp, args.output)
        print("glimpse: wrote %s" % args.output)
    return 0


@_guard
def run_params(args):
    """``glimpse params``: the model parameters as JSON."""
    params = _read_params(args)
    print(json.dumps(params.AsDict(), indent=2))
    return 0

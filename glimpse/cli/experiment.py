"""The experiment commands: ``glimpse imprint``, ``features``, ``evaluate`` and ``params``.

Each command imports the parts of :mod:`glimpse.experiment` it uses when it runs
(``glimpse params`` does not load scikit-learn). A ``ValueError`` raised by the library
while a command works is reported as the failure of that work (one line, status 1).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from .. import files
from ._common import (CommandError, UsageError, add_model_option, add_pool_options,
                      check_output, echo, integer, make_pool, one_line, prototypes_model,
                      quote_path, read_input, report_skipped)

__all__ = ["add_arguments"]


def add_arguments(name, parser):
    """Add the options of ``glimpse NAME`` (an experiment command) to `parser`."""
    _ARGUMENTS[name](parser)
    parser.set_defaults(run=lambda args: _run(_RUNS[name], args))


def _run(function, args):
    try:
        return function(args)
    except ValueError as err:  # the library refused the work
        raise CommandError(str(err)) from None


def _add_common(parser, corpus=True):
    if corpus:
        parser.add_argument("corpus", nargs="?", metavar="CORPUS",
                            help="a directory holding one sub-directory of images per class")
        parser.add_argument("--corpus-name", choices=["easy", "moderate", "hard"],
                            help="use a sample corpus made by glimpse instead of CORPUS")
    parser.add_argument("--params", metavar="FILE",
                        help="JSON object of model parameter values (see 'glimpse params')")
    add_model_option(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _algorithms():
    from ..experiment._algorithms import PROTOTYPE_ALGORITHMS

    return PROTOTYPE_ALGORITHMS


def _imprint_arguments(p):
    p.description = (
        "Imprint S2 prototypes from the C1 layer of the images of CORPUS (or make "
        "them by another algorithm) and write them, with their imprint locations and the "
        "model parameters, to an .npz file.")
    _add_common(p)
    p.add_argument("-n", "--num-prototypes", type=integer(1), required=True,
                   help="prototypes per kernel width")
    p.add_argument("--kernel-width", type=integer(1), nargs="+", metavar="W",
                   help="the model's S2 widths (default: its parameters')")
    p.add_argument("--algorithm", choices=_algorithms(), default="imprint",
                   help="how prototypes are made (default: imprint)")
    p.add_argument("--seed", type=integer(0, 2**63 - 1),
                   help="random seed (default: fresh, recorded)")
    add_pool_options(p)
    p.add_argument("-o", "--output", required=True, help="output .npz file")


def _features_arguments(p):
    p.description = (
        "Compute one feature vector per image of CORPUS (the C2 layer by default) "
        "with the prototypes of an 'imprint' file or a stored experiment, and write them to "
        "an .npz file as they are computed (memory stays bounded whatever the corpus size).")
    _add_common(p)
    p.add_argument("--prototypes", required=True,
                   help=".npz written by 'glimpse imprint' or 'glimpse evaluate -o'")
    p.add_argument("--layer", nargs="+", default=["C2"],
                   help="layers to flatten into the vector, in this order (default: C2)")
    add_pool_options(p)
    p.add_argument("-o", "--output", required=True, help="output .npz file")


def _evaluate_arguments(p):
    p.description = (
        "Split CORPUS (half of each class for training), imprint prototypes from "
        "the training images, compute C2 features and train and test a linear classifier; "
        "print the accuracy (and the AUC for two classes) and the time of each stage.")
    _add_common(p)
    p.add_argument("-n", "--num-prototypes", type=integer(1), default=100,
                   help="prototypes per kernel width (default: 100)")
    p.add_argument("--algorithm", choices=_algorithms(), default="imprint",
                   help="how prototypes are made (default: imprint)")
    p.add_argument("--cross-validate", action="store_true",
                   help="score by cross-validation over all images instead")
    p.add_argument("--folds", type=integer(1), default=10,
                   help="folds for --cross-validate (default: 10)")
    p.add_argument("--classifier", choices=["svm", "logreg"], default="svm",
                   help="linear SVM (default) or logistic regression, on standardised "
                   "features")
    p.add_argument("--seed", type=integer(0, 2**63 - 1), default=0,
                   help="random seed of the split, prototypes and folds (default: 0)")
    add_pool_options(p)
    p.add_argument("-o", "--output", help="also store the experiment in this .npz file")


def _params_arguments(p):
    p.description = (
        "Print the default model parameters (with --params, those of FILE "
        "applied to the defaults) as a JSON object, the format --params reads.")
    _add_common(p, corpus=False)


# ---------------------------------------------------------------------------------------------


def _read_params(args, base=None, name=None):
    """The model parameters: `base` (a dict), updated by the --params file.

    `name` names the model class (default: --model, else the default model). A bad value read from
    --params is a usage error naming --params; `base` must hold valid values already.
    """
    from ..experiment import _models

    values = dict(base or {})
    where = None if args.params is None else quote_path(args.params)
    if args.params is not None:
        try:
            with open(args.params) as f:
                loaded = json.load(f)
        except OSError as err:
            raise UsageError("cannot read --params %s: %s" % (where, err.strerror or err))
        except (ValueError, RecursionError) as err:
            raise UsageError("--params %s is not JSON: %s" % (where, one_line(err)))
        if not isinstance(loaded, dict):
            raise UsageError("--params %s must hold a JSON object, got %s"
                             % (where, type(loaded).__name__))
        values.update(loaded)
    cls = _models.model_class(name or args.model)
    try:
        return cls.ParamClass(**values)
    except (ValueError, TypeError) as err:
        raise UsageError("bad model parameters%s: %s"
                         % ("" if where is None else " in --params %s" % where, err))


def _corpus(args):
    from ..experiment.corpora import GetSampleCorpus
    from ..experiment.corpus import ReadCorpus

    if (args.corpus is None) == (args.corpus_name is None):
        raise UsageError("give a CORPUS directory or --corpus-name (one of them)")
    root = GetSampleCorpus(args.corpus_name) if args.corpus_name else args.corpus
    try:
        return ReadCorpus(root)
    except ValueError as err:
        raise UsageError(str(err))


def _check_output(args):
    if args.output is not None:
        check_output(args.output, ".npz", [("--params", args.params),
                                           ("--prototypes", getattr(args, "prototypes", None))])


def _imprint(args):
    """``glimpse imprint``: prototypes from all images of a corpus, to an .npz file."""
    from ..experiment import _models
    from ..experiment.experiment import Experiment
    from ..experiment.prototypes import MakePrototypes

    _check_output(args)
    corpus = _corpus(args)
    params = _read_params(args)
    model = _models.make_model(args.model, params)
    if not _models.has_s2(model):
        raise UsageError("the %s model has no S2 prototypes" % _models.model_name(model))
    if args.kernel_width:
        try:
            _models.set_s2_widths(params, args.kernel_width)
        except (ValueError, TypeError) as err:
            raise UsageError("--kernel-width: %s" % err) from None
        model = _models.make_model(args.model, params)
    exp = Experiment(model=model, corpus=corpus, seed=args.seed)
    exp.train_mask = np.ones(len(corpus), bool)  # the whole corpus is the training set
    with make_pool(args) as pool:
        MakePrototypes(exp, args.num_prototypes, args.algorithm, pool=pool)
    report_skipped(exp.skipped)
    files.write_prototypes(
        args.output, exp.prototypes, exp.prototype_locations, exp.corpus.paths,
        model=_models.model_name(model), params=model.params.AsDict(), seed=exp.seed,
        algorithm=args.algorithm)
    echo("glimpse: wrote %s: %s prototypes of width %s (%s) from %d image(s), seed %d"
         % (quote_path(args.output), args.num_prototypes,
            ", ".join(str(p.shape[-1]) for p in exp.prototypes), args.algorithm,
            len(exp.corpus), exp.seed))


def _load_prototypes(args):
    """The model of the --prototypes file (a prototypes file or a stored experiment),
    its parameters updated by --params, with the prototypes as its S2 kernels."""
    from ..experiment import _models

    stored = read_input(args.prototypes, "--prototypes",
                        lambda path: files.read_prototypes(path))
    name = prototypes_model(args.model, stored.model, args.prototypes)
    params = _read_params(args, stored.params, name)
    model = _models.make_model(name, params)
    try:
        model.s2_kernels = stored.prototypes
    except (ValueError, TypeError) as err:  # only --params can make them not fit
        raise UsageError("the prototypes of --prototypes %s do not fit the model parameters "
                         "of --params %s: %s" % (quote_path(args.prototypes),
                                                 quote_path(args.params or ""), one_line(err)))
    return model


def _feature_layers(model, names):
    """The layers --layer names, each one whose value is an array (the input layer is not)."""
    from ..experiment.features import ResolveLayers

    usable = [x for x in model.LayerClass.AllLayers() if x.depends]
    try:
        layers = ResolveLayers(model, names)
    except ValueError:
        raise UsageError("--layer must name layers that make features (%s), got %s"
                         % (", ".join(x.name for x in usable), " ".join(names))) from None
    for layer in layers:
        if layer not in usable:
            raise UsageError("--layer %s holds the image given to the model, not features; "
                             "the layers that make features are %s"
                             % (layer.name, ", ".join(x.name for x in usable)))
    return layers


def _features(args):
    """``glimpse features``: one feature vector per corpus image, written as computed."""
    from ..experiment.features import NothingComputedError, WriteFeatures

    _check_output(args)
    corpus = _corpus(args)
    model = _load_prototypes(args)
    layers = _feature_layers(model, args.layer)
    try:
        with make_pool(args) as pool:
            kept, skipped = WriteFeatures(
                args.output, model, corpus.paths, layers, pool=pool,
                progress=not args.quiet and sys.stderr.isatty(),
                labels=corpus.labels, class_names=corpus.class_names)
    except NothingComputedError as err:  # nothing written: a previous file is kept
        report_skipped([(corpus.paths[i], r) for i, r in err.skipped])
        raise CommandError("no image of the corpus could be computed; %s not written"
                           % quote_path(args.output)) from None
    report_skipped([(corpus.paths[i], r) for i, r in skipped])
    echo("glimpse: wrote %s: features of %d image(s) from %s"
         % (quote_path(args.output), int(kept.sum()), ", ".join(x.name for x in layers)))


def _evaluate(args):
    """``glimpse evaluate``: split, prototypes, features, classifier; print the score."""
    from ..experiment import _models
    from ..experiment._sklearn import require_sklearn
    from ..experiment.classify import (CrossValidateClassifier, TrainAndTestClassifier,
                                       check_folds)
    from ..experiment.experiment import ComputeActivation, Experiment, SplitCorpus
    from ..experiment.prototypes import MakePrototypes
    from ..experiment.store import StoreExperiment

    require_sklearn()
    _check_output(args)
    corpus = _corpus(args)
    if args.cross_validate:  # refused before any work (checked again after skipped images)
        try:
            check_folds(corpus, args.folds)
        except ValueError as err:
            raise UsageError("--folds: %s" % err) from None
    model = _models.make_model(args.model, _read_params(args))
    exp = Experiment(model=model, corpus=corpus, seed=args.seed)
    progress = not args.quiet and sys.stderr.isatty()
    stages = []
    start = time.perf_counter()
    with make_pool(args) as pool:
        stages.append(("pool start", time.perf_counter() - start))
        SplitCorpus(exp)
        if _models.has_s2(model):
            MakePrototypes(exp, args.num_prototypes, args.algorithm, pool=pool)
            stages.append(("prototypes", exp.timing["prototypes"]))
        ComputeActivation(exp, pool=pool, progress=progress)
        stages.append(("features", exp.timing["features"]))
    report_skipped(exp.skipped)
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
    echo("%s  (%s; %s, %s)" % (line, how, args.classifier, protos))
    echo("time: " + ", ".join("%s %.2f s" % s for s in stages))
    if args.output:
        StoreExperiment(exp, args.output)
        echo("glimpse: wrote %s" % quote_path(args.output))


def _params(args):
    """``glimpse params``: the model parameters as JSON."""
    params = _read_params(args)
    echo(json.dumps(params.AsDict(), indent=2))


_ARGUMENTS = {"imprint": _imprint_arguments, "features": _features_arguments,
              "evaluate": _evaluate_arguments, "params": _params_arguments}
_RUNS = {"imprint": _imprint, "features": _features, "evaluate": _evaluate,
         "params": _params}

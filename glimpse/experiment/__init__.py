"""Experiments: from a folder of images to a classifier's score.

An :class:`Experiment` holds a model, a corpus (images with class labels), the train/test
split, S2 prototypes with their imprint locations, one feature vector per image and the
evaluations of classifiers. The functions here fill it in order::

    from glimpse.experiment import *
    exp = Experiment(corpus=ReadCorpus(GetSampleCorpus("easy")), seed=0)
    MakePrototypes(exp, 10, "imprint")        # from the training images only
    ComputeActivation(exp)                    # C2 features of every image
    print(TrainAndTestClassifier(exp).score)  # accuracy on the test images
    StoreExperiment(exp, "exp.npz")

Classifiers come from scikit-learn (``pip install 'glimpse-vision[experiment]'``).
"""

import importlib

# The names below are imported from their modules when first used, so that importing a
# submodule (as the ``glimpse`` experiment commands do) does not import the whole package.
_MODULES = {
    "classify": ["SCORES", "CrossValidateClassifier", "MakeLearner", "TrainAndTestClassifier"],
    "corpora": ["SAMPLE_CORPORA", "GetSampleCorpus"],
    "corpus": ["Corpus", "MakeCorpus", "ReadCorpus", "ReadCorpusSplit", "ReadCorpusSubdirs"],
    "experiment": ["ComputeActivation", "Evaluation", "Experiment", "SetPrototypes",
                   "SplitCorpus"],
    "features": ["DEFAULT_BLOCK_SIZE", "ComputeFeatures", "ExtractFeatures", "IterFeatures",
                 "ResolveLayers", "WriteFeatures"],
    "prototypes": ["PROTOTYPE_ALGORITHMS", "MakePrototypes"],
    "store": ["FORMAT_VERSION", "LoadExperiment", "StoreExperiment"],
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "Experiment", "Evaluation", "Corpus",
    "ReadCorpus", "ReadCorpusSubdirs", "ReadCorpusSplit", "MakeCorpus",
    "GetSampleCorpus", "SAMPLE_CORPORA",
    "SplitCorpus", "SetPrototypes", "MakePrototypes", "PROTOTYPE_ALGORITHMS",
    "ComputeActivation", "ExtractFeatures", "ResolveLayers", "IterFeatures",
    "ComputeFeatures", "WriteFeatures", "DEFAULT_BLOCK_SIZE",
    "MakeLearner", "TrainAndTestClassifier", "CrossValidateClassifier", "SCORES",
    "StoreExperiment", "LoadExperiment", "FORMAT_VERSION",
]


def __getattr__(name):
    if name in _MODULES:  # a module, as an attribute of the package (its import sets it)
        return importlib.import_module("." + name, __name__)
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module("." + module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE) | set(_MODULES))

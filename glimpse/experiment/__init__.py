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

from .classify import SCORES, CrossValidateClassifier, MakeLearner, TrainAndTestClassifier
from .corpora import SAMPLE_CORPORA, GetSampleCorpus
from .corpus import Corpus, MakeCorpus, ReadCorpus, ReadCorpusSplit, ReadCorpusSubdirs
from .experiment import (ComputeActivation, Evaluation, Experiment, SetPrototypes,
                         SplitCorpus)
from .features import (DEFAULT_BLOCK_SIZE, ComputeFeatures, ExtractFeatures, IterFeatures,
                       ResolveLayers, WriteFeatures)
from .prototypes import PROTOTYPE_ALGORITHMS, MakePrototypes
from .store import FORMAT_VERSION, LoadExperiment, StoreExperiment

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

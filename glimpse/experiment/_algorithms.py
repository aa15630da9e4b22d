"""The names of the prototype algorithms, in a module of their own.

The command line offers them as choices without importing the algorithms
(:mod:`glimpse.experiment.prototypes`, which imports the model).
"""

#: The prototype algorithms :func:`~glimpse.experiment.MakePrototypes` knows.
PROTOTYPE_ALGORITHMS = ("imprint", "uniform", "shuffle", "histogram", "normal", "kmeans")

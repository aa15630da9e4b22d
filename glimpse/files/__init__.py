"""The files glimpse writes and reads: patches, prototypes, experiments and features.

Every file is an uncompressed ``.npz`` (read it with ``numpy.load(path)``, no pickle),
written atomically by :func:`glimpse.util.npz.savez` (an existing file is replaced only
by a complete one). Each holds a ``metadata`` member: a JSON object (a 0-d string array)
with

- ``format``: ``"glimpse.patches"``, ``"glimpse.prototypes"``, ``"glimpse.experiment"``
  or ``"glimpse.features"``;
- ``version``: the integer version of that format's layout (:data:`VERSION`);
- ``glimpse_version``: the glimpse that wrote it;
- the model, its parameters and the seed, where they apply.

The arrays of each format are listed by its writer (:func:`write_patches`,
:func:`write_prototypes`, :func:`write_experiment`, :func:`write_features`). S2
prototypes are ``prototypes_<i>`` and their imprint locations ``prototype_locations_<i>``
(rows of image index, scale, y, x) for the i-th S2 kernel width, in every file that holds
them.

One reader validates whatever it reads: the archive itself (a ``.npy`` file, a truncated
or damaged zip, a member whose header declares more data than it holds), the JSON record
(nesting depth, types, known model parameters), the members a format needs, their dtypes
and shapes, and the counts that must agree. Every problem is one error,
:class:`FileFormatError`, a ``ValueError`` that names the file.

Version 1 of each format is the layout of glimpse 0.1.0: patches, prototypes (from
``glimpse imprint``, with ``locations_<i>``) and features files had no metadata record,
experiments had ``"format": "glimpse-experiment"``. The readers still read those files.
"""

import importlib

from ._core import FORMATS, VERSION, FileFormatError, quote_path

# Each format's module is imported on first use (a command reads or writes one or two
# formats: it need not pay for the others' imports).
_LAZY = {
    "_experiment_file": ("EvaluationArrays", "ExperimentFile", "read_experiment",
                         "write_experiment"),
    "_features_file": ("FeaturesFile", "read_features", "write_features"),
    "_patches_file": ("PatchesFile", "read_patches", "write_patches"),
    "_prototypes_file": ("PrototypesFile", "read_prototypes", "write_prototypes"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module("." + module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "FileFormatError", "quote_path", "VERSION", "FORMATS",
    "PatchesFile", "write_patches", "read_patches",
    "PrototypesFile", "write_prototypes", "read_prototypes",
    "ExperimentFile", "EvaluationArrays", "write_experiment", "read_experiment",
    "FeaturesFile", "write_features", "read_features",
]

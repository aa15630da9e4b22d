"""Features files: one row of features per image."""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ._core import VERSION, _check_arrays, _model_params, _reading, _strings, _write


@dataclasses.dataclass
class FeaturesFile:
    """What a features file (written by ``glimpse features``) holds.

    Attributes
    ----------
    path : str
    version : int
    glimpse_version : str or None
    features : ndarray of float32, shape (num_kept, num_features)
        One row per image that was computed, in order.
    kept : ndarray of bool, shape (num_images,)
        Which images have a row.
    image_paths : list of str
        Every image.
    skipped : list of (str, str)
        The images without a row, with the reason.
    labels : ndarray of int64 or None
        The class of every image, when recorded.
    class_names : list of str or None
    layers : list of str or None
        The layers flattened into each row.
    model : str or None
    params : dict or None
    extra : dict of str to ndarray
        Other arrays stored in the file.
    """

    path: str
    version: int
    glimpse_version: str | None
    features: np.ndarray
    kept: np.ndarray
    image_paths: list
    skipped: list
    labels: np.ndarray | None
    class_names: list | None
    layers: list | None
    model: str | None
    params: dict | None
    extra: dict


_FEATURES_MEMBERS = {"metadata", "features", "kept", "image_paths", "skipped_paths",
                     "skipped_reasons", "labels"}


def write_features(path, features, kept, image_paths, skipped, *, model, params, layers,
                   labels=None, class_names=None, extra=None):
    """Write a features file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    features : ndarray or glimpse.util.npz.RowSpool
        float32 rows (num_kept, num_features), one per kept image.
    kept : ndarray of bool, shape (num_images,)
    image_paths : sequence of str
        Every image.
    skipped : sequence of (str, str)
        The images not kept, with the reason (as many as `kept` has False).
    model : str
        The model (registry name).
    params : dict
        Its parameters.
    layers : sequence of str
        The layers flattened into each row.
    labels : array of int, optional
        The class of every image, an index into `class_names`.
    class_names : sequence of str, optional
    extra : dict of str to array, optional
        More arrays to store (names other than the format's).

    Raises
    ------
    ValueError
        If the arrays do not agree (the file would be refused when read); nothing is
        written then.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file holds the ``metadata`` record (``model``, ``params``, ``layers``,
    ``class_names``) and the arrays ``features``, ``kept``, ``image_paths``,
    ``skipped_paths``, ``skipped_reasons``, ``labels`` (when given) and those of `extra`.
    """
    skipped = [(str(p), str(r)) for p, r in skipped]
    meta = {"model": model, "params": dict(params), "layers": [str(x) for x in layers],
            "class_names": None if class_names is None else [str(c) for c in class_names]}
    arrays = {"features": features, "kept": np.asarray(kept),
              "image_paths": np.array([str(p) for p in image_paths], dtype=str),
              "skipped_paths": np.array([p for p, _ in skipped], dtype=str),
              "skipped_reasons": np.array([r for _, r in skipped], dtype=str)}
    if labels is not None:
        arrays["labels"] = np.asarray(labels)
    for name, value in (extra or {}).items():
        if name in _FEATURES_MEMBERS:
            raise ValueError("extra must not hold the array %s of the features file" % name)
        arrays[name] = value
    _check_arrays(path, meta, arrays, lambda c: _features(c, VERSION, False))
    _write(path, "glimpse.features", meta, arrays)


def read_features(path) -> FeaturesFile:
    """Read a features file (of this or an older glimpse), checking all of it.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    FeaturesFile

    Raises
    ------
    FileFormatError
        If the file is not a features file, or is damaged or inconsistent (rows and
        kept images, skipped images, labels and paths).
    OSError
        If it cannot be opened.
    """
    with _reading(path, ["glimpse.features"]) as (contents, _, version):
        fields = _features(contents, version, True)
        return FeaturesFile(path=os.fspath(path), version=version, **fields)


def _features(contents, version, read_extra):
    if version == 1:  # class names and layers were arrays
        meta = {}
        for name in ("class_names", "layers"):
            value = contents.array(name, "str", (None,), optional=True)
            meta[name] = None if value is None else [str(v) for v in value]
        contents.meta = meta
        model = params = None
    else:
        model, params = _model_params(contents, None)
    layers = contents.field("layers", _strings, optional=version == 1)
    class_names = contents.field("class_names", _strings, optional=True)
    kept = contents.array("kept", "bool", (None,))
    num_kept = int(kept.sum())
    features = contents.array("features", "float", (None, None))
    if features.shape[0] != num_kept and not (num_kept == 0 and features.shape == (0, 0)):
        contents.fail("features must have one row per kept image (%d), got %d rows"
                      % (num_kept, features.shape[0]))
    image_paths = contents.paths("image_paths", len(kept))
    skipped_paths = contents.paths("skipped_paths", len(kept) - num_kept)
    reasons = contents.paths("skipped_reasons", len(skipped_paths))
    labels = contents.array("labels", "int", (len(kept),), optional=True)
    if labels is not None and class_names is not None:
        contents.indices("labels", labels, len(class_names), "class indices")
    extra = {}
    if read_extra:
        known = _FEATURES_MEMBERS | ({"class_names", "layers"} if version == 1 else set())
        extra = {name: contents._get(name) for name in sorted(contents.names - known)}
    return dict(glimpse_version=contents.meta.get("glimpse_version"), features=features,
                kept=kept, image_paths=image_paths, skipped=list(zip(skipped_paths, reasons)),
                labels=labels, class_names=class_names, layers=layers, model=model,
                params=params, extra=extra)

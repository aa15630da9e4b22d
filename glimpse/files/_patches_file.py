"""Patches files: what ``glimpse sample`` writes and ``glimpse prepare`` reads."""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..util import _checks, npz
from ._core import (
    VERSION, _array_text, _boolean, _check_arrays, _model_params, _reading, _seed, _write)


@dataclasses.dataclass
class PatchesFile:
    """What a patches file (written by ``glimpse sample``) holds.

    Attributes
    ----------
    path : str
    version : int
        1 for a file of glimpse 0.1.0, else :data:`VERSION`.
    glimpse_version : str or None
    patches : ndarray of float32, shape (n, width, width)
    locations : ndarray of int64, shape (n, 3)
        (scale, y, x) of each patch.
    image_index : ndarray of int64, shape (n,)
        The image of each patch, an index into `image_paths`.
    image_paths : list of str
        The images, as given.
    image_realpaths : list of str or None
        Their real paths (None in files that did not record them).
    skipped : list of (str, str)
        Images that were skipped, with the reason.
    seed : int
    num_patches : int
        Patches per image.
    width : int
    exact : bool
    model : str
    params : dict
        The model parameters of the sampling (the resize method, length and aspect ratio).
    """

    path: str
    version: int
    glimpse_version: str | None
    patches: np.ndarray
    locations: np.ndarray
    image_index: np.ndarray
    image_paths: list
    image_realpaths: list | None
    skipped: list
    seed: int
    num_patches: int
    width: int
    exact: bool
    model: str
    params: dict


_RESIZE_PARAMS = {"resize_method": "image_resize_method", "resize_length": "image_resize_length",
                  "aspect_ratio": "image_resize_aspect_ratio"}


def write_patches(path, patches, locations, image_index, image_paths, image_realpaths,
                  skipped, *, seed, num_patches, width, exact, params, model="base"):
    """Write a patches file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    patches : ndarray or glimpse.util.npz.RowSpool
        float32 patches (n, width, width).
    locations : ndarray of int, shape (n, 3)
        (scale, y, x) of each patch.
    image_index : ndarray of int, shape (n,)
        The image of each patch (an index into `image_paths`).
    image_paths, image_realpaths : sequence of str
        The images sampled, as given and resolved.
    skipped : sequence of (str, str)
        Images skipped, with the reason.
    seed, num_patches, width : int
        The seed of the run, the patches per image, their width.
    exact : bool
        Whether images were decoded exactly.
    params : dict
        The model parameters used (the image resize method, length and aspect ratio).
    model : str
        The model whose parameters `params` are.

    Raises
    ------
    ValueError
        If the arrays do not agree (the file would be refused when read); nothing is
        written then.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file holds the ``metadata`` record (``seed``, ``num_patches``, ``width``,
    ``exact``, ``model``, ``params``) and the arrays ``patches``, ``locations``,
    ``image_index``, ``image_paths``, ``image_realpaths``, ``skipped_paths`` and
    ``skipped_reasons``.
    """
    skipped = [(str(p), str(r)) for p, r in skipped]
    meta = {"seed": seed, "num_patches": num_patches, "width": width, "exact": exact,
            "model": model, "params": dict(params)}
    arrays = {
        "patches": patches, "locations": np.asarray(locations),
        "image_index": np.asarray(image_index),
        "image_paths": np.array([str(p) for p in image_paths], dtype=str),
        "image_realpaths": np.array([str(p) for p in image_realpaths], dtype=str),
        "skipped_paths": np.array([p for p, _ in skipped], dtype=str),
        "skipped_reasons": np.array([r for _, r in skipped], dtype=str),
    }
    _check_arrays(path, meta, arrays, lambda c: _patches(c, VERSION))
    _write(path, "glimpse.patches", meta, arrays)


def read_patches(path) -> PatchesFile:
    """Read a patches file (written by ``glimpse sample``, of this or an older glimpse).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    PatchesFile

    Raises
    ------
    FileFormatError
        If the file is not a patches file, or is damaged or inconsistent.
    OSError
        If it cannot be opened.
    """
    with _reading(path, ["glimpse.patches"]) as (contents, _, version):
        fields = _patches(contents, version)
        return PatchesFile(path=os.fspath(path), version=version, **fields)


def _legacy_patches_meta(contents):
    """The record of a patches file of glimpse 0.1.0, from its 0-d members."""
    meta = {}
    for name in ("seed", "num_patches", "width", "exact", "glimpse_version") \
            + tuple(_RESIZE_PARAMS):
        if name in contents:
            value = contents._get(name)
            if value.ndim != 0 or value.dtype.kind not in "iufbU":
                contents.fail("%s must be a single value, got %s" % (name, _array_text(value)))
            meta[name] = value.item()
    for old, new in _RESIZE_PARAMS.items():
        if old not in meta:
            contents.fail("member %s is missing" % old)
    meta["params"] = {new: meta.pop(old) for old, new in _RESIZE_PARAMS.items()}
    return meta


def _patches(contents, version):
    if version == 1:
        contents.meta = _legacy_patches_meta(contents)
    width = contents.field("width", lambda v, n: _checks.integer(v, n, 1))
    count = contents.field("num_patches", lambda v, n: _checks.integer(v, n, 0),
                           optional=version == 1, default=None)
    seed = contents.field("seed", _seed, optional=version == 1)
    exact = contents.field("exact", _boolean, optional=version == 1, default=False)
    model, params = _model_params(contents, "base" if version == 1 else None)
    locations = contents.array("locations", "int", (None, 3))
    rows = len(locations)
    patches = contents.array("patches", "float", (rows, width, width), optional=version == 1)
    image_index = contents.array("image_index", "int", (rows,))
    image_paths = contents.paths("image_paths")
    realpaths = contents.paths("image_realpaths", len(image_paths), optional=version == 1)
    skipped_paths = contents.paths("skipped_paths", optional=version == 1) or []
    reasons = contents.paths("skipped_reasons", len(skipped_paths), optional=version == 1) or []
    if not isinstance(image_index, npz.RowSpool):
        contents.indices("image_index", image_index, len(image_paths), "image indices")
    if not isinstance(locations, npz.RowSpool) and rows and locations.min() < 0:
        contents.fail("locations must hold coordinates >= 0, got %d" % locations.min())
    if count is not None and (rows % count if count else rows):
        contents.fail("patches must be num_patches (%d) per image, got %d rows"
                      % (count, rows))
    return dict(glimpse_version=contents.meta.get("glimpse_version"), patches=patches,
                locations=locations, image_index=image_index, image_paths=image_paths,
                image_realpaths=realpaths, skipped=list(zip(skipped_paths, reasons)),
                seed=seed, num_patches=count, width=width, exact=exact, model=model,
                params=params)

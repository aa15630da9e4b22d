"""Prototypes files, and the prototypes of any file that holds them."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
from numpy.lib import format as npy_format

from ..util import _checks
from ._core import (
    FileFormatError, MAX_JSON_DEPTH, VERSION, _Archive, _Contents, _array_text, _check_arrays,
    _check_fit, _foreign, _is_io_error, _json_depth, _model_params, _open_regular,
    _prototype_arrays, _prototypes_part, _read_npy, _reading, _seed, _string, _write)
from ._experiment_file import _experiment_prototypes


@dataclasses.dataclass
class PrototypesFile:
    """The S2 prototypes of a file, with what made them.

    Attributes
    ----------
    path : str
    format : str
        "glimpse.prototypes" or "glimpse.experiment" (the file they came from), or
        "npy" (a bare array, see :func:`read_prototypes`).
    version : int
    glimpse_version : str or None
    prototypes : list of ndarray of float32
        One array (n, bands, k, k) per S2 kernel width.
    locations : list of ndarray of int64 or None
        Their imprint locations, rows of (image index, scale, y, x).
    image_paths : list of str or None
        The images the locations' indices refer to.
    model : str or None
        The model (registry name); None for bare prototypes.
    params : dict
        The model parameters recorded (checked to be known parameters with valid
        values); empty for bare prototypes.
    seed : int or None
    algorithm : str or None
        How they were made ("imprint", ...).
    """

    path: str
    format: str
    version: int
    glimpse_version: str | None
    prototypes: list
    locations: list | None
    image_paths: list | None
    model: str | None
    params: dict
    seed: int | None
    algorithm: str | None


def write_prototypes(path, prototypes, locations, image_paths, *, model, params, seed,
                     algorithm):
    """Write a prototypes file (what ``glimpse imprint`` makes), atomically.

    Parameters
    ----------
    path : str or os.PathLike
    prototypes : sequence of ndarray
        One float32 array (n, bands, k, k) per S2 kernel width.
    locations : sequence of ndarray or None
        Their imprint locations (rows of image index, scale, y, x), if known.
    image_paths : sequence of str
        The images the locations' indices refer to.
    model : str
        The model (registry name).
    params : dict
        Its parameters (``Params.AsDict()``).
    seed : int
    algorithm : str

    Raises
    ------
    ValueError
        If the arrays do not agree (the file would be refused when read); nothing is
        written then.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file holds the ``metadata`` record (``model``, ``params``, ``seed``,
    ``algorithm``, ``num_prototype_widths``) and the arrays ``prototypes_<i>``,
    ``prototype_locations_<i>`` (when known) and ``image_paths``.
    """
    meta = {"model": model, "params": dict(params), "seed": seed, "algorithm": algorithm,
            "num_prototype_widths": len(prototypes)}
    arrays = _prototype_arrays(prototypes, locations)
    arrays["image_paths"] = np.array([str(p) for p in image_paths], dtype=str)
    _check_arrays(path, meta, arrays, lambda c: _prototypes_file(c, VERSION))
    _write(path, "glimpse.prototypes", meta, arrays)


def _prototypes_file(contents, version):
    if version == 1:  # the record was spread over 0-d members
        meta = {}
        for name, kind in (("params", "U"), ("model", "U"), ("algorithm", "U"),
                           ("num_widths", "iu"), ("seed", "iu")):
            if name in contents:
                value = contents._get(name)
                if value.ndim != 0 or value.dtype.kind not in kind:
                    contents.fail("%s must be a single %s, got %s" % (
                        name, "string" if kind == "U" else "integer", _array_text(value)))
                meta[name] = value.item()
        text = meta.get("params", "")
        if _json_depth(text) > MAX_JSON_DEPTH:
            contents.fail("params nests lists or objects more than %d deep" % MAX_JSON_DEPTH)
        try:
            meta["params"] = json.loads(text)
        except (ValueError, RecursionError) as err:
            contents.fail("params is not JSON (%s)" % _foreign(err))
        meta["num_prototype_widths"] = meta.pop("num_widths")
        contents.meta = meta
        locations_name = "locations_%s"
    else:
        locations_name = "prototype_locations_%s"
    model, params = _model_params(contents, "ml" if version == 1 else None)
    seed = contents.field("seed", _seed, optional=version == 1)
    algorithm = contents.field("algorithm", _string, optional=True)
    count = contents.field("num_prototype_widths", lambda v, n: _checks.integer(v, n, 1))
    image_paths = contents.paths("image_paths", optional=version == 1)
    protos, locs = _prototypes_part(contents, count, locations_name,
                                    None if image_paths is None else len(image_paths))
    _check_fit(contents, model, params, protos)
    return dict(glimpse_version=contents.meta.get("glimpse_version"), prototypes=protos,
                locations=locs, image_paths=image_paths, model=model, params=params,
                seed=seed, algorithm=algorithm)


def read_prototypes(path, bare=False) -> PrototypesFile:
    """Read the S2 prototypes of a prototypes file or of a stored experiment.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``glimpse imprint`` (:func:`write_prototypes`) or a stored
        experiment (:func:`write_experiment`, ``glimpse evaluate -o``), of this or an
        older glimpse.
    bare : bool
        Also accept prototypes without a record (as ``glimpse show`` does): a ``.npy``
        file holding one array (n, bands, k, k), or an ``.npz`` of ``prototypes_0``,
        ``prototypes_1``, ... (or one ``prototypes``) and no metadata.

    Returns
    -------
    PrototypesFile

    Raises
    ------
    FileFormatError
        If the file holds no prototypes, is of another kind, or is damaged or
        inconsistent (this includes prototypes that do not fit the recorded model
        parameters, and parameters the model does not know).
    OSError
        If it cannot be opened.
    """
    path = os.fspath(path)
    if bare:
        found = _read_bare(path)
        if found is not None:
            return found
    with _reading(path, ["glimpse.prototypes", "glimpse.experiment"]) as (c, fmt, version):
        if fmt == "glimpse.prototypes":
            fields = _prototypes_file(c, version)
        else:
            fields = _experiment_prototypes(c)
        return PrototypesFile(path=path, format=fmt, version=version, **fields)


def _read_bare(path):
    """The prototypes of a file with no record, or None when it has one."""
    with _open_regular(path) as f:
        is_npy = f.read(6) == npy_format.MAGIC_PREFIX
        if is_npy:
            size = f.seek(0, os.SEEK_END)
            f.seek(0)
            try:
                arrays = {"prototypes": _read_npy(f, size, "the array",
                                                  lambda r: _fail(path, r))}
            except FileFormatError:
                raise
            except Exception as err:  # a header that is no Python literal, ...
                if _is_io_error(err):
                    raise
                raise FileFormatError(path, "damaged .npy file (%s)" % _foreign(err)) from None
    if is_npy:
        contents = _Contents(lambda r: _fail(path, r), {}, arrays.get, arrays)
    else:
        with _Archive(path) as archive:
            if "metadata" in archive or "num_widths" in archive:
                return None
            names = archive.names
            count = 0
            while "prototypes_%d" % count in names:
                count += 1
            keys = ["prototypes_%d" % i for i in range(count)] or (
                ["prototypes"] if "prototypes" in names else [])
            if not keys:
                archive.fail("it holds no prototypes (no prototypes_0 or prototypes member)")
            arrays = {k: archive.read(k) for k in keys}
            contents = _Contents(archive.fail, {}, arrays.get, arrays)
    if "prototypes" in arrays:
        arrays["prototypes_0"] = arrays.pop("prototypes")
        contents.names = set(arrays)
    protos, _ = _prototypes_part(contents, len(arrays), "prototype_locations_%s", None)
    return PrototypesFile(path=path, format="npy", version=VERSION, glimpse_version=None,
                          prototypes=protos, locations=None, image_paths=None, model=None,
                          params={}, seed=None, algorithm=None)


def _fail(path, reason):
    raise FileFormatError(path, reason)

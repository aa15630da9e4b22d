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

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import stat
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from .util import _checks, npz
from .util.fileio import atomic_write

__all__ = [
    "FileFormatError", "quote_path", "VERSION", "FORMATS",
    "PatchesFile", "write_patches", "read_patches",
    "PrototypesFile", "write_prototypes", "read_prototypes",
    "ExperimentFile", "EvaluationArrays", "write_experiment", "read_experiment",
    "FeaturesFile", "write_features", "read_features",
]

#: The version of every format's layout written by this glimpse; the readers read it and
#: version 1 (the layouts of glimpse 0.1.0).
VERSION = 2

#: The four formats, by the name their ``metadata`` record gives.
FORMATS = ("glimpse.patches", "glimpse.prototypes", "glimpse.experiment", "glimpse.features")

#: The deepest nesting of lists and objects the JSON record may have.
MAX_JSON_DEPTH = 32

# The experiment format of glimpse 0.1.0 called itself so.
_LEGACY_EXPERIMENT = "glimpse-experiment"

# The most a deflated zip member can expand (deflate's limit is 1032:1).
_MAX_DEFLATE_RATIO = 1100

_INT64_MAX = 2**63 - 1


def quote_path(path) -> str:
    """`path` as it is shown in a message: as it is, or quoted and escaped when needed.

    Parameters
    ----------
    path : str, bytes or os.PathLike

    Returns
    -------
    str
        The path itself when it is printable (no newline, tab or other control
        character, no undecodable byte); else its ``repr``, which escapes those, so
        that a message naming it stays on one line.

    Examples
    --------
    >>> quote_path("images/a.png")
    'images/a.png'
    >>> print(quote_path("bad\\nname.png"))
    'bad\\nname.png'
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    return text if text.isprintable() else repr(text)


class FileFormatError(ValueError):
    """A file that is not what glimpse wrote: damaged, edited, or of another kind.

    The message is one line: ``cannot read PATH: REASON``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    reason : str
        What is wrong with it (one line).

    Attributes
    ----------
    path : str
        The file, as given.
    reason : str
        What is wrong with it.
    """

    def __init__(self, path, reason):
        self.path = os.fspath(path)
        self.reason = " ".join(str(reason).split())
        super().__init__("cannot read %s: %s" % (quote_path(self.path), self.reason))

    def __reduce__(self):
        return type(self), (self.path, self.reason)


def _is_io_error(err):
    """Whether `err` is the system's failure to read (kept), not a sign of a damaged file."""
    return isinstance(err, OSError) and err.errno is not None


def _foreign(err):
    """The message of an exception raised by zipfile, zlib or numpy, on one line."""
    return " ".join(str(err).split()) or type(err).__name__


# ---------------------------------------------------------------------------------------------
# the archive


def _open_regular(path):
    """`path` open for reading in binary, refused (FileFormatError) if not a regular file.

    It is opened without blocking, so that a FIFO is refused rather than waited on.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise FileFormatError(path, "it is %s" % what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _Archive:
    """An ``.npz`` file open for reading; each member is read and checked on request."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._file = self._open()
        try:
            self._zip, self._infos = self._members()
        except BaseException:
            self._file.close()
            raise

    def fail(self, reason):
        raise FileFormatError(self.path, reason)

    def _open(self):
        return _open_regular(self.path)

    def _members(self):
        start = self._file.read(6)
        if start == npy_format.MAGIC_PREFIX:
            self.fail("it is a .npy file (one array), not an .npz archive")
        if not start.startswith(b"PK"):
            self.fail("it is not an .npz archive (no zip signature)")
        self._file.seek(0, os.SEEK_END)
        self.size = self._file.tell()
        self._file.seek(0)
        try:
            archive = zipfile.ZipFile(self._file)
        except Exception as err:  # zipfile's errors, and struct's on damaged records
            if _is_io_error(err):
                raise
            self.fail("damaged zip archive (%s)" % _foreign(err))
        infos = {}
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            if name in infos:
                self.fail("member %s appears twice" % _checks.show(name))
            infos[name] = info
        return archive, infos

    def close(self):
        self._zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def names(self):
        return set(self._infos)

    def __contains__(self, name):
        return name in self._infos

    def read(self, name):
        """The array `name`, after checking its header against what the member holds."""
        if name not in self._infos:
            self.fail("member %s is missing" % name)
        info = self._infos[name]
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            self.fail("member %s is compressed by method %d; glimpse reads stored and "
                      "deflated members" % (name, info.compress_type))
        if info.compress_size > self.size or (
                info.compress_type == zipfile.ZIP_STORED
                and info.file_size != info.compress_size) or (
                info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024):
            self.fail("member %s declares %d bytes, more than the file holds"
                      % (name, info.file_size))
        try:
            with self._zip.open(info) as member:
                return _read_npy(member, info.file_size, name, self._fail_member)
        except FileFormatError:
            raise
        except Exception as err:  # zipfile, zlib, a .npy header that is no Python literal
            if _is_io_error(err):
                raise
            self.fail("member %s is damaged (%s)" % (name, _foreign(err)))

    def _fail_member(self, reason):
        self.fail("member " + reason)

    # ---- the metadata record --------------------------------------------------------------

    def metadata(self):
        """The JSON ``metadata`` member as a dict, or None when there is none."""
        if "metadata" not in self:
            return None
        raw = self.read("metadata")
        if raw.ndim != 0 or raw.dtype.kind not in "US":
            self.fail("metadata must be one string, got %s" % _array_text(raw))
        text = str(raw) if raw.dtype.kind == "U" else bytes(raw).decode("utf-8", "replace")
        depth = _json_depth(text)
        if depth > MAX_JSON_DEPTH:
            self.fail("metadata nests lists or objects %d deep, more than %d"
                      % (depth, MAX_JSON_DEPTH))
        try:
            meta = json.loads(text)
        except (ValueError, RecursionError) as err:
            self.fail("metadata is not JSON (%s)" % _foreign(err))
        if not isinstance(meta, dict):
            self.fail("metadata must be a JSON object, got %s" % _json_type(meta))
        return meta


def _read_npy(stream, size, name, fail):
    """The array of the ``.npy`` bytes of `stream` (`size` bytes in all), checked.

    The header is checked against the bytes there are before anything is allocated.
    """
    version = npy_format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
    else:
        fail("%s is a .npy of version %d.%d; glimpse reads 1.0 and 2.0"
             % ((name,) + tuple(version)))
    if dtype.hasobject:
        fail("%s holds Python objects" % name)
    if any(n < 0 for n in shape):
        fail("%s declares the shape %r" % (name, shape))
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    held = size - stream.tell()
    if nbytes != held:
        fail("%s declares the shape %s of %s (%d bytes) but holds %d bytes"
             % (name, _shape_text(shape), dtype, nbytes, held))
    if nbytes > _checks.MEMORY_LIMIT:
        fail("%s needs %d bytes, more than this machine's memory" % (name, nbytes))
    array = np.empty(count, dtype)
    data = memoryview(array.view(np.uint8).reshape(-1)) if nbytes else memoryview(b"")
    done = 0
    while done < nbytes:
        got = stream.readinto(data[done:done + npz.CHUNK_BYTES])
        if not got:
            fail("%s ends %d bytes early" % (name, nbytes - done))
        done += got
    stream.read(1)  # the end of a zip member: zipfile checks its CRC
    if fortran:
        return array.reshape(shape[::-1]).T
    return array.reshape(shape)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_depth(text):
    """The deepest nesting of brackets and braces outside the strings of `text`."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _json_type(value):
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _shape_text(shape):
    if len(shape) == 1:
        return "(%s,)" % (shape[0],)
    return "(%s)" % ", ".join(str(n) for n in shape)


def _array_text(value):
    return "%s of shape %s" % (value.dtype, _shape_text(value.shape))


# ---------------------------------------------------------------------------------------------
# checking what a file holds (when read) or is about to hold (when written)

_KINDS = {"int": ("iu", "an integer"), "float": ("f", "a floating-point"),
          "bool": ("b", "a bool"), "str": ("U", "a string"), "real": ("iuf", "a real")}


class _Contents:
    """A file's metadata and arrays, checked field by field; `fail` raises the error."""

    def __init__(self, fail, meta, get, names):
        self.fail = fail
        self.meta = meta
        self._get = get
        self.names = set(names)

    def __contains__(self, name):
        return name in self.names

    def array(self, name, kind, shape=None, optional=False):
        """The member `name`: dtype kind `kind`, `shape` (None entries: any size).

        Integers come back as int64, booleans as bool; None when `optional` and absent.
        """
        if name not in self.names:
            if optional:
                return None
            self.fail("member %s is missing" % name)
        value = self._get(name)
        kinds, text = _KINDS[kind]
        ok = value.dtype.kind in kinds and not (
            shape is not None and (len(value.shape) != len(shape) or any(
                want is not None and got != want for got, want in zip(value.shape, shape))))
        if not ok:
            want = "" if shape is None else " of shape %s" % _shape_text(
                tuple("*" if n is None else n for n in shape))
            self.fail("%s must be %s array%s, got %s" % (name, text, want, _array_text(value)))
        if isinstance(value, npz.RowSpool):
            return value
        if kind == "int":
            if value.dtype.kind == "u" and value.size and value.max() > _INT64_MAX:
                self.fail("%s must hold integers below 2**63, got %d" % (name, value.max()))
            return value.astype(np.int64, copy=False)
        if value.dtype.byteorder not in "=|" and value.dtype.itemsize > 1:
            return value.astype(value.dtype.newbyteorder("="))
        return value

    def paths(self, name, length=None, optional=False):
        """The string member `name` as a list of str (of `length` entries if given)."""
        value = self.array(name, "str", (length,), optional)
        return None if value is None else [str(p) for p in value]

    def indices(self, name, values, limit, what):
        """Check that the integers `values` of `name` lie in [0, limit)."""
        if len(values) and (values.min() < 0 or values.max() >= limit):
            bad = values[(values < 0) | (values >= limit)][0]
            self.fail("%s must hold %s in [0, %d), got %d" % (name, what, limit, bad))

    def field(self, name, check, optional=False, default=None):
        """The metadata field `name`, through `check(value, name)` (a _checks function)."""
        if name not in self.meta:
            if optional:
                return default
            self.fail("metadata has no %s" % name)
        value = self.meta[name]
        if value is None and optional:
            return default
        with self.checking("metadata"):
            return check(value, name)

    @contextlib.contextmanager
    def checking(self, where):
        """Turn the TypeError or ValueError of a check into the file's error."""
        try:
            yield
        except (TypeError, ValueError, OverflowError) as err:
            if isinstance(err, FileFormatError):
                raise
            self.fail("%s: %s" % (where, _foreign(err)))


def _string(value, name):
    if not isinstance(value, str):
        raise TypeError("%s must be a string, got %s" % (name, _checks.show(value)))
    return value


def _boolean(value, name):
    if not isinstance(value, bool):
        raise TypeError("%s must be true or false, got %s" % (name, _checks.show(value)))
    return value


def _seed(value, name):
    return _checks.integer(value, name, 0, _INT64_MAX)


def _count(value, name):
    return _checks.integer(value, name, 0)


def _number(value, name):
    return _checks.real(value, name)


def _strings(value, name):
    if not isinstance(value, list):
        raise TypeError("%s must be a list of strings, got %s" % (name, _json_type(value)))
    for i, item in enumerate(value):
        _string(item, "%s[%d]" % (name, i))
    return list(value)


def _object(value, name):
    if not isinstance(value, dict):
        raise TypeError("%s must be a JSON object, got %s" % (name, _json_type(value)))
    return value


def _model_params(contents, default_model):
    """The ``model`` and ``params`` fields, checked against the model's parameters."""
    from . import models

    model = contents.field("model", _string, optional=default_model is not None,
                           default=default_model)
    params = contents.field("params", _object)
    with contents.checking("metadata"):
        models.GetModelClass(model).ParamClass(**params)
    return model, params


def _check_arrays(path, meta, arrays, check):
    """Run `check` on what is about to be written to `path`; ValueError when it fails."""
    def fail(reason):
        raise ValueError("cannot write %s: %s" % (quote_path(path), reason))

    def get(name):
        value = arrays[name]
        return value if isinstance(value, npz.RowSpool) else np.asarray(value)
    return check(_Contents(fail, dict(meta), get, arrays))


def _write(path, format, meta, arrays):
    """Write `arrays` and the metadata record of `format` to `path`, atomically."""
    from . import __version__

    record = {"format": format, "version": VERSION, "glimpse_version": __version__}
    record.update(meta)
    out = {"metadata": np.array(json.dumps(record))}
    out.update(arrays)
    with atomic_write(path) as f:
        npz.savez(f, **out)


@contextlib.contextmanager
def _reading(path, formats):
    """Open `path` and give its contents, checked to be one of `formats`.

    Yields (contents, format, version): the format is one of `formats` (the record's,
    or that of a layout of glimpse 0.1.0, recognised by its members), the version 1 or
    :data:`VERSION`.
    """
    with _Archive(path) as archive:
        cache = {}

        def get(name):
            if name not in cache:
                cache[name] = archive.read(name)
            return cache[name]

        meta = archive.metadata()
        format, version = _identify(archive, meta)
        if format not in formats:
            archive.fail("it is a %s file, not %s" % (
                format, " or ".join("a %s file" % f for f in formats)))
        yield _Contents(archive.fail, meta or {}, get, archive.names), format, version


def _identify(archive, meta):
    if meta is None:  # the layouts of glimpse 0.1.0 that had no record
        names = archive.names
        if {"num_widths", "params", "prototypes_0"} <= names:
            return "glimpse.prototypes", 1
        if {"locations", "image_index", "width"} <= names:
            return "glimpse.patches", 1
        if {"features", "kept", "image_paths"} <= names:
            return "glimpse.features", 1
        archive.fail("it has no metadata record and is no file of glimpse 0.1.0 either "
                     "(members: %s)" % ", ".join(sorted(names)[:10]) if names
                     else "it holds no arrays")
    format, version = meta.get("format"), meta.get("version")
    if format == _LEGACY_EXPERIMENT:
        format, want = "glimpse.experiment", 1
    else:
        want = VERSION
    if format not in FORMATS:
        archive.fail("metadata format must be one of %s, got %s"
                     % (", ".join(FORMATS), _checks.show(format)))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        archive.fail("metadata version must be an integer >= 1, got %s" % _checks.show(version))
    if version > VERSION:
        archive.fail("%s version %d was written by a newer glimpse; this glimpse reads up to "
                     "version %d" % (format, version, VERSION))
    if version != want:
        archive.fail("%s version %d is not a layout this glimpse wrote" % (format, version))
    return format, version


# ---------------------------------------------------------------------------------------------
# prototypes (a part of prototypes files and experiment files)


def _prototypes_part(contents, count, locations_name, image_count):
    """The prototypes and their locations, one per S2 kernel width."""
    protos, locs = [], []
    bands = None
    for i in range(count):
        name = "prototypes_%d" % i
        p = contents.array(name, "real", (None, bands, None, None))
        if not isinstance(p, npz.RowSpool):
            if p.shape[0] == 0 or p.shape[2] == 0 or p.shape[2] != p.shape[3]:
                contents.fail("%s must be a non-empty array (n, bands, k, k), got shape %s"
                              % (name, _shape_text(p.shape)))
            with contents.checking("prototypes"):
                p = _checks.float32_array(p, name, 4)
        bands = p.shape[1]
        protos.append(p)
    present = [i for i in range(count) if locations_name % i in contents]
    if present and len(present) != count:
        contents.fail("%s holds %d of the %d location arrays"
                      % (locations_name % "<i>", len(present), count))
    if present:
        for i, p in enumerate(protos):
            name = locations_name % i
            loc = contents.array(name, "int", (len(p), 4))
            if len(loc) and loc.min() < 0:
                contents.fail("%s must hold indices and coordinates >= 0, got %d"
                              % (name, loc.min()))
            if image_count is not None:
                contents.indices(name, loc[:, 0], image_count, "image indices")
            locs.append(loc)
    for extra in (("prototypes_%d" % count), (locations_name % count)):
        if extra in contents:
            contents.fail("%s is present but num_prototype_widths is %d" % (extra, count))
    return protos, (locs if present else None)


def _check_fit(contents, model, params, protos):
    """The prototypes must be kernels of the model the parameters make."""
    if not protos:
        return
    from . import models

    with contents.checking("the prototypes do not fit the model parameters"):
        instance = models.MakeModel(model, models.MakeParams(model, **params))
        if hasattr(type(instance), "s2_kernels"):
            instance.s2_kernels = protos


# ---------------------------------------------------------------------------------------------
# patches


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
    count = contents.field("num_patches", lambda v, n: _checks.integer(v, n, 1),
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
    if count is not None and rows % count:
        contents.fail("patches must be num_patches (%d) per image, got %d rows"
                      % (count, rows))
    return dict(glimpse_version=contents.meta.get("glimpse_version"), patches=patches,
                locations=locations, image_index=image_index, image_paths=image_paths,
                image_realpaths=realpaths, skipped=list(zip(skipped_paths, reasons)),
                seed=seed, num_patches=count, width=width, exact=exact, model=model,
                params=params)


# ---------------------------------------------------------------------------------------------
# prototypes files and the prototypes of experiment files


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


def _prototype_arrays(prototypes, locations):
    arrays = {}
    for i, p in enumerate(prototypes):
        arrays["prototypes_%d" % i] = np.asarray(p)
        if locations is not None:
            arrays["prototype_locations_%d" % i] = np.asarray(locations[i])
    return arrays


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


# ---------------------------------------------------------------------------------------------
# experiments


@dataclasses.dataclass
class EvaluationArrays:
    """One stored evaluation: its record and arrays (see :class:`glimpse.experiment.Evaluation`)."""

    kind: str
    learner: str
    metric: str
    score: float
    accuracy: float
    auc: float | None
    num_folds: int | None
    test_indices: np.ndarray
    predictions: np.ndarray
    fold_scores: np.ndarray | None


@dataclasses.dataclass
class ExperimentFile:
    """What a stored experiment holds (see :class:`glimpse.experiment.Experiment`).

    Attributes
    ----------
    path : str
    version : int
    glimpse_version : str or None
    model : str
    params : dict
    seed : int
    paths : list of str or None
        The corpus (None: the experiment had none).
    labels : ndarray of int64 or None
    class_names : list of str or None
    corpus_train : ndarray of bool or None
        The corpus's fixed split.
    train_mask : ndarray of bool or None
    features : ndarray of float32 or None
        One row per corpus image.
    layers : list of str or None
    prototypes : list of ndarray of float32 or None
    prototype_locations : list of ndarray of int64 or None
    prototype_algorithm : str or None
    skipped : list of (str, str)
    timing : dict of str to float
    evaluations : list of EvaluationArrays
    """

    path: str
    version: int
    glimpse_version: str | None
    model: str
    params: dict
    seed: int
    paths: list | None = None
    labels: np.ndarray | None = None
    class_names: list | None = None
    corpus_train: np.ndarray | None = None
    train_mask: np.ndarray | None = None
    features: np.ndarray | None = None
    layers: list | None = None
    prototypes: list | None = None
    prototype_locations: list | None = None
    prototype_algorithm: str | None = None
    skipped: list = dataclasses.field(default_factory=list)
    timing: dict = dataclasses.field(default_factory=dict)
    evaluations: list = dataclasses.field(default_factory=list)


_EVALUATION_KINDS = ("train_test", "cross_validation")
_METRICS = ("accuracy", "auc")


def write_experiment(path, record):
    """Write a stored experiment, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    record : ExperimentFile
        What to store (its `path`, `version` and `glimpse_version` are not used).

    Raises
    ------
    ValueError
        If the record does not agree with itself (the file would be refused when
        read); nothing is written then.
    OSError
        If writing fails; a previous file at `path` is kept.

    Notes
    -----
    The file holds:

    - ``metadata``: the record, with ``model``, ``params``, ``seed``, ``class_names``,
      ``layers``, ``prototype_algorithm``, ``num_prototype_widths``, ``skipped`` (pairs of
      path and reason), ``timing`` and ``evaluations`` (kind, learner, metric, score,
      accuracy, auc, num_folds of each);
    - ``paths`` (str), ``labels`` (int64), ``train_mask`` (bool; absent before the split),
      ``corpus_train`` (bool; for a corpus with a fixed split), ``features`` (float32, one
      row per image);
    - ``prototypes_<i>`` (float32) and ``prototype_locations_<i>`` (int64: image index,
      scale, y, x) for the i-th S2 kernel width;
    - ``evaluation_<j>_test_indices``, ``evaluation_<j>_predictions`` (int64) and
      ``evaluation_<j>_fold_scores`` (cross-validation) for the j-th evaluation.
    """
    r = record
    meta = {
        "model": r.model, "params": dict(r.params), "seed": r.seed,
        "class_names": None if r.class_names is None else list(r.class_names),
        "layers": None if r.layers is None else list(r.layers),
        "prototype_algorithm": r.prototype_algorithm,
        "num_prototype_widths": len(r.prototypes or []),
        "skipped": [list(s) for s in r.skipped], "timing": dict(r.timing),
        "evaluations": [{"kind": e.kind, "learner": e.learner, "metric": e.metric,
                         "score": e.score, "accuracy": e.accuracy, "auc": e.auc,
                         "num_folds": e.num_folds} for e in r.evaluations],
    }
    arrays = {}
    if r.paths is not None:
        arrays["paths"] = np.array([str(p) for p in r.paths], dtype=str)
        arrays["labels"] = np.asarray(r.labels)
        if r.corpus_train is not None:
            arrays["corpus_train"] = np.asarray(r.corpus_train)
    for name in ("train_mask", "features"):
        if getattr(r, name) is not None:
            arrays[name] = np.asarray(getattr(r, name))
    arrays.update(_prototype_arrays(r.prototypes or [], r.prototype_locations))
    for j, e in enumerate(r.evaluations):
        arrays["evaluation_%d_test_indices" % j] = np.asarray(e.test_indices)
        arrays["evaluation_%d_predictions" % j] = np.asarray(e.predictions)
        if e.fold_scores is not None:
            arrays["evaluation_%d_fold_scores" % j] = np.asarray(e.fold_scores)
    _check_arrays(path, meta, arrays, _experiment)
    _write(path, "glimpse.experiment", meta, arrays)


def read_experiment(path) -> ExperimentFile:
    """Read a stored experiment (of this or an older glimpse), checking all of it.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ExperimentFile

    Raises
    ------
    FileFormatError
        If the file is not a stored experiment, or is damaged or inconsistent: a
        missing record field or array, a field or array of the wrong type, dtype or
        shape, counts that disagree (labels, train_mask, features and paths; prototype
        widths and members; evaluations and their arrays), indices out of range, or
        prototypes that do not fit the recorded model.
    OSError
        If it cannot be opened.
    """
    with _reading(path, ["glimpse.experiment"]) as (contents, _, version):
        fields = _experiment(contents)
        return ExperimentFile(path=os.fspath(path), version=version, **fields)


def _experiment_head(contents):
    model, params = _model_params(contents, None)
    seed = contents.field("seed", _seed)
    return model, params, seed


def _corpus_part(contents):
    paths = contents.paths("paths", optional=True)
    skipped = contents.field("skipped", _pairs, optional=True, default=[])
    if paths is None:
        for name in ("labels", "corpus_train", "train_mask", "features"):
            if name in contents:
                contents.fail("%s is present but paths (the corpus) is missing" % name)
        return None, skipped
    return paths, skipped


def _pairs(value, name):
    if not isinstance(value, list):
        raise TypeError("%s must be a list of [path, reason] pairs, got %s"
                        % (name, _json_type(value)))
    for i, item in enumerate(value):
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(x, str) for x in item)):
            raise TypeError("%s[%d] must be a [path, reason] pair of strings, got %s"
                            % (name, i, _checks.show(item)))
    return [tuple(item) for item in value]


def _timing(value, name):
    _object(value, name)
    for key, seconds in value.items():
        _checks.real(seconds, "%s[%r]" % (name, key))
    return dict(value)


def _experiment_prototypes(contents):
    """The prototypes of a stored experiment, checked with what they depend on."""
    model, params, seed = _experiment_head(contents)
    paths, skipped = _corpus_part(contents)
    count = contents.field("num_prototype_widths", _count, optional=True, default=0)
    if count == 0:
        contents.fail("the experiment holds no prototypes")
    protos, locs = _prototypes_part(contents, count, "prototype_locations_%s",
                                    None if paths is None else len(paths) + len(skipped))
    _check_fit(contents, model, params, protos)
    return dict(glimpse_version=contents.meta.get("glimpse_version"), prototypes=protos,
                locations=locs, image_paths=paths, model=model, params=params, seed=seed,
                algorithm=contents.field("prototype_algorithm", _string, optional=True))


def _experiment(contents):
    model, params, seed = _experiment_head(contents)
    paths, skipped = _corpus_part(contents)
    out = dict(glimpse_version=contents.meta.get("glimpse_version"), model=model,
               params=params, seed=seed, paths=paths, skipped=skipped)
    n = None if paths is None else len(paths)
    if paths is not None:
        class_names = contents.field("class_names", _strings)
        if len(set(class_names)) != len(class_names):
            contents.fail("metadata: class_names must be distinct, got %s"
                          % _checks.show(class_names))
        labels = contents.array("labels", "int", (n,))
        contents.indices("labels", labels, len(class_names), "class indices")
        out.update(class_names=class_names, labels=labels,
                   corpus_train=contents.array("corpus_train", "bool", (n,), optional=True),
                   train_mask=contents.array("train_mask", "bool", (n,), optional=True),
                   features=_float32(contents.array("features", "float", (n, None),
                                                    optional=True)))
    out["layers"] = contents.field("layers", _strings, optional=True)
    out["prototype_algorithm"] = contents.field("prototype_algorithm", _string, optional=True)
    out["timing"] = contents.field("timing", _timing, optional=True, default={})
    count = contents.field("num_prototype_widths", _count, optional=True, default=0)
    protos, locs = _prototypes_part(contents, count, "prototype_locations_%s",
                                    None if n is None else n + len(skipped))
    _check_fit(contents, model, params, protos)
    out.update(prototypes=protos or None, prototype_locations=locs)
    evaluations = contents.field("evaluations", _evaluation_records, optional=True,
                                 default=[])
    if evaluations and paths is None:
        contents.fail("evaluations are present but paths (the corpus) is missing")
    out["evaluations"] = [_evaluation(contents, j, e, n) for j, e in enumerate(evaluations)]
    extra = "evaluation_%d_test_indices" % len(evaluations)
    if extra in contents:
        contents.fail("%s is present but the metadata lists %d evaluations"
                      % (extra, len(evaluations)))
    return out


def _float32(array):
    return None if array is None else array.astype(np.float32, copy=False)


def _evaluation_records(value, name):
    if not isinstance(value, list):
        raise TypeError("%s must be a list, got %s" % (name, _json_type(value)))
    for j, e in enumerate(value):
        where = "%s[%d]" % (name, j)
        _object(e, where)
        if e.get("kind") not in _EVALUATION_KINDS or e.get("metric") not in _METRICS:
            raise ValueError("%s must have kind in %s and metric in %s, got %s and %s"
                             % (where, _EVALUATION_KINDS, _METRICS,
                                _checks.show(e.get("kind")), _checks.show(e.get("metric"))))
        _string(e.get("learner"), where + ".learner")
        for key in ("score", "accuracy"):
            _checks.real(e.get(key), "%s.%s" % (where, key))
        if e.get("auc") is not None:
            _checks.real(e["auc"], where + ".auc")
        if e.get("num_folds") is not None:
            _checks.integer(e["num_folds"], where + ".num_folds", 2)
    return value


def _evaluation(contents, j, e, n):
    name = "evaluation_%d_" % j
    test = contents.array(name + "test_indices", "int", (None,))
    contents.indices(name + "test_indices", test, n, "image indices")
    predictions = contents.array(name + "predictions", "int", (len(test),))
    contents.indices(name + "predictions", predictions, len(contents.meta["class_names"]),
                     "class indices")
    folds = e.get("num_folds")
    fold_scores = contents.array(name + "fold_scores", "real", (folds,),
                                 optional=e["kind"] == "train_test")
    if fold_scores is not None:
        fold_scores = fold_scores.astype(np.float64)
    return EvaluationArrays(
        kind=e["kind"], learner=e["learner"], metric=e["metric"], score=float(e["score"]),
        accuracy=float(e["accuracy"]), auc=None if e.get("auc") is None else float(e["auc"]),
        num_folds=folds, test_indices=test, predictions=predictions, fold_scores=fold_scores)


# ---------------------------------------------------------------------------------------------
# features


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

"""The archive, the metadata record and the checks every format of :mod:`glimpse.files` shares."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from ..util import _checks, npz
from ..util.fileio import atomic_write, quote_path

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
    from .. import models

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
    from .. import __version__

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
    from .. import models

    with contents.checking("the prototypes do not fit the model parameters"):
        instance = models.MakeModel(model, models.MakeParams(model, **params))
        if hasattr(type(instance), "s2_kernels"):
            instance.s2_kernels = protos


def _prototype_arrays(prototypes, locations):
    arrays = {}
    for i, p in enumerate(prototypes):
        arrays["prototypes_%d" % i] = np.asarray(p)
        if locations is not None:
            arrays["prototype_locations_%d" % i] = np.asarray(locations[i])
    return arrays

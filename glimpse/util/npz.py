"""Writing ``.npz`` files without copying the arrays.

:func:`savez` writes the same file as ``numpy.savez`` (an uncompressed zip of ``.npy``
members, read by ``numpy.load``), but streams each array's bytes into the zip from the
array's own memory, in slices of at most :data:`CHUNK_BYTES`. ``numpy.savez`` copies
each array to ``bytes`` in 16 MB pieces when the file is not a real file (a zip
member never is), which adds up to 16 MB to the peak memory of a program that saves
a large array.

An array built row by row (the patches of a corpus) need not be held in memory at all:
a :class:`RowSpool` keeps the rows in an anonymous temporary file as they come, and
:func:`savez` copies them from there into the zip.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from typing import IO

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["savez", "RowSpool", "CHUNK_BYTES"]

#: The largest slice of an array written at a time (and copied, for an array that is
#: neither C- nor Fortran-contiguous).
CHUNK_BYTES = 2**18


def _header(info):
    """The ``.npy`` header for `info` in the oldest format that holds it, or None.

    `info` is a dict of ``descr``, ``fortran_order`` and ``shape``, as
    ``numpy.lib.format.header_data_from_array_1_0`` gives.
    """
    for write in (npy_format.write_array_header_1_0, npy_format.write_array_header_2_0):
        out = io.BytesIO()
        try:
            write(out, info)
        except UnicodeEncodeError:  # field names beyond latin-1: only numpy's format 3.0
            return None
        except ValueError:  # a header too long for format 1.0
            continue
        return out.getvalue()
    return None


def _slices(array):
    """The bytes of `array` in the order its header says, as memoryviews or small copies."""
    if array.size == 0 or array.itemsize == 0:
        return
    if array.flags.c_contiguous or array.flags.f_contiguous:
        # A Fortran-ordered array is written in Fortran order (its header says so),
        # which is its transpose in C order: either way, its memory as it lies.
        flat = (array if array.flags.c_contiguous else array.T).reshape(-1)
        data = memoryview(flat.view(np.uint8))
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start:start + CHUNK_BYTES]
        return
    rows = max(CHUNK_BYTES // array.itemsize, 1)
    for chunk in np.nditer(array, flags=["external_loop", "buffered", "zerosize_ok"],
                           buffersize=rows, order="C"):
        yield memoryview(np.ascontiguousarray(chunk).view(np.uint8))


class RowSpool:
    """The rows of one array, kept in an anonymous temporary file until written.

    Append blocks of rows as they are computed; pass the spool to :func:`savez` as
    one of its arrays, and the rows are copied from the file into the ``.npz`` in
    slices of :data:`CHUNK_BYTES`: the array is never in memory as a whole.

    Parameters
    ----------
    row_shape : tuple of int
        The shape of one row (the array is ``(len(spool),) + row_shape``).
    dtype : data-type
        The array's dtype; not one holding Python objects.
    directory : str, optional
        Where the temporary file is made. Default: the system's temporary directory.
        Pass the directory of the output file: the rows then take space on the disk the
        output goes to (a temporary directory may be held in memory). While the output
        is written the rows are there twice, in the spool and in the output.
    name : str, optional
        The file an OSError names instead of the temporary file (which has no name
        a user knows of), for example the output the rows are for. Default: the
        error is left as it is.

    Raises
    ------
    ValueError
        If `dtype` holds Python objects, or `row_shape` has a negative size.
    OSError
        If the temporary file cannot be made.

    Notes
    -----
    The temporary file has no name from the start (it is removed as it is made), so
    nothing is left behind whatever happens; its space is freed by :meth:`close`
    (or the end of a ``with`` block, or of the process).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.npz")
    >>> with RowSpool((2,), np.int16) as rows:
    ...     rows.append(np.array([[1, 2], [3, 4]], np.int16))
    ...     rows.append(np.array([[5, 6]], np.int16))
    ...     savez(path, rows=rows)
    >>> np.load(path)["rows"].tolist()
    [[1, 2], [3, 4], [5, 6]]
    """

    def __init__(self, row_shape, dtype, directory=None, name=None):
        self.dtype = np.dtype(dtype)
        if self.dtype.hasobject:
            raise ValueError("dtype must hold numbers, strings or bytes, not Python objects, "
                             "got %s" % self.dtype)
        self.row_shape = tuple(int(n) for n in row_shape)
        if any(n < 0 for n in self.row_shape):
            raise ValueError("row_shape must hold sizes >= 0, got %r" % (row_shape,))
        self.name = name
        self._rows = 0
        self._row_bytes = int(np.prod(self.row_shape, dtype=np.int64)) * self.dtype.itemsize
        try:
            self._file = tempfile.TemporaryFile(dir=directory)
        except OSError as err:
            raise self._named(err)

    def _named(self, err):
        if self.name is not None:
            err.filename = self.name
        return err

    @property
    def shape(self):
        """The shape of the array the rows make: ``(len(self),) + row_shape``."""
        return (self._rows,) + self.row_shape

    def __len__(self):
        return self._rows

    def append(self, rows):
        """Add rows at the end.

        Parameters
        ----------
        rows : ndarray
            Of shape ``(k,) + row_shape`` and the spool's dtype; any layout.

        Raises
        ------
        ValueError
            If the shape or dtype differ from the spool's.
        OSError
            If the file cannot be written (a full disk): the rows are then not
            added.
        """
        rows = np.asarray(rows)
        if rows.ndim == 0 or rows.dtype != self.dtype or rows.shape[1:] != self.row_shape:
            raise ValueError("rows must be an array (k,) + %r of %s, got %r of %s"
                             % (self.row_shape, self.dtype, rows.shape, rows.dtype))
        data = np.ascontiguousarray(rows).reshape(-1).view(np.uint8)
        try:
            if len(data):
                self._file.seek(self._rows * self._row_bytes)
                self._file.write(memoryview(data))
        except OSError as err:
            self._file.seek(self._rows * self._row_bytes)
            raise self._named(err)
        self._rows += len(rows)

    def _slices(self):
        """The bytes of the rows, in reused slices of at most :data:`CHUNK_BYTES`."""
        self._file.flush()
        self._file.seek(0)
        left = self._rows * self._row_bytes
        buffer = memoryview(bytearray(min(CHUNK_BYTES, left)))
        while left:
            got = self._file.readinto(buffer[:min(len(buffer), left)])
            if not got:
                raise OSError("the temporary file of %s ended %d bytes early"
                              % (self.name or "an array", left))
            yield buffer[:got]
            left -= got

    def _read(self):
        """The rows as one array in memory."""
        self._file.flush()
        self._file.seek(0)
        count = self._rows * self._row_bytes // max(self.dtype.itemsize, 1)
        return np.fromfile(self._file, self.dtype, count).reshape(self.shape)

    def close(self):
        """Delete the rows (free the file's space)."""
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def savez(file: str | os.PathLike[str] | IO[bytes], **arrays) -> None:
    """Write arrays to an uncompressed ``.npz`` file, streaming their bytes.

    Parameters
    ----------
    file : str, os.PathLike or file object
        The file to write: a path (used exactly as given, no ``.npz`` is appended)
        or a binary file open for writing (seekable, as
        :func:`glimpse.util.fileio.atomic_write` gives).
    **arrays
        The arrays by name, in the order they are stored. Each value is a
        :class:`RowSpool`, or goes through ``numpy.asarray`` (a scalar or a string
        gives a 0-d array).

    Raises
    ------
    ValueError
        If an array holds Python objects (object dtype, or a structured dtype with
        an object field), or has a user-defined dtype: those need pickles, which
        glimpse neither writes nor reads. Nothing is written in that case.
    OSError
        If writing fails. With a path, a partly written file is left; write through
        :func:`~glimpse.util.fileio.atomic_write` to keep the previous file instead.

    Notes
    -----
    The file is what ``numpy.savez(file, **arrays)`` writes: the same member
    names (NAME.npy), the same ``.npy`` headers (format 1.0; 2.0 for long
    headers; 3.0, written by numpy itself, for field names beyond latin-1), the same
    bytes, zip64 records, no compression. ``numpy.load`` gives
    back the same keys, dtypes, shapes and values; an array that is Fortran- but
    not C-contiguous is stored in Fortran order, as numpy does. An array that is
    C- or Fortran-contiguous is written from its own memory, in slices of
    :data:`CHUNK_BYTES` (zipfile computes the CRC of each slice and writes it
    without a copy); any other array is copied one slice at a time.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> savez(path, x=np.arange(3), name=np.array("abc"))
    >>> with np.load(path) as data:
    ...     data["x"].tolist(), str(data["name"])
    ([0, 1, 2], 'abc')
    """
    values = {}
    for name, value in arrays.items():
        if isinstance(value, RowSpool):
            values[name] = value
            continue
        array = np.asarray(value)
        if array.dtype.hasobject or not getattr(type(array.dtype), "_legacy", True):
            raise ValueError("array %s must hold numbers, fixed-width strings or bytes (no "
                             "Python objects, no user-defined dtype), got dtype %s"
                             % (name, array.dtype))
        values[name] = array
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        for name, array in values.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                if isinstance(array, RowSpool):
                    info = {"descr": npy_format.dtype_to_descr(array.dtype),
                            "fortran_order": False, "shape": array.shape}
                    pieces = array._slices()
                else:
                    info = npy_format.header_data_from_array_1_0(array)
                    pieces = _slices(array)
                header = _header(info)
                if header is None:  # rare headers only numpy writes: numpy writes it all
                    if isinstance(array, RowSpool):
                        array = array._read()
                    npy_format.write_array(member, array, allow_pickle=False)
                    continue
                member.write(header)
                for piece in pieces:
                    member.write(piece)

"""Writing ``.npz`` files without copying the arrays.

:func:`savez` writes the same file as ``numpy.savez`` (an uncompressed zip of ``.npy``
members, read by ``numpy.load``), but streams each array's bytes into the zip from the
array's own memory, in slices of at most :data:`CHUNK_BYTES`. ``numpy.savez`` copies
each array to ``bytes`` in 16 MB pieces when the file is not a real file (a zip
member never is), which adds up to 16 MB to the peak memory of a program that saves
a large array.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import IO

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["savez", "CHUNK_BYTES"]

#: The largest slice of an array written at a time (and copied, for an array that is
#: neither C- nor Fortran-contiguous).
CHUNK_BYTES = 2**20


def _header(array):
    """The ``.npy`` header of `array` in the oldest format that holds it, or None."""
    info = npy_format.header_data_from_array_1_0(array)
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


def savez(file: str | os.PathLike[str] | IO[bytes], **arrays) -> None:
    """Write arrays to an uncompressed ``.npz`` file, streaming their bytes.

    Parameters
    ----------
    file : str, os.PathLike or file object
        The file to write: a path (used exactly as given, no ``.npz`` is appended)
        or a binary file open for writing (seekable, as
        :func:`glimpse.util.fileio.atomic_write` gives).
    **arrays
        The arrays by name, in the order they are stored. Each value goes through
        ``numpy.asarray`` (a scalar or a string gives a 0-d array).

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
    names (NAME.npy), the same ``.npy`` headers (format 1.0, or 2.0 for long
    headers), the same bytes, zip64 records, no compression. ``numpy.load`` gives
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
        array = np.asarray(value)
        if array.dtype.hasobject or not getattr(type(array.dtype), "_legacy", True):
            raise ValueError("array %s must hold numbers, strings or bytes, not Python "
                             "objects, got dtype %s" % (name, array.dtype))
        values[name] = array
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        for name, array in values.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                header = _header(array)
                if header is None:  # rare headers only numpy writes: numpy writes it all
                    npy_format.write_array(member, array, allow_pickle=False)
                    continue
                member.write(header)
                for piece in _slices(array):
                    member.write(piece)

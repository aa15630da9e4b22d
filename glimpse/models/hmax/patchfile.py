"""The reference's S2 patch files: MATLAB .mat "universal patch set" files.

A file holds two variables: ``patches``, a 1 x m cell of (k·k·orientations) x n
matrices, and ``patchSizes``, a 4 x m matrix whose column i is
(k, k, orientations, n). Patch set i is its matrix reshaped in row-major order to
(orientations, k, k, n) and transposed with axes (3, 0, 2, 1) to
(n, orientations, k, k). Reading and writing need scipy (the ``hmax`` extra).
"""

from __future__ import annotations

import os

import numpy as np

from ...backends import ACTIVATION_DTYPE
from ...util import _checks, fileio

__all__ = ["LoadPatches", "SavePatches"]

#: What the error says when scipy is missing.
INSTALL_HINT = "pip install 'glimpse-vision[hmax]'"


def _scipy_io():
    try:
        import scipy.io
    except ImportError:
        raise ImportError("MATLAB patch files are read and written with scipy, which is not "
                          "installed: %s" % INSTALL_HINT) from None
    return scipy.io


def _one_line(err):
    return " ".join(str(err).split()) or type(err).__name__


def _size_column(sizes, i, path):
    column = sizes[:, i]
    if not np.all(np.isfinite(column)) or np.any(column < 1) or np.any(column != np.round(column)):
        raise ValueError("patch file %s: patchSizes[:, %d] must hold positive integers "
                         "(k, k, orientations, n), got %s" % (path, i, column.tolist()))
    k1, k2, bands, n = (int(v) for v in column)
    if k1 != k2:
        raise ValueError("patch file %s: patchSizes[:, %d] must describe square patches "
                         "(k, k, orientations, n), got %s" % (path, i, column.tolist()))
    return k1, bands, n


def LoadPatches(path) -> list[np.ndarray]:
    """Read the S2 patches of a MATLAB "universal patch set" file.

    Parameters
    ----------
    path : str or os.PathLike
        A .mat file with the variables ``patches`` and ``patchSizes`` (see the
        module documentation); MATLAB doubles or singles.

    Returns
    -------
    list of ndarray of float32
        One array (n, orientations, k, k) per patch size, in the file's order:
        what ``model.s2_kernels`` takes when ``params.s2_kwidths`` lists those
        sizes.

    Raises
    ------
    ImportError
        If scipy is not installed (the message names the install command).
    OSError
        If the file cannot be opened.
    ValueError
        If the file is not a MATLAB file of that layout (a variable missing, a
        shape that disagrees with ``patchSizes``, non-finite values); the
        one-line message names the file and what is wrong.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> patches = [np.ones((3, 4, 2, 2), np.float32)]
    >>> path = os.path.join(tempfile.mkdtemp(), "patches.mat")
    >>> SavePatches(path, patches)
    >>> [p.shape for p in LoadPatches(path)]
    [(3, 4, 2, 2)]
    """
    sio = _scipy_io()
    path = os.fspath(path)
    with open(path, "rb") as stream:
        try:
            data = sio.loadmat(stream)
        except Exception as err:  # scipy's readers raise many kinds for a damaged file
            raise ValueError("patch file %s is not a readable MATLAB file: %s"
                             % (path, _one_line(err))) from None
    missing = [name for name in ("patches", "patchSizes") if name not in data]
    if missing:
        raise ValueError("patch file %s has no variable %s (a universal patch set holds "
                         "'patches' and 'patchSizes')" % (path, " or ".join(map(repr, missing))))
    sizes, cells = data["patchSizes"], data["patches"]
    if (not isinstance(sizes, np.ndarray) or sizes.dtype.kind not in "iuf" or sizes.ndim != 2
            or sizes.shape[0] != 4 or sizes.shape[1] < 1):
        raise ValueError("patch file %s: patchSizes must be a 4 x m numeric matrix, got %s"
                         % (path, _describe(sizes)))
    count = sizes.shape[1]
    if (not isinstance(cells, np.ndarray) or cells.dtype != object or cells.ndim != 2
            or cells.size != count or min(cells.shape) != 1):
        raise ValueError("patch file %s: patches must be a 1 x %d cell (one matrix per column "
                         "of patchSizes), got %s" % (path, count, _describe(cells)))
    result = []
    for i, matrix in enumerate(cells.ravel()):
        k, bands, n = _size_column(sizes, i, path)
        want = (k * k * bands, n)
        if (not isinstance(matrix, np.ndarray) or matrix.dtype.kind not in "iuf"
                or matrix.shape != want):
            raise ValueError("patch file %s: patches{%d} must be a %d x %d numeric matrix "
                             "(patchSizes[:, %d] = %s), got %s"
                             % (path, i + 1, want[0], want[1], i, sizes[:, i].tolist(),
                                _describe(matrix)))
        with np.errstate(over="ignore"):
            values = matrix.reshape(bands, k, k, n).transpose(3, 0, 2, 1).astype(
                ACTIVATION_DTYPE)
        if not np.isfinite(values).all():
            raise ValueError("patch file %s: patches{%d} must hold finite values within "
                             "float32's range" % (path, i + 1))
        result.append(np.ascontiguousarray(values))
    return result


def _describe(value):
    if isinstance(value, np.ndarray):
        kind = "cell" if value.dtype == object else "%s matrix" % value.dtype
        return "a %s %s" % (" x ".join(str(d) for d in value.shape), kind)
    return _checks.show(value)


def SavePatches(path, patches) -> None:
    """Write S2 patches as a MATLAB "universal patch set" file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (MATLAB 5 format); an existing file is replaced.
    patches : list of array_like
        One array (n, orientations, k, k) per patch size, as
        ``model.s2_kernels`` holds them; finite values.

    Raises
    ------
    ImportError
        If scipy is not installed (the message names the install command).
    TypeError, ValueError
        For patches of another kind or shape, or non-finite values.

    Notes
    -----
    The matrices are written as MATLAB doubles (the reference's type), so
    float32 patches read back exactly. The file is written with
    :func:`glimpse.util.fileio.atomic_write`: a failed write leaves any
    earlier file at `path` whole.
    """
    sio = _scipy_io()
    path = os.fspath(path)
    if isinstance(patches, np.ndarray) and patches.ndim == 4:
        patches = [patches]
    if isinstance(patches, (str, bytes)) or not isinstance(patches, (list, tuple)) \
            or not patches:
        raise TypeError("patches must be a non-empty list of (n, orientations, k, k) arrays, "
                        "got %s" % _checks.show(patches))
    cells = np.empty((1, len(patches)), dtype=object)
    sizes = np.empty((4, len(patches)), dtype=np.float64)
    for i, value in enumerate(patches):
        name = "patches[%d]" % i
        array = _checks.array(value, name, 4)
        _checks.finite(array, name)
        n, bands, k1, k2 = array.shape
        if k1 != k2 or min(array.shape) < 1:
            raise ValueError("%s must have shape (n, orientations, k, k) with every side "
                             ">= 1, got %r" % (name, array.shape))
        matrix = np.asarray(array, np.float64).transpose(1, 3, 2, 0).reshape(k1 * k1 * bands, n)
        cells[0, i] = np.ascontiguousarray(matrix)
        sizes[:, i] = (k1, k1, bands, n)
    with fileio.atomic_write(path) as stream:
        sio.savemat(stream, {"patches": cells, "patchSizes": sizes})

"""The backend interface: every numeric operation the models use, validated once.

A backend is the one road from Python to computation. :class:`Backend` defines the public
operations; each public method checks its arguments (types, shapes, dtypes, finiteness,
sizes), converts them to the form the computation trusts, allocates the output when the
caller gave none, and then calls a private implementation method (``_DotProduct`` for
``DotProduct``, ...). Subclasses implement only the private methods:

- :class:`glimpse.backends.NumpyBackend`: plain numpy, the reference;
- :class:`glimpse.backends.CythonBackend`: the compiled kernels (the default).

What a private method receives (the guarantees of the validating layer):

- ``data``: float32, C-contiguous, finite; 3D ``(bands, H, W)`` with ``bands >= 1`` for the
  S operations, LocalMax and GlobalMax (GlobalMax: ``H, W >= 1``), 2D ``(H, W)`` for
  ContrastEnhance.
- ``kernels``: float32, C-contiguous, finite, 4D ``(n, bands, kh, kw)`` with the bands of
  ``data`` and ``kh, kw >= 1``.
- ``kwidth``, ``scaling``: Python ints ``>= 1`` (ContrastEnhance: ``kwidth >= 2``);
  ``bias``, ``beta``: finite Python floats ``> 0``.
- ``out``: float32, C-contiguous, writeable, of exactly the output shape, not sharing
  memory with ``data`` or ``kernels``. It may be empty (a zero-length axis); the public
  method then returns it without calling the private one.

Geometry: every S and C operation is a valid correlation (no padding, no kernel flip) at a
stride ``scaling``: input height ``H``, kernel height ``k`` give ``(H - k) // scaling + 1``
output rows (0 when ``H < k``), and output row ``y`` reads input rows ``y * scaling`` to
``y * scaling + k - 1``. Width likewise.
"""

from __future__ import annotations

import abc
import math

import numpy as np

from ..util import _checks, _random
from .errors import InputSizeError

__all__ = ["Backend", "DEFAULT_BIAS", "DEFAULT_BETA", "LANCZOS", "BILINEAR", "BICUBIC", "BOX",
           "MAX_SIDE", "OutputSide"]

_F32 = np.dtype(np.float32)
_S_OPERATIONS = ("DotProduct", "NormDotProduct", "Rbf", "NormRbf")
_F64 = np.dtype(np.float64)
_U8 = np.dtype(np.uint8)
_INTP = np.dtype(np.intp)

#: Resampling filters, with the values of ``PIL.Image.Resampling``.
LANCZOS = 1
BILINEAR = 2
BICUBIC = 3
BOX = 4
_FILTERS = {LANCZOS: "LANCZOS", BILINEAR: "BILINEAR", BICUBIC: "BICUBIC", BOX: "BOX"}

#: Largest accepted side of a resampled image (Pillow's limit: a C int), and largest
#: kernel width, stride and patch width.
MAX_SIDE = 2**31 - 1
_MAX_INTP = int(np.iinfo(np.intp).max)
_F32_MAX = float(np.finfo(np.float32).max)

#: The activations of the standard HMAX model's S2 (:meth:`Backend.HmaxS2`).
HMAX_ACTIVATIONS = ("euclidean", "gaussian")

#: Default ``bias`` of the S operations that use it (the S1 default of the HMAX model).
DEFAULT_BIAS = 0.01
#: Default ``beta`` of the S operations that use it (the S1 default of the HMAX model).
DEFAULT_BETA = 1.0


def OutputSide(iside, kside, scaling):
    """Length of the output of a valid correlation along one axis: the one formula.

    ``(iside - kside) // scaling + 1``, or 0 when ``iside < kside`` (no window fits).
    The arguments are not checked (``kside >= 1`` and ``scaling >= 1`` are assumed):
    :meth:`Backend.OutputMapShapeForInput` is the checked door; the operations and the
    models' geometry compute their shapes with this function.

    Examples
    --------
    >>> OutputSide(15, 5, 5), OutputSide(4, 5, 1)
    (3, 0)
    """
    return (iside - kside) // scaling + 1 if iside >= kside else 0


_out_side = OutputSide


def _all_finite(a):
    """Whether a float array holds only finite values."""
    return bool(np.isfinite(a).all())


def _overlaps(a, b):
    if not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=1 << 20))
    except np.exceptions.TooHardError:
        return True


def _bytes(data):
    """Refuse anything but a numpy array of uint8 as ``data``."""
    if not isinstance(data, np.ndarray) or data.dtype != _U8:
        raise TypeError("data must be a numpy array of uint8, got %s"
                        % (("an array of %s" % data.dtype) if isinstance(data, np.ndarray)
                           else _checks.show(data)))


def _patch_array(value, name):
    """A per-scale array of patch data, checked for kind and dimensions."""
    a = _checks.array(value, name)
    if a.ndim < 2:
        raise ValueError("%s must have at least 2 dimensions (bands..., H, W), got shape %r"
                         % (name, a.shape))
    return a


def _readable(array):
    """``array`` if the patch kernels read it in place (float32/float64, aligned), else a
    float32 copy (which rounds as the kernels do when they read float64)."""
    if (array.dtype == _F32 or array.dtype == _F64) and array.flags.aligned:
        return array
    with np.errstate(over="ignore"):
        copy = array.astype(_F32)
    if array.dtype.kind == "f" and array.size:
        grew = np.isinf(copy) & np.isfinite(array)
        if grew.any():
            raise ValueError("data must hold values within float32 range, got %s: out of "
                             "float32 range" % (array[grew][0],))
    return copy


def _patch_scales(data, width):
    """Split patch data into per-scale arrays the kernels read.

    Returns
    -------
    scales : list of ndarray
        Per-scale ``(bands..., H, W)`` arrays (views of ``data`` unless converted).
    bands : tuple of int
    originals : list of ndarray
        The arrays the caller passed, for the overlap check of ``out``.
    """
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            raise ValueError("data must hold at least one scale, got an empty %s"
                             % type(data).__name__)
        originals = [_patch_array(d, "data[%d]" % s) for s, d in enumerate(data)]
        bands = originals[0].shape[:-2]
        for s, a in enumerate(originals):
            if a.shape[:-2] != bands:
                raise ValueError("data[%d] must have the band shape %r of data[0] (every scale "
                                 "the same), got %r" % (s, bands, a.shape[:-2]))
        scales = originals
    else:
        a = _patch_array(data, "data")
        originals = [a]
        if a.ndim == 2:
            bands = ()
            scales = [a]
        else:
            if a.shape[0] == 0:
                raise ValueError("data must hold at least one scale, got shape %r" % (a.shape,))
            bands = a.shape[1:-2]
            scales = list(a)
    if 0 in bands:
        raise ValueError("data must hold values, got the band shape %r with a zero-length axis"
                         % (bands,))
    for s, a in enumerate(scales):
        if a.shape[-2] < width or a.shape[-1] < width:
            raise InputSizeError("scale %d of data is %dx%d, smaller than patch_width=%d"
                                 % (s, a.shape[-2], a.shape[-1], width), scale=s)
    return [_readable(a) for a in scales], tuple(bands), originals


def _bad_location(locs, shapes, width):
    """Index of the first (s, y, x) row that does not place a patch inside its scale."""
    if not len(locs):
        return None
    ok = np.ones(len(locs), bool)
    if locs.dtype.kind == "u" and locs.dtype.itemsize >= _INTP.itemsize:
        ok &= (locs <= np.iinfo(_INTP).max).all(axis=1)
    locs = np.where(ok[:, None], locs, 0).astype(_INTP)
    s, y, x = locs.T
    ok &= (s >= 0) & (s < len(shapes))
    s = np.where(ok, s, 0)
    ymax = np.array([h - width for h, _ in shapes], _INTP)[s]
    xmax = np.array([w - width for _, w in shapes], _INTP)[s]
    ok &= (y >= 0) & (y <= ymax) & (x >= 0) & (x <= xmax)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else None


def _check_patch_values(scales, locations, width, out2d):
    """ValueError if a float64 value that is finite became infinite in float32."""
    if all(a.dtype != _F64 for a in scales) or _all_finite(out2d):
        return
    for k in np.flatnonzero(~np.isfinite(out2d).all(axis=1)):
        s, y, x = locations[k]
        patch = scales[s][..., y:y + width, x:x + width]
        if np.isfinite(patch).all():
            raise ValueError("data must hold values within float32 range (|x| <= %g), got %g "
                             "in the patch at (scale %d, y %d, x %d): out of float32 range"
                             % (np.finfo(_F32).max, np.abs(patch).max(), s, y, x))


class Backend(abc.ABC):
    """The interface of a computation backend (abstract base class).

    Public methods validate their arguments once and then call the subclass's private
    implementation (see the module documentation for what the implementation may
    assume). All arrays returned are float32. Backends hold no state: two backends of
    the same class are equal, and a backend pickles by its class.

    Attributes
    ----------
    name : str
        The name :func:`glimpse.backends.MakeBackend` knows the backend by.
    """

    name = "abstract"

    # -- identity -------------------------------------------------------------------------

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        return "%s()" % type(self).__name__

    # -- pure-Python helpers --------------------------------------------------------------

    def OutputMapShapeForInput(self, kheight, kwidth, scaling, iheight, iwidth):
        """Shape of the output map of a valid correlation, from the input map's.

        Parameters
        ----------
        kheight, kwidth : int
            Kernel height and width, ``>= 1``.
        scaling : int
            Stride, ``>= 1``.
        iheight, iwidth : int
            Input height and width, ``>= 0``.

        Returns
        -------
        (int, int)
            ``(oheight, owidth)`` with ``oheight = (iheight - kheight) // scaling + 1``,
            or 0 when ``iheight < kheight``; width likewise.

        Examples
        --------
        >>> from glimpse.backends import MakeBackend
        >>> MakeBackend("numpy").OutputMapShapeForInput(5, 5, 5, 15, 16)
        (3, 3)
        """
        kh = _checks.integer(kheight, "kheight", 1)
        kw = _checks.integer(kwidth, "kwidth", 1)
        s = _checks.integer(scaling, "scaling", 1, MAX_SIDE)
        ih = _checks.integer(iheight, "iheight", 0)
        iw = _checks.integer(iwidth, "iwidth", 0)
        return _out_side(ih, kh, s), _out_side(iw, kw, s)

    def InputMapShapeForOutput(self, kheight, kwidth, scaling, oheight, owidth):
        """The smallest input map shape that gives an output map shape.

        Parameters
        ----------
        kheight, kwidth : int
            Kernel height and width, ``>= 1``.
        scaling : int
            Stride, ``>= 1``.
        oheight, owidth : int
            Output height and width, ``>= 0``.

        Returns
        -------
        (int, int)
            ``(iheight, iwidth)`` with ``iheight = (oheight - 1) * scaling + kheight``
            (0 when ``oheight`` is 0); width likewise.

        Examples
        --------
        >>> from glimpse.backends import MakeBackend
        >>> MakeBackend("numpy").InputMapShapeForOutput(5, 5, 5, 3, 3)
        (15, 15)
        """
        kh = _checks.integer(kheight, "kheight", 1)
        kw = _checks.integer(kwidth, "kwidth", 1)
        s = _checks.integer(scaling, "scaling", 1, MAX_SIDE)
        oh = _checks.integer(oheight, "oheight", 0)
        ow = _checks.integer(owidth, "owidth", 0)
        return ((oh - 1) * s + kh if oh else 0), ((ow - 1) * s + kw if ow else 0)

    def PrepareArray(self, a):
        """``a`` as the arrays the backend works on: float32 and C-contiguous.

        Parameters
        ----------
        a : array_like
            Real numbers (integers or floating point) of any shape.

        Returns
        -------
        ndarray of float32, C-contiguous
            ``a`` itself when it already is one, else a converted copy.

        Raises
        ------
        TypeError
            If ``a`` does not hold real numbers.
        ValueError
            If ``a`` holds finite values outside float32's range.
        """
        data = _checks.array(a, "a")
        if data.dtype == _F32 and data.flags.c_contiguous:
            return data
        with np.errstate(over="ignore"):
            result = np.ascontiguousarray(data, dtype=_F32)
        if data.dtype.kind == "f" and data.size:
            grew = np.isinf(result) & np.isfinite(data)
            if grew.any():
                raise ValueError("a must hold values within float32 range, got %s at index "
                                 "%s: out of float32 range"
                                 % (data[grew][0], tuple(int(i) for i in np.argwhere(grew)[0])))
        return result

    # -- validation -----------------------------------------------------------------------

    @staticmethod
    def _positive(value, name):
        return _checks.real(value, name, 0.0, low_open=True)

    @staticmethod
    def _output(out, shape, inputs, what):
        """The output buffer: ``out`` checked, or a new float32 array of ``shape``."""
        if out is None:
            nbytes = _F32.itemsize
            for side in shape:
                nbytes *= side
            _checks.memory(nbytes, "the output of %s, of shape %r,", what, shape)
            return np.empty(shape, _F32)
        if not isinstance(out, np.ndarray):
            raise TypeError("out must be a numpy array or None, got %s" % _checks.show(out))
        if out.dtype != _F32:
            raise ValueError("out must have dtype float32, got %s" % out.dtype)
        if out.shape != tuple(shape):
            raise ValueError("out must have shape %r, got %r" % (tuple(shape), out.shape))
        if not out.flags.c_contiguous:
            raise ValueError("out must be C-contiguous, got an array with strides %r"
                             % (out.strides,))
        if not out.flags.writeable:
            raise ValueError("out must be writeable, got a read-only array")
        for name, a in inputs:
            if _overlaps(out, a):
                raise ValueError("out must not share memory with %s" % name)
        return out

    def _s_operation(self, op, data, kernels, bias, beta, scaling, out,
                     kernels_checked=False):
        """Check the arguments of the S operation ``op`` and run its private method.

        With ``kernels_checked``, ``kernels`` is a finite, float32, C-contiguous 4D ndarray
        (see :meth:`SOperation`) and its values are not read again.
        """
        original_data, original_kernels = data, kernels
        data = _checks.float32_array(data, "data", 3)
        if not kernels_checked:
            kernels = _checks.float32_array(kernels, "kernels", 4)
        if data.shape[0] < 1:
            raise ValueError("data must have at least one band, got shape %r" % (data.shape,))
        if kernels.shape[1] != data.shape[0]:
            raise ValueError("kernels must have the %d bands of data (kernels of shape (n, %d, "
                             "kh, kw)), got shape %r"
                             % (data.shape[0], data.shape[0], kernels.shape))
        if kernels.shape[2] < 1 or kernels.shape[3] < 1:
            raise ValueError("kernels must have a height and width >= 1, got shape %r"
                             % (kernels.shape,))
        bias = None if bias is None else self._positive(bias, "bias")
        beta = None if beta is None else self._positive(beta, "beta")
        s = _checks.integer(scaling, "scaling", 1, MAX_SIDE)
        shape = (kernels.shape[0],
                 _out_side(data.shape[1], kernels.shape[2], s),
                 _out_side(data.shape[2], kernels.shape[3], s))
        inputs = [("data", original_data), ("data", data),
                  ("kernels", original_kernels), ("kernels", kernels)]
        out = self._output(out, shape, [(n, a) for n, a in inputs if isinstance(a, np.ndarray)],
                           op)
        if op in ("NormDotProduct", "NormRbf") and bias is None:
            raise TypeError("bias must be a real number, got None")
        if op in ("Rbf", "NormRbf") and beta is None:
            raise TypeError("beta must be a real number, got None")
        if out.size == 0:
            return out
        if op == "DotProduct":
            return self._DotProduct(data, kernels, s, out)
        if op == "NormDotProduct":
            return self._NormDotProduct(data, kernels, bias, s, out)
        if op == "Rbf":
            return self._Rbf(data, kernels, beta, s, out)
        return self._NormRbf(data, kernels, bias, beta, s, out)

    def SOperation(self, op, data, kernels, bias=None, beta=None, scaling=1, out=None,
                   kernels_checked=False):
        """The S operation called ``op``, optionally on kernels whose values were checked.

        A model calls its S operations through this method: it names the operation with
        a parameter, and it hands over its own kernels, validated once when they were set
        or generated. The public methods (:meth:`DotProduct`, ...) read every kernel value
        on every call to check that it is finite; with ``kernels_checked`` that pass is
        skipped.

        Parameters
        ----------
        op : str
            "DotProduct", "NormDotProduct", "Rbf" or "NormRbf".
        data, bias, beta, scaling, out
            As for the public method ``op``, and validated as it validates them; ``bias``
            and ``beta`` are passed by the caller (None where the operation ignores them;
            the operations that use one refuse None).
        kernels : array_like or ndarray
            As for the public method ``op``. With ``kernels_checked``, the caller vouches
            that it holds only finite values: it must then be a float32, C-contiguous 4D
            ndarray (its type, dtype, layout and shape are still checked, its values are
            not read), which the caller does not change while the operation runs.
        kernels_checked : bool
            Whether the caller checked the kernels' values (see ``kernels``).

        Returns
        -------
        ndarray of float32, shape (n, h, w)
            As the public method ``op``; ``out`` when given.

        Raises
        ------
        ValueError
            If ``op`` names no S operation, or as the public method ``op``.
        TypeError
            With ``kernels_checked``, if ``kernels`` is not such an array; else as the
            public method ``op``.

        Examples
        --------
        >>> import numpy as np
        >>> from glimpse.backends import MakeBackend
        >>> kernels = np.ones((2, 1, 3, 3), np.float32)
        >>> MakeBackend("numpy").SOperation("DotProduct", np.ones((1, 5, 5)), kernels,
        ...                                 kernels_checked=True).shape
        (2, 3, 3)
        """
        if op not in _S_OPERATIONS:
            raise ValueError("op must be one of %s, got %s"
                             % (", ".join(_S_OPERATIONS), _checks.show(op)))
        if not isinstance(kernels_checked, (bool, np.bool_)):
            raise TypeError("kernels_checked must be True or False, got %s"
                            % _checks.show(kernels_checked))
        if kernels_checked and not (isinstance(kernels, np.ndarray) and kernels.dtype == _F32
                                    and kernels.ndim == 4 and kernels.flags.c_contiguous):
            raise TypeError("kernels must be a float32, C-contiguous 4D numpy array whose "
                            "values were checked, got %s" % _checks.show(kernels))
        return self._s_operation(op, data, kernels, bias, beta, scaling, out,
                                 kernels_checked=bool(kernels_checked))

    def _SOperation(self, op, data, kernels, bias, beta, scaling, out=None):
        """:meth:`SOperation` with ``kernels_checked=True`` (its earlier, private name)."""
        return self.SOperation(op, data, kernels, bias, beta, scaling, out,
                               kernels_checked=True)

    # -- public operations ----------------------------------------------------------------

    def ContrastEnhance(self, data, kwidth, bias, scaling=1, out=None):
        """Local contrast enhancement (the retina) of a 2D map.

        Each output value is ``(x_c - mean(x)) / sqrt(var(x) + bias)`` for the
        ``kwidth x kwidth`` window ``x`` of the input, with ``var`` the unbiased
        (``n - 1``) variance and ``x_c = x[kwidth // 2, kwidth // 2]`` its middle element.

        Parameters
        ----------
        data : array_like, 2D (H, W)
            Real, finite values.
        kwidth : int
            Window side, ``>= 2``.
        bias : float
            Added to the variance, finite and ``> 0``.
        scaling : int, optional
            Stride, ``>= 1``.
        out : ndarray of float32, optional
            Output buffer of shape ``(h, w)`` (see the module documentation for ``h``,
            ``w``), C-contiguous, writeable, not overlapping ``data``.

        Returns
        -------
        ndarray of float32, shape (h, w)
            ``out`` when given.

        Raises
        ------
        TypeError
            If ``data`` is not real, an integer argument is not an integer, or ``out``
            is not an array.
        ValueError
            If ``data`` is not 2D or not finite, an argument is out of range, or ``out``
            does not fit.
        MemoryError
            If the output would not fit in memory.
        """
        original = data
        data = _checks.float32_array(data, "data", 2)
        k = _checks.integer(kwidth, "kwidth", 2, MAX_SIDE)
        bias = self._positive(bias, "bias")
        s = _checks.integer(scaling, "scaling", 1, MAX_SIDE)
        shape = (_out_side(data.shape[0], k, s), _out_side(data.shape[1], k, s))
        inputs = [("data", a) for a in (original, data) if isinstance(a, np.ndarray)]
        out = self._output(out, shape, inputs, "ContrastEnhance")
        if out.size == 0:
            return out
        return self._ContrastEnhance(data, k, bias, s, out)

    def DotProduct(self, data, kernels, bias=None, beta=None, scaling=1, out=None):
        """Dot product of every window with every kernel: ``<x, w>``.

        Parameters
        ----------
        data : array_like, 3D (bands, H, W)
            Real, finite values; ``bands >= 1``.
        kernels : array_like, 4D (n, bands, kh, kw)
            Real, finite values, with the bands of ``data``; ``kh, kw >= 1``.
        bias, beta : float, optional
            Accepted for a uniform call of the S operations and ignored (checked to be
            finite and ``> 0`` when given).
        scaling : int, optional
            Stride, ``>= 1``.
        out : ndarray of float32, optional
            Output buffer of shape ``(n, h, w)``, C-contiguous, writeable, not
            overlapping the inputs.

        Returns
        -------
        ndarray of float32, shape (n, h, w)
            ``out[j, y, x] = <data[:, y*s:y*s+kh, x*s:x*s+kw], kernels[j]>``.

        Raises
        ------
        TypeError
            If an array is not real, an integer argument is not an integer, or ``out``
            is not an array.
        ValueError
            If a shape, value or ``out`` does not fit (see the module documentation).
        MemoryError
            If the output would not fit in memory.
        """
        return self._s_operation("DotProduct", data, kernels, bias, beta, scaling, out)

    def NormDotProduct(self, data, kernels, bias=DEFAULT_BIAS, beta=None, scaling=1, out=None):
        """Normalised dot product: ``<x, w> / sqrt(max(||x||^2, bias))``.

        The kernels are taken as given (unit norm is the caller's choice); the window's
        squared norm is clipped from below at ``bias``.

        Parameters
        ----------
        data, kernels, scaling, out
            As :meth:`DotProduct`.
        bias : float, optional
            Lower bound of the squared window norm, finite and ``> 0`` (default 0.01).
        beta : float, optional
            Ignored (checked when given).

        Returns
        -------
        ndarray of float32, shape (n, h, w)

        Raises
        ------
        TypeError, ValueError, MemoryError
            As :meth:`DotProduct`.
        """
        return self._s_operation("NormDotProduct", data, kernels, bias, beta, scaling, out)

    def Rbf(self, data, kernels, bias=None, beta=DEFAULT_BETA, scaling=1, out=None):
        """Radial basis function: ``exp(-beta * ||x - w||^2)``.

        Parameters
        ----------
        data, kernels, scaling, out
            As :meth:`DotProduct`.
        bias : float, optional
            Ignored (checked when given).
        beta : float, optional
            Tuning width, finite and ``> 0`` (default 1.0).

        Returns
        -------
        ndarray of float32, shape (n, h, w)

        Raises
        ------
        TypeError, ValueError, MemoryError
            As :meth:`DotProduct`.
        """
        return self._s_operation("Rbf", data, kernels, bias, beta, scaling, out)

    def NormRbf(self, data, kernels, bias=DEFAULT_BIAS, beta=DEFAULT_BETA, scaling=1, out=None):
        """Normalised RBF: ``exp(-2 * beta * (1 - NDP(x, w)))``, NDP as :meth:`NormDotProduct`.

        Parameters
        ----------
        data, kernels, scaling, out
            As :meth:`DotProduct`.
        bias : float, optional
            As :meth:`NormDotProduct` (default 0.01).
        beta : float, optional
            As :meth:`Rbf` (default 1.0).

        Returns
        -------
        ndarray of float32, shape (n, h, w)

        Raises
        ------
        TypeError, ValueError, MemoryError
            As :meth:`DotProduct`.
        """
        return self._s_operation("NormRbf", data, kernels, bias, beta, scaling, out)

    def LocalMax(self, data, kwidth, scaling=1, out=None):
        """Maximum of each band over every ``kwidth x kwidth`` window.

        Parameters
        ----------
        data : array_like, 3D (bands, H, W)
            Real, finite values; ``bands >= 1``.
        kwidth : int
            Window side, ``>= 1``.
        scaling : int, optional
            Stride, ``>= 1``.
        out : ndarray of float32, optional
            Output buffer of shape ``(bands, h, w)``.

        Returns
        -------
        ndarray of float32, shape (bands, h, w)

        Raises
        ------
        TypeError, ValueError, MemoryError
            As :meth:`DotProduct`.
        """
        original = data
        data = _checks.float32_array(data, "data", 3)
        if data.shape[0] < 1:
            raise ValueError("data must have at least one band, got shape %r" % (data.shape,))
        k = _checks.integer(kwidth, "kwidth", 1, MAX_SIDE)
        s = _checks.integer(scaling, "scaling", 1, MAX_SIDE)
        shape = (data.shape[0], _out_side(data.shape[1], k, s), _out_side(data.shape[2], k, s))
        inputs = [("data", a) for a in (original, data) if isinstance(a, np.ndarray)]
        out = self._output(out, shape, inputs, "LocalMax")
        if out.size == 0:
            return out
        return self._LocalMax(data, k, s, out)

    def GlobalMax(self, data, out=None):
        """Maximum of each band over all positions.

        Parameters
        ----------
        data : array_like, 3D (bands, H, W)
            Real, finite values, with ``bands >= 1``, ``H >= 1`` and ``W >= 1``.
        out : ndarray of float32, optional
            Output buffer of shape ``(bands,)``.

        Returns
        -------
        ndarray of float32, shape (bands,)

        Raises
        ------
        TypeError, ValueError
            As :meth:`DotProduct`; ValueError also for an empty map.
        """
        original = data
        data = _checks.float32_array(data, "data", 3)
        if min(data.shape) < 1:
            raise ValueError("data must have at least one band and one position, got shape %r"
                             % (data.shape,))
        inputs = [("data", a) for a in (original, data) if isinstance(a, np.ndarray)]
        out = self._output(out, (data.shape[0],), inputs, "GlobalMax")
        return self._GlobalMax(data, out)

    # -- resampling -----------------------------------------------------------------------

    @staticmethod
    def _resample_arguments(iheight, iwidth, width, height, filter, box):
        """Checked (width, height, filter, box) of a resize of an iheight x iwidth input."""
        width = _checks.integer(width, "width", 1, MAX_SIDE)
        height = _checks.integer(height, "height", 1, MAX_SIDE)
        if filter is None:
            filter = BICUBIC if width > iwidth else LANCZOS
        filter = _checks.integer(filter, "filter")
        if filter not in _FILTERS:
            raise ValueError("filter must be one of %s, got %s" % (
                ", ".join("%s (%d)" % (n, v) for v, n in sorted(_FILTERS.items())),
                _checks.show(filter)))
        if box is None:
            box = (0, 0, width, height)
        else:
            try:
                left, top, right, bottom = box
            except (TypeError, ValueError):
                raise TypeError("box must be None or (left, top, right, bottom), got %s"
                                % _checks.show(box)) from None
            left = _checks.integer(left, "box left", 0, width - 1)
            top = _checks.integer(top, "box top", 0, height - 1)
            right = _checks.integer(right, "box right", left + 1, width)
            bottom = _checks.integer(bottom, "box bottom", top + 1, height)
            box = (left, top, right, bottom)
        return width, height, int(filter), box

    def ResampleScratchBytes(self, iheight, iwidth, width, height, filter=None, box=None):
        """Memory a :meth:`Resample` call needs, in bytes (output included).

        Parameters
        ----------
        iheight, iwidth : int
            Input height and width, ``>= 1``.
        width, height, filter, box
            As for :meth:`Resample`.

        Returns
        -------
        int
            An upper bound of what this backend allocates for the call; the compiled
            backend takes it from its kernel.
        """
        ih = _checks.integer(iheight, "iheight", 1, _MAX_INTP)
        iw = _checks.integer(iwidth, "iwidth", 1, _MAX_INTP)
        width, height, filter, box = self._resample_arguments(ih, iw, width, height, filter,
                                                              box)
        return int(math.ceil(self._ResampleScratchBytes(ih, iw, width, height, filter, box)))

    def Resample(self, data, width, height, filter=None, box=None):
        """Resize a 2D array with one of Pillow's filters, computing only a window.

        Parameters
        ----------
        data : array_like, 2D (H, W)
            Real, finite, non-empty. float32 and float64 are read in place whatever
            their memory layout; other real dtypes are converted (integers of more than
            16 bits to float64, others to float32).
        width, height : int
            The full output size, each in ``[1, 2**31 - 1]``.
        filter : int, optional
            :data:`LANCZOS`, :data:`BILINEAR`, :data:`BICUBIC` or :data:`BOX` (the values
            of ``PIL.Image.Resampling``, whose members are accepted). Default: bicubic
            when the width grows, Lanczos otherwise.
        box : (int, int, int, int), optional
            ``(left, top, right, bottom)`` of the output window to compute, with
            ``0 <= left < right <= width`` and ``0 <= top < bottom <= height``.
            Default: the whole output.

        Returns
        -------
        ndarray of float32, shape (bottom - top, right - left)
            Equal, within float32 rounding, to Pillow's mode 'F' resize of ``data``
            to ``(width, height)`` cropped to ``box``. Values are not clipped.

        Raises
        ------
        TypeError
            If ``data`` does not hold real numbers, or a size is not an integer.
        ValueError
            If ``data`` is not 2D, is empty or holds NaN or infinite values; if a size,
            the filter or the box is out of range; if the values are so large that the
            result would leave float32's range.
        MemoryError
            If the call would need more than the machine's memory.
        """
        data = _checks.array(data, "data", 2)
        if data.size == 0:
            raise ValueError("data must not be empty, got shape %r" % (data.shape,))
        if data.dtype != _F32 and data.dtype != _F64:
            data = data.astype(_F64 if data.dtype.itemsize > 2 else _F32)
        elif not data.flags.aligned:
            data = np.ascontiguousarray(data)
        ih, iw = data.shape
        width, height, filter, box = self._resample_arguments(ih, iw, width, height, filter,
                                                              box)
        _checks.memory(self._ResampleScratchBytes(ih, iw, width, height, filter, box),
                       "resizing a %dx%d array to size (%d, %d)", ih, iw, width, height)
        lo, hi = data.min(), data.max()  # one pass each: NaN propagates, infinities show
        if not (np.isfinite(lo) and np.isfinite(hi)):
            _checks.finite(data, "data")  # the message names the first bad value
        largest = max(-float(lo), float(hi))
        if largest > _F32_MAX:
            raise ValueError("data must hold values within float32 range (|x| <= %g), got %g: "
                             "out of float32 range" % (_F32_MAX, largest))
        out = self._Resample(data, width, height, filter, box)
        # the filters overshoot by less than a factor of 2 per pass: only values near
        # float32's limit can leave its range
        if largest > _F32_MAX / 4 and not _all_finite(out):
            raise ValueError("data must hold values well within float32 range to be resized, "
                             "got |x| up to %g: the result would be out of float32 range"
                             % largest)
        return out

    def ResampleBytes(self, data, width, height, filter=None, box=None):
        """Resize a 2D array of 8-bit samples read as fractions of 255.

        The result is that of :meth:`Resample` on ``data.astype(numpy.float32) /
        numpy.float32(255)``, without that full-size float copy: the compiled backend
        divides each sample of the window it reads as it converts it, so its result
        equals that of its :meth:`Resample` on the scaled copy bit for bit.

        Parameters
        ----------
        data : ndarray of uint8, 2D (H, W)
            Non-empty, any strides (an 8-bit greyscale image as ``numpy.asarray`` gives
            it).
        width, height, filter, box
            As for :meth:`Resample`.

        Returns
        -------
        ndarray of float32, shape (bottom - top, right - left)
            As for :meth:`Resample`; values of Lanczos and bicubic resizes overshoot
            [0, 1] near edges (they are not clipped).

        Raises
        ------
        TypeError
            If ``data`` is not an array of uint8, or a size is not an integer.
        ValueError
            If ``data`` is not 2D or is empty; if a size, the filter or the box is out
            of range.
        MemoryError
            If the call would need more than the machine's memory.
        """
        _bytes(data)
        data = _checks.array(data, "data", 2)
        if data.size == 0:
            raise ValueError("data must not be empty, got shape %r" % (data.shape,))
        ih, iw = data.shape
        width, height, filter, box = self._resample_arguments(ih, iw, width, height, filter,
                                                              box)
        _checks.memory(self._ResampleScratchBytes(ih, iw, width, height, filter, box),
                       "resizing a %dx%d array to size (%d, %d)", ih, iw, width, height)
        return self._ResampleBytes(data, width, height, filter, box)

    # -- colour ---------------------------------------------------------------------------

    def LumaBytes(self, data, out=None):
        """The ITU-R 601-2 luma of an 8-bit RGB or RGBA array, as fractions of 255.

        One pass over the 8-bit samples, with no float copy of the colour channels:
        ``(299 r + 587 g + 114 b) / 255000``, the sum computed exactly in integers and
        divided once in float32, so every value is the float32 nearest to the exact
        luma divided by 255, and lies in [0, 1] (white is exactly 1).

        Parameters
        ----------
        data : ndarray of uint8, shape (H, W, 3) or (H, W, 4)
            Red, green, blue (and alpha, which is not read), as ``numpy.asarray`` gives
            an RGB or RGBA image; any strides. May be empty.
        out : ndarray of float32, shape (H, W), optional
            C-contiguous, writeable, not sharing memory with ``data``; receives the
            result. Default: a new array.

        Returns
        -------
        ndarray of float32, shape (H, W)
            ``out`` when given. It differs from
            :func:`glimpse.util.gimage.ImageToArray` of the same image (which computes
            in float32 from float copies of the channels) by a few float32 ulps at most.

        Raises
        ------
        TypeError
            If ``data`` is not a numpy array of uint8.
        ValueError
            If ``data`` is not 3D with 3 or 4 channels, or ``out`` is not as described.
        MemoryError
            If the output would need more than the machine's memory.
        """
        _bytes(data)
        if data.ndim != 3 or data.shape[2] not in (3, 4):
            raise ValueError("data must have shape (height, width, 3) or (height, width, 4), "
                             "got shape %r" % (data.shape,))
        out = self._output(out, data.shape[:2], [("data", data)], "the luma")
        if out.size == 0:
            return out
        return self._LumaBytes(data, out)

    # -- patches --------------------------------------------------------------------------

    def _patch_output(self, out, n, bands, width, originals):
        shape = (n,) + tuple(bands) + (width, width)
        row = width * width
        for b in bands:
            row *= b
        _checks.memory(n * row * _F32.itemsize + n * 3 * _INTP.itemsize,
                       "the output of num_patches=%d patches of shape %r", n, shape[1:])
        if out is None:
            try:
                return np.empty(shape, _F32), row
            except MemoryError as err:
                raise MemoryError("cannot allocate the output of num_patches=%d patches of "
                                  "shape %r (%s)" % (n, shape[1:], err)) from None
        return self._output(out, shape, [("data", a) for a in originals], "patches"), row

    def GatherPatches(self, data, locations, patch_width, out=None):
        """Copy the patches at given places and scales of a layer's activity.

        Parameters
        ----------
        data : ndarray or list of ndarray
            The maps, as for :meth:`SampleGatherPatches`: ``(S, bands..., H, W)``, a single
            ``(H, W)`` map, or a list of ``S`` per-scale ``(bands..., H_s, W_s)`` arrays.
        locations : array_like of int, shape (N, 3)
            ``(s, y, x)`` of every patch: its scale and top-left corner, with
            ``0 <= s < S``, ``0 <= y <= H_s - w`` and ``0 <= x <= W_s - w``.
        patch_width : int
            The patch side ``w``, ``>= 1``.
        out : ndarray of float32, optional
            Output of shape ``(N, bands..., w, w)``, C-contiguous, writeable, not sharing
            memory with ``data``.

        Returns
        -------
        ndarray of float32, shape (N, bands..., w, w)
            ``patches[k] = data[s][..., y:y + w, x:x + w]`` for ``(s, y, x) =
            locations[k]``.

        Raises
        ------
        TypeError, ValueError, MemoryError, InputSizeError
            As :meth:`SampleGatherPatches`; ValueError also for a location off its scale.
        """
        width = _checks.integer(patch_width, "patch_width", 1, MAX_SIDE)
        scales, bands, originals = _patch_scales(data, width)
        locs = _checks.array(locations, "locations", 2, kinds="iu")
        if locs.shape[1:] != (3,):
            raise ValueError("locations must have shape (N, 3), got %r" % (locs.shape,))
        n = locs.shape[0]
        k = _bad_location(locs, [a.shape[-2:] for a in scales], width)
        if k is not None:
            raise ValueError("locations[%d] must place a patch of width %d inside its scale "
                             "(0 <= s < %d, 0 <= y <= H_s - %d, 0 <= x <= W_s - %d), got %s"
                             % (k, width, len(scales), width, width,
                                tuple(int(v) for v in locs[k])))
        locs = np.ascontiguousarray(locs, dtype=_INTP)
        patches, row = self._patch_output(out, n, bands, width, originals)
        if n:
            out2d = patches.reshape(n, row)
            self._GatherPatches(scales, locs, width, out2d)
            _check_patch_values(scales, locs, width, out2d)
        return patches

    def SampleGatherPatches(self, data, patch_width, num_patches, rng=None, out=None):
        """Sample patches at random places and scales of a layer's activity.

        Parameters
        ----------
        data : ndarray or list of ndarray
            The maps: one array ``(S, bands..., H, W)`` with one entry per scale, a
            single map ``(H, W)``, or a list (or tuple) of ``S`` per-scale arrays
            ``(bands..., H_s, W_s)`` with equal band shapes. float32 and float64 arrays
            are read in place whatever their layout; other real dtypes are converted to
            float32. ``data`` is never modified; NaN values are copied as they are.
        patch_width : int
            The patch side ``w``, ``>= 1``.
        num_patches : int
            The number ``N`` of patches, ``>= 0``.
        rng : None, int, numpy.random.Generator or BitGenerator, optional
            Source of randomness, normalised with :func:`numpy.random.default_rng`.
        out : ndarray of float32, optional
            Output of shape ``(N, bands..., w, w)``, C-contiguous, writeable, not sharing
            memory with ``data``.

        Returns
        -------
        patches : ndarray of float32, shape (N, bands..., w, w)
        locations : ndarray of intp, shape (N, 3)
            ``(s, y, x)`` of every patch.

        Raises
        ------
        InputSizeError
            If a scale is smaller than ``w`` (a ValueError; its ``scale`` is the first).
        ValueError
            For empty data, mismatched band shapes, a bad ``out``, a negative seed, or a
            float64 value beyond float32's range in a drawn patch.
        TypeError
            For non-integer sizes, data that are not real numbers, an ``rng`` that
            cannot seed a Generator, or an ``out`` that is not an array.
        MemoryError
            If the output would not fit in the machine's memory.

        Notes
        -----
        The scale is drawn uniformly from ``[0, S)``, then the corner uniformly among
        the ``(H_s - w + 1) * (W_s - w + 1)`` corners of that scale: for every patch in
        turn, ``s = rng.integers(0, S)``, ``c = rng.integers(0, (H_s - w + 1) *
        (W_s - w + 1))`` and ``y, x = divmod(c, W_s - w + 1)`` (a bound of 1 draws
        nothing). Arguments are checked before anything is drawn or written.
        """
        width = _checks.integer(patch_width, "patch_width", 1, MAX_SIDE)
        n = _checks.integer(num_patches, "num_patches", 0)
        scales, bands, originals = _patch_scales(data, width)
        generator = _random.generator(rng)
        patches, row = self._patch_output(out, n, bands, width, originals)
        locations = np.empty((n, 3), _INTP)
        if n:
            out2d = patches.reshape(n, row)
            self._SampleGatherPatches(scales, width, generator, locations, out2d)
            _check_patch_values(scales, locations, width, out2d)
        return patches, locations

    # -- the standard HMAX model ----------------------------------------------------------

    def _output_list(self, out, shapes, inputs, what):
        """The outputs of an operation returning a list: ``out`` (None or a list of arrays)
        checked entry by entry as :meth:`_output` checks one, or new arrays."""
        if out is None:
            _checks.memory(sum(_F32.itemsize * math.prod(s) for s in shapes),
                           "the outputs of %s", what)
            return [self._output(None, s, inputs, what) for s in shapes]
        if not isinstance(out, (list, tuple)):
            raise TypeError("out must be None or a list of %d arrays, got %s"
                            % (len(shapes), _checks.show(out)))
        if len(out) != len(shapes):
            raise ValueError("out must hold %d arrays (one per kernel set), got %d"
                             % (len(shapes), len(out)))
        result = []
        for i, (o, shape) in enumerate(zip(out, shapes)):
            earlier = [("out[%d]" % j, a) for j, a in enumerate(result)]
            try:
                result.append(self._output(o, shape, inputs + earlier, what))
            except (TypeError, ValueError) as err:
                # the single-array check names "out"; name the entry
                raise type(err)("out[%d]%s" % (i, str(err)[len("out"):])) from None
        return result

    @staticmethod
    def _map_list(maps, name, ndim):
        """A non-empty list of finite float32 C-contiguous arrays of ``ndim`` dimensions,
        with the originals (for the overlap checks of ``out``)."""
        if not isinstance(maps, (list, tuple)):
            raise TypeError("%s must be a list of %dD arrays, got %s"
                            % (name, ndim, _checks.show(maps)))
        if len(maps) == 0:
            raise ValueError("%s must hold at least one array, got an empty %s"
                             % (name, type(maps).__name__))
        arrays = [_checks.float32_array(a, "%s[%d]" % (name, i), ndim)
                  for i, a in enumerate(maps)]
        originals = [("%s[%d]" % (name, i), a) for i, a in enumerate(maps)
                     if isinstance(a, np.ndarray)]
        originals += [("%s[%d]" % (name, i), a) for i, a in enumerate(arrays)]
        return arrays, originals

    @staticmethod
    def _hmax_s2_arguments(data_shape, kernels, activation, sigma, data_name):
        """Checked (kernels, activation, sigma) of :meth:`HmaxS2` and :meth:`HmaxC2`."""
        kernels = _checks.float32_array(kernels, "kernels", 4)
        m, n, kh, kw = kernels.shape
        if n != data_shape[0]:
            raise ValueError("kernels must have the %d bands of %s (kernels of shape (m, %d, "
                             "k, k)), got shape %r"
                             % (data_shape[0], data_name, data_shape[0], kernels.shape))
        if kh != kw or kh < 1:
            raise ValueError("kernels must be square, with a side >= 1 (shape (m, bands, k, "
                             "k)), got shape %r" % (kernels.shape,))
        if not isinstance(activation, str):
            raise TypeError("activation must be one of %s, got %s"
                            % (", ".join(map(repr, HMAX_ACTIVATIONS)), _checks.show(activation)))
        if activation not in HMAX_ACTIVATIONS:
            raise ValueError("activation must be one of %s, got %s"
                             % (", ".join(map(repr, HMAX_ACTIVATIONS)), _checks.show(activation)))
        sigma = _checks.real(sigma, "sigma", 0.0, low_open=True)
        return kernels, activation, sigma

    def HmaxS1(self, data, kernels, out=None):
        """S1 of the standard HMAX model: normalised absolute Gabor responses, borders zeroed.

        For every kernel ``w`` of side ``s`` and every pixel, the correlation of the image,
        padded with zeros, with ``w`` over the ``s x s`` window centred on the pixel, in
        absolute value, divided by the Euclidean norm of the same zero-padded window (a
        norm of exactly 0 is taken as 1). The first ``(s + 1) // 2`` and the last
        ``(s - 1) // 2`` rows and columns of every map are then set to 0.

        Parameters
        ----------
        data : array_like, 2D (H, W)
            The image: real, finite values, ``H, W >= 1``.
        kernels : list of array_like
            Kernel sets, each 3D ``(n_i, s_i, s_i)`` with ``n_i >= 1`` and ``s_i`` odd;
            real, finite values.
        out : list of ndarray of float32, optional
            One buffer per kernel set, of shape ``(n_i, H, W)``, C-contiguous,
            writeable, not sharing memory with the inputs or each other.

        Returns
        -------
        list of ndarray of float32, shapes (n_i, H, W)
            ``out`` when given (its arrays).

        Raises
        ------
        TypeError
            If an array is not real, ``kernels`` or ``out`` is not a list.
        ValueError
            If a shape or value does not fit, or ``out`` does not.
        MemoryError
            If the outputs would not fit in memory.
        """
        original = data
        data = _checks.float32_array(data, "data", 2)
        if data.shape[0] < 1 or data.shape[1] < 1:
            raise ValueError("data must have a height and width >= 1, got shape %r"
                             % (data.shape,))
        kernels, inputs = self._map_list(kernels, "kernels", 3)
        for i, k in enumerate(kernels):
            if k.shape[0] < 1 or k.shape[1] != k.shape[2] or k.shape[1] % 2 != 1:
                raise ValueError("kernels[%d] must have shape (n, s, s) with n >= 1 and s odd, "
                                 "got %r" % (i, k.shape))
        inputs += [("data", a) for a in (original, data) if isinstance(a, np.ndarray)]
        h, w = data.shape
        out = self._output_list(out, [(k.shape[0], h, w) for k in kernels], inputs, "HmaxS1")
        return self._HmaxS1(data, kernels, out)

    def HmaxC1(self, maps, kwidth, out=None):
        """C1 of the standard HMAX model: a max over S1 sizes, a strided pool, a shift.

        ``m`` is the elementwise maximum of ``maps``; it is padded by ``p // 2`` on every
        side with values that never win, the maximum of every ``p x p`` window is taken
        at stride ``q = p // 2``, and the pooled map is shifted by one row and column:
        ``out[:, i, j] = pooled[:, i + 1, j + 1]``, the last row and column 0.

        Parameters
        ----------
        maps : list of array_like
            Non-empty; 3D ``(n, H, W)`` arrays of one shape, ``n >= 1``; real, finite.
        kwidth : int
            The pool side ``p``, ``>= 2``.
        out : ndarray of float32, optional
            Output buffer of shape ``(n, h, w)``, ``h = (H + 2 (p // 2) - p) // q + 1``
            (``w`` likewise), C-contiguous, writeable, not overlapping the inputs.

        Returns
        -------
        ndarray of float32, shape (n, h, w)
            ``out`` when given.

        Raises
        ------
        TypeError
            If an array is not real, ``maps`` is not a list or ``kwidth`` not an integer.
        ValueError
            If a shape, value or ``out`` does not fit.
        InputSizeError
            If the maps have no position (``H`` or ``W`` is 0).
        MemoryError
            If the output would not fit in memory.
        """
        maps, inputs = self._map_list(maps, "maps", 3)
        shape = maps[0].shape
        for i, a in enumerate(maps):
            if a.shape != shape:
                raise ValueError("maps[%d] must have the shape %r of maps[0], got %r"
                                 % (i, shape, a.shape))
        if shape[0] < 1:
            raise ValueError("maps must have at least one band, got shape %r" % (shape,))
        p = _checks.integer(kwidth, "kwidth", 2, MAX_SIDE)
        q = p // 2
        if shape[1] < 1 or shape[2] < 1:
            raise InputSizeError("maps of shape %r are too small for one C1 unit of kwidth=%d"
                                 % (shape, p))
        sides = [(side + 2 * q - p) // q + 1 for side in shape[1:]]
        out = self._output(out, (shape[0],) + tuple(sides), inputs, "HmaxC1")
        return self._HmaxC1(maps, p, out)

    def HmaxS2(self, data, kernels, activation="euclidean", sigma=1.0, out=None):
        """S2 of the standard HMAX model: distance of every C1 window to every patch.

        ``data`` is padded with ``k // 2`` zeros on every side; for every ``k x k`` window
        position of the padded map but those of the first row and the first column, ``d``
        is the squared Euclidean distance ``sum(x**2) - 2 <x, w> + sum(w**2)`` between the
        window ``x`` (all bands) and each kernel ``w``.

        Parameters
        ----------
        data : array_like, 3D (n, h, w)
            One C1 band: real, finite values, ``n >= 1``.
        kernels : array_like, 4D (m, n, k, k)
            The patches, with the bands of ``data``; real, finite values, ``k >= 1``.
        activation : {"euclidean", "gaussian"}, optional
            ``sqrt(max(d, 0))`` or ``exp(-d / (2 sigma**2))``.
        sigma : float, optional
            The width of "gaussian", finite and ``> 0`` (checked for both).
        out : ndarray of float32, optional
            Output buffer of shape ``(m, h + 2 (k // 2) - k, w + 2 (k // 2) - k)`` (0
            when negative), C-contiguous, writeable, not overlapping the inputs.

        Returns
        -------
        ndarray of float32, shape (m, h + 2 (k // 2) - k, w + 2 (k // 2) - k)
            ``out`` when given; returned without computing when empty.

        Raises
        ------
        TypeError
            If an array is not real, ``activation`` is not a string or ``sigma`` not real.
        ValueError
            If a shape, value or ``out`` does not fit.
        MemoryError
            If the output would not fit in memory.
        """
        original_data, original_kernels = data, kernels
        data = _checks.float32_array(data, "data", 3)
        if data.shape[0] < 1:
            raise ValueError("data must have at least one band, got shape %r" % (data.shape,))
        kernels, activation, sigma = self._hmax_s2_arguments(data.shape, kernels, activation,
                                                             sigma, "data")
        k = kernels.shape[2]
        shape = (kernels.shape[0],) + tuple(max(0, side + 2 * (k // 2) - k)
                                            for side in data.shape[1:])
        inputs = [(name, a) for name, a in [("data", original_data), ("data", data),
                                            ("kernels", original_kernels),
                                            ("kernels", kernels)]
                  if isinstance(a, np.ndarray)]
        out = self._output(out, shape, inputs, "HmaxS2")
        if out.size == 0:
            return out
        return self._HmaxS2(data, kernels, activation, sigma, out)

    def HmaxC2(self, bands, kernels, activation="euclidean", sigma=1.0, out=None):
        """C2 of the standard HMAX model: every patch's best S2 value over all C1 bands.

        The minimum ("euclidean") or maximum ("gaussian") over all positions of all
        ``bands`` of :meth:`HmaxS2`'s values, computed without holding the S2 maps.

        Parameters
        ----------
        bands : list of array_like
            Non-empty; the C1 bands, 3D ``(n, h_b, w_b)`` arrays with the same ``n >= 1``;
            real, finite values.
        kernels, activation, sigma
            As for :meth:`HmaxS2`.
        out : ndarray of float32, optional
            Output buffer of shape ``(m,)``, writeable, not overlapping the inputs.

        Returns
        -------
        ndarray of float32, shape (m,)
            ``out`` when given.

        Raises
        ------
        TypeError, ValueError, MemoryError
            As :meth:`HmaxS2`.
        InputSizeError
            If no band has an S2 position for patches of side ``k``.
        """
        original_kernels = kernels
        bands, inputs = self._map_list(bands, "bands", 3)
        n = bands[0].shape[0]
        if n < 1:
            raise ValueError("bands must have at least one band, got shape %r"
                             % (bands[0].shape,))
        for i, a in enumerate(bands):
            if a.shape[0] != n:
                raise ValueError("bands[%d] must have the %d bands of bands[0], got shape %r"
                                 % (i, n, a.shape))
        kernels, activation, sigma = self._hmax_s2_arguments(bands[0].shape, kernels,
                                                             activation, sigma, "bands[0]")
        k = kernels.shape[2]
        if not any(min(a.shape[1:]) + 2 * (k // 2) - k > 0 for a in bands):
            raise InputSizeError("bands are too small for one S2 unit of patches of side %d "
                                 "(largest band %r)" % (k, max((a.shape for a in bands),
                                                               key=lambda s: min(s[1:]))))
        inputs += [("kernels", a) for a in (original_kernels, kernels)
                   if isinstance(a, np.ndarray)]
        out = self._output(out, (kernels.shape[0],), inputs, "HmaxC2")
        if out.size == 0:
            return out
        return self._HmaxC2(bands, kernels, activation, sigma, out)

    # -- private implementations (subclasses) ---------------------------------------------

    @abc.abstractmethod
    def _ContrastEnhance(self, data, kwidth, bias, scaling, out):
        """Fill ``out`` (h, w) with the contrast-enhanced ``data`` (H, W); return it."""

    @abc.abstractmethod
    def _DotProduct(self, data, kernels, scaling, out):
        """Fill ``out`` (n, h, w) with the window/kernel dot products; return it."""

    @abc.abstractmethod
    def _NormDotProduct(self, data, kernels, bias, scaling, out):
        """Fill ``out`` (n, h, w) with the normalised dot products; return it."""

    @abc.abstractmethod
    def _Rbf(self, data, kernels, beta, scaling, out):
        """Fill ``out`` (n, h, w) with the RBF responses; return it."""

    @abc.abstractmethod
    def _NormRbf(self, data, kernels, bias, beta, scaling, out):
        """Fill ``out`` (n, h, w) with the normalised RBF responses; return it."""

    @abc.abstractmethod
    def _LocalMax(self, data, kwidth, scaling, out):
        """Fill ``out`` (bands, h, w) with the windowed maxima; return it."""

    @abc.abstractmethod
    def _GlobalMax(self, data, out):
        """Fill ``out`` (bands,) with the per-band maxima; return it."""

    @abc.abstractmethod
    def _Resample(self, data, width, height, filter, box):
        """Return the float32 window ``box`` of ``data`` (2D float32/float64, aligned, any
        strides, non-empty) resized to (height, width)."""

    @abc.abstractmethod
    def _ResampleBytes(self, data, width, height, filter, box):
        """``_Resample`` of ``data / float32(255)`` for 2D uint8 ``data`` (any strides)."""

    @abc.abstractmethod
    def _ResampleScratchBytes(self, iheight, iwidth, width, height, filter, box):
        """Upper bound (a number of bytes) of what ``_Resample`` allocates, output included."""

    @abc.abstractmethod
    def _LumaBytes(self, data, out):
        """Fill ``out`` (float32, C-contiguous, (H, W), not empty) with the luma of the uint8
        ``data`` (H, W, 3 or 4; any strides) as :meth:`LumaBytes` defines it; return it."""

    @abc.abstractmethod
    def _GatherPatches(self, scales, locations, width, out):
        """Copy the patch at every (s, y, x) row of ``locations`` (intp, C-contiguous, each
        inside its scale) from ``scales`` (list of (bands..., H, W) float32/float64 aligned
        arrays of any strides) into the rows of ``out`` (float32, (N, bands * w * w))."""

    @abc.abstractmethod
    def _SampleGatherPatches(self, scales, width, generator, locations, out):
        """Draw ``len(locations)`` corners with ``generator`` in the documented order into
        ``locations`` (intp, (N, 3)), then gather as ``_GatherPatches``."""

    @abc.abstractmethod
    def _HmaxS1(self, data, kernels, out):
        """Fill the arrays of ``out`` (list of (n_i, H, W)) with S1 of the 2D ``data`` for
        the kernel sets ``kernels`` (list of finite float32 (n_i, s_i, s_i), s_i odd); return
        ``out``."""

    @abc.abstractmethod
    def _HmaxC1(self, maps, kwidth, out):
        """Fill ``out`` (n, h, w), not empty, with C1 of ``maps`` (list of (n, H, W), H, W
        >= 1) for the pool side ``kwidth`` >= 2; return it."""

    @abc.abstractmethod
    def _HmaxS2(self, data, kernels, activation, sigma, out):
        """Fill ``out`` (m, h', w'), not empty, with S2 of ``data`` (n, h, w) for
        ``kernels`` (m, n, k, k); ``activation`` "euclidean" or "gaussian"; return it."""

    @abc.abstractmethod
    def _HmaxC2(self, bands, kernels, activation, sigma, out):
        """Fill ``out`` (m,), not empty, with C2 of ``bands`` (list of (n, h_b, w_b), at
        least one with an S2 position) for ``kernels`` (m, n, k, k); return it."""

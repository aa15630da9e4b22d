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

import numpy as np

from ..util import _checks

__all__ = ["Backend", "DEFAULT_BIAS", "DEFAULT_BETA"]

_F32 = np.dtype(np.float32)

#: Default ``bias`` of the S operations that use it (the S1 default of the HMAX model).
DEFAULT_BIAS = 0.01
#: Default ``beta`` of the S operations that use it (the S1 default of the HMAX model).
DEFAULT_BETA = 1.0


def _out_side(i, k, s):
    return (i - k) // s + 1 if i >= k else 0


def _overlaps(a, b):
    if not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=1 << 20))
    except np.exceptions.TooHardError:
        return True


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
        s = _checks.integer(scaling, "scaling", 1)
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
        s = _checks.integer(scaling, "scaling", 1)
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
            _checks.memory(nbytes, "the output of %s, of shape %r," % (what, shape))
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

    def _s_arguments(self, data, kernels, bias, beta, scaling, out, what):
        """Checked arguments of an S operation: (data, kernels, bias, beta, scaling, out)."""
        original_data, original_kernels = data, kernels
        data = _checks.float32_array(data, "data", 3)
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
        s = _checks.integer(scaling, "scaling", 1)
        shape = (kernels.shape[0],
                 _out_side(data.shape[1], kernels.shape[2], s),
                 _out_side(data.shape[2], kernels.shape[3], s))
        inputs = [("data", original_data), ("data", data),
                  ("kernels", original_kernels), ("kernels", kernels)]
        out = self._output(out, shape, [(n, a) for n, a in inputs if isinstance(a, np.ndarray)],
                           what)
        return data, kernels, bias, beta, s, out

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
        k = _checks.integer(kwidth, "kwidth", 2)
        bias = self._positive(bias, "bias")
        s = _checks.integer(scaling, "scaling", 1)
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
        data, kernels, _, _, s, out = self._s_arguments(
            data, kernels, bias, beta, scaling, out, "DotProduct")
        if out.size == 0:
            return out
        return self._DotProduct(data, kernels, s, out)

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
        data, kernels, bias, _, s, out = self._s_arguments(
            data, kernels, bias, beta, scaling, out, "NormDotProduct")
        if bias is None:
            raise TypeError("bias must be a real number, got None")
        if out.size == 0:
            return out
        return self._NormDotProduct(data, kernels, bias, s, out)

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
        data, kernels, _, beta, s, out = self._s_arguments(
            data, kernels, bias, beta, scaling, out, "Rbf")
        if beta is None:
            raise TypeError("beta must be a real number, got None")
        if out.size == 0:
            return out
        return self._Rbf(data, kernels, beta, s, out)

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
        data, kernels, bias, beta, s, out = self._s_arguments(
            data, kernels, bias, beta, scaling, out, "NormRbf")
        if bias is None:
            raise TypeError("bias must be a real number, got None")
        if beta is None:
            raise TypeError("beta must be a real number, got None")
        if out.size == 0:
            return out
        return self._NormRbf(data, kernels, bias, beta, s, out)

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
        k = _checks.integer(kwidth, "kwidth", 1)
        s = _checks.integer(scaling, "scaling", 1)
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

"""Random patches from a layer's activity maps (imprinting prototypes)."""

from __future__ import annotations

import operator

import numpy as np

from ..._kernels import _patches
from ...backends.errors import InputSizeError
from ...util._memory import MEMORY_LIMIT as _MEMORY_LIMIT

__all__ = ["SamplePatchesFromData"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_INTP = np.dtype(np.intp)


def _integer(value, name, minimum):
    """``value`` as a Python int >= minimum, or TypeError/ValueError naming ``name``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be an integer, got %r" % (name, value))
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %r" % (name, value)) from None
    if result < minimum:
        raise ValueError("%s must be >= %d, got %d" % (name, minimum, result))
    return result


def _readable(array):
    """``array`` if the kernel can read it in place, else a float32 copy of it.

    float32 and float64 (native byte order, aligned) are read in place. Other
    real types (integers, float16, long double, non-native or unaligned
    floats; the caller has checked the dtype kind) are converted to float32,
    which rounds as the kernel does when it reads float64.
    """
    dtype = array.dtype
    if (dtype == _F32 or dtype == _F64) and array.flags.aligned:
        return array
    return array.astype(_F32)


def _check_ndim(array, name):
    if array.ndim < 2:
        raise ValueError("%s must have at least 2 dimensions (bands..., H, W), got shape %r"
                         % (name, array.shape))


def _too_small(shape, width, scale):
    return InputSizeError(
        "scale %d of data is %dx%d, smaller than patch_width=%d"
        % (scale, shape[-2], shape[-1], width), scale=scale)


def _normalise_data(data, width):
    """Split ``data`` into per-scale arrays the kernel can read.

    Returns
    -------
    scales : list of ndarray
        Per-scale ``(bands..., H, W)`` arrays (views of ``data`` unless a
        dtype had to be converted).
    bands : tuple of int
    originals : list of ndarray
        The arrays the user passed, for the overlap check of ``out``.
    """
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            raise ValueError("data must hold at least one scale, got an empty %s"
                             % type(data).__name__)
        originals = [_as_array(d, "data[%d]" % s) for s, d in enumerate(data)]
        scales = []
        bands = None
        for s, a in enumerate(originals):
            name = "data[%d]" % s
            _readable_dtype_check(a, name)
            _check_ndim(a, name)
            if bands is None:
                bands = a.shape[:-2]
            elif a.shape[:-2] != bands:
                raise ValueError("data[%d] has band shape %r, but data[0] has %r: every scale "
                                 "must have the same band shape" % (s, a.shape[:-2], bands))
        _check_bands(bands)
        for s, a in enumerate(originals):
            if a.shape[-2] < width or a.shape[-1] < width:
                raise _too_small(a.shape, width, s)
        for s, a in enumerate(originals):
            scales.append(_readable(a))
        return scales, bands, originals
    a = _as_array(data, "data")
    _readable_dtype_check(a, "data")
    _check_ndim(a, "data")
    if a.ndim == 2:
        bands = ()
        scales = [a]
    else:
        if a.shape[0] == 0:
            raise ValueError("data must hold at least one scale, got shape %r" % (a.shape,))
        bands = a.shape[1:-2]
        _check_bands(bands)
        scales = None
    if a.shape[-2] < width or a.shape[-1] < width:
        raise _too_small(a.shape, width, 0)
    if scales is None:
        if (a.dtype == _F32 or a.dtype == _F64) and a.flags.aligned:
            scales = list(a)
        else:
            scales = [_readable(x) for x in a]
    else:
        scales[0] = _readable(a)
    return scales, bands, [a]


def _as_array(value, name):
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as err:
        raise type(err)("%s cannot be read as an array: %s" % (name, err)) from None


def _readable_dtype_check(array, name):
    if array.dtype.kind not in "iuf":
        raise TypeError("%s must hold real numbers (integer or floating point), got dtype %s"
                        % (name, array.dtype))


def _check_bands(bands):
    if 0 in bands:
        raise ValueError("data holds no values: its band shape %r has a zero-length axis"
                         % (bands,))


def _check_out(out, shape, originals):
    if not isinstance(out, np.ndarray):
        raise TypeError("out must be a numpy array, got %s" % type(out).__name__)
    if out.dtype != _F32:
        raise TypeError("out must have dtype float32, got %s" % out.dtype)
    if out.shape != shape:
        raise ValueError("out must have shape %r, got %r" % (shape, out.shape))
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    if not out.flags.writeable:
        raise ValueError("out must be writeable")
    for a in originals:
        if np.may_share_memory(out, a):
            try:
                overlap = np.shares_memory(out, a, max_work=1 << 20)
            except np.exceptions.TooHardError:
                overlap = True
            if overlap:
                raise ValueError("out must not share memory with data")


def SamplePatchesFromData(data, patch_width, num_patches, rng=None, out=None):
    """Sample patches at random places and scales of a layer's activity.

    Parameters
    ----------
    data : ndarray or list of ndarray
        The activity maps: one array of shape ``(S, bands..., H, W)`` with one
        entry per scale, a single map of shape ``(H, W)`` (one scale, no
        bands), or a list (or tuple) of ``S`` per-scale arrays of shape
        ``(bands..., H_s, W_s)`` with equal band shapes and any spatial sizes.
        float32 and float64 arrays are read in place whatever their memory
        layout (C or Fortran order, strided or negative-stride views,
        read-only); other real dtypes are converted to float32 one scale at a
        time. ``data`` is never modified. NaN values are copied like any other.
    patch_width : int
        Spatial extent ``w`` of a patch, ``>= 1``.
    num_patches : int
        Number ``N`` of patches, ``>= 0``.
    rng : None, int, numpy.random.Generator or BitGenerator, optional
        Source of randomness, normalised with :func:`numpy.random.default_rng`:
        None draws fresh entropy, an int is a seed, a Generator is used (and
        advanced) as is. The same seed gives the same result.
    out : ndarray of float32, optional
        Preallocated output of shape ``(N, bands..., w, w)``, C-contiguous,
        writeable and not sharing memory with ``data``. It is filled and
        returned, so a loop over a corpus can reuse one buffer.

    Returns
    -------
    patches : ndarray of float32, shape (N, bands..., w, w)
        ``patches[k]`` equals ``data[s][..., y:y + w, x:x + w]`` (converted to
        float32) for ``(s, y, x) = locations[k]``. It never shares memory with
        ``data``.
    locations : ndarray of intp, shape (N, 3)
        ``(s, y, x)`` of each patch: its scale and the top-left corner, with
        ``0 <= s < S``, ``0 <= y <= H_s - w`` and ``0 <= x <= W_s - w``.

    Raises
    ------
    InputSizeError
        If a scale is spatially smaller than ``w``; its ``scale`` attribute is
        the first such scale. (Also a ValueError.)
    ValueError
        If ``patch_width < 1`` or ``num_patches < 0``; if ``data`` is empty
        (no scales, or a zero-length band axis), has fewer than 2 dimensions,
        or holds scales with different band shapes; if ``out`` has the wrong
        shape, is not C-contiguous, is read-only or overlaps ``data``; if
        ``rng`` is a negative seed.
    TypeError
        If ``patch_width`` or ``num_patches`` is not an integer; if ``data``
        holds booleans, complex numbers, objects or strings; if ``rng`` cannot
        seed a Generator; if ``out`` is not a float32 array.
    MemoryError
        If the output would be larger than the machine's memory (checked
        before anything is allocated) or cannot be allocated.

    Notes
    -----
    Every corner that fits is reachable: the scale is drawn uniformly from
    ``[0, S)``, then the corner uniformly among the
    ``(H_s - w + 1) * (W_s - w + 1)`` corners of that scale. So a patch on a
    small scale is as likely as one on a large scale, and a map exactly ``w``
    high always gives ``y = 0``.

    Draw order (the reproducibility contract): for ``k = 0, ..., N - 1`` in
    turn, ``s = rng.integers(0, S)``, then
    ``c = rng.integers(0, (H_s - w + 1) * (W_s - w + 1))`` and
    ``y, x = divmod(c, W_s - w + 1)``; each draw is exactly what that scalar
    ``integers`` call would draw (a bound of 1 consumes nothing), so one draw
    per patch is made for a single scale and two for several. The draws are
    made in compiled code from the Generator's bit generator, under its lock;
    the patches are then copied with the GIL released, so threads that each
    own a Generator run in parallel and get the same results as sequential
    calls.

    Arguments are checked before anything is drawn or written: on error
    neither ``rng`` nor ``out`` is touched.

    Examples
    --------
    Extract 50 patches of size 10x10 from a stack of four 2D maps:

    >>> import numpy as np
    >>> data = np.random.default_rng(0).random((4, 100, 100))
    >>> patches, locs = SamplePatchesFromData(data, 10, 50, rng=1)
    >>> patches.shape, patches.dtype, locs.shape
    ((50, 10, 10), dtype('float32'), (50, 3))
    >>> s, y, x = locs[0]
    >>> bool((patches[0] == data[s, y:y + 10, x:x + 10].astype(np.float32)).all())
    True

    Maps of different sizes, with bands, and a reused output buffer:

    >>> maps = [np.ones((2, 32, 32)), np.ones((2, 20, 24))]
    >>> buf = np.empty((1000, 2, 5, 5), np.float32)
    >>> patches, locs = SamplePatchesFromData(maps, 5, 1000, rng=2, out=buf)
    >>> patches is buf
    True
    """
    width = _integer(patch_width, "patch_width", 1)
    n = _integer(num_patches, "num_patches", 0)
    scales, bands, originals = _normalise_data(data, width)
    try:
        generator = np.random.default_rng(rng)
    except (TypeError, ValueError) as err:
        raise type(err)("rng must be None, a non-negative int seed or a numpy.random.Generator, "
                        "got %r (%s)" % (rng, err)) from None
    nbands = 1
    for b in bands:
        nbands *= b
    shape = (n,) + tuple(bands) + (width, width)
    row = nbands * width * width
    nbytes = n * row * _F32.itemsize + n * 3 * _INTP.itemsize
    if nbytes > _MEMORY_LIMIT:
        raise MemoryError("the output of num_patches=%d patches of shape %r needs %d bytes, "
                          "more than this machine's memory (%d bytes)"
                          % (n, shape[1:], nbytes, _MEMORY_LIMIT))
    if out is None:
        try:
            patches = np.empty(shape, _F32)
        except MemoryError as err:
            raise MemoryError("cannot allocate the output of num_patches=%d patches of shape %r "
                              "(%s)" % (n, shape[1:], err)) from None
    else:
        _check_out(out, shape, originals)
        patches = out
    locations = np.empty((n, 3), _INTP)
    if n:
        _patches.sample(scales, width, generator, locations, patches.reshape(n, row))
    return patches, locations

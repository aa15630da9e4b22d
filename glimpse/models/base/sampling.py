"""Random patches from a layer's activity maps (imprinting prototypes)."""

from __future__ import annotations

from ...backends import AsBackend

__all__ = ["SamplePatchesFromData"]


def SamplePatchesFromData(data, patch_width, num_patches, rng=None, out=None, backend=None):
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
    backend : glimpse.backends.Backend, optional
        Computes the patches (:meth:`~glimpse.backends.Backend.SampleGatherPatches`);
        default: :func:`glimpse.backends.MakeBackend`'s.

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
        or holds scales with different band shapes; if ``out`` is not float32,
        has the wrong shape, is not C-contiguous, is read-only or overlaps
        ``data``; if ``rng`` is a negative seed; if a drawn patch holds a finite
        float64 value beyond float32's range (it would become infinite).
    TypeError
        If ``patch_width`` or ``num_patches`` is not an integer; if ``data``
        holds booleans, complex numbers, objects or strings; if ``rng`` cannot
        seed a Generator; if ``out`` is not a numpy array; if ``backend`` is
        not a Backend.
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
    return AsBackend(backend).SampleGatherPatches(data, patch_width, num_patches, rng=rng, out=out)

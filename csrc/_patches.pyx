"""Patch sampling kernels (private).

:class:`glimpse.backends.CythonBackend` is their only caller: the backend's
``GatherPatches`` and ``SampleGatherPatches`` validate and normalise the arguments
in Python and then call :func:`gather` and :func:`sample`; these kernels assume
clean input:

* ``scales`` is a non-empty list of numpy arrays, each of shape
  ``(bands..., H, W)`` with the same band shape, dtype float32 or float64 in
  native byte order, aligned, with any strides (negative and zero strides
  included; read-only arrays are fine, nothing is written to them);
* ``width >= 1`` and every scale is at least ``width`` high and wide;
* ``out`` is a C-contiguous float32 array of shape
  ``(N, prod(bands) * width * width)`` that overlaps no scale;
* ``locations`` is a C-contiguous intp array of shape ``(N, 3)``.

The scales are read through the buffer protocol, so every layout is read in
place: nothing is copied but the patches themselves.
"""

from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_STRIDES
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy
# numpy's bit generator interface (numpy/random/bitgen.h): only the raw generator
# function pointers are called, so the module needs the header but not libnpyrandom.
from numpy.random cimport bitgen_t

from _common cimport real_t, scale_t

cdef extern from *:
    """
    /* Streaming (non-temporal) float stores where SSE2 is available. */
    #if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
    #include <emmintrin.h>
    #define GLIMPSE_HAVE_STREAM 1
    #else
    #define GLIMPSE_HAVE_STREAM 0
    #endif
    #include <string.h>

    /* Write src[0:n] to dst. Floats up to the next 16-byte boundary of dst use
       ordinary stores, then whole 16-byte groups use streaming stores. Unless
       `final`, the remaining (< 4) floats are moved to the front of src and
       not written; returns the number of floats written. */
    static Py_ssize_t glimpse_stream_f32(float *dst, float *src, Py_ssize_t n, int final) {
        Py_ssize_t i = 0, head, body;
        head = (Py_ssize_t)(((16 - ((size_t)dst & 15)) & 15) >> 2);
        if (head > n) head = n;
        for (; i < head; i++) dst[i] = src[i];
        body = (n - head) & ~(Py_ssize_t)3;
    #if GLIMPSE_HAVE_STREAM
        if (((size_t)dst & 3) == 0) {
            for (; i < head + body; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
        }
    #endif
        for (; i < head + body; i++) dst[i] = src[i];
        if (final) {
            for (; i < n; i++) dst[i] = src[i];
            return n;
        }
        memmove(src, src + i, (size_t)(n - i) * sizeof(float));
        return i;
    }

    static void glimpse_store_fence(void) {
    #if GLIMPSE_HAVE_STREAM
        _mm_sfence();
    #endif
    }
    """
    const int GLIMPSE_HAVE_STREAM
    Py_ssize_t glimpse_stream_f32(float *dst, float *src, Py_ssize_t n, int final) noexcept nogil
    void glimpse_store_fence() noexcept nogil


# ----------------------------------------------------------------------------
# Bounded integers, drawn exactly like numpy's Generator.integers
# ----------------------------------------------------------------------------
cdef inline uint64_t _mulhi64(uint64_t a, uint64_t b) noexcept nogil:
    """High 64 bits of the 128-bit product ``a * b`` (portable)."""
    cdef uint64_t a0 = a & 0xFFFFFFFFULL
    cdef uint64_t a1 = a >> 32
    cdef uint64_t b0 = b & 0xFFFFFFFFULL
    cdef uint64_t b1 = b >> 32
    cdef uint64_t lo = a0 * b0
    cdef uint64_t mid = a1 * b0 + (lo >> 32)
    cdef uint64_t mid2 = (mid & 0xFFFFFFFFULL) + a0 * b1
    return a1 * b1 + (mid >> 32) + (mid2 >> 32)


cdef inline uint64_t _bounded(bitgen_t *bg, uint64_t rng) noexcept nogil:
    """A uniform integer in the closed range ``[0, rng]``.

    Parameters
    ----------
    bg : bitgen_t*
        The bit generator of a ``numpy.random.Generator``.
    rng : uint64_t
        Inclusive upper bound.

    Returns
    -------
    value : uint64_t

    Notes
    -----
    Lemire's multiply-and-reject method with the same stream consumption as
    numpy's ``Generator.integers(0, rng + 1)`` (``use_masked=False``): nothing
    is drawn when ``rng == 0``; ranges below ``2**32`` consume 32-bit draws,
    larger ones 64-bit draws. The result therefore equals numpy's scalar and
    vectorised ``integers`` for every bound below ``2**32 - 1``. (At exactly
    ``rng == 2**32 - 1`` numpy's 64-bit path degenerates; here one raw 32-bit
    draw is returned, which is uniform.)
    """
    cdef uint32_t r32, excl32, left32, thr32
    cdef uint64_t m, excl, left, thr, x
    if rng == 0:
        return 0
    if rng < 0xFFFFFFFFULL:
        r32 = <uint32_t>rng
        excl32 = r32 + 1
        m = <uint64_t>bg.next_uint32(bg.state) * excl32
        left32 = <uint32_t>m
        if left32 < excl32:
            thr32 = (0xFFFFFFFFU - r32) % excl32
            while left32 < thr32:
                m = <uint64_t>bg.next_uint32(bg.state) * excl32
                left32 = <uint32_t>m
        return m >> 32
    if rng == 0xFFFFFFFFULL:
        return bg.next_uint32(bg.state)
    if rng == 0xFFFFFFFFFFFFFFFFULL:
        return bg.next_uint64(bg.state)
    excl = rng + 1
    x = bg.next_uint64(bg.state)
    left = x * excl
    if left < excl:
        thr = (0xFFFFFFFFFFFFFFFFULL - rng) % excl
        while left < thr:
            x = bg.next_uint64(bg.state)
            left = x * excl
    return _mulhi64(x, excl)


cdef void _draw(bitgen_t *bg, const scale_t *sc, Py_ssize_t nscales,
                Py_ssize_t[:, ::1] loc) noexcept nogil:
    """Fill ``loc`` with (s, y, x): per patch, s, then the corner index c.

    ``s`` is drawn in ``[0, nscales)``, then ``c`` in ``[0, npos_s)`` and the
    corner is ``(y, x) = divmod(c, nx_s)``.
    """
    cdef Py_ssize_t k, s
    cdef uint64_t c, rs = <uint64_t>(nscales - 1)
    cdef const scale_t *p
    for k in range(loc.shape[0]):
        s = <Py_ssize_t>_bounded(bg, rs)
        p = &sc[s]
        c = _bounded(bg, p.rpos)
        loc[k, 0] = s
        if p.rpos < 0xFFFFFFFFULL:  # 32-bit division is much cheaper
            loc[k, 1] = <Py_ssize_t>(<uint32_t>c // <uint32_t>p.nx)
            loc[k, 2] = <Py_ssize_t>(<uint32_t>c % <uint32_t>p.nx)
        else:
            loc[k, 1] = <Py_ssize_t>(c // p.nx)
            loc[k, 2] = <Py_ssize_t>(c % p.nx)


# ----------------------------------------------------------------------------
# Gather
# ----------------------------------------------------------------------------
cdef inline float *_copy_rows(const real_t *src, Py_ssize_t sy, Py_ssize_t w,
                              float *dst) noexcept nogil:
    """Copy a w x w block whose rows are contiguous; returns the next ``dst``."""
    cdef Py_ssize_t i, j
    cdef const real_t *row
    for i in range(w):
        row = <const real_t *>(<const char *>src + i * sy)
        for j in range(w):
            dst[j] = <float>row[j]
        dst += w
    return dst


cdef inline float *_copy_rows_fixed(const float *src, Py_ssize_t sy, Py_ssize_t w,
                                    float *dst) noexcept nogil:
    """Copy a float32 w x w block row by row with ``memcpy``; returns the next ``dst``.

    Only called with a literal ``w``: the compiler then turns each row's
    fixed-size ``memcpy`` into a few inline vector moves (no library call).
    """
    cdef Py_ssize_t i
    for i in range(w):
        memcpy(dst, <const char *>src + i * sy, <size_t>w * sizeof(float))
        dst += w
    return dst


cdef inline float *_copy_rows_f32(const float *src, Py_ssize_t sy, Py_ssize_t w,
                                  float *dst) noexcept nogil:
    """:func:`_copy_rows` for float32, specialised for the widths 1 to 16.

    Each branch passes a literal width to :func:`_copy_rows_fixed`, so the
    compiler unrolls the copy of a row instead of looping over a width it does
    not know (wider patches take the plain loop).
    """
    if w == 1:
        return _copy_rows_fixed(src, sy, 1, dst)
    elif w == 2:
        return _copy_rows_fixed(src, sy, 2, dst)
    elif w == 3:
        return _copy_rows_fixed(src, sy, 3, dst)
    elif w == 4:
        return _copy_rows_fixed(src, sy, 4, dst)
    elif w == 5:
        return _copy_rows_fixed(src, sy, 5, dst)
    elif w == 6:
        return _copy_rows_fixed(src, sy, 6, dst)
    elif w == 7:
        return _copy_rows_fixed(src, sy, 7, dst)
    elif w == 8:
        return _copy_rows_fixed(src, sy, 8, dst)
    elif w == 9:
        return _copy_rows_fixed(src, sy, 9, dst)
    elif w == 10:
        return _copy_rows_fixed(src, sy, 10, dst)
    elif w == 11:
        return _copy_rows_fixed(src, sy, 11, dst)
    elif w == 12:
        return _copy_rows_fixed(src, sy, 12, dst)
    elif w == 13:
        return _copy_rows_fixed(src, sy, 13, dst)
    elif w == 14:
        return _copy_rows_fixed(src, sy, 14, dst)
    elif w == 15:
        return _copy_rows_fixed(src, sy, 15, dst)
    elif w == 16:
        return _copy_rows_fixed(src, sy, 16, dst)
    return _copy_rows(src, sy, w, dst)


cdef inline float *_copy_strided(const real_t *src, Py_ssize_t sy, Py_ssize_t sx,
                                 Py_ssize_t w, float *dst) noexcept nogil:
    """Copy a w x w block with any byte strides; returns the next ``dst``."""
    cdef Py_ssize_t i, j
    cdef const char *row
    for i in range(w):
        row = <const char *>src + i * sy
        for j in range(w):
            dst[j] = <float>(<const real_t *>(row + j * sx))[0]
        dst += w
    return dst


cdef inline void _copy_patch(const scale_t *c, Py_ssize_t nbands, Py_ssize_t y,
                             Py_ssize_t x, Py_ssize_t w, float *dst) noexcept nogil:
    """Copy the patch with corner (y, x) of one scale, band after band, to ``dst``."""
    cdef Py_ssize_t b
    cdef const char *origin = c.base + y * c.sy + x * c.sx
    cdef const char *src
    for b in range(nbands):
        src = origin + c.boff[b]
        if c.contig:
            if c.f64:
                dst = _copy_rows(<const double *>src, c.sy, w, dst)
            else:
                dst = _copy_rows_f32(<const float *>src, c.sy, w, dst)
        else:
            if c.f64:
                dst = _copy_strided(<const double *>src, c.sy, c.sx, w, dst)
            else:
                dst = _copy_strided(<const float *>src, c.sy, c.sx, w, dst)


cdef int _gather(const scale_t *sc, Py_ssize_t nbands,
                 const Py_ssize_t[:, ::1] loc, Py_ssize_t w,
                 float[:, ::1] out) except -1 nogil:
    """``out[k] = scale[s][..., y:y + w, x:x + w]`` (flattened) for every k.

    Patches are written in place with ordinary stores.
    """
    cdef Py_ssize_t k, last = nbands * w * w - 1  # index of the last float of a patch
    cdef float *dst
    for k in range(loc.shape[0]):
        dst = &out[k, last] - last  # debug builds bounds-check that the patch fits in the row
        _copy_patch(&sc[loc[k, 0]], nbands, loc[k, 1], loc[k, 2], w, dst)
    return 0


cdef int _gather_streamed(const scale_t *sc, Py_ssize_t nbands,
                          const Py_ssize_t[:, ::1] loc, Py_ssize_t w,
                          float[:, ::1] out, float *stage,
                          Py_ssize_t chunk) except -1 nogil:
    """:func:`_gather` for large outputs: patches are assembled in ``stage``
    (cache-resident, ``chunk + row`` floats) and written out with streaming
    (non-temporal) stores, which skip reading the output lines into the cache.
    """
    cdef Py_ssize_t k, last = nbands * w * w - 1  # index of the last float of a patch
    cdef Py_ssize_t filled = 0, done
    cdef float *dst = &out[0, 0] if loc.shape[0] else NULL
    for k in range(loc.shape[0]):
        _copy_patch(&sc[loc[k, 0]], nbands, loc[k, 1], loc[k, 2], w, stage + filled)
        filled += last + 1
        if filled >= chunk:
            done = glimpse_stream_f32(dst, stage, filled, 0)
            dst += done
            filled -= done
    if filled:
        glimpse_stream_f32(dst, stage, filled, 1)
    glimpse_store_fence()
    if loc.shape[0]:
        dst = &out[loc.shape[0] - 1, last]  # debug builds: the patches fit in out
    return 0


# ----------------------------------------------------------------------------
# Python entry points
# ----------------------------------------------------------------------------
cdef class _Scales:
    """Buffers of the scales, held for the duration of one kernel call."""

    cdef Py_buffer *views
    cdef scale_t *info
    cdef Py_ssize_t *offsets
    cdef Py_ssize_t nscales
    cdef Py_ssize_t nbands
    cdef Py_ssize_t nheld
    cdef Py_ssize_t span  # bytes spanned by all the scales together

    def __cinit__(self, list scales, Py_ssize_t width):
        cdef Py_ssize_t s, d, b, nb, nd, idx
        cdef Py_buffer *v
        self.nscales = len(scales)
        self.views = <Py_buffer *>calloc(self.nscales, sizeof(Py_buffer))
        self.info = <scale_t *>calloc(self.nscales, sizeof(scale_t))
        if self.views == NULL or self.info == NULL:
            raise MemoryError("cannot allocate the scale table")
        for s in range(self.nscales):
            v = &self.views[s]
            PyObject_GetBuffer(scales[s], v, PyBUF_STRIDES)
            self.nheld += 1
            nd = v.ndim
            nb = 1
            for d in range(nd - 2):
                nb *= v.shape[d]
            if s == 0:
                self.nbands = nb
                self.offsets = <Py_ssize_t *>calloc(self.nscales * nb + 1, sizeof(Py_ssize_t))
                if self.offsets == NULL:
                    raise MemoryError("cannot allocate the band offset table")
            self.info[s].base = <const char *>v.buf
            self.info[s].sy = v.strides[nd - 2]
            self.info[s].sx = v.strides[nd - 1]
            self.info[s].nx = <uint64_t>(v.shape[nd - 1] - width + 1)
            self.info[s].rpos = (<uint64_t>(v.shape[nd - 2] - width + 1)) * self.info[s].nx - 1
            self.info[s].f64 = v.itemsize == 8
            self.info[s].contig = v.strides[nd - 1] == v.itemsize
            self.info[s].boff = &self.offsets[s * nb]
            self.span += v.itemsize
            for d in range(nd):
                self.span += (v.shape[d] - 1) * (v.strides[d] if v.strides[d] >= 0
                                                 else -v.strides[d])
            # byte offset of band b: its band index in C order, dotted with the strides
            for b in range(nb):
                idx = b
                self.offsets[s * nb + b] = 0
                for d in range(nd - 3, -1, -1):
                    self.offsets[s * nb + b] += (idx % v.shape[d]) * v.strides[d]
                    idx //= v.shape[d]

    def __dealloc__(self):
        cdef Py_ssize_t s
        for s in range(self.nheld):
            PyBuffer_Release(&self.views[s])
        free(self.views)
        free(self.info)
        free(self.offsets)


def gather(list scales not None,
           const Py_ssize_t[:, ::1] locations not None,
           Py_ssize_t width,
           float[:, ::1] out not None):
    """Copy the patch at every location into ``out``.

    Parameters
    ----------
    scales : list of ndarray
        Per-scale maps, each ``(bands..., H, W)``, float32 or float64, any
        strides (see the module docstring).
    locations : ndarray of intp, shape (N, 3)
        ``(s, y, x)`` per patch; every patch must fit (unchecked).
    width : int
        Patch width, ``>= 1``.
    out : ndarray of float32, shape (N, prod(bands) * width * width)
        C-contiguous; receives the patches, bands then rows then columns.

    Returns
    -------
    None
    """
    cdef _Scales sc = _Scales(scales, width)
    _gather_any(sc, locations, width, out)


def sample(list scales not None,
           Py_ssize_t width,
           object generator not None,
           Py_ssize_t[:, ::1] locations not None,
           float[:, ::1] out not None):
    """Draw ``N`` patch locations with ``generator`` and copy the patches.

    Parameters
    ----------
    scales : list of ndarray
        Per-scale maps, each ``(bands..., H, W)``, float32 or float64, any
        strides, each at least ``width`` high and wide (see the module
        docstring).
    width : int
        Patch width, ``>= 1``.
    generator : numpy.random.Generator
        Source of randomness; its bit generator is advanced.
    locations : ndarray of intp, shape (N, 3)
        C-contiguous; receives ``(s, y, x)`` per patch.
    out : ndarray of float32, shape (N, prod(bands) * width * width)
        C-contiguous; receives the patches.

    Returns
    -------
    None

    Notes
    -----
    Draw order, per patch ``k = 0 .. N-1``: ``s`` in ``[0, S)``, then a
    corner index ``c`` in ``[0, (H_s - width + 1) * (W_s - width + 1))``, each
    drawn as ``generator.integers(0, bound)`` would draw it (a bound of 1
    draws nothing); ``(y, x) = divmod(c, W_s - width + 1)``. The draws run
    under the bit generator's lock without the GIL; the copy then runs
    without the GIL and without the lock. Outputs of at least
    ``STREAM_THRESHOLD`` bytes read from scales spanning at most
    ``STREAM_SOURCE_LIMIT`` bytes are assembled in a small buffer and written
    with streaming stores (see :func:`_gather_any`).
    """
    cdef _Scales sc = _Scales(scales, width)
    bit_generator = generator.bit_generator
    capsule = bit_generator.capsule
    if not PyCapsule_IsValid(capsule, "BitGenerator"):
        raise TypeError("the generator's bit_generator exposes no BitGenerator capsule")
    cdef bitgen_t *bg = <bitgen_t *>PyCapsule_GetPointer(capsule, "BitGenerator")
    with bit_generator.lock:
        with nogil:
            _draw(bg, sc.info, sc.nscales, locations)
    _gather_any(sc, locations, width, out)


#: Outputs of at least this many bytes are written with streaming stores...
STREAM_THRESHOLD = 16 << 20
#: ... when the scales they are read from span at most this many bytes.
STREAM_SOURCE_LIMIT = 1 << 20
cdef Py_ssize_t _STAGE_CHUNK = 2048  # floats assembled before each streamed write


cdef _gather_any(_Scales sc, const Py_ssize_t[:, ::1] locations, Py_ssize_t width,
                 float[:, ::1] out):
    """Gather with the GIL released; streaming stores for large outputs of small maps.

    Streaming stores skip reading the output's lines into the cache, which pays when
    the output is large (it will not stay in the cache) and the reads hit the cache:
    then the writes are the only memory traffic. When the scales are larger than
    a core's cache (``STREAM_SOURCE_LIMIT``, the 1 MiB of an L2), every patch row read
    misses too, and streaming stores, which hold their line buffers until a whole line
    is written, compete with those misses. Time with streaming stores / time without,
    same run (``python benchmarks/bench_patches.py --stream-ab``, 15 rounds, medians of
    per-round ratios): A2 (256 KiB map, w = 8, 25.6 MB output) 0.55, the same with a
    reused ``out`` 0.53; E-out (1 MiB map, w = 11, 48 MB, reused ``out``) 0.76; C
    (4 MiB map, w = 16, 102 MB) 1.09, C-out (the same, reused ``out``) 1.24; D-out
    (16 MiB map, w = 11, 48 MB, reused ``out``) 1.31.
    """
    cdef Py_ssize_t row = out.shape[1]
    cdef float *stage
    if (not GLIMPSE_HAVE_STREAM or out.shape[0] * row * <Py_ssize_t>sizeof(float)
            < <Py_ssize_t>STREAM_THRESHOLD or sc.span > <Py_ssize_t>STREAM_SOURCE_LIMIT):
        with nogil:
            _gather(sc.info, sc.nbands, locations, width, out)
        return
    stage = <float *>malloc((_STAGE_CHUNK + row + 4) * sizeof(float))
    if stage == NULL:
        raise MemoryError("cannot allocate the patch staging buffer")
    try:
        with nogil:
            _gather_streamed(sc.info, sc.nbands, locations, width, out, stage, _STAGE_CHUNK)
    finally:
        free(stage)

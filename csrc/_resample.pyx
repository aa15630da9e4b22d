"""Separable float32 resampling with Pillow's filters (private).

:mod:`glimpse.util.gimage` validates the input and calls :func:`resample`.

Algorithm (Pillow's ``ImagingResample``, re-derived): one coefficient table
per axis, built in double precision. For output index ``o`` of an axis of
input length ``n`` and output length ``m``, with ``s = n / m`` and
``f = max(s, 1)``:

* the pixel centre is ``c = (o + 0.5) * s`` in input coordinates;
* the window is ``trunc(c - r*f + 0.5)`` .. ``trunc(c + r*f + 0.5)`` clipped
  to ``[0, n)`` (``r`` is the filter's base support);
* tap ``i`` gets ``K((i - c + 0.5) / f)``, and the weights are divided by
  their sum (windows cut by the border are renormalised, no padding).

Numerics ("fast" mode): the weights are stored as float32 and the sums run
in float32, in blocks of at most ``_BLOCK`` taps whose partial sums are
carried in double (so very large shrink factors keep their accuracy). The
two passes are ordered by estimated cost, which differs from Pillow's fixed
horizontal-first order by a float32 rounding of the intermediate; on data in
[0, 1] the output is within ~5e-7 of Pillow's mode 'F' (4.8e-7 was the
largest difference over 3000 random shapes and filters).

Streaming: the input is read by rows and the output made in strips of
output rows (:func:`_resample_rows`): only the strip's part of the
intermediate exists, and an input that needs converting (uint8, float64,
other strides) is converted block by block as the strip reads it, so a
call's scratch space is a few strips wide whatever the image size (plus,
for a transposed input, an output-sized buffer).

Layouts: a float32 input with contiguous rows runs as it is; one with
contiguous columns (Fortran order, ``a.T``) is resampled as its transposed
view, rows for columns, with the tables and the pass order swapped, and the
result is transposed back. The horizontal pass (:func:`_hpass`) transposes
blocks of rows into the vertical kernel (:func:`_vpass`), so both passes
make every output by the same float32 sum in the same order, and both
layouts give the same result bit for bit.

Crop-direct: only the requested output window is computed. Tables are built
for the cropped output indices with the full-size centre formula, and the
first pass covers only the input lines those rows or columns need, so the
result equals resizing to the full size and then cropping.
"""

cimport cython
from libc.math cimport sin, ceil, M_PI
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memmove, memset

import numpy as np

from _common cimport real_t

# The element types the resampler reads: real_t, and 8-bit samples read as value / 255.
ctypedef fused sample_t:
    real_t
    unsigned char

# Filter codes: the values of PIL.Image.Resampling.
LANCZOS = 1
BILINEAR = 2
BICUBIC = 3
BOX = 4

cdef enum:
    _LANCZOS = 1
    _BILINEAR = 2
    _BICUBIC = 3
    _BOX = 4

cdef enum:
    # Taps summed in float32 before the partial sum is carried in double.
    _BLOCK = 32

# Relative cost of one horizontal multiply-add (the row blocks are transposed
# there and back) against one vertical multiply-add (a vectorised row
# update), for the pass order rule: a ratio of timings of the two loops, to
# be measured again when either loop changes.
cdef double _H_COST = 2.5

ctypedef struct _Table:
    Py_ssize_t n        # output indices in the table
    Py_ssize_t k        # slots per output (row stride of w)
    Py_ssize_t *lo      # first input index of each window
    Py_ssize_t *cnt     # taps in each window
    float *w            # n x k normalised weights, unused slots zero


cdef inline double _sinc(double x) noexcept nogil:
    if x == 0.0:
        return 1.0
    x = x * M_PI
    return sin(x) / x


cdef double _kernel(int filt, double x) noexcept nogil:
    """Evaluate a filter kernel.

    Parameters
    ----------
    filt : int
        Filter code (``_BOX``, ``_BILINEAR``, ``_BICUBIC`` or ``_LANCZOS``).
    x : double
        Distance from the output pixel centre, in units of the kernel.

    Returns
    -------
    double
        ``K(x)``: box is 1 on (-0.5, 0.5]; bilinear is ``max(0, 1 - |x|)``;
        bicubic is Keys' cubic with a = -0.5; Lanczos is
        ``sinc(x) sinc(x / 3)`` on [-3, 3).
    """
    if filt == _BOX:
        return 1.0 if -0.5 < x <= 0.5 else 0.0
    if filt == _LANCZOS:
        if -3.0 <= x < 3.0:
            return _sinc(x) * _sinc(x / 3.0)
        return 0.0
    if x < 0.0:
        x = -x
    if filt == _BILINEAR:
        return 1.0 - x if x < 1.0 else 0.0
    # bicubic, a = -0.5
    if x < 1.0:
        return (1.5 * x - 2.5) * x * x + 1.0
    if x < 2.0:
        return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return 0.0


cdef double _support(int filt) noexcept nogil:
    """Base half-width of a filter's kernel (before stretching)."""
    if filt == _BOX:
        return 0.5
    if filt == _BILINEAR:
        return 1.0
    if filt == _BICUBIC:
        return 2.0
    return 3.0


cdef inline double _scale(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    # Pillow takes the box extent as a C float before widening it.
    return <double>(<float>n_in) / <double>n_out


cdef Py_ssize_t _slots(int filt, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Coefficient slots per output index: ``2 * ceil(support) + 1``."""
    cdef double s = _scale(n_in, n_out)
    if s < 1.0:
        s = 1.0
    return 2 * <Py_ssize_t>ceil(_support(filt) * s) + 1


cdef void _build_table(int filt, Py_ssize_t n_in, Py_ssize_t n_out,
                       Py_ssize_t o0, _Table *t, double *tmp) noexcept nogil:
    """Fill a coefficient table for output indices ``o0 .. o0 + t.n - 1``.

    Parameters
    ----------
    filt : int
        Filter code.
    n_in, n_out : Py_ssize_t
        Input and full output length of the axis.
    o0 : Py_ssize_t
        First output index (the crop offset).
    t : _Table*
        Table with ``n`` and ``k`` set and ``lo``, ``cnt``, ``w`` allocated.
    tmp : double*
        Scratch space of ``t.k`` doubles.
    """
    cdef double scale = _scale(n_in, n_out)
    cdef double fscale = scale if scale > 1.0 else 1.0
    cdef double support = _support(filt) * fscale
    cdef double inv = 1.0 / fscale
    cdef double centre, total
    cdef Py_ssize_t o, i, lo, hi, count
    cdef float *w
    for o in range(t.n):
        centre = (o0 + o + 0.5) * scale
        lo = <Py_ssize_t>(centre - support + 0.5)
        if lo < 0:
            lo = 0
        hi = <Py_ssize_t>(centre + support + 0.5)
        if hi > n_in:
            hi = n_in
        count = hi - lo
        if count > t.k:  # cannot happen; keeps the writes inside the row
            count = t.k
        if count < 0:
            count = 0
        total = 0.0
        for i in range(count):
            tmp[i] = _kernel(filt, ((i + lo) - centre + 0.5) * inv)
            total += tmp[i]
        w = t.w + o * t.k
        for i in range(count):
            w[i] = <float>(tmp[i] / total if total != 0.0 else tmp[i])
        for i in range(count, t.k):
            w[i] = 0.0
        t.lo[o] = lo
        t.cnt[o] = count


cdef extern from "_resample_simd.h" nogil:
    # o = sum_k w[k] * row(p + k * sstride), the taps added in order, four per sweep over
    # the row; baseline, AVX2 or AVX-512 code, the same result bit for bit
    void _vrow "rs_vrow"(const float *p, Py_ssize_t sstride, Py_ssize_t ncols,
                         const float *w, Py_ssize_t n, float *o) noexcept
    # a contiguous row as float32: 8-bit samples / 255 (float32 division), doubles rounded
    void _u8_row "rs_u8"(const unsigned char *src, Py_ssize_t n, float *out) noexcept
    void _f64_row "rs_f64"(const double *src, Py_ssize_t n, float *out) noexcept
    # the blocked transpose in AVX2 code: 1 if done, 0 at the baseline level
    int _transpose_simd "rs_transpose"(const float *src, Py_ssize_t sstride, Py_ssize_t nr,
                                       Py_ssize_t nc, float *dst, Py_ssize_t dstride) noexcept
    int resample_isa(int cap) noexcept


cdef void _vpass(const float *src, Py_ssize_t sstride, Py_ssize_t ncols,
                 const _Table *t, float *dst, Py_ssize_t dstride,
                 double *dacc) noexcept nogil:
    """Vertical pass: ``dst[j, :] = sum_k w[j, k] * src[lo[j] + k, :]``.

    Parameters
    ----------
    src : const float*
        First input row; rows are ``sstride`` floats apart (may be negative),
        the ``lo`` indices are relative to it, and each row is contiguous.
    sstride : Py_ssize_t
        Input row stride, in floats.
    ncols : Py_ssize_t
        Columns to resample (row length).
    t : const _Table*
        Vertical table (``t.n`` output rows).
    dst : float*
        Output, ``dstride`` floats between rows.
    dstride : Py_ssize_t
        Output row stride, in floats.
    dacc : double*
        Scratch row of ``ncols`` doubles, for windows of more than
        ``_BLOCK`` taps.

    Notes
    -----
    Each output row is built by whole-row multiply-adds over contiguous
    input rows, which the compiler vectorises.
    """
    cdef Py_ssize_t j, c, n, b, m
    cdef const float *wj
    cdef const float *p
    cdef float *o
    for j in range(t.n):
        n = t.cnt[j]
        wj = t.w + j * t.k
        p = src + t.lo[j] * sstride
        o = dst + j * dstride
        if n <= _BLOCK:
            _vrow(p, sstride, ncols, wj, n, o)
            continue
        for c in range(ncols):
            dacc[c] = 0.0
        b = 0
        while b < n:
            m = n - b
            if m > _BLOCK:
                m = _BLOCK
            _vrow(p + b * sstride, sstride, ncols, wj + b, m, o)
            for c in range(ncols):
                dacc[c] += o[c]
            b += m
        for c in range(ncols):
            o[c] = <float>dacc[c]


cdef enum:
    # Rows per block of the transposed horizontal pass (a block of 32 rows of
    # 2048 floats is 256 KiB, well inside L2).
    _TROWS = 32
    # Columns per strip of the blocked transpose (a multiple of 4).
    _TCOLS = 16


cdef void _transpose(const float *src, Py_ssize_t sstride, Py_ssize_t nr, Py_ssize_t nc,
                     float *dst, Py_ssize_t dstride) noexcept nogil:
    """``dst[c * dstride + r] = src[r * sstride + c]`` for an ``nr`` x ``nc`` block.

    With AVX2, 8 x 8 tiles in register shuffles (``rs_transpose``). Otherwise
    strips of ``_TCOLS`` columns are walked down all the rows, 4 x 4 tiles at
    a time; a tile goes through a small local array with fixed-size loops,
    which the compiler turns into register shuffles.
    """
    if _transpose_simd(src, sstride, nr, nc, dst, dstride):
        return
    cdef Py_ssize_t nr4 = nr - nr % 4, nc4 = nc - nc % 4
    cdef Py_ssize_t cb, ce, r0, c0, r, c
    cdef float t[4][4]
    cdef const float *s
    cdef float *d
    cb = 0
    while cb < nc4:
        ce = cb + _TCOLS
        if ce > nc4:
            ce = nc4
        for r0 in range(0, nr4, 4):
            for c0 in range(cb, ce, 4):
                s = src + r0 * sstride + c0
                d = dst + c0 * dstride + r0
                for r in range(4):
                    for c in range(4):
                        t[c][r] = s[r * sstride + c]
                for c in range(4):
                    for r in range(4):
                        d[c * dstride + r] = t[c][r]
        for r in range(nr4, nr):
            for c in range(cb, ce):
                dst[c * dstride + r] = src[r * sstride + c]
        cb = ce
    for c in range(nc4, nc):
        for r in range(nr):
            dst[c * dstride + r] = src[r * sstride + c]


cdef void _hpass(const float *src, Py_ssize_t sstride, Py_ssize_t nrows, Py_ssize_t ncols,
                 const _Table *t, float *dst, Py_ssize_t dstride,
                 float *tin, float *tout, double *dacc) noexcept nogil:
    """Horizontal pass: ``dst[r, i] = sum_k w[i, k] * src[r, lo[i] + k]``.

    Parameters
    ----------
    src : const float*
        First input row; rows are ``sstride`` floats apart (may be negative),
        the ``lo`` indices are relative to it, and each row is contiguous.
    sstride : Py_ssize_t
        Input row stride, in floats.
    nrows, ncols : Py_ssize_t
        Rows to resample, and input columns the table reads (``[0, ncols)``).
    t : const _Table*
        Horizontal table (``t.n`` output columns).
    dst : float*
        Output, ``dstride`` floats between rows.
    dstride : Py_ssize_t
        Output row stride, in floats.
    tin, tout : float*
        Scratch blocks of ``min(nrows, _TROWS) * ncols`` and
        ``min(nrows, _TROWS) * t.n`` floats.
    dacc : double*
        Scratch row of ``_TROWS`` doubles.

    Notes
    -----
    A dot product along a row cannot be vectorised without reordering its
    sum, so blocks of ``_TROWS`` rows are transposed (cache-blocked), run
    through the vectorised vertical kernel, and transposed back. Every
    output is still summed over its taps in order, exactly as in
    :func:`_vpass`.
    """
    cdef Py_ssize_t r0 = 0, rows
    while r0 < nrows:
        rows = nrows - r0
        if rows > _TROWS:
            rows = _TROWS
        _transpose(src + r0 * sstride, sstride, rows, ncols, tin, rows)
        _vpass(tin, rows, rows, t, tout, rows, dacc)
        _transpose(tout, rows, t.n, rows, dst + r0 * dstride, dstride)
        r0 += rows


cdef enum:
    # Output rows per strip of the streamed passes (a multiple of _TROWS's blocks
    # is not needed: every output is the same sum however the rows are grouped).
    _STRIP = 32
    # Floats a converted input block of the vertical pass may hold (1 MiB).
    _CBLOCK = 262144


cdef void _convert(const sample_t[:, :] src, Py_ssize_t r0, Py_ssize_t r1,
                   Py_ssize_t c0, Py_ssize_t c1, float *out, Py_ssize_t ostride) noexcept nogil:
    """``out[(r - r0) * ostride + c - c0] = src[r, c]`` as float32, for a block of `src`.

    uint8 samples are divided by 255 in float32 (as numpy's ``x / float32(255)``).
    """
    cdef bint unit_rows = src.strides[1] == <Py_ssize_t>sizeof(sample_t)
    cdef float f255 = 255.0
    cdef Py_ssize_t r, c, n = c1 - c0
    cdef const sample_t *row
    cdef float *line
    for r in range(r0, r1):
        line = out + (r - r0) * ostride
        if unit_rows:
            # a contiguous row: a loop the compiler vectorises
            row = &src[r, c0]
            if sample_t is cython.uchar:
                _u8_row(row, n, line)
            elif sample_t is double:
                _f64_row(row, n, line)
            else:
                for c in range(n):
                    line[c] = row[c]
        else:
            for c in range(n):
                if sample_t is cython.uchar:
                    line[c] = <float>src[r, c0 + c] / f255
                else:
                    line[c] = <float>src[r, c0 + c]


cdef Py_ssize_t _strip_rows(const _Table *t, Py_ssize_t strip) noexcept nogil:
    """Most input lines the windows of ``strip`` consecutive outputs of a table span."""
    cdef Py_ssize_t j0 = 0, j, b, most = 0
    while j0 < t.n:
        b = t.lo[j0]
        for j in range(j0, min(j0 + strip, t.n)):
            b = max(b, t.lo[j] + t.cnt[j])
        most = max(most, b - t.lo[j0])
        j0 += strip
    return most


cdef void _sub_table(const _Table *t, Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t *lo,
                     _Table *sub, Py_ssize_t *first, Py_ssize_t *last) noexcept nogil:
    """Rows ``j0 .. j1 - 1`` of a table, with windows relative to their first line.

    `lo` receives the shifted window starts (``j1 - j0`` entries); ``[first, last)``
    is the range of input lines the rows read.
    """
    cdef Py_ssize_t j, a = t.lo[j0], b = t.lo[j0]
    for j in range(j0, j1):
        lo[j - j0] = t.lo[j] - a
        b = max(b, t.lo[j] + t.cnt[j])
    sub.n = j1 - j0
    sub.k = t.k
    sub.lo = lo
    sub.cnt = t.cnt + j0
    sub.w = t.w + j0 * t.k
    first[0] = a
    last[0] = b


cdef void _stream_rows(const sample_t[:, :] src, const float *base, Py_ssize_t sstride,
                       Py_ssize_t rx0, Py_ssize_t ry0, Py_ssize_t rw,
                       const _Table *ht, const _Table *vt, bint need_h, bint h_first,
                       float *dst, Py_ssize_t cw, Py_ssize_t ch, Py_ssize_t cbw,
                       float *cbuf, float *strip, float *tin, float *tout,
                       double *dacc, double *tacc, Py_ssize_t *sublo) noexcept nogil:
    """The strips of :func:`_resample_rows`, with its buffers (`base` NULL: convert)."""
    cdef Py_ssize_t j0 = 0, j1, a, b, ia = 0, ib = 0, r1, c0, c1
    cdef bint direct = base != NULL
    cdef _Table sub
    while j0 < ch:
        j1 = min(j0 + _STRIP, ch)
        _sub_table(vt, j0, j1, sublo, &sub, &a, &b)
        if need_h and h_first:
            # the intermediate rows [ia, ib) kept from the last strip slide up
            if a >= ib:
                ia = ib = a
            elif a > ia:
                memmove(strip, strip + (a - ia) * cw, (ib - a) * cw * sizeof(float))
                ia = a
            while ib < b:
                r1 = min(ib + _TROWS, b)
                if direct:
                    _hpass(base + ib * sstride, sstride, r1 - ib, rw, ht,
                           strip + (ib - ia) * cw, cw, tin, tout, tacc)
                else:
                    _convert(src, ry0 + ib, ry0 + r1, rx0, rx0 + rw, cbuf, rw)
                    _hpass(cbuf, rw, r1 - ib, rw, ht, strip + (ib - ia) * cw, cw,
                           tin, tout, tacc)
                ib = r1
            _vpass(strip, cw, cw, &sub, dst + j0 * cw, cw, dacc)
            j0 = j1
            continue
        # vertical first (or vertical only): the strip's rows of the intermediate
        if direct:
            if need_h:
                _vpass(base + a * sstride, sstride, rw, &sub, strip, rw, dacc)
            else:
                _vpass(base + a * sstride, sstride, rw, &sub, dst + j0 * cw, cw, dacc)
        else:
            c0 = 0
            while c0 < rw:
                c1 = min(c0 + cbw, rw)
                _convert(src, ry0 + a, ry0 + b, rx0 + c0, rx0 + c1, cbuf, c1 - c0)
                if need_h:
                    _vpass(cbuf, c1 - c0, c1 - c0, &sub, strip + c0, rw, dacc)
                else:
                    _vpass(cbuf, c1 - c0, c1 - c0, &sub, dst + j0 * cw + c0, cw, dacc)
                c0 = c1
        if need_h:
            _hpass(strip, rw, j1 - j0, rw, ht, dst + j0 * cw, cw, tin, tout, tacc)
        j0 = j1


cdef int _resample_rows(const sample_t[:, :] src, bint direct,
                        Py_ssize_t rx0, Py_ssize_t ry0, Py_ssize_t rw, Py_ssize_t rh,
                        const _Table *ht, const _Table *vt, bint need_h, bint need_v,
                        bint h_first, float *dst, Py_ssize_t cw, Py_ssize_t ch) noexcept nogil:
    """Both passes for an input read by rows, streamed in strips of output rows.

    Parameters
    ----------
    src : const sample_t[:, :]
        The input; its window ``[ry0:ry0 + rh, rx0:rx0 + rw]`` is what the tables read.
    direct : bint
        True when `src` is float32 with contiguous, aligned rows (read in place);
        otherwise blocks of the window are converted to float32 as they are needed.
    rx0, ry0, rw, rh : Py_ssize_t
        The input window.
    ht, vt : const _Table*
        Horizontal and vertical tables, shifted to the window; used only
        when `need_h` and `need_v` are set.
    need_h, need_v : bint
        Whether each axis is resampled (if not, ``cw == rw`` or ``ch == rh``).
    h_first : bint
        Pass order when both are needed.
    dst : float*
        Output, ``ch`` rows of ``cw`` floats, C order.
    cw, ch : Py_ssize_t
        Output width and height.

    Returns
    -------
    int
        0, or -1 if scratch space could not be allocated.

    Notes
    -----
    The output is made in strips of ``_STRIP`` rows. Vertical first: the strip's
    rows of the intermediate are made by the vertical pass (from converted input
    in column blocks of at most ``_CBLOCK`` floats) and resampled horizontally at
    once. Horizontal first: the intermediate rows the strip's windows read are
    kept in a sliding buffer, each made once by the horizontal pass. The memory
    used is a few strips, whatever the image height, and every output is the
    same sum, in the same order, as with whole-image passes.
    """
    cdef const float *base = NULL
    cdef Py_ssize_t sstride = 0
    if sample_t is float:
        if direct:
            base = &src[ry0, rx0]
            sstride = src.strides[0] // <Py_ssize_t>sizeof(float)
    cdef Py_ssize_t hrows = rh if (need_v and h_first) else ch   # rows of the horizontal pass
    cdef Py_ssize_t tr = hrows if hrows < _TROWS else _TROWS
    cdef Py_ssize_t span = 0, cbw = rw, nbuf = 0, nstrip = 0, r, r0, r1
    cdef float *tin = NULL
    cdef float *tout = NULL
    cdef float *cbuf = NULL
    cdef float *strip = NULL
    cdef double *dacc = NULL
    cdef double *tacc = NULL
    cdef Py_ssize_t *sublo = NULL
    cdef bint ok = True
    if not need_h and not need_v:
        for r in range(ch):
            if direct:
                memcpy(dst + r * cw, base + r * sstride, cw * sizeof(float))
            else:
                _convert(src, ry0 + r, ry0 + r + 1, rx0, rx0 + rw, dst + r * cw, cw)
        return 0
    if need_v:
        span = _strip_rows(vt, _STRIP)
        sublo = <Py_ssize_t *>malloc(_STRIP * sizeof(Py_ssize_t))
        dacc = <double *>malloc((rw if rw > cw else cw) * sizeof(double))
        ok = sublo != NULL and dacc != NULL
        if need_h:
            # horizontal first: a sliding window of intermediate rows; vertical first:
            # the strip's rows of the intermediate
            nstrip = span * cw if h_first else min(_STRIP, ch) * rw
    if need_h:
        tin = <float *>malloc(tr * rw * sizeof(float))
        tout = <float *>malloc(tr * cw * sizeof(float))
        tacc = <double *>malloc(tr * sizeof(double))
        ok = ok and tin != NULL and tout != NULL and tacc != NULL
    if not direct:
        # converted input: blocks of _TROWS rows for the horizontal pass, or of the
        # strip's window rows by cbw columns for the vertical pass
        if need_h and (h_first or not need_v):
            nbuf = tr * rw
        if need_v and not (need_h and h_first):
            if span * rw > _CBLOCK:
                cbw = _CBLOCK // span
                cbw = cbw - cbw % 16 if cbw > 16 else 16
                if cbw > rw:
                    cbw = rw
            nbuf = span * cbw
        cbuf = <float *>malloc(nbuf * sizeof(float))
        ok = ok and cbuf != NULL
    if nstrip:
        strip = <float *>malloc(nstrip * sizeof(float))
        ok = ok and strip != NULL
    if ok and not need_v:
        # horizontal only: rows of the window straight into the output
        r0 = 0
        while r0 < ch:
            r1 = min(r0 + _TROWS, ch)
            if direct:
                _hpass(base + r0 * sstride, sstride, r1 - r0, rw, ht, dst + r0 * cw, cw,
                       tin, tout, tacc)
            else:
                _convert(src, ry0 + r0, ry0 + r1, rx0, rx0 + rw, cbuf, rw)
                _hpass(cbuf, rw, r1 - r0, rw, ht, dst + r0 * cw, cw, tin, tout, tacc)
            r0 = r1
    elif ok:
        _stream_rows(src, base, sstride, rx0, ry0, rw, ht, vt, need_h, h_first, dst, cw, ch,
                     cbw, cbuf, strip, tin, tout, dacc, tacc, sublo)
    free(tin)
    free(tout)
    free(cbuf)
    free(strip)
    free(dacc)
    free(tacc)
    free(sublo)
    return 0 if ok else -1


cdef inline void _extent(const _Table *t, Py_ssize_t *first, Py_ssize_t *last) noexcept nogil:
    """Input range ``[first, last)`` covered by a table's windows."""
    cdef Py_ssize_t o, a, b
    first[0] = t.lo[0]
    last[0] = t.lo[0] + t.cnt[0]
    for o in range(1, t.n):
        a = t.lo[o]
        b = a + t.cnt[o]
        if a < first[0]:
            first[0] = a
        if b > last[0]:
            last[0] = b


cdef double _mean_taps(int filt, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Approximate taps per output index: the window width, at most the input length."""
    cdef double s = _scale(n_in, n_out)
    cdef double taps = 2.0 * _support(filt) * (s if s > 1.0 else 1.0)
    return taps if taps < n_in else <double>n_in


cdef bint _h_first(int filt, Py_ssize_t H, Py_ssize_t W,
                   Py_ssize_t height, Py_ssize_t width) noexcept nogil:
    """Pass order rule: True when horizontal-then-vertical is the cheaper order.

    The estimate is for the full-size resize (first pass over every input
    line), so a cropped window is computed in the same order as the whole
    image and equals its crop bit for bit.
    """
    cdef double th = _mean_taps(filt, W, width)
    cdef double tv = _mean_taps(filt, H, height)
    cdef double cost_hv = _H_COST * <double>H * width * th + <double>width * height * tv
    cdef double cost_vh = <double>W * height * tv + _H_COST * <double>height * width * th
    return cost_hv <= cost_vh


cdef inline void _shift(_Table *t, Py_ssize_t offset) noexcept nogil:
    cdef Py_ssize_t o
    for o in range(t.n):
        t.lo[o] -= offset


cdef void _free_table(_Table *t) noexcept nogil:
    free(t.lo)
    free(t.cnt)
    free(t.w)
    t.lo = NULL
    t.cnt = NULL
    t.w = NULL


cdef int _alloc_table(_Table *t, Py_ssize_t n, Py_ssize_t k) except -1:
    t.n = n
    t.k = k
    t.lo = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
    t.cnt = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
    t.w = <float *>malloc(n * k * sizeof(float))
    if t.lo == NULL or t.cnt == NULL or t.w == NULL:
        _free_table(t)
        raise MemoryError("cannot allocate a resampling table of %d x %d" % (n, k))
    return 0


cdef enum:
    # The coefficient tables of the last calls are kept for the next ones (a
    # corpus repeats its image sizes): at most this many, of at most this many
    # bytes each.
    _CACHE_ENTRIES = 16
    _CACHE_BYTES = 262144


cdef class _CachedTable:
    """A coefficient table shifted to its input window ``[first, last)``; read-only once built."""
    cdef _Table t
    cdef Py_ssize_t first, last

    def __cinit__(self):
        self.t.n = self.t.k = 0
        self.t.lo = self.t.cnt = NULL
        self.t.w = NULL

    def __dealloc__(self):
        _free_table(&self.t)


# (filter, n_in, n_out, o0, n) -> _CachedTable, least recently used first
cdef dict _table_cache = {}


cdef _CachedTable _table(int filt, Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t o0,
                         Py_ssize_t n):
    """The table of output indices ``o0 .. o0 + n - 1`` of an axis, from the cache or built.

    Building runs without the GIL; a table is a pure function of its key, so a
    cached one equals a fresh one bit for bit.
    """
    key = (filt, n_in, n_out, o0, n)
    cdef _CachedTable box = _table_cache.pop(key, None)
    cdef double *ktmp
    if box is None:
        box = _CachedTable()
        _alloc_table(&box.t, n, _slots(filt, n_in, n_out))
        ktmp = <double *>malloc(box.t.k * sizeof(double))
        if ktmp == NULL:
            raise MemoryError("cannot allocate resampling scratch space")
        with nogil:
            _build_table(filt, n_in, n_out, o0, &box.t, ktmp)
            _extent(&box.t, &box.first, &box.last)
            _shift(&box.t, box.first)
        free(ktmp)
    if n * (2 * sizeof(Py_ssize_t) + box.t.k * sizeof(float)) <= _CACHE_BYTES:
        _table_cache[key] = box
        if len(_table_cache) > _CACHE_ENTRIES:
            del _table_cache[next(iter(_table_cache))]
    return box


def resample(const sample_t[:, :] src not None, Py_ssize_t width, Py_ssize_t height,
             int filter, Py_ssize_t x0, Py_ssize_t y0, Py_ssize_t x1, Py_ssize_t y1,
             int order=0):
    """Resize a 2D array to ``(height, width)`` and return the window ``[y0:y1, x0:x1]``.

    The GIL is released for the whole computation.

    Parameters
    ----------
    src : 2D float32, float64 or uint8 array, any strides
        Input, indexed (row, column). Values should be finite. uint8 samples are read
        as ``value / 255`` (a float32 division, as ``x / numpy.float32(255)`` computes
        it), so a uint8 array gives bit for bit the result of its float32 scaled copy.
    width, height : int
        Full output size, each >= 1.
    filter : int
        ``BOX`` (4), ``BILINEAR`` (2), ``BICUBIC`` (3) or ``LANCZOS`` (1): the
        values of ``PIL.Image.Resampling``.
    x0, y0, x1, y1 : int
        Output window, ``0 <= x0 < x1 <= width`` and ``0 <= y0 < y1 <= height``;
        ``(0, 0, width, height)`` for the whole image.
    order : int, optional
        Pass order when both axes change: 0 (default) by estimated cost,
        1 horizontal first, 2 vertical first. The orders differ only by
        float32 rounding of the intermediate.

    Returns
    -------
    ndarray of float32, shape (y1 - y0, x1 - x0)
        Equal (within float32 rounding) to Pillow's mode 'F' resize of `src`
        to ``(width, height)`` with the same filter, cropped to the window.
        Values are not clipped.

    Raises
    ------
    ValueError
        If the sizes, window or filter are invalid.
    MemoryError
        If the tables or the intermediate cannot be allocated.

    Notes
    -----
    A pass whose axis keeps its length is skipped (columns or rows are
    copied), and the identity size is a copy. When both passes are needed,
    the order with the lower estimated cost for the full-size resize runs
    (vertical first when shrinking, horizontal first when enlarging, as a
    rule), so a window equals the crop of the full result exactly.

    Float32 inputs whose rows are contiguous (C order, and row-strided
    views) are read in place. So are float32 inputs whose columns are
    contiguous (Fortran order, transposed views such as ``a.T``): those run
    on the transposed view with the passes swapped, in the same order and
    with the same sums, so the result equals that of the C-ordered copy bit
    for bit. Other inputs (uint8, float64, other strides) are converted to
    float32 block by block as the passes read them (run transposed when the
    columns have the smaller stride); the layout and dtype never change the
    result. The output is made in strips of rows, so the scratch memory is
    bounded by a few strips whatever the input size (see
    :func:`scratch_bytes`). The coefficient tables of recent calls are kept
    for the next ones.

    Examples
    --------
    >>> import numpy as np
    >>> resample(np.ones((4, 6), np.float32), 3, 2, BOX, 0, 0, 3, 2)
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    cdef Py_ssize_t H = src.shape[0], W = src.shape[1]
    if H < 1 or W < 1:
        raise ValueError("src is empty (shape %d x %d)" % (H, W))
    if width < 1 or height < 1:
        raise ValueError("width and height must be >= 1, got %d x %d" % (width, height))
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ValueError("window (%d, %d, %d, %d) is not inside the %d x %d output"
                         % (x0, y0, x1, y1, width, height))
    if filter not in (_BOX, _BILINEAR, _BICUBIC, _LANCZOS):
        raise ValueError("filter must be BOX, BILINEAR, BICUBIC or LANCZOS, got %d" % filter)
    if order not in (0, 1, 2):
        raise ValueError("order must be 0, 1 or 2, got %d" % order)
    cdef Py_ssize_t cw = x1 - x0, ch = y1 - y0
    cdef bint need_h = width != W, need_v = height != H
    out = np.empty((ch, cw), dtype=np.float32)
    cdef float[:, ::1] outv = out
    cdef float *dst = &outv[0, 0]

    cdef _Table ht, vt
    ht.lo = ht.cnt = vt.lo = vt.cnt = NULL
    ht.w = vt.w = NULL
    cdef _CachedTable hbox = None, vbox = None   # own the tables while they are used
    cdef float *conv = NULL
    cdef bint failed = False
    # In place: float32 with contiguous, aligned rows and a column stride that
    # is a whole number of floats (C order), or the same with the axes
    # swapped (Fortran order, transposed views), which runs transposed.
    cdef bint direct = False, direct_t = False
    if sample_t is float:
        if <size_t>&src[0, 0] % sizeof(float) == 0:
            direct = (src.strides[1] == sizeof(float)
                      and src.strides[0] % <Py_ssize_t>sizeof(float) == 0)
            direct_t = (not direct and src.strides[0] == sizeof(float)
                        and src.strides[1] % <Py_ssize_t>sizeof(float) == 0)
    cdef bint by_columns = abs(src.strides[0]) < abs(src.strides[1])
    cdef const sample_t[:, :] srct = src.T
    cdef Py_ssize_t rx0 = x0, rx1 = x1, ry0 = y0, ry1 = y1   # needed input window
    cdef Py_ssize_t rw, rh, i0, nb
    cdef bint h_first = (order == 1 if order else _h_first(filter, H, W, height, width))
    try:
        if need_h:
            hbox = _table(filter, W, width, x0, cw)
            ht = hbox.t
            rx0 = hbox.first
            rx1 = hbox.last
        if need_v:
            vbox = _table(filter, H, height, y0, ch)
            vt = vbox.t
            ry0 = vbox.first
            ry1 = vbox.last
        with nogil:
            rw = rx1 - rx0
            rh = ry1 - ry0
            if direct_t or (by_columns and not direct):
                # the columns are contiguous (Fortran order, transposed views) or
                # closer than the rows: resample the transposed view, rows for
                # columns, with the tables and the pass order swapped (every output
                # is the same sum), and transpose the result in blocks of lines
                conv = <float *>malloc(ch * cw * sizeof(float))
                failed = conv == NULL or _resample_rows(
                    srct, direct_t, ry0, rx0, rh, rw, &vt, &ht, need_v, need_h,
                    not h_first, conv, ch, cw) != 0
                if not failed:
                    i0 = 0
                    while i0 < cw:
                        nb = min(cw - i0, <Py_ssize_t>_TROWS)
                        _transpose(conv + i0 * ch, ch, nb, ch, dst + i0, cw)
                        i0 += nb
            else:
                # read by rows, converted to float32 block by block if needed
                failed = _resample_rows(src, direct, rx0, ry0, rw, rh, &ht, &vt, need_h,
                                        need_v, h_first, dst, cw, ch) != 0
        if failed:
            raise MemoryError("cannot allocate the resampling intermediate")
    finally:
        free(conv)
    return out


resample_isa(-1)


def isa(int cap=-1):
    """Instruction set of the vertical kernel: 0 baseline (SSE2 on x86-64), 1 AVX2, 2 AVX-512.

    Parameters
    ----------
    cap : int, optional
        If >= 0, use at most this level from now on (the tests lower it to run
        both paths on one machine); the results are the same bit for bit.

    Returns
    -------
    int
        The level in use.
    """
    return resample_isa(cap)


cpdef double support(int filter) except -1.0:
    """Base half-width of a filter's kernel, in input pixels when enlarging.

    When shrinking by a factor ``s = n_in / n_out > 1`` the kernel is stretched:
    an output index then reads about ``2 * ceil(support * s) + 1`` inputs.

    Parameters
    ----------
    filter : int
        ``BOX`` (0.5), ``BILINEAR`` (1.0), ``BICUBIC`` (2.0) or ``LANCZOS`` (3.0).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For another filter code.
    """
    if filter not in (_BOX, _BILINEAR, _BICUBIC, _LANCZOS):
        raise ValueError("filter must be BOX, BILINEAR, BICUBIC or LANCZOS, got %d" % filter)
    return _support(filter)


cdef double _stream_bytes(double h, double w, double cw, double vs, double vk) noexcept nogil:
    """Upper bound of what :func:`_resample_rows` allocates, in bytes.

    For an ``h`` x ``w`` input, ``cw`` output columns, and the vertical scale
    ``vs`` and slot count ``vk``.
    """
    cdef double f = sizeof(float), d = sizeof(double), p = sizeof(Py_ssize_t)
    # input rows the windows of a strip of outputs span (row centres _STRIP - 1
    # scales apart, each window at most vk rows wide), plus rounding slack
    cdef double span = (_STRIP - 1) * vs + vk + 2
    if span > h:
        span = h
    cdef double total = p * _STRIP + d * (w if w > cw else cw)  # window starts, row sums
    total += f * _TROWS * (w + cw) + d * _TROWS                  # horizontal pass blocks
    # converted input: _TROWS rows, or the strip's rows in column blocks
    total += f * max(_TROWS * w, min(span * w, max(<double>_CBLOCK, 16 * span)))
    total += f * max(span * cw, _STRIP * w)                      # intermediate rows
    return total


cpdef double scratch_bytes(Py_ssize_t H, Py_ssize_t W, Py_ssize_t width, Py_ssize_t height,
                           int filter, Py_ssize_t x0, Py_ssize_t y0, Py_ssize_t x1,
                           Py_ssize_t y1) except -1.0:
    """Upper bound of the memory :func:`resample` allocates for a call, output included.

    Parameters
    ----------
    H, W : int
        Input height and width, ``>= 1``.
    width, height, filter, x0, y0, x1, y1
        As for :func:`resample` (checked the same way).

    Returns
    -------
    float
        Bytes (a float, since hostile sizes may exceed ``2**63``): the output, the
        coefficient tables, the strips of the intermediate and of the converted input
        (made for uint8, float64 or unaligned input) and the blocked scratch buffers,
        for whichever layout and pass order the call takes, and the output-sized
        buffer of a transposed input. The passes run in strips of 32 lines, so this
        grows with the input's sides (and the shrink factor) and with the output,
        not with the input's area.

    Raises
    ------
    ValueError
        If the sizes, window or filter are invalid.

    Notes
    -----
    The checks repeat those of :func:`resample` on purpose: a call from ``resample``
    into a shared checking function changes how the C compiler inlines the passes
    into it, and costs about 10 % of its speed.
    """
    if H < 1 or W < 1:
        raise ValueError("src is empty (shape %d x %d)" % (H, W))
    if width < 1 or height < 1:
        raise ValueError("width and height must be >= 1, got %d x %d" % (width, height))
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ValueError("window (%d, %d, %d, %d) is not inside the %d x %d output"
                         % (x0, y0, x1, y1, width, height))
    if filter not in (_BOX, _BILINEAR, _BICUBIC, _LANCZOS):
        raise ValueError("filter must be BOX, BILINEAR, BICUBIC or LANCZOS, got %d" % filter)
    cdef double cw = x1 - x0, ch = y1 - y0
    cdef double f = sizeof(float), d = sizeof(double), p = sizeof(Py_ssize_t)
    cdef double hs = _scale(W, width), vs = _scale(H, height)
    cdef double hk = 2 * ceil(_support(filter) * (hs if hs > 1.0 else 1.0)) + 1
    cdef double vk = 2 * ceil(_support(filter) * (vs if vs > 1.0 else 1.0)) + 1
    cdef double total = f * ch * cw                           # the output
    total += cw * (2 * p + f * hk) + ch * (2 * p + f * vk)   # the tables
    total += d * (hk if hk > vk else vk)                     # kernel values while building
    total += f * ch * cw                                     # transposed result, if any
    # the streamed passes, run on the input or on its transposed view
    total += max(_stream_bytes(H, W, cw, vs, vk), _stream_bytes(W, H, ch, hs, hk))
    return total

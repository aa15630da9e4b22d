"""HMAX kernels (private): correlation, window norms, im2col, epilogues, max pooling.

:mod:`glimpse.backends._compiled_hmax` composes these with ``numpy.matmul``; the public,
validating face is the backend interface. Every kernel trusts its arguments:

* arrays are float32 (norm scratch float64) and C-contiguous, as the memoryview types say;
* ``data`` is (bands, H, W), ``kernels`` (n, bands, kh, kw) with the same bands;
* ``out`` has exactly the output shape of the operation, ``(H - kh) // s + 1`` by
  ``(W - kw) // s + 1``, and is not empty (the Python layer returns empty outputs untouched);
* chunk bounds ``0 <= p0 < p1 <= oh * ow`` and scratch sizes fit the chunk.

The GIL is released for the whole of every computation.
"""

from libc.math cimport sqrt
from libc.stdlib cimport free, malloc

cdef extern from "_hmax_simd.h" nogil:
    void glimpse_corr(const float *data, Py_ssize_t B, Py_ssize_t H, Py_ssize_t W,
                      const float *kernels, Py_ssize_t n, Py_ssize_t kh, Py_ssize_t kw,
                      float *out, Py_ssize_t oh, Py_ssize_t ow, Py_ssize_t y0,
                      Py_ssize_t y1) noexcept
    void glimpse_epilogue(int mode, float *out, Py_ssize_t ostride, Py_ssize_t n,
                          Py_ssize_t np, const float *vec, const float *ww, float coef,
                          const float *cols, Py_ssize_t cstride, const float *kc,
                          Py_ssize_t depth, float refine) noexcept
    float glimpse_max(const float *a, Py_ssize_t n) noexcept
    void glimpse_vmax(float *m, const float *a, Py_ssize_t n) noexcept
    int glimpse_isa(int cap) noexcept
    void glimpse_inv_norms(const double *sq, float *inv, Py_ssize_t n, double bias) noexcept
    double glimpse_center_row(const float *r, const float *c, float *m, Py_ssize_t n) noexcept

cdef enum:
    # Epilogue modes: what is done to the products <x, w> of a block of output.
    C_RBF = 0          # exp(coef * max(||x||^2 + ||w||^2 + out, 0)), out holding -2 <x, w>
    C_NORM_RBF = 1     # exp(coef * (1 - out / sqrt(max(||x||^2, bias))))
    C_NORM_DOT = 2     # out / sqrt(max(||x||^2, bias))
    C_DOT = 3          # out unchanged
    # What a pass over the windows leaves in vec besides the columns.
    C_NORM_NONE = 0     # nothing
    C_NORM_SQUARED = 1  # ||x||^2 (float32 of the float64 sum)
    C_NORM_INVERSE = 2  # 1 / sqrt(max(||x||^2, bias))

RBF = C_RBF
NORM_RBF = C_NORM_RBF
NORM_DOT = C_NORM_DOT
DOT = C_DOT
NORM_NONE = C_NORM_NONE
NORM_SQUARED = C_NORM_SQUARED
NORM_INVERSE = C_NORM_INVERSE


def isa(int cap=-1):
    """The vector instruction set in use: 0 baseline, 1 AVX2, 2 AVX-512.

    With ``cap`` >= 0, first limit it to at most ``cap`` (for the tests; not thread-safe).
    Every level gives bit-identical results.
    """
    return glimpse_isa(cap)


def correlate(const float[:, :, ::1] data, const float[:, :, :, ::1] kernels, int mode,
              double bias, float coef, float[:, :, ::1] out):
    """Stride-1 valid correlation of ``data`` with few ``kernels`` into ``out``.

    ``mode`` is DOT, NORM_DOT or NORM_RBF (``coef`` = -2 beta for NORM_RBF); the window
    norms are running sums in float64, one output row at a time (scratch O(W)).
    """
    cdef Py_ssize_t B = data.shape[0], H = data.shape[1], W = data.shape[2]
    cdef Py_ssize_t n = kernels.shape[0], kh = kernels.shape[2], kw = kernels.shape[3]
    cdef Py_ssize_t oh = out.shape[1], ow = out.shape[2]
    cdef Py_ssize_t y, x, b, ky, kx
    cdef double *colsq = NULL
    cdef double *sq = NULL
    cdef float *inv = NULL
    cdef double acc, v
    cdef const float *row
    cdef const float *old
    cdef bint failed = False
    with nogil:
        if mode != C_DOT:
            colsq = <double *>malloc((W + ow) * sizeof(double))
            inv = <float *>malloc(ow * sizeof(float))
            failed = colsq == NULL or inv == NULL
            sq = colsq + W
        if not failed:
            for y in range(oh):
                glimpse_corr(&data[0, 0, 0], B, H, W, &kernels[0, 0, 0, 0], n, kh, kw,
                             &out[0, 0, 0], oh, ow, y, y + 1)
                if mode == C_DOT:
                    continue
                # Column sums of squares over the window's rows, then window sums along the
                # row, both updated as the window slides (float64: the drift is ~1e-16).
                if y == 0:
                    for x in range(W):
                        colsq[x] = 0.0
                    for b in range(B):
                        for ky in range(kh):
                            row = &data[b, ky, 0]
                            for x in range(W):
                                v = row[x]
                                colsq[x] += v * v
                else:
                    for b in range(B):
                        row = &data[b, y + kh - 1, 0]
                        old = &data[b, y - 1, 0]
                        for x in range(W):
                            colsq[x] += <double>row[x] * row[x] - <double>old[x] * old[x]
                acc = 0.0
                for kx in range(kw):
                    acc += colsq[kx]
                sq[0] = acc
                for x in range(1, ow):
                    acc += colsq[x + kw - 1] - colsq[x - 1]
                    sq[x] = acc
                glimpse_inv_norms(sq, inv, ow, bias)
                glimpse_epilogue(mode, &out[0, y, 0], oh * ow, n, ow, inv, NULL, coef,
                                 NULL, 0, NULL, 0, 0.0)
        free(colsq)
        free(inv)
    if failed:
        raise MemoryError("cannot allocate %d bytes of scratch" % (W * 8 + ow * 12))


def im2col(const float[:, :, ::1] data, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t s,
           Py_ssize_t ow, Py_ssize_t p0, Py_ssize_t p1, const float[::1] center, int norm,
           double bias, float[:, ::1] cols, double[::1] acc, float[::1] vec):
    """Lay the windows of output positions ``p0 <= p < p1`` out as columns.

    ``cols[(b * kh + ky) * kw + kx, p - p0] = data[b, y*s + ky, x*s + kx] - center[...]``
    with ``p = y * ow + x``. With ``norm`` NORM_SQUARED or NORM_INVERSE, ``vec[p - p0]``
    receives the column's squared norm or its clipped inverse norm (summed in ``acc``, in
    float64).
    """
    cdef Py_ssize_t B = data.shape[0], m = p1 - p0
    cdef Py_ssize_t b, ky, kx, d, p, q, y, x, x1, ys
    cdef float c, f
    cdef float *dst
    cdef const float *src
    with nogil:
        if norm != C_NORM_NONE:
            for q in range(m):
                acc[q] = 0.0
        for b in range(B):
            for ky in range(kh):
                for kx in range(kw):
                    d = (b * kh + ky) * kw + kx
                    c = center[d]
                    dst = &cols[d, 0]
                    q = 0
                    p = p0
                    while p < p1:
                        y = p // ow
                        x = p - y * ow
                        x1 = ow if ow - x <= p1 - p else x + (p1 - p)
                        src = &data[b, y * s + ky, kx]
                        if s == 1:
                            while x < x1:
                                dst[q] = src[x] - c
                                x += 1
                                q += 1
                        else:
                            while x < x1:
                                dst[q] = src[x * s] - c
                                x += 1
                                q += 1
                        p = (y + 1) * ow
                    if norm != C_NORM_NONE:
                        for q in range(m):
                            f = dst[q]
                            acc[q] += <double>f * f
        if norm == C_NORM_SQUARED:
            for q in range(m):
                vec[q] = <float>acc[q]
        elif norm == C_NORM_INVERSE:
            glimpse_inv_norms(&acc[0], &vec[0], m, bias)


def epilogue(int mode, float[:, ::1] out, Py_ssize_t p0, Py_ssize_t p1,
             const float[::1] vec, const float[::1] ww, float coef,
             const float[:, ::1] cols, const float[:, ::1] matrix, float refine):
    """Finish columns ``p0 <= p < p1`` of the products in ``out`` (n, P) in place.

    ``vec[p - p0]`` is the squared norm (RBF) or the clipped inverse norm (NORM_RBF,
    NORM_DOT) of window ``p``; ``ww[i]`` the squared norm of kernel ``i`` (RBF only). For
    RBF, ``cols`` (depth, p1 - p0) are the windows and ``matrix`` (n, depth) the kernels as
    -2 w (both centred), from which the distances of the values ``v`` with
    ``v * (vec[p - p0] + ww[i]) > refine`` are summed again in float64; pass empty arrays
    otherwise.
    """
    cdef Py_ssize_t n = out.shape[0], P = out.shape[1]
    cdef const float *cp = &cols[0, 0] if cols.shape[0] > 0 and cols.shape[1] > 0 else NULL
    cdef const float *kp = &matrix[0, 0] if matrix.shape[0] > 0 and matrix.shape[1] > 0 else NULL
    with nogil:
        glimpse_epilogue(mode, &out[0, p0], P, n, p1 - p0, &vec[0],
                         &ww[0] if ww.shape[0] > 0 else NULL, coef,
                         cp if kp != NULL else NULL, cols.shape[1], kp, matrix.shape[1],
                         refine)


def center_kernels(const float[:, ::1] flat, float[::1] center, float[:, ::1] matrix,
                   float[::1] ww):
    """Prepare the kernels of Rbf: ``center`` the per-element mean of the rows of ``flat``
    (summed in float64), ``matrix = -2 (flat - center)`` and ``ww`` the float64 squared norms
    of the rows of ``flat - center`` (as float32); ``flat - center`` is rounded to float32
    exactly as the windows are in :func:`im2col`.
    """
    cdef Py_ssize_t n = flat.shape[0], D = flat.shape[1], i, d
    cdef double *sums
    cdef const float *r0
    with nogil:
        sums = <double *>malloc(D * sizeof(double))
        if sums != NULL:
            for d in range(D):
                sums[d] = 0.0
            for i in range(n):
                r0 = &flat[i, 0]
                for d in range(D):
                    sums[d] += r0[d]
            for d in range(D):
                center[d] = <float>(sums[d] / n)
            for i in range(n):
                ww[i] = <float>glimpse_center_row(&flat[i, 0], &center[0], &matrix[i, 0], D)
            free(sums)
    if sums == NULL:
        raise MemoryError("cannot allocate %d bytes of scratch" % (D * 8))


def local_max(const float[:, :, ::1] data, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t s,
              float[:, :, ::1] out):
    """Per-band maximum over kh x kw windows at stride s, rows first, then columns."""
    cdef Py_ssize_t B = data.shape[0], W = data.shape[2]
    cdef Py_ssize_t oh = out.shape[1], ow = out.shape[2]
    cdef Py_ssize_t b, y, x, ky, kx
    cdef float *rowmax
    cdef float *o
    cdef float m, v
    with nogil:
        rowmax = <float *>malloc(W * sizeof(float))
        if rowmax != NULL:
            for b in range(B):
                for y in range(oh):
                    for x in range(W):
                        rowmax[x] = data[b, y * s, x]
                    for ky in range(1, kh):
                        glimpse_vmax(rowmax, &data[b, y * s + ky, 0], W)
                    o = &out[b, y, 0]
                    for x in range(ow):
                        m = rowmax[x * s]
                        for kx in range(1, kw):
                            v = rowmax[x * s + kx]
                            if v > m:
                                m = v
                        o[x] = m
            free(rowmax)
    if rowmax == NULL:
        raise MemoryError("cannot allocate %d bytes of scratch" % (W * 4))


def global_max(const float[:, :, ::1] data, float[::1] out):
    """Per-band maximum over all positions (H, W >= 1)."""
    cdef Py_ssize_t B = data.shape[0], size = data.shape[1] * data.shape[2], b
    with nogil:
        for b in range(B):
            out[b] = glimpse_max(&data[b, 0, 0], size)


def contrast_enhance(const float[:, ::1] data, Py_ssize_t k, Py_ssize_t s, double bias,
                     float[:, ::1] out):
    """(x_center - mean) / sqrt(var + bias) over k x k windows at stride s (var over n - 1).

    Sums are float64 and exact per window (no running sums), one output row at a time.
    """
    cdef Py_ssize_t H = data.shape[0], W = data.shape[1]
    cdef Py_ssize_t oh = out.shape[0], ow = out.shape[1]
    cdef Py_ssize_t y, x, ky, kx, c = k // 2
    cdef double *cs
    cdef double *cq
    cdef double sm, sq, v, mean, var, cnt = <double>(k * k)
    cdef const float *row
    with nogil:
        cs = <double *>malloc(2 * W * sizeof(double))
        if cs != NULL:
            cq = cs + W
            for y in range(oh):
                for x in range(W):
                    cs[x] = 0.0
                    cq[x] = 0.0
                for ky in range(k):
                    row = &data[y * s + ky, 0]
                    for x in range(W):
                        v = row[x]
                        cs[x] += v
                        cq[x] += v * v
                for x in range(ow):
                    sm = 0.0
                    sq = 0.0
                    for kx in range(k):
                        sm += cs[x * s + kx]
                        sq += cq[x * s + kx]
                    mean = sm / cnt
                    if k > 1:
                        var = (sq - sm * mean) / (cnt - 1.0)
                        if var < 0.0:
                            var = 0.0
                    else:
                        var = 0.0
                    out[y, x] = <float>((data[y * s + c, x * s + c] - mean) / sqrt(var + bias))
            free(cs)
    if cs == NULL:
        raise MemoryError("cannot allocate %d bytes of scratch" % (W * 16))

"""Kernels of the standard HMAX model (private): S1 normalisation, C1 pooling, S2 columns.

:mod:`glimpse.backends._compiled_standard` composes these with the direct correlation of
:mod:`glimpse._hmax` and ``numpy.matmul``; the public, validating face is the backend
interface (``HmaxS1``, ``HmaxC1``, ``HmaxS2``, ``HmaxC2``). Every kernel trusts its
arguments: float32 C-contiguous arrays of the shapes its docstring gives (float64 where
it says so), not empty unless it says so. The GIL is released for the whole of every
computation.
"""

from libc.math cimport sqrt
from libc.stdlib cimport free, malloc


def s1_finish(const float[:, ::1] image, const float[:, :, ::1] corr, Py_ssize_t size,
              float[:, :, ::1] out):
    """S1 of one kernel size from the correlations of the map's interior.

    ``image`` is the (H, W) map, ``corr`` (n, H - size, W - size) the valid correlations of
    ``image[1:, 1:]`` with the ``n`` kernels of side ``size`` (odd; pass an empty ``corr``
    when ``H <= size`` or ``W <= size``), ``out`` (n, H, W). Unit ``(y, x)`` of ``corr`` is
    pixel ``(y + c, x + c)`` of ``out`` with ``c = (size + 1) // 2``, whose window lies
    inside the map: ``out`` there is ``|corr| / ||window||`` (the norm summed in float64, 1
    for a norm of 0), and 0 on the border (the first ``c`` and last ``size // 2`` rows and
    columns).
    """
    cdef Py_ssize_t n = out.shape[0], H = out.shape[1], W = out.shape[2]
    cdef Py_ssize_t oh = corr.shape[1], ow = corr.shape[2], c = (size + 1) // 2
    cdef Py_ssize_t i, y, x, r
    cdef double *colsq = NULL
    cdef double *norm = NULL
    cdef double acc, v, old
    cdef bint failed = False
    if oh <= 0 or ow <= 0:
        oh = 0
        ow = 0
    with nogil:
        # the border: whole rows above and below the interior, then its sides
        for i in range(n):
            for y in range(H):
                if y < c or y >= c + oh:
                    for x in range(W):
                        out[i, y, x] = 0.0
                else:
                    for x in range(c):
                        out[i, y, x] = 0.0
                    for x in range(c + ow, W):
                        out[i, y, x] = 0.0
        if oh > 0:
            colsq = <double *>malloc((W + ow) * sizeof(double))
            failed = colsq == NULL
        if not failed and oh > 0:
            norm = colsq + W
            for y in range(oh):
                # sums of squares down the window's columns (rows 1 + y .. y + size of the
                # map), updated as the window slides down, then along the row
                if y == 0:
                    for x in range(1, W):
                        acc = 0.0
                        for r in range(1, size + 1):
                            v = image[r, x]
                            acc = acc + v * v
                        colsq[x] = acc
                else:
                    for x in range(1, W):
                        v = image[y + size, x]
                        old = image[y, x]
                        colsq[x] = colsq[x] + (v * v - old * old)
                acc = 0.0
                for x in range(1, size + 1):
                    acc = acc + colsq[x]
                norm[0] = acc
                for x in range(1, ow):
                    acc = acc + (colsq[x + size] - colsq[x])
                    norm[x] = acc
                for x in range(ow):
                    v = norm[x]
                    norm[x] = sqrt(v) if v > 0.0 else 1.0
                for i in range(n):
                    for x in range(ow):
                        v = corr[i, y, x]
                        out[i, y + c, x + c] = <float>((v if v >= 0.0 else -v) / norm[x])
        free(colsq)
    if failed:
        raise MemoryError("cannot allocate %d bytes of scratch" % ((W + ow) * 8))


def c1_pool(const float[:, :, ::1] a, const float[:, :, ::1] b, Py_ssize_t p,
            float[:, :, ::1] out):
    """C1 of the elementwise maximum of ``a`` and ``b`` (n, H, W) for the pool side ``p``.

    Pooled unit ``(i, j)`` is the maximum over map rows ``i q - p // 2`` to ``i q - p // 2 +
    p - 1`` (and columns likewise) that fall inside the map, ``q = p // 2``; ``out`` (n, h,
    w) receives pooled unit ``(i + 1, j + 1)`` at ``(i, j)``, and 0 in its last row and
    column. ``h = (H + 2 (p // 2) - p) // q + 1`` (``w`` likewise); H, W >= 1.
    """
    cdef Py_ssize_t n = a.shape[0], H = a.shape[1], W = a.shape[2]
    cdef Py_ssize_t oh = out.shape[1], ow = out.shape[2], q = p // 2
    cdef Py_ssize_t c, i, j, x, r, r0, r1, c0, c1
    cdef float *rowmax
    cdef float m, v
    with nogil:
        rowmax = <float *>malloc(W * sizeof(float))
        if rowmax != NULL:
            for c in range(n):
                for i in range(oh):
                    if i == oh - 1:
                        for j in range(ow):
                            out[c, i, j] = 0.0
                        continue
                    r0 = (i + 1) * q - p // 2
                    r1 = r0 + p
                    if r0 < 0:
                        r0 = 0
                    if r1 > H:
                        r1 = H
                    for x in range(W):
                        m = a[c, r0, x]
                        v = b[c, r0, x]
                        rowmax[x] = v if v > m else m
                    for r in range(r0 + 1, r1):
                        for x in range(W):
                            m = rowmax[x]
                            v = a[c, r, x]
                            if v > m:
                                m = v
                            v = b[c, r, x]
                            rowmax[x] = v if v > m else m
                    for j in range(ow - 1):
                        c0 = (j + 1) * q - p // 2
                        c1 = c0 + p
                        if c0 < 0:
                            c0 = 0
                        if c1 > W:
                            c1 = W
                        m = rowmax[c0]
                        for x in range(c0 + 1, c1):
                            v = rowmax[x]
                            if v > m:
                                m = v
                        out[c, i, j] = m
                    out[c, i, ow - 1] = 0.0
            free(rowmax)
    if rowmax == NULL:
        raise MemoryError("cannot allocate %d bytes of scratch" % (W * 4))


def s2_columns(const float[:, :, ::1] band, Py_ssize_t k, Py_ssize_t ow, Py_ssize_t p0,
               Py_ssize_t p1, float[:, ::1] cols, double[::1] acc, float[::1] vec):
    """Lay out the S2 windows of output positions ``p0 <= p < p1`` as columns.

    Output position ``p = y * ow + x`` reads the ``k x k`` window of ``band`` (n, h, w) with
    top-left corner ``(y + 1 - k // 2, x + 1 - k // 2)``, zero outside the band:
    ``cols[(b * k + ky) * k + kx, p - p0]`` (cols (n k k, p1 - p0)). ``acc[p - p0]``
    receives the window's sum of squares in float64, ``vec[p - p0]`` the same as float32.
    """
    cdef Py_ssize_t B = band.shape[0], h = band.shape[1], w = band.shape[2]
    cdef Py_ssize_t half = k // 2, m = p1 - p0
    cdef Py_ssize_t b, ky, kx, d, p, q, y, x, x1, xa, xb, r, off
    cdef float f
    with nogil:
        for q in range(m):
            acc[q] = 0.0
        for b in range(B):
            for ky in range(k):
                for kx in range(k):
                    d = (b * k + ky) * k + kx
                    off = 1 - half + kx  # band column of output column x: x + off
                    q = 0
                    p = p0
                    while p < p1:
                        y = p // ow
                        x = p - y * ow
                        x1 = ow if ow - x <= p1 - p else x + (p1 - p)
                        p = p + (x1 - x)
                        r = y + 1 - half + ky
                        if r < 0 or r >= h:
                            xa = x1
                            xb = x1
                        else:
                            xa = -off if -off > x else x
                            xb = w - off if w - off < x1 else x1
                            if xa > x1:
                                xa = x1
                            if xb < xa:
                                xb = xa
                        while x < xa:
                            cols[d, q] = 0.0
                            x = x + 1
                            q = q + 1
                        while x < xb:
                            cols[d, q] = band[b, r, x + off]
                            x = x + 1
                            q = q + 1
                        while x < x1:
                            cols[d, q] = 0.0
                            x = x + 1
                            q = q + 1
                    for q in range(m):
                        f = cols[d, q]
                        acc[q] = acc[q] + <double>f * f
        for q in range(m):
            vec[q] = <float>acc[q]


def s2_euclidean(float[:, ::1] out, Py_ssize_t p0, Py_ssize_t p1, const double[::1] acc,
                 const double[::1] ksq, const float[:, ::1] cols, const float[:, ::1] matrix,
                 double refine):
    """``out[i, p] = sqrt(max(d, 0))`` in place for ``p0 <= p < p1``, ``d = acc[p - p0] +
    ksq[i] + out[i, p]`` in float64, for ``out`` (m, P) holding ``-2 <window p, kernel i>``
    (float32) in those columns.

    Where ``d < refine * (acc[p - p0] + ksq[i])`` (a window close to the kernel, whose
    distance the float32 product's rounding could swamp), ``d`` is summed again directly as
    ``sum((x - w)**2)`` in float64 from the window ``cols[:, p - p0]`` (depth, p1 - p0) and
    the kernel ``-0.5 * matrix[i]`` (matrix (m, depth) holding -2 w).
    """
    cdef Py_ssize_t n = out.shape[0], depth = cols.shape[0], i, q, j
    cdef double d, kk, v
    with nogil:
        for i in range(n):
            kk = ksq[i]
            for q in range(p1 - p0):
                d = acc[q] + kk + out[i, p0 + q]
                if d < refine * (acc[q] + kk):
                    d = 0.0
                    for j in range(depth):
                        v = <double>cols[j, q] + 0.5 * <double>matrix[i, j]
                        d = d + v * v
                out[i, p0 + q] = <float>sqrt(d if d > 0.0 else 0.0)


def s2_least(const float[:, ::1] prod, const double[::1] acc, const double[::1] ksq,
             const float[:, ::1] cols, const float[:, ::1] matrix, double refine,
             double[::1] best):
    """``best[i] = min(best[i], least d over q)`` with ``d`` the squared distance of
    :func:`s2_euclidean` (re-summed directly under the same condition), in float64."""
    cdef Py_ssize_t n = prod.shape[0], P = prod.shape[1], depth = cols.shape[0], i, q, j
    cdef double d, kk, v, least
    with nogil:
        for i in range(n):
            kk = ksq[i]
            least = best[i]
            for q in range(P):
                d = acc[q] + kk + prod[i, q]
                if d < least + refine * (acc[q] + kk):
                    if d < refine * (acc[q] + kk):
                        d = 0.0
                        for j in range(depth):
                            v = <double>cols[j, q] + 0.5 * <double>matrix[i, j]
                            d = d + v * v
                    if d < least:
                        least = d
            best[i] = least

"""Colour conversion kernels (private).

:meth:`glimpse.backends.base.Backend.LumaBytes` validates the input and calls
:func:`luma`, which assumes:

* ``rgb`` is a uint8 array of shape ``(H, W, C)`` with ``C >= 3`` (channels
  0, 1, 2 are red, green, blue; any further channel, such as alpha, is not
  read), any strides, read-only allowed;
* ``out`` is a C-contiguous float32 array of shape ``(H, W)`` that overlaps
  no part of ``rgb``.

Arithmetic: the ITU-R 601-2 luma with the 1/255 scale folded in, computed
exactly in integers and rounded once,
``out = float32(299 * r + 587 * g + 114 * b) / float32(255000)``. The
integer sum (at most 255,000) is exact in float32 and the division is
correctly rounded, so every value is the float32 nearest to the exact
``(0.299 r + 0.587 g + 0.114 b) / 255`` and lies in [0, 1] (white is exactly
1: no clipping is needed).
"""

cdef float _DIVISOR = 255000.0


cdef inline void _row_fixed(const unsigned char *src, Py_ssize_t n, Py_ssize_t step,
                            float *dst) noexcept nogil:
    """One row whose pixels are ``step`` bytes apart with adjacent channels.

    Only called with a literal ``step``, so the compiler sees the pixel size.
    """
    cdef Py_ssize_t x
    cdef int v
    for x in range(n):
        v = 299 * <int>src[0] + 587 * <int>src[1] + 114 * <int>src[2]
        dst[x] = <float>v / _DIVISOR
        src += step


cdef inline void _row_strided(const unsigned char *src, Py_ssize_t n, Py_ssize_t sx,
                              Py_ssize_t sc, float *dst) noexcept nogil:
    """One row with any pixel stride ``sx`` and channel stride ``sc`` (bytes)."""
    cdef Py_ssize_t x
    cdef int v
    for x in range(n):
        v = 299 * <int>src[0] + 587 * <int>src[sc] + 114 * <int>src[2 * sc]
        dst[x] = <float>v / _DIVISOR
        src += sx


cdef void _luma(const unsigned char[:, :, :] rgb, float[:, ::1] out) noexcept nogil:
    cdef Py_ssize_t y, h = rgb.shape[0], w = rgb.shape[1]
    cdef Py_ssize_t sy = rgb.strides[0], sx = rgb.strides[1], sc = rgb.strides[2]
    cdef const unsigned char *row
    if h == 0 or w == 0:
        return
    row = &rgb[0, 0, 0]
    for y in range(h):
        if sc == 1 and sx == 3:
            _row_fixed(row, w, 3, &out[y, 0])
        elif sc == 1 and sx == 4:
            _row_fixed(row, w, 4, &out[y, 0])
        else:
            _row_strided(row, w, sx, sc, &out[y, 0])
        row += sy


def luma(const unsigned char[:, :, :] rgb not None, float[:, ::1] out not None):
    """Write the ITU-R 601-2 luma of an 8-bit RGB(A) array, divided by 255, to ``out``.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (H, W, C), C >= 3
        Any strides; channels 0, 1 and 2 are read (see the module docstring).
    out : ndarray of float32, shape (H, W)
        C-contiguous, not overlapping ``rgb``; receives the luma in [0, 1].

    Returns
    -------
    None
    """
    with nogil:
        _luma(rgb, out)

"""Patch gathering kernels (private; glimpse.models.base validates the input)."""

from libc.stdint cimport int64_t

ctypedef fused real_t:
    float
    double


def gather(const real_t[:, :, :] data not None,
           const int64_t[::1] index not None,
           const int64_t[:, ::1] locations not None,
           Py_ssize_t width,
           float[:, :, :, ::1] out not None):
    """Copy the patches of one scale into ``out``.

    For every ``k`` in ``index``: ``out[k] = data[:, y:y + width, x:x + width]``
    with ``(y, x) = locations[k, 1:3]``. ``data`` is (bands, H, W) with any
    strides; every location must fit (unchecked).
    """
    cdef Py_ssize_t t, k, b, i, j, y, x
    cdef Py_ssize_t nb = data.shape[0]
    with nogil:
        for t in range(index.shape[0]):
            k = index[t]
            y = locations[k, 1]
            x = locations[k, 2]
            for b in range(nb):
                for i in range(width):
                    for j in range(width):
                        out[k, b, i, j] = <float>data[b, y + i, x + j]

# Shared Cython declarations of glimpse's kernels (cimported by the csrc/*.pyx modules).

from libc.stdint cimport uint64_t


# The element types a kernel reads: float32 and float64.
ctypedef fused real_t:
    float
    double


# One scale of a strided multi-scale map, read through the buffer protocol: the patch
# kernels read a (bands..., H, W) array of any strides in place through this record.
cdef struct scale_t:
    const char *base        # address of element [0, ..., 0]
    Py_ssize_t sy           # byte stride between rows
    Py_ssize_t sx           # byte stride between columns
    uint64_t rpos           # number of fitting corners - 1: (H - w + 1) * (W - w + 1) - 1
    uint64_t nx             # number of fitting columns: W - w + 1
    const Py_ssize_t *boff  # byte offset of every band (prod(bands) entries)
    int f64                 # 1 for float64 data, 0 for float32
    int contig              # 1 when the elements of a row are adjacent (sx == itemsize)

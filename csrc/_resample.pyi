"""Type stub for the compiled module ``glimpse._resample`` (csrc/_resample.pyx).

Comments record the C types of the Cython signature.
"""

import numpy as np
import numpy.typing as npt

LANCZOS: int  # 1, PIL.Image.Resampling.LANCZOS
BILINEAR: int  # 2
BICUBIC: int  # 3
BOX: int  # 4


def support(filter: int) -> float: ...  # cpdef double support(int filter)


def isa(cap: int = -1) -> int: ...  # int; 0 baseline, 1 AVX2, 2 AVX-512 (results identical)


def scratch_bytes(
    H: int,  # Py_ssize_t
    W: int,  # Py_ssize_t
    width: int,  # Py_ssize_t
    height: int,  # Py_ssize_t
    filter: int,  # int
    x0: int,  # Py_ssize_t
    y0: int,  # Py_ssize_t
    x1: int,  # Py_ssize_t
    y1: int,  # Py_ssize_t
) -> float: ...  # cpdef double: an upper bound in bytes, output included


def resample(
    # const sample_t[:, :] (real_t or unsigned char), any strides; float32 with contiguous
    # rows or columns is read in place; uint8 samples are read as value / 255 (float32)
    src: npt.NDArray[np.float32] | npt.NDArray[np.float64] | npt.NDArray[np.uint8],
    width: int,  # Py_ssize_t
    height: int,  # Py_ssize_t
    filter: int,  # int
    x0: int,  # Py_ssize_t
    y0: int,  # Py_ssize_t
    x1: int,  # Py_ssize_t
    y1: int,  # Py_ssize_t
    order: int = 0,  # int: 0 by cost, 1 horizontal first, 2 vertical first
) -> npt.NDArray[np.float32]: ...  # float32, shape (y1 - y0, x1 - x0), C order

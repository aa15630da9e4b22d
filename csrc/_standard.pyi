"""Type stub for the compiled module ``glimpse._standard`` (csrc/_standard.pyx).

Comments record the C types of the Cython signatures. The kernels trust their arguments;
:mod:`glimpse.backends._compiled_standard` composes them behind the validating backend
interface.
"""

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


def s1_finish(
    image: F32,  # const float[:, ::1], (H, W)
    corr: F32,  # const float[:, :, ::1], (n, H - size, W - size) or empty
    size: int,  # Py_ssize_t, odd kernel side
    out: F32,  # float[:, :, ::1], (n, H, W)
) -> None: ...


def c1_pool(
    a: F32,  # const float[:, :, ::1], (n, H, W), H, W >= 1
    b: F32,  # const float[:, :, ::1], (n, H, W)
    p: int,  # Py_ssize_t, pool side >= 2
    out: F32,  # float[:, :, ::1], (n, h, w), not empty
) -> None: ...


def s2_columns(
    band: F32,  # const float[:, :, ::1], (n, h, w)
    k: int,  # Py_ssize_t, patch side
    ow: int,  # Py_ssize_t, output width
    p0: int,  # Py_ssize_t, first output position (y * ow + x)
    p1: int,  # Py_ssize_t, end of the positions
    cols: F32,  # float[:, ::1], (n * k * k, p1 - p0)
    acc: F64,  # double[::1], >= p1 - p0: window sums of squares
    vec: F32,  # float[::1], >= p1 - p0: the same in float32
) -> None: ...


def s2_euclidean(
    out: F32,  # float[:, ::1], (m, P): -2 <window, kernel> in columns p0:p1, overwritten
    p0: int,  # Py_ssize_t
    p1: int,  # Py_ssize_t
    acc: F64,  # const double[::1], (p1 - p0,)
    ksq: F64,  # const double[::1], (m,)
    cols: F32,  # const float[:, ::1], (depth, p1 - p0): the windows
    matrix: F32,  # const float[:, ::1], (m, depth): -2 times the kernels
    refine: float,  # double: relative threshold of the direct re-summation
) -> None: ...


def s2_least(
    prod: F32,  # const float[:, ::1], (m, P): -2 <window, kernel>
    acc: F64,  # const double[::1], (P,)
    ksq: F64,  # const double[::1], (m,)
    cols: F32,  # const float[:, ::1], (depth, P): the windows
    matrix: F32,  # const float[:, ::1], (m, depth): -2 times the kernels
    refine: float,  # double: relative threshold of the direct re-summation
    best: F64,  # double[::1], (m,), updated
) -> None: ...

"""Type stub for the compiled module ``glimpse._hmax`` (csrc/_hmax.pyx).

Comments record the C types of the Cython signatures. The kernels trust their arguments;
:mod:`glimpse.backends._compiled_hmax` composes them behind the validating backend interface.
"""

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]

RBF: int  # 0: epilogue exp(coef * max(||x||^2 + ||w||^2 + out, 0)), out holding -2 <x, w>
NORM_RBF: int  # 1: exp(coef * (1 - out / sqrt(max(||x||^2, bias))))
NORM_DOT: int  # 2: out / sqrt(max(||x||^2, bias))
DOT: int  # 3: out unchanged
NORM_NONE: int  # 0: im2col leaves nothing in vec
NORM_SQUARED: int  # 1: ||x||^2
NORM_INVERSE: int  # 2: 1 / sqrt(max(||x||^2, bias))


def isa(cap: int = -1) -> int: ...  # int; 0 baseline, 1 AVX2, 2 AVX-512 (results identical)


def correlate(
    data: F32,  # const float[:, :, ::1], (bands, H, W)
    kernels: F32,  # const float[:, :, :, ::1], (n, bands, kh, kw)
    mode: int,  # int: DOT, NORM_DOT or NORM_RBF
    bias: float,  # double
    coef: float,  # float: -2 beta for NORM_RBF
    out: F32,  # float[:, :, ::1], (n, H - kh + 1, W - kw + 1), not empty
) -> None: ...


def im2col(
    data: F32,  # const float[:, :, ::1], (bands, H, W)
    kh: int,  # Py_ssize_t
    kw: int,  # Py_ssize_t
    s: int,  # Py_ssize_t, the stride
    ow: int,  # Py_ssize_t, output width
    p0: int,  # Py_ssize_t, first output position (y * ow + x)
    p1: int,  # Py_ssize_t, end of the positions
    center: F32,  # const float[::1], (bands * kh * kw,), subtracted from every column
    norm: int,  # int: NORM_NONE, NORM_SQUARED or NORM_INVERSE
    bias: float,  # double
    cols: F32,  # float[:, ::1], (bands * kh * kw, p1 - p0)
    acc: npt.NDArray[np.float64],  # double[::1], >= p1 - p0 (scratch)
    vec: F32,  # float[::1], >= p1 - p0
) -> None: ...


def epilogue(
    mode: int,  # int: RBF, NORM_RBF or NORM_DOT
    out: F32,  # float[:, ::1], (n, P), products in columns p0:p1
    p0: int,  # Py_ssize_t
    p1: int,  # Py_ssize_t
    vec: F32,  # const float[::1], per position (see im2col)
    ww: F32,  # const float[::1], (n,) squared kernel norms (RBF) or empty
    coef: float,  # float: -beta (RBF) or -2 beta (NORM_RBF)
    cols: F32,  # const float[:, ::1], (depth, p1 - p0) windows (RBF) or empty
    matrix: F32,  # const float[:, ::1], (n, depth) kernels as -2 w (RBF) or empty
    refine: float,  # float: threshold of the exact re-summation (RBF)
) -> None: ...


def center_kernels(
    flat: F32,  # const float[:, ::1], (n, depth)
    center: F32,  # float[::1], (depth,): the mean kernel
    matrix: F32,  # float[:, ::1], (n, depth): -2 (flat - center)
    ww: F32,  # float[::1], (n,): ||flat - center||^2
) -> None: ...


def local_max(
    data: F32,  # const float[:, :, ::1], (bands, H, W)
    kh: int,  # Py_ssize_t
    kw: int,  # Py_ssize_t
    s: int,  # Py_ssize_t
    out: F32,  # float[:, :, ::1], (bands, (H - kh) // s + 1, (W - kw) // s + 1), not empty
) -> None: ...


def global_max(
    data: F32,  # const float[:, :, ::1], (bands, H, W), H, W >= 1
    out: F32,  # float[::1], (bands,)
) -> None: ...


def contrast_enhance(
    data: F32,  # const float[:, ::1], (H, W)
    k: int,  # Py_ssize_t, >= 2
    s: int,  # Py_ssize_t
    bias: float,  # double
    out: F32,  # float[:, ::1], ((H - k) // s + 1, (W - k) // s + 1), not empty
) -> None: ...

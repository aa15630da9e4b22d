"""The compiled HMAX operations: private implementations bound by the compiled backend.

Each function has the signature of the backend interface's private method of the same name
(minus ``self``) and trusts what the validating layer guarantees: float32 C-contiguous,
finite ``data`` and ``kernels``; ``out`` float32, C-contiguous, of exactly the output shape
and overlapping neither; ints >= 1 for widths and strides; finite positive floats for
``bias`` and ``beta``. An empty ``out`` is returned untouched.

How the S operations are computed:

* few kernels at stride 1 (S1): a direct, vectorised correlation
  (:func:`glimpse._hmax.correlate`) in which four kernels and a strip of output columns
  share every input load, with the window norms as running float64 sums;
* otherwise (S2): the windows of a chunk of output positions are laid out as the columns of
  a (bands * kh * kw, m) matrix (:func:`glimpse._hmax.im2col`, which also sums their squared
  norms in float64), ``numpy.matmul`` of the (n, bands * kh * kw) kernels with it writes
  straight into the matching columns of ``out`` viewed as (n, oh * ow), and a vectorised
  epilogue (:func:`glimpse._hmax.epilogue`) turns the products into the operation's value
  in place. The scratch matrix is bounded (``_SCRATCH_BYTES``), whatever the input size.
* Rbf uses ``||x - w||^2 = ||x - c||^2 - 2 <x - c, w - c> + ||w - c||^2`` with ``c`` the
  mean of the kernels (per element), which keeps the cancellation error of the float32
  product small when windows and kernels are alike; where that error could still show in a
  value (large inputs, a window equal to a kernel), the epilogue sums that distance again
  directly in float64 from the columns.

The vector loops are compiled for the baseline instruction set, AVX2 and AVX-512, chosen
at run time (:func:`glimpse._hmax.isa`); all give bit-identical results. Every kernel of
:mod:`glimpse._hmax` runs with the GIL released, and so does the BLAS product.
"""

from __future__ import annotations

import threading

import numpy as np

from ._compiled import _hmax

__all__ = [
    "ContrastEnhance",
    "DotProduct",
    "NormDotProduct",
    "Rbf",
    "NormRbf",
    "LocalMax",
    "GlobalMax",
]

#: Bytes of the im2col scratch matrix of one call (a chunk of output positions).
_SCRATCH_BYTES = 1 << 20

#: At stride 1, kernel sets up to this size use the direct correlation.
_DIRECT_MAX_KERNELS = 8

#: Rbf values whose float32 rounding error may exceed this are recomputed exactly.
_RBF_TOLERANCE = 4e-6

_NONE = np.zeros((0, 0), np.float32)

_F32_EPS = float(np.finfo(np.float32).eps)

#: Most bytes a thread keeps of one scratch array between calls.
_KEPT_SCRATCH_BYTES = 16 << 20

_per_thread = threading.local()


def _scratch(name, shape, dtype):
    """An uninitialised array for the scratch ``name`` of this thread's current call.

    The memory of the thread's previous call when it is large enough (a scratch array never
    leaves the call that asked for it, and a thread makes one call at a time), so that the
    allocator does not give it back to the system and fault it in again on every call.
    """
    arrays = _per_thread.__dict__.setdefault("scratch", {})
    size = 1
    for side in shape:
        size *= side
    array = arrays.get(name)
    if array is None or array.size < size or array.dtype != dtype:
        array = np.empty(size, dtype)
        if array.nbytes <= _KEPT_SCRATCH_BYTES:
            arrays[name] = array
    return array[:size].reshape(shape)


#: Names of the instruction-set levels of the vector loops.
ISA_NAMES = ("baseline", "AVX2", "AVX-512")


def isa(cap=None):
    """The level (index into ``ISA_NAMES``) of the vector loops in use.

    With ``cap``, first limit the level to at most ``cap`` (the tests use it to run every
    path on one machine; not thread-safe). Every level gives bit-identical results.
    """
    return _hmax.isa(-1 if cap is None else cap)


def _stride(scaling, data):
    """``scaling`` as a C integer: any stride of at least the input's size reads the same
    single window, so bigger (even unbounded) Python ints are clipped to that size."""
    return min(scaling, max(data.shape[-2], data.shape[-1], 1))


def _s_operation(data, kernels, scaling, out, mode, bias, coef):
    if out.size == 0:
        return out
    scaling = _stride(scaling, data)
    n, bands, kh, kw = kernels.shape
    _, oh, ow = out.shape
    if mode != _hmax.RBF and scaling == 1 and n <= _DIRECT_MAX_KERNELS:
        _hmax.correlate(data, kernels, mode, bias, coef, out)
        return out
    depth = bands * kh * kw
    positions = oh * ow
    out2d = out.reshape(n, positions)
    flat = kernels.reshape(n, depth)
    if mode == _hmax.RBF:
        center = _scratch("center", (depth,), np.float32)
        # -2 (w - c): the product is -2 <x - c, w - c>
        matrix = _scratch("matrix", (n, depth), np.float32)
        ww = _scratch("ww", (n,), np.float32)
        _hmax.center_kernels(flat, center, matrix, ww)
        norm = _hmax.NORM_SQUARED
        # The distance of a value v is off by about 4 eps (||x||^2 + ||w||^2) at most
        # (rounding of the norms and of the float32 product), so v is off by about
        # beta v 4 eps (||x||^2 + ||w||^2); where that may exceed _RBF_TOLERANCE, the
        # epilogue sums the distance again directly.
        refine = _RBF_TOLERANCE / (-coef * 4 * _F32_EPS)
    else:
        center = np.zeros(depth, np.float32)
        ww = np.zeros(0, np.float32)
        matrix = flat
        refine = 0.0
        norm = _hmax.NORM_NONE if mode == _hmax.DOT else _hmax.NORM_INVERSE
    chunk = max(1, min(positions, _SCRATCH_BYTES // (4 * depth)))
    scratch = _scratch("cols", (depth * chunk,), np.float32)
    acc = _scratch("acc", (chunk,), np.float64)
    vec = _scratch("vec", (chunk,), np.float32)
    for p0 in range(0, positions, chunk):
        p1 = min(positions, p0 + chunk)
        cols = scratch[: depth * (p1 - p0)].reshape(depth, p1 - p0)
        _hmax.im2col(data, kh, kw, scaling, ow, p0, p1, center, norm, bias, cols, acc, vec)
        np.matmul(matrix, cols, out=out2d[:, p0:p1])
        if mode != _hmax.DOT:
            if mode == _hmax.RBF:
                _hmax.epilogue(mode, out2d, p0, p1, vec, ww, coef, cols, matrix, refine)
            else:
                _hmax.epilogue(mode, out2d, p0, p1, vec, ww, coef, _NONE, _NONE, 0.0)
    return out


def DotProduct(data, kernels, scaling, out):
    """``<x, w>`` for every window x of ``data`` and kernel w; see the module docstring."""
    return _s_operation(data, kernels, scaling, out, _hmax.DOT, 1.0, 1.0)


def NormDotProduct(data, kernels, bias, scaling, out):
    """``<x, w> / sqrt(max(||x||^2, bias))`` (kernels assumed unit norm)."""
    return _s_operation(data, kernels, scaling, out, _hmax.NORM_DOT, float(bias), 1.0)


def Rbf(data, kernels, beta, scaling, out):
    """``exp(-beta * ||x - w||^2)``."""
    return _s_operation(data, kernels, scaling, out, _hmax.RBF, 1.0, -float(beta))


def NormRbf(data, kernels, bias, beta, scaling, out):
    """``exp(-2 beta (1 - NDP(x, w)))`` with NDP as :func:`NormDotProduct`."""
    return _s_operation(data, kernels, scaling, out, _hmax.NORM_RBF, float(bias),
                        -2.0 * float(beta))


def LocalMax(data, kwidth, scaling, out):
    """Per-band maximum over ``kwidth`` x ``kwidth`` windows at stride ``scaling``."""
    if out.size:
        _hmax.local_max(data, kwidth, kwidth, _stride(scaling, data), out)
    return out


def GlobalMax(data, out):
    """Per-band maximum over all positions of the (bands, H, W) ``data``."""
    if out.size:
        _hmax.global_max(data, out)
    return out


def ContrastEnhance(data, kwidth, bias, scaling, out):
    """``(x_center - mean(x)) / sqrt(var(x) + bias)`` over ``kwidth`` x ``kwidth`` windows."""
    if out.size:
        _hmax.contrast_enhance(data, kwidth, _stride(scaling, data), float(bias), out)
    return out

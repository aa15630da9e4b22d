"""The compiled operations of the standard HMAX model: private implementations bound by the
compiled backend.

Each function has the signature of the backend interface's private method of the same name
(minus ``self``) and trusts what the validating layer guarantees (see
:mod:`glimpse.backends.base`). How they are computed:

* S1: only the interior of a map can be non-zero (the border that is zeroed is exactly
  where a window would reach the zero padding), so the correlation is the valid one of
  the map less its first row and column, by the direct vectorised correlation of
  :func:`glimpse._hmax.correlate` (the kernels of one size share every input load); then
  :func:`glimpse._standard.s1_finish` divides by the window norms, running sums in
  float64, and writes the border.
* C1: :func:`glimpse._standard.c1_pool`, rows then columns, on the maximum of two maps
  (more are folded first).
* S2: the windows of a chunk of output positions are laid out as the columns of a
  (bands * k * k, chunk) matrix (:func:`glimpse._standard.s2_columns`, which sums their
  squares in float64); ``numpy.matmul`` of the kernels, scaled by -2, with it writes
  ``-2 <window, kernel>`` into the matching columns of the output, and a pass turns them
  into distances (:func:`glimpse._standard.s2_euclidean`) or Gaussians (the epilogue of
  :func:`glimpse._hmax.epilogue`).
* C2: the same products into a scratch block, of which
  :func:`glimpse._standard.s2_least` keeps each kernel's least distance; the activation of
  the least distance is the best value of both activations (both are monotonic in it).
  Scratch: at most ``_SCRATCH_BYTES`` (2 MB) of columns plus ``_SCRATCH_BYTES`` of
  products, the kernels scaled by -2 (a copy of their size: 1.6 MB for 400 patches of
  4 x 16 x 16), and a few arrays of one value per position of a chunk or per kernel,
  whatever the sizes of the maps: the S2 maps are never held. (A chunk holds at least
  ``_MIN_CHUNK`` positions, so only kernels of more than ``_SCRATCH_BYTES / (4 *
  _MIN_CHUNK)`` values each, or that many kernels, go beyond the bound.)

All kernels run with the GIL released, and so does the BLAS product.
"""

from __future__ import annotations

import numpy as np

from ._compiled import _hmax, _standard

__all__ = ["HmaxS1", "HmaxC1", "HmaxS2", "HmaxC2"]

#: Bytes of the column matrix of one chunk of S2 positions, and of its block of products
#: in C2 (a chunk has at least ``_MIN_CHUNK`` positions, so a huge kernel set may exceed it).
_SCRATCH_BYTES = 2 << 20
_MIN_CHUNK = 64

_NONE = np.zeros((0, 0), np.float32)

_F32_EPS = float(np.finfo(np.float32).eps)

#: A squared distance ``d`` computed from the float32 product is off by about
#: ``4 eps (||x||^2 + ||w||^2)``; it is summed again directly where it is below
#: ``_REFINE`` times that sum, so that the error of ``sqrt(d)`` stays below about
#: ``sqrt(eps (||x||^2 + ||w||^2)) / 100``.
_REFINE = 4 * _F32_EPS * 1e4

#: Gaussian values whose float32 rounding error may exceed this are recomputed directly.
_GAUSSIAN_TOLERANCE = 4e-6


def HmaxS1(data, kernels, out):
    """S1 of the standard HMAX model; see the module docstring."""
    H, W = data.shape
    inner = np.ascontiguousarray(data[1:, 1:])[None]
    for kset, o in zip(kernels, out):
        n, size, _ = kset.shape
        if H > size and W > size:
            corr = np.empty((n, H - size, W - size), np.float32)
            _hmax.correlate(inner, kset[:, None], _hmax.DOT, 1.0, 1.0, corr)
        else:
            corr = np.zeros((n, 0, 0), np.float32)
        _standard.s1_finish(data, corr, size, o)
    return out


def HmaxC1(maps, kwidth, out):
    """C1 of the standard HMAX model; see the module docstring."""
    first = maps[0]
    if len(maps) > 2:
        first = np.maximum(maps[0], maps[1])
        for a in maps[2:-1]:
            np.maximum(first, a, out=first)
    _standard.c1_pool(first, maps[-1], kwidth, out)
    return out


def _chunks(data, kernels, ow, positions, blocks):
    """Yield ``(p0, p1, prod_source, acc, vec)`` over chunks of S2 positions, the columns
    of each laid out; ``blocks`` is the number of (m, chunk) product blocks held."""
    depth = kernels.shape[1] * kernels.shape[2] * kernels.shape[3]
    per_position = 4 * max(depth, kernels.shape[0] if blocks else 0)
    chunk = max(_MIN_CHUNK, min(positions, _SCRATCH_BYTES // per_position))
    chunk = min(chunk, positions)
    cols = np.empty(depth * chunk, np.float32)
    acc = np.empty(chunk, np.float64)
    vec = np.empty(chunk, np.float32)
    for p0 in range(0, positions, chunk):
        p1 = min(positions, p0 + chunk)
        c = cols[: depth * (p1 - p0)].reshape(depth, p1 - p0)
        _standard.s2_columns(data, kernels.shape[2], ow, p0, p1, c, acc, vec)
        yield p0, p1, c, acc[: p1 - p0], vec[: p1 - p0]


def _prepared(kernels):
    """(-2 kernels as an (m, depth) matrix, float64 squared norms, their float32 copy)."""
    m = kernels.shape[0]
    flat = kernels.reshape(m, -1)
    ksq = np.einsum("ij,ij->i", flat, flat, dtype=np.float64)
    return flat * np.float32(-2), ksq, ksq.astype(np.float32)


def HmaxS2(data, kernels, activation, sigma, out):
    """S2 of the standard HMAX model; see the module docstring."""
    m, oh, ow = out.shape
    matrix, ksq, ksq32 = _prepared(kernels)
    out2d = out.reshape(m, oh * ow)
    coef = -1.0 / (2.0 * sigma * sigma)
    # a Gaussian value v is off by about v |coef| 4 eps (||x||^2 + ||w||^2)
    refine = _GAUSSIAN_TOLERANCE / (-coef * 4 * _F32_EPS)
    for p0, p1, cols, acc, vec in _chunks(data, kernels, ow, oh * ow, 0):
        np.matmul(matrix, cols, out=out2d[:, p0:p1])
        if activation == "euclidean":
            _standard.s2_euclidean(out2d, p0, p1, acc, ksq, cols, matrix, _REFINE)
        else:
            _hmax.epilogue(_hmax.RBF, out2d, p0, p1, vec, ksq32, coef, cols, matrix, refine)
    return out


def HmaxC2(bands, kernels, activation, sigma, out):
    """C2 of the standard HMAX model; see the module docstring."""
    m, _, k, _ = kernels.shape
    matrix, ksq, _ = _prepared(kernels)
    best = np.full(m, np.inf)
    for band in bands:
        oh, ow = (side + 2 * (k // 2) - k for side in band.shape[1:])
        if oh <= 0 or ow <= 0:
            continue  # no S2 position in this band
        prod = None
        for p0, p1, cols, acc, _ in _chunks(band, kernels, ow, oh * ow, 1):
            if prod is None:
                prod = np.empty(m * cols.shape[1], np.float32)
            block = prod[: m * (p1 - p0)].reshape(m, p1 - p0)
            np.matmul(matrix, cols, out=block)
            _standard.s2_least(block, acc, ksq, cols, matrix, _REFINE, best)
    d = best
    if activation == "euclidean":
        out[...] = np.sqrt(np.maximum(d, 0.0))
    else:
        out[...] = np.exp(d * (-1.0 / (2.0 * sigma * sigma)))
    return out

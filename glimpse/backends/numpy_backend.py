"""The reference backend: every operation in plain numpy, short enough to be obviously right.

It computes in float64 and stores float32. The compiled backend's tests compare against
it, and ``GLIMPSE_BACKEND=numpy`` runs glimpse on it. The private methods trust their
arguments (see :mod:`glimpse.backends.base` for what the public methods guarantee).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import Backend

__all__ = ["NumpyBackend"]

#: Bytes of float64 window copies a private method may hold at once (work is done in
#: blocks of output rows so that a big map does not need one copy of every window).
_BLOCK_BYTES = 16 << 20


def _windows(data, kh, kw, scaling):
    """View ``(..., h, w, kh, kw)`` of the windows of ``data`` (..., H, W) at a stride."""
    view = sliding_window_view(data, (kh, kw), axis=(-2, -1))
    return view[..., ::scaling, ::scaling, :, :]


def _row_blocks(h, bytes_per_row):
    """Slices covering ``range(h)`` in blocks of about ``_BLOCK_BYTES``."""
    step = max(1, _BLOCK_BYTES // max(1, bytes_per_row))
    return [slice(y, min(h, y + step)) for y in range(0, h, step)]


def _dots_and_norms(data, kernels, scaling, out):
    """Yield ``(rows, dots, norms2)``: float64 ``<x, w>`` (n, r, w) and ``||x||^2`` (r, w)."""
    _, kh, kw = kernels.shape[1:]
    win = _windows(data.astype(np.float64), kh, kw, scaling)  # (bands, h, w, kh, kw)
    k64 = kernels.astype(np.float64)
    n, h, w = out.shape
    for rows in _row_blocks(h, win.shape[0] * w * kh * kw * 8):
        x = win[:, rows, :w]  # (bands, r, w, kh, kw)
        dots = np.einsum("brwij,nbij->nrw", x, k64, optimize=True)
        norms2 = np.einsum("brwij,brwij->rw", x, x, optimize=True)
        yield rows, dots, norms2


class NumpyBackend(Backend):
    """Backend computing every operation with plain numpy (float64 inside).

    The reference implementation: slow but simple. See :class:`Backend` for the
    operations.

    Examples
    --------
    >>> import numpy as np
    >>> from glimpse.backends import NumpyBackend
    >>> NumpyBackend().LocalMax(np.arange(16.0).reshape(1, 4, 4), 2, scaling=2)
    array([[[ 5.,  7.],
            [13., 15.]]], dtype=float32)
    """

    name = "numpy"

    @staticmethod
    def _ContrastEnhance(data, kwidth, bias, scaling, out):
        h, w = out.shape
        d64 = data.astype(np.float64)
        win = _windows(d64, kwidth, kwidth, scaling)
        c = kwidth // 2
        centers = d64[c::scaling, c::scaling]
        for rows in _row_blocks(h, w * kwidth * kwidth * 8):
            x = win[rows, :w]
            mean = x.mean(axis=(-2, -1))
            var = x.var(axis=(-2, -1), ddof=1)
            out[rows] = (centers[rows, :w] - mean) / np.sqrt(var + bias)
        return out

    @staticmethod
    def _DotProduct(data, kernels, scaling, out):
        for rows, dots, _ in _dots_and_norms(data, kernels, scaling, out):
            out[:, rows] = dots
        return out

    @staticmethod
    def _NormDotProduct(data, kernels, bias, scaling, out):
        for rows, dots, norms2 in _dots_and_norms(data, kernels, scaling, out):
            out[:, rows] = dots / np.sqrt(np.maximum(norms2, bias))
        return out

    @staticmethod
    def _Rbf(data, kernels, beta, scaling, out):
        # ||x - w||^2 = ||x||^2 - 2 <x, w> + ||w||^2, in float64; rounding may make it
        # slightly negative, so it is clipped at 0.
        kn2 = np.einsum("nbij,nbij->n", *(kernels.astype(np.float64),) * 2)
        for rows, dots, norms2 in _dots_and_norms(data, kernels, scaling, out):
            dist2 = norms2[None] - 2 * dots + kn2[:, None, None]
            out[:, rows] = np.exp(-beta * np.maximum(dist2, 0.0))
        return out

    @staticmethod
    def _NormRbf(data, kernels, bias, beta, scaling, out):
        for rows, dots, norms2 in _dots_and_norms(data, kernels, scaling, out):
            ndp = dots / np.sqrt(np.maximum(norms2, bias))
            out[:, rows] = np.exp(-2 * beta * (1 - ndp))
        return out

    @staticmethod
    def _LocalMax(data, kwidth, scaling, out):
        _, h, w = out.shape
        out[...] = _windows(data, kwidth, kwidth, scaling)[:, :h, :w].max(axis=(-2, -1))
        return out

    @staticmethod
    def _GlobalMax(data, out):
        out[...] = data.max(axis=(1, 2))
        return out

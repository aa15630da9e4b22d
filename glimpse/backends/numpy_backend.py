"""The reference backend: every operation in plain numpy, short enough to be obviously right.

It computes in float64 and stores float32. The compiled backend's tests compare against
it, and ``GLIMPSE_BACKEND=numpy`` runs glimpse on it. The private methods trust their
arguments (see :mod:`glimpse.backends.base` for what the public methods guarantee).
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import BICUBIC, BILINEAR, BOX, LANCZOS, Backend

__all__ = ["NumpyBackend"]

#: Held while a call draws its patch locations, so that threads sharing a Generator get
#: the draws of sequential calls (each call's draws contiguous in the stream), as the
#: compiled backend gives them by holding the bit generator's lock.
_DRAW_LOCK = threading.Lock()

#: Base half-widths of the resampling filters' kernels.
_SUPPORT = {BOX: 0.5, BILINEAR: 1.0, BICUBIC: 2.0, LANCZOS: 3.0}

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


def _window_sums(a, kh, kw):
    """Sums of ``a`` (..., H, W) over every ``kh x kw`` window (valid positions), as sums
    over the window's columns of sums over its rows (each window summed afresh)."""
    rows = sliding_window_view(a, kh, axis=-2).sum(axis=-1)
    return sliding_window_view(rows, kw, axis=-1).sum(axis=-1)


def _hmax_s2_blocks(data, kernels):
    """Yield ``(rows, d)``: the float64 squared distances ``d`` (m, r, w') of S2 (see
    :meth:`Backend.HmaxS2`) for blocks of output rows of the band ``data`` (n, h, w)."""
    m, n, k, _ = kernels.shape
    half = k // 2
    padded = np.pad(data.astype(np.float64), ((0, 0), (half, half), (half, half)))
    # window positions of the padded map, the first row and column dropped
    win = _windows(padded, k, k, 1)[:, 1:, 1:]
    sq = _window_sums((padded * padded).sum(axis=0), k, k)[1:, 1:]
    k64 = kernels.astype(np.float64)
    ksq = np.einsum("mbij,mbij->m", k64, k64)
    h, w = sq.shape
    for rows in _row_blocks(h, (n * k * k + m) * w * 8):
        dots = np.einsum("brwij,mbij->mrw", win[:, rows], k64, optimize=True)
        yield rows, sq[rows][None] - 2 * dots + ksq[:, None, None]


def _hmax_activation(d, activation, sigma):
    """The S2 value of the float64 squared distances ``d``."""
    if activation == "euclidean":
        return np.sqrt(np.maximum(d, 0.0))
    return np.exp(-d / (2 * sigma * sigma))


def _filter_kernel(filter, x):
    """Pillow's filter kernels: box, triangle, Keys' cubic (a = -0.5), Lanczos-3."""
    if filter == BOX:
        return ((x > -0.5) & (x <= 0.5)).astype(np.float64)
    if filter == BILINEAR:
        return np.maximum(0.0, 1.0 - np.abs(x))
    if filter == BICUBIC:
        t = np.abs(x)
        near = (1.5 * t - 2.5) * t * t + 1.0
        far = ((-0.5 * t + 2.5) * t - 4.0) * t + 2.0
        return np.where(t < 1.0, near, np.where(t < 2.0, far, 0.0))
    return np.where((x >= -3.0) & (x < 3.0), np.sinc(x) * np.sinc(x / 3.0), 0.0)


def _resample_weights(filter, n_in, n_out, o0, o1):
    """Rows ``o0 .. o1 - 1`` of an axis' (n_out, n_in) matrix of normalised weights.

    Output index ``o`` is centred at ``c = (o + 0.5) * s`` in input coordinates, with
    ``s = n_in / n_out`` (``n_in`` taken as a C float, as Pillow does); its window is
    ``trunc(c -+ r * f + 0.5)``, clipped to the input, with ``f = max(s, 1)`` and ``r``
    the filter's support; tap ``i`` weighs ``K((i - c + 0.5) / f)``, normalised to sum 1.
    """
    scale = float(np.float32(n_in)) / n_out
    fscale = max(scale, 1.0)
    support = _SUPPORT[filter] * fscale
    weights = np.zeros((o1 - o0, n_in))
    for o in range(o0, o1):
        centre = (o + 0.5) * scale
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        w = _filter_kernel(filter, (np.arange(lo, hi) - centre + 0.5) * (1.0 / fscale))
        total = w.sum()
        weights[o - o0, lo:hi] = w / total if total != 0.0 else w
    return weights


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

    @staticmethod
    def _Resample(data, width, height, filter, box):
        # float64 input is read as float32, as the compiled kernel reads it; values out of
        # float32's range become infinite, which the caller reports
        with np.errstate(over="ignore", invalid="ignore"):
            a = data.astype(np.float32).astype(np.float64)
            left, top, right, bottom = box
            if height == a.shape[0]:
                a = a[top:bottom]
            else:
                a = _resample_weights(filter, a.shape[0], height, top, bottom) @ a
            if width == a.shape[1]:
                a = a[:, left:right]
            else:
                a = a @ _resample_weights(filter, a.shape[1], width, left, right).T
            return np.ascontiguousarray(a, dtype=np.float32)

    @classmethod
    def _ResampleBytes(cls, data, width, height, filter, box):
        return cls._Resample(data.astype(np.float32) / np.float32(255), width, height, filter,
                             box)

    @staticmethod
    def _LumaBytes(data, out):
        weights = np.array([299, 587, 114], np.int32)
        total = data[..., :3].astype(np.int32) @ weights  # exact: at most 255,000
        np.divide(total.astype(np.float32), np.float32(255000), out=out)
        return out

    @staticmethod
    def _ResampleScratchBytes(iheight, iwidth, width, height, filter, box):
        cw, ch = box[2] - box[0], box[3] - box[1]
        # weights, float64 input, intermediate, float64 result, float32 result
        return (8 * (cw * iwidth + ch * iheight + iheight * iwidth + ch * iwidth + ch * cw)
                + 4 * ch * cw)

    @staticmethod
    def _GatherPatches(scales, locations, width, out):
        for s, scale in enumerate(scales):
            rows = np.flatnonzero(locations[:, 0] == s)
            if rows.size:
                windows = sliding_window_view(scale, (width, width), axis=(-2, -1))
                patches = windows[..., locations[rows, 1], locations[rows, 2], :, :]
                with np.errstate(over="ignore"):  # the caller reports out-of-range values
                    out[rows] = np.moveaxis(patches, -3, 0).reshape(rows.size, -1)
        return out

    @staticmethod
    def _SampleGatherPatches(scales, width, generator, locations, out):
        with _DRAW_LOCK:
            for k in range(len(locations)):
                s = int(generator.integers(0, len(scales)))
                height, full_width = scales[s].shape[-2:]
                nx = full_width - width + 1
                c = int(generator.integers(0, (height - width + 1) * nx))
                locations[k] = (s, c // nx, c % nx)
        return NumpyBackend._GatherPatches(scales, locations, width, out)

    @staticmethod
    def _HmaxS1(data, kernels, out):
        d64 = data.astype(np.float64)
        h, w = data.shape
        for kset, o in zip(kernels, out):
            n, size, _ = kset.shape
            half = size // 2
            padded = np.pad(d64, half)
            norms = np.sqrt(_window_sums(padded * padded, size, size))
            norms[norms == 0] = 1.0
            win = _windows(padded, size, size, 1)  # (h, w, size, size)
            k64 = kset.astype(np.float64)
            for rows in _row_blocks(h, w * size * size * 8):
                dots = np.einsum("rwij,nij->nrw", win[rows], k64, optimize=True)
                o[:, rows] = np.abs(dots) / norms[rows]
            first, last = (size + 1) // 2, (size - 1) // 2
            o[:, :first] = 0
            o[:, :, :first] = 0
            o[:, h - last:] = 0
            o[:, :, w - last:] = 0
        return out

    @staticmethod
    def _HmaxC1(maps, kwidth, out):
        m = maps[0].astype(np.float64)
        for a in maps[1:]:
            m = np.maximum(m, a)
        half = kwidth // 2
        padded = np.pad(m, ((0, 0), (half, half), (half, half)), constant_values=-np.inf)
        pooled = _windows(padded, kwidth, kwidth, half).max(axis=(-2, -1))
        _, h, w = out.shape
        out[...] = 0
        out[:, :h - 1, :w - 1] = pooled[:, 1:h, 1:w]
        return out

    @staticmethod
    def _HmaxS2(data, kernels, activation, sigma, out):
        for rows, d in _hmax_s2_blocks(data, kernels):
            out[:, rows] = _hmax_activation(d, activation, sigma)
        return out

    @staticmethod
    def _HmaxC2(bands, kernels, activation, sigma, out):
        # the best match: the smallest distance, or the largest Gaussian
        euclidean = activation == "euclidean"
        best = np.full(out.shape, np.inf if euclidean else -np.inf)
        k = kernels.shape[2]
        for band in bands:
            if min(band.shape[1:]) + 2 * (k // 2) - k <= 0:
                continue  # no S2 position in this band
            for _, d in _hmax_s2_blocks(band, kernels):
                values = _hmax_activation(d, activation, sigma).reshape(len(out), -1)
                if euclidean:
                    best = np.minimum(best, values.min(axis=1))
                else:
                    best = np.maximum(best, values.max(axis=1))
        out[...] = best
        return out

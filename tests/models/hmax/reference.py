"""An independent float64 reading of the standard HMAX model's description, in plain numpy.

Written from the model description (shared/spec/models.hmax.md), not from glimpse's code:
the Gabor filter from its formula, point by point; S1 as the correlation over zero-padded
windows divided by the window norm; C1 as the maximum of every padded, strided window and
the one-unit shift; S2 as the squared distance between every window and every patch; C2 as
the minimum ("euclidean") or maximum ("gaussian") of S2. Every value is computed window by
window from its definition (numpy's sliding_window_view gives the windows), in float64.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def gabor(size, wavelength, orientation, gamma, sigma_ratio):
    """The S1 filter of size `size` (odd), point by point."""
    lam = 2.0 * size / wavelength
    sigma = sigma_ratio * lam
    theta = math.radians(orientation + 90.0)
    half = size // 2
    g = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            a, b = i - half, j - half  # a: row offset, b: column offset
            if math.sqrt(a * a + b * b) > size / 2.0:
                continue
            u = a * math.cos(theta) + b * math.sin(theta)
            t = -a * math.sin(theta) + b * math.cos(theta)
            g[i, j] = (math.exp(-(u * u + gamma * gamma * t * t) / (2.0 * sigma * sigma))
                       * math.cos(2.0 * math.pi * u / lam))
    g = g - g.sum() / (size * size)
    norm = math.sqrt((g * g).sum())
    return g / norm if norm > 0 else g


def s1_filters(params):
    """Per S1 size, the filters (orientations, s, s) in float64."""
    return [np.stack([gabor(s, v, o, params.s1_gamma, params.s1_sigma_ratio)
                      for o in params.s1_orientations])
            for s, v in zip(params.s1_kwidths, params.s1_wavelengths)]


def s1(image, params):
    """S1: a list over sizes of (orientations, H, W) maps."""
    image = np.asarray(image, np.float64)
    height, width = image.shape
    maps = []
    for filters in s1_filters(params):
        s = filters.shape[-1]
        padded = np.pad(image, s // 2)
        windows = sliding_window_view(padded, (s, s))  # (H, W, s, s), centred on each pixel
        assert windows.shape[:2] == (height, width)
        response = np.abs(np.einsum("yxab,oab->oyx", windows, filters))
        norm = np.sqrt(np.einsum("yxab,yxab->yx", windows, windows))
        norm[norm == 0] = 1.0
        out = response / norm
        first, last = (s + 1) // 2, (s - 1) // 2
        out[:, :first, :] = 0
        out[:, :, :first] = 0
        if last:
            out[:, height - last:, :] = 0
            out[:, :, width - last:] = 0
        maps.append(out)
    return maps


def c1(s1_maps, params):
    """C1: a list over bands of (orientations, h, w) maps."""
    per = params.c1_band_sizes
    maps = []
    for band, p in enumerate(params.c1_kwidths):
        m = np.max(np.stack(s1_maps[band * per:(band + 1) * per]), axis=0)
        q, pad = p // 2, p // 2
        padded = np.pad(m, ((0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
        rows = (m.shape[1] + 2 * pad - p) // q + 1
        cols = (m.shape[2] + 2 * pad - p) // q + 1
        pooled = np.empty((m.shape[0], rows, cols))
        for i in range(rows):
            for j in range(cols):
                pooled[:, i, j] = padded[:, i * q:i * q + p, j * q:j * q + p].max(axis=(1, 2))
        out = np.zeros_like(pooled)
        out[:, :rows - 1, :cols - 1] = pooled[:, 1:, 1:]
        maps.append(out)
    return maps


def squared_distances(band, patches):
    """d for every kept window position of one C1 band: (patches, h', w')."""
    k = patches.shape[-1]
    padded = np.pad(np.asarray(band, np.float64), ((0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    windows = sliding_window_view(padded, (k, k), axis=(1, 2))  # (n, Y, X, k, k)
    windows = windows[:, 1:, 1:]  # the first row and column of positions are dropped
    patches = np.asarray(patches, np.float64)
    d = np.empty((len(patches),) + windows.shape[1:3])
    for index, patch in enumerate(patches):
        diff = windows - patch[:, np.newaxis, np.newaxis]
        d[index] = np.einsum("nyxab,nyxab->yx", diff, diff)
    return d


def activation(d, params):
    if params.s2_activation == "euclidean":
        return np.sqrt(np.maximum(d, 0))
    return np.exp(-d / (2.0 * params.s2_sigma ** 2))


def s2(c1_maps, patch_sets, params):
    """S2: a list over bands of lists over patch sizes of (patches, h', w') maps."""
    return [[activation(squared_distances(band, patches), params) for patches in patch_sets]
            for band in c1_maps]


def c2(s2_maps, params):
    """C2: per patch size, the best S2 value of each patch over positions and bands."""
    best = np.min if params.s2_activation == "euclidean" else np.max
    result = []
    for i in range(len(s2_maps[0])):
        per_band = [best(bands[i].reshape(len(bands[i]), -1), axis=1) for bands in s2_maps
                    if bands[i][0].size]
        result.append(best(np.stack(per_band), axis=0))
    return result

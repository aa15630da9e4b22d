"""The standard HMAX model's operations (HmaxS1, HmaxC1, HmaxS2, HmaxC2) on every backend.

Each is checked against an independent reading of its definition: loops over pixels, windows
and kernels in Python floats on tiny inputs, with the padding, the zeroed borders, the
shifted pool and the dropped first row and column of S2 written out one index at a time.
Then the arguments: every bad value raises the library's error naming it.
"""

import math

import numpy as np
import pytest

from glimpse.backends import CythonBackend, InputSizeError, NumpyBackend

BACKENDS = [NumpyBackend, CythonBackend]


@pytest.fixture(params=BACKENDS, ids=lambda cls: cls.name)
def backend(request):
    return request.param()


def _rng(seed):
    return np.random.default_rng(seed)


# -- the definitions, one value at a time ---------------------------------------------------

def _at(a, y, x):
    """``a[..., y, x]`` of a (..., H, W) array as floats, 0 outside the map."""
    if 0 <= y < a.shape[-2] and 0 <= x < a.shape[-1]:
        return a[..., y, x].astype(np.float64)
    return np.zeros(a.shape[:-2])


def _loop_s1(image, kset):
    n, s, _ = kset.shape
    H, W = image.shape
    r = s // 2
    out = np.zeros((n, H, W))
    for y in range(H):
        for x in range(W):
            if not ((s + 1) // 2 <= y < H - (s - 1) // 2 and (s + 1) // 2 <= x < W - (s - 1) // 2):
                continue  # the zeroed border
            norm2 = 0.0
            dots = [0.0] * n
            for a in range(-r, r + 1):
                for b in range(-r, r + 1):
                    v = float(_at(image, y + a, x + b))
                    norm2 += v * v
                    for i in range(n):
                        dots[i] += v * float(kset[i, a + r, b + r])
            norm = math.sqrt(norm2) or 1.0
            for i in range(n):
                out[i, y, x] = abs(dots[i]) / norm
    return out


def _loop_c1(maps, p):
    n, H, W = maps[0].shape
    q = p // 2
    h, w = (H + 2 * q - p) // q + 1, (W + 2 * q - p) // q + 1
    out = np.zeros((n, h, w))
    for i in range(h - 1):
        for j in range(w - 1):
            # pooled unit (i + 1, j + 1): padded rows (i + 1) q .. (i + 1) q + p - 1, i.e.
            # map rows from (i + 1) q - p // 2
            y0, x0 = (i + 1) * q - p // 2, (j + 1) * q - p // 2
            for c in range(n):
                best = -math.inf
                for y in range(y0, y0 + p):
                    for x in range(x0, x0 + p):
                        if 0 <= y < H and 0 <= x < W:
                            best = max(best, max(float(m[c, y, x]) for m in maps))
                out[c, i, j] = best
    return out


def _loop_s2_distances(band, kernels):
    m, n, k, _ = kernels.shape
    _, h, w = band.shape
    r = k // 2
    oh, ow = h + 2 * r - k, w + 2 * r - k
    out = np.zeros((m, max(oh, 0), max(ow, 0)))
    for i in range(max(oh, 0)):
        for j in range(max(ow, 0)):
            # window position (i + 1, j + 1) of the map padded by r
            y0, x0 = i + 1 - r, j + 1 - r
            for c in range(m):
                ww = xw = kk = 0.0
                for b in range(n):
                    for a in range(k):
                        for e in range(k):
                            v = float(_at(band[b], y0 + a, x0 + e))
                            t = float(kernels[c, b, a, e])
                            ww += v * v
                            xw += v * t
                            kk += t * t
                out[c, i, j] = ww - 2 * xw + kk
    return out


def _activate(d, activation, sigma):
    if activation == "euclidean":
        return np.sqrt(np.maximum(d, 0.0))
    return np.exp(-d / (2 * sigma ** 2))


# -- values ---------------------------------------------------------------------------------

@pytest.mark.parametrize("H, W, sizes", [(9, 11, (1, 3, 5)), (6, 5, (7,)), (1, 1, (3,)),
                                         (12, 10, (5, 9))])
def test_s1_follows_its_definition(backend, H, W, sizes):
    rng = _rng(H * W)
    image = rng.random((H, W), dtype=np.float32)
    image[: H // 3, : W // 2] = 0  # a region where some windows have a norm of 0
    kernels = [rng.standard_normal((1 + i % 3, s, s)).astype(np.float32)
               for i, s in enumerate(sizes)]
    got = backend.HmaxS1(image, kernels)
    assert isinstance(got, list) and len(got) == len(kernels)
    for g, kset in zip(got, kernels):
        assert g.dtype == np.float32 and g.flags.c_contiguous
        want = _loop_s1(image, kset)
        assert g.shape == want.shape
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6 * max(1.0, want.max()))


def test_s1_of_a_blank_image_is_zero(backend):
    got = backend.HmaxS1(np.zeros((9, 9), np.float32), [np.ones((2, 3, 3), np.float32)])
    assert np.array_equal(got[0], np.zeros((2, 9, 9)))


def test_s1_is_scale_invariant(backend):
    # the local norm divides the image's scale out: grey values 0..255 give what 0..1 gives
    rng = _rng(3)
    image = rng.random((14, 13), dtype=np.float32)
    kernels = [rng.standard_normal((2, 5, 5)).astype(np.float32)]
    small = backend.HmaxS1(image, kernels)[0]
    large = backend.HmaxS1(image * np.float32(255), kernels)[0]
    assert small.max() > 0
    np.testing.assert_allclose(large, small, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("H, W, p, count", [(9, 11, 2, 1), (10, 7, 3, 2), (13, 13, 4, 3),
                                            (2, 3, 5, 1), (17, 8, 8, 2)])
def test_c1_follows_its_definition(backend, H, W, p, count):
    rng = _rng(H + 100 * p)
    maps = [rng.standard_normal((2, H, W)).astype(np.float32) for _ in range(count)]
    got = backend.HmaxC1(maps, p)
    want = _loop_c1(maps, p)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want.astype(np.float32))


@pytest.mark.parametrize("activation, sigma", [("euclidean", 1.0), ("gaussian", 0.7),
                                               ("gaussian", 3.0)])
@pytest.mark.parametrize("h, w, k", [(6, 7, 4), (5, 5, 3), (4, 6, 1), (3, 3, 2), (7, 4, 5)])
def test_s2_follows_its_definition(backend, h, w, k, activation, sigma):
    rng = _rng(h * w * k)
    band = rng.random((2, h, w), dtype=np.float32)
    kernels = rng.random((3, 2, k, k), dtype=np.float32)
    kernels[0] = band[:, :k, :k] if h >= k and w >= k else kernels[0]  # a perfect match
    got = backend.HmaxS2(band, kernels, activation, sigma)
    want = _activate(_loop_s2_distances(band, kernels), activation, sigma)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4 * max(1.0, want.max()))


@pytest.mark.parametrize("activation", ["euclidean", "gaussian"])
def test_c2_is_the_best_s2_value_over_all_bands(backend, activation):
    rng = _rng(7)
    kernels = rng.random((4, 3, 4, 4), dtype=np.float32)
    bands = [rng.random((3, h, w), dtype=np.float32) for h, w in [(9, 8), (5, 6), (2, 2),
                                                                  (3, 3)]]
    got = backend.HmaxC2(bands, kernels, activation, 1.5)
    values = [_activate(_loop_s2_distances(b, kernels), activation, 1.5) for b in bands]
    values = np.concatenate([v.reshape(4, -1) for v in values], axis=1)
    want = values.min(axis=1) if activation == "euclidean" else values.max(axis=1)
    assert got.shape == (4,) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_c2_skips_bands_without_positions(backend):
    rng = _rng(8)
    kernels = rng.random((2, 1, 5, 5), dtype=np.float32)
    big = rng.random((1, 7, 7), dtype=np.float32)
    tiny = np.zeros((1, 1, 1), np.float32)  # no S2 position for k = 5
    want = backend.HmaxC2([big], kernels)
    assert np.array_equal(backend.HmaxC2([tiny, big, tiny], kernels), want)


# -- out= -------------------------------------------------------------------------------------

def test_out_buffers_are_filled_and_returned(backend):
    rng = _rng(9)
    image = rng.random((10, 12), dtype=np.float32)
    kernels = [rng.standard_normal((2, 3, 3)).astype(np.float32),
               rng.standard_normal((2, 5, 5)).astype(np.float32)]
    out = [np.full((2, 10, 12), np.nan, np.float32), np.full((2, 10, 12), np.nan, np.float32)]
    got = backend.HmaxS1(image, kernels, out=out)
    assert got[0] is out[0] and got[1] is out[1]
    for g, w in zip(got, backend.HmaxS1(image, kernels)):
        assert np.array_equal(g, w)
    c1 = backend.HmaxC1(got, 4)
    out = np.full(c1.shape, np.nan, np.float32)
    assert backend.HmaxC1(got, 4, out=out) is out and np.array_equal(out, c1)
    patches = rng.random((3, 2, 2, 2), dtype=np.float32)
    s2 = backend.HmaxS2(c1, patches)
    out = np.full(s2.shape, np.nan, np.float32)
    assert backend.HmaxS2(c1, patches, out=out) is out and np.array_equal(out, s2)
    out = np.full(3, np.nan, np.float32)
    assert backend.HmaxC2([c1], patches, out=out) is out
    assert np.array_equal(out, s2.min(axis=(1, 2)))


def test_empty_s2_outputs_are_returned(backend):
    band = np.ones((2, 3, 3), np.float32)
    assert backend.HmaxS2(band, np.ones((0, 2, 2, 2), np.float32)).shape == (0, 3, 3)
    assert backend.HmaxS2(band[:, :0], np.ones((4, 2, 3, 3), np.float32)).shape == (4, 0, 2)
    assert backend.HmaxC2([band], np.ones((0, 2, 2, 2), np.float32)).shape == (0,)


# -- arguments ------------------------------------------------------------------------------

IMAGE = np.ones((8, 8), np.float32)
S1_KERNELS = [np.ones((2, 3, 3), np.float32)]
MAPS = [np.ones((2, 8, 8), np.float32)] * 2
BAND = np.ones((2, 6, 6), np.float32)
PATCHES = np.ones((3, 2, 2, 2), np.float32)


@pytest.mark.parametrize("call, error, message", [
    (lambda b: b.HmaxS1(np.ones((2, 3, 3)), S1_KERNELS), ValueError, "data must be 2D"),
    (lambda b: b.HmaxS1(np.ones((0, 3)), S1_KERNELS), ValueError,
     "data must have a height and width >= 1"),
    (lambda b: b.HmaxS1(np.full((4, 4), np.nan), S1_KERNELS), ValueError,
     "data must hold finite values"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS[0]), TypeError, "kernels must be a list of 3D"),
    (lambda b: b.HmaxS1(IMAGE, []), ValueError, "kernels must hold at least one array"),
    (lambda b: b.HmaxS1(IMAGE, [np.ones((2, 4, 4))]), ValueError,
     r"kernels\[0\] must have shape \(n, s, s\) with n >= 1 and s odd, got \(2, 4, 4\)"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS + [np.ones((2, 3, 5))]), ValueError,
     r"kernels\[1\] must have shape"),
    (lambda b: b.HmaxS1(IMAGE, [np.ones((0, 3, 3))]), ValueError, r"kernels\[0\] must have"),
    (lambda b: b.HmaxS1(IMAGE, [np.ones((1, 3, 3)) * np.inf]), ValueError,
     r"kernels\[0\] must hold finite values"),
    (lambda b: b.HmaxS1(IMAGE, [np.ones((1, 3, 3), complex)]), TypeError,
     r"kernels\[0\] must hold real numbers"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS, out=np.empty((2, 8, 8), np.float32)), TypeError,
     "out must be None or a list of 1 arrays"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS, out=[]), ValueError, "out must hold 1 arrays"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS, out=[np.empty((2, 8, 7), np.float32)]), ValueError,
     r"out\[0\] must have shape \(2, 8, 8\), got \(2, 8, 7\)"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS, out=[np.empty((2, 8, 8))]), ValueError,
     r"out\[0\] must have dtype float32"),
    (lambda b: b.HmaxS1(IMAGE, S1_KERNELS * 2, out=[np.empty((2, 8, 8), np.float32)] * 2),
     ValueError, r"out\[1\] must not share memory with out\[0\]"),
    (lambda b: b.HmaxC1(MAPS[0], 4), TypeError, "maps must be a list of 3D arrays"),
    (lambda b: b.HmaxC1([], 4), ValueError, "maps must hold at least one array"),
    (lambda b: b.HmaxC1([MAPS[0], np.ones((2, 8, 7))], 4), ValueError,
     r"maps\[1\] must have the shape \(2, 8, 8\) of maps\[0\], got \(2, 8, 7\)"),
    (lambda b: b.HmaxC1([np.ones((8, 8))], 4), ValueError, r"maps\[0\] must be 3D"),
    (lambda b: b.HmaxC1([np.ones((0, 8, 8))], 4), ValueError, "maps must have at least one band"),
    (lambda b: b.HmaxC1(MAPS, 1), ValueError, r"kwidth must be an integer in \[2, \d+\], got 1"),
    (lambda b: b.HmaxC1(MAPS, 4.0), TypeError, "kwidth must be an integer, got 4.0"),
    (lambda b: b.HmaxC1([np.ones((2, 0, 8))], 4), InputSizeError, "too small for one C1 unit"),
    (lambda b: b.HmaxC1(MAPS, 4, out=np.empty((2, 4, 4), np.float32)), ValueError,
     r"out must have shape \(2, 5, 5\)"),
    (lambda b: b.HmaxC1(MAPS, 4, out=MAPS[0][:, :5, :5]), ValueError,
     "out must be C-contiguous"),
    (lambda b: b.HmaxS2(BAND[0], PATCHES), ValueError, "data must be 3D"),
    (lambda b: b.HmaxS2(BAND[:0], PATCHES[:, :0]), ValueError,
     "data must have at least one band"),
    (lambda b: b.HmaxS2(BAND, PATCHES[:, :1]), ValueError,
     r"kernels must have the 2 bands of data \(kernels of shape \(m, 2, k, k\)\)"),
    (lambda b: b.HmaxS2(BAND, PATCHES[..., :1]), ValueError, "kernels must be square"),
    (lambda b: b.HmaxS2(BAND, PATCHES[..., :0, :0]), ValueError, "kernels must be square"),
    (lambda b: b.HmaxS2(BAND, PATCHES, "cosine"), ValueError,
     "activation must be one of 'euclidean', 'gaussian', got 'cosine'"),
    (lambda b: b.HmaxS2(BAND, PATCHES, 3), TypeError, "activation must be one of"),
    (lambda b: b.HmaxS2(BAND, PATCHES, "gaussian", 0.0), ValueError,
     "sigma must be a finite real number > 0.0, got 0.0"),
    (lambda b: b.HmaxS2(BAND, PATCHES, "gaussian", "1"), TypeError,
     "sigma must be a real number"),
    (lambda b: b.HmaxS2(BAND, PATCHES * np.nan), ValueError, "kernels must hold finite values"),
    (lambda b: b.HmaxS2(BAND, PATCHES, out=np.empty((3, 6, 6))), ValueError,
     "out must have dtype float32"),
    (lambda b: b.HmaxS2(BAND, PATCHES[:1], out=BAND[:1]), ValueError,
     "out must not share memory with data"),
    (lambda b: b.HmaxC2(BAND, PATCHES), TypeError, "bands must be a list of 3D arrays"),
    (lambda b: b.HmaxC2([], PATCHES), ValueError, "bands must hold at least one array"),
    (lambda b: b.HmaxC2([BAND, BAND[:1]], PATCHES), ValueError,
     r"bands\[1\] must have the 2 bands of bands\[0\], got shape \(1, 6, 6\)"),
    (lambda b: b.HmaxC2([BAND], PATCHES[:, :1]), ValueError,
     r"kernels must have the 2 bands of bands\[0\]"),
    (lambda b: b.HmaxC2([BAND[:, :1, :1], BAND[:, :0]], np.ones((1, 2, 3, 3))),
     InputSizeError, "too small for one S2 unit of patches of side 3"),
    (lambda b: b.HmaxC2([BAND], PATCHES, out=np.empty(2, np.float32)), ValueError,
     r"out must have shape \(3,\)"),
    (lambda b: b.HmaxC2([BAND], PATCHES, "gaussian", -1.0), ValueError, "sigma must be"),
])
def test_bad_arguments_are_named(backend, call, error, message):
    with pytest.raises(error, match=message):
        call(backend)


def test_out_must_not_share_memory_with_the_inputs(backend):
    maps = [np.ones((2, 8, 8), np.float32)]
    with pytest.raises(ValueError, match=r"out\[0\] must not share memory with data"):
        image = np.ones((2, 8, 8), np.float32)
        backend.HmaxS1(image[0], [np.ones((2, 3, 3), np.float32)], out=[image])
    with pytest.raises(ValueError, match=r"out must not share memory with maps\[0\]"):
        backend.HmaxC1(maps, 4, out=maps[0].reshape(-1)[:50].reshape(2, 5, 5))
    kernels = np.ones((2, 2, 2, 2), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with kernels"):
        backend.HmaxC2(maps, kernels, out=kernels.reshape(-1)[:2])


def test_inputs_of_other_layouts_and_dtypes_are_read(backend):
    rng = _rng(11)
    image = rng.random((12, 9))
    kernels = [rng.standard_normal((2, 5, 5))]
    want = backend.HmaxS1(image.astype(np.float32), [k.astype(np.float32) for k in kernels])
    got = backend.HmaxS1(np.asfortranarray(image), kernels)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6, atol=1e-7)
    maps = [np.asfortranarray(rng.random((2, 9, 10))), rng.random((2, 9, 10))[..., ::-1]]
    want = backend.HmaxC1([np.ascontiguousarray(m, np.float32) for m in maps], 4)
    assert np.array_equal(backend.HmaxC1(tuple(maps), 4), want)

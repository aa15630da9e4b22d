"""The compiled standard HMAX operations agree with the numpy reference on random inputs.

Hypothesis draws shapes, kernel sizes, kernel counts, activations and values (patches
partly cut out of the maps, so that near and perfect matches occur, where the float32
cancellation in ``sum(x**2) - 2 <x, w> + sum(w**2)`` is largest); the two backends must
agree to float32 rounding (exactly for the maxima of C1). C2's scratch stays bounded.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glimpse.backends import CythonBackend, NumpyBackend
from glimpse.backends import _compiled_standard

COMPILED, REFERENCE = CythonBackend(), NumpyBackend()
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _values(rng, shape, scale):
    return (rng.random(shape) * scale).astype(np.float32)


@SETTINGS
@given(H=st.integers(1, 40), W=st.integers(1, 40),
       sizes=st.lists(st.integers(0, 8), min_size=1, max_size=3),
       n=st.integers(1, 5), scale=st.sampled_from([1e-3, 1.0, 255.0]),
       seed=st.integers(0, 2**32 - 1))
def test_s1_agrees(H, W, sizes, n, scale, seed):
    rng = np.random.default_rng(seed)
    image = _values(rng, (H, W), scale)
    image[rng.random((H, W)) < 0.2] = 0  # dark patches, some windows all zero
    kernels = [rng.standard_normal((n, 2 * s + 1, 2 * s + 1)).astype(np.float32)
               for s in sizes]
    got = COMPILED.HmaxS1(image, kernels)
    want = REFERENCE.HmaxS1(image, kernels)
    for g, w, k in zip(got, want, kernels):
        assert g.shape == w.shape == (n, H, W)
        # |corr| / norm <= ||kernel||: errors are relative to that bound
        bound = float(np.sqrt((k.astype(np.float64) ** 2).sum(axis=(1, 2))).max())
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=2e-6 * bound)


@SETTINGS
@given(H=st.integers(1, 30), W=st.integers(1, 30), bands=st.integers(1, 4),
       count=st.integers(1, 3), p=st.integers(2, 12), seed=st.integers(0, 2**32 - 1))
def test_c1_agrees_exactly(H, W, bands, count, p, seed):
    rng = np.random.default_rng(seed)
    maps = [rng.standard_normal((bands, H, W)).astype(np.float32) for _ in range(count)]
    got = COMPILED.HmaxC1(maps, p)
    want = REFERENCE.HmaxC1(maps, p)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@st.composite
def s2_cases(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 7)), draw(st.integers(0, 12))
    sides = [(draw(st.integers(1, 24)), draw(st.integers(1, 24)))
             for _ in range(draw(st.integers(1, 3)))]
    scale = draw(st.sampled_from([0.01, 1.0, 10.0]))
    bands = [_values(rng, (n,) + hw, scale) for hw in sides]
    kernels = _values(rng, (m, n, k, k), scale)
    for i in range(0, m, 2):  # every other kernel cut out of a band: a perfect match
        b = bands[int(rng.integers(len(bands)))]
        if b.shape[1] >= k and b.shape[2] >= k:
            y, x = rng.integers(b.shape[1] - k + 1), rng.integers(b.shape[2] - k + 1)
            kernels[i] = b[:, y:y + k, x:x + k]
            if draw(st.booleans()):
                kernels[i] += np.float32(1e-3 * scale)  # a near match
    activation = draw(st.sampled_from(["euclidean", "gaussian"]))
    sigma = draw(st.sampled_from([0.3, 1.0, 5.0])) * scale * k
    return bands, kernels, activation, sigma


def _tolerance(bands, kernels, activation, sigma):
    """Error bound of a float32 S2 value: the rounding of the distance's terms, through the
    square root (at worst its square root) or the Gaussian."""
    n, k = kernels.shape[1], kernels.shape[2]
    largest = max(float(np.abs(b).max()) for b in bands)
    largest = max(largest, float(np.abs(kernels).max(initial=0)))
    terms = 2 * n * k * k * largest ** 2  # bounds ||x||^2 + ||w||^2
    if activation == "euclidean":
        return 1e-4 * np.sqrt(terms) + 1e-5
    return 1e-5 + 8 * np.finfo(np.float32).eps * terms / (2 * sigma ** 2)


@SETTINGS
@given(case=s2_cases())
def test_s2_agrees(case):
    bands, kernels, activation, sigma = case
    tol = _tolerance(bands, kernels, activation, sigma)
    for band in bands:
        got = COMPILED.HmaxS2(band, kernels, activation, sigma)
        want = REFERENCE.HmaxS2(band, kernels, activation, sigma)
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=tol)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of S2 positions of a few columns, so that a map spans many of them."""
    monkeypatch.setattr(_compiled_standard, "_SCRATCH_BYTES", 1)
    monkeypatch.setattr(_compiled_standard, "_MIN_CHUNK", 7)


@SETTINGS
@given(case=s2_cases())
def test_s2_and_c2_agree_in_chunks(small_chunks, case):
    bands, kernels, activation, sigma = case
    tol = _tolerance(bands, kernels, activation, sigma)
    for band in bands:
        np.testing.assert_allclose(COMPILED.HmaxS2(band, kernels, activation, sigma),
                                   REFERENCE.HmaxS2(band, kernels, activation, sigma),
                                   rtol=1e-5, atol=tol)
    if any(min(b.shape[1:]) + 2 * (kernels.shape[2] // 2) - kernels.shape[2] > 0
           for b in bands):
        np.testing.assert_allclose(COMPILED.HmaxC2(bands, kernels, activation, sigma),
                                   REFERENCE.HmaxC2(bands, kernels, activation, sigma),
                                   rtol=1e-5, atol=tol)


@SETTINGS
@given(case=s2_cases())
def test_c2_agrees(case):
    bands, kernels, activation, sigma = case
    k = kernels.shape[2]
    if not any(min(b.shape[1:]) + 2 * (k // 2) - k > 0 for b in bands):
        return  # both refuse (InputSizeError): tested with the arguments
    got = COMPILED.HmaxC2(bands, kernels, activation, sigma)
    want = REFERENCE.HmaxC2(bands, kernels, activation, sigma)
    assert got.shape == want.shape == (kernels.shape[0],)
    np.testing.assert_allclose(got, want, rtol=1e-5,
                               atol=_tolerance(bands, kernels, activation, sigma))


def test_perfect_matches_are_found_exactly():
    # a patch cut from the band is at distance 0 where it was cut, however large the
    # values: the float32 product alone would leave a distance of ~sqrt(eps) ||x||
    rng = np.random.default_rng(5)
    band = (rng.random((4, 30, 30)) * 40).astype(np.float32)
    kernels = np.stack([band[:, y:y + 8, x:x + 8] for y, x in [(3, 4), (20, 10), (0, 0)]])
    s2 = COMPILED.HmaxS2(band, kernels)
    # output (i, j) reads the window at (i + 1 - k // 2, j + 1 - k // 2)
    assert s2[0, 3 + 3, 4 + 3] == 0 and s2[1, 20 + 3, 10 + 3] == 0 and s2[2, 3, 3] == 0
    assert np.array_equal(COMPILED.HmaxC2([band], kernels), np.zeros(3, np.float32))
    assert np.array_equal(COMPILED.HmaxC2([band], kernels, "gaussian", 2.0),
                          np.ones(3, np.float32))


def test_c2_scratch_is_bounded():
    rng = np.random.default_rng(6)
    bands = [rng.random((4, side, side), dtype=np.float32) for side in (90, 60)]
    kernels = rng.random((600, 4, 4, 4), dtype=np.float32)
    s2_bytes = 600 * (90 * 90 + 60 * 60) * 4  # 28 MB of S2 maps
    COMPILED.HmaxC2(bands, kernels)  # warm up
    tracemalloc.start()
    try:
        got = COMPILED.HmaxC2(bands, kernels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = 2 * _compiled_standard._SCRATCH_BYTES + 2 * kernels.nbytes + (1 << 20)
    assert peak < bound < s2_bytes / 4
    want = np.min([COMPILED.HmaxS2(b, kernels).reshape(600, -1).min(axis=1) for b in bands],
                  axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-5)  # the products' chunks may differ

"""The compiled backend agrees with the numpy reference on every operation.

Hypothesis draws shapes, strides (C order, Fortran order, reversed and stepped views),
dtypes, samplings and values; each operation's results on the two backends must agree
(to float32 rounding where the arithmetic differs, exactly where it is a copy or a max).
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glimpse.backends import CythonBackend, NumpyBackend

COMPILED, REFERENCE = CythonBackend(), NumpyBackend()
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LAYOUTS = ["c", "fortran", "reversed", "stepped", "float64"]


def _layout(a, how):
    """``a`` (float32) in another memory layout, same values."""
    if how == "fortran":
        return np.asfortranarray(a)
    if how == "reversed":
        return np.ascontiguousarray(a[..., ::-1, ::-1])[..., ::-1, ::-1]
    if how == "stepped":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    if how == "float64":
        return a.astype(np.float64)
    return a


@st.composite
def maps(draw, ndim=3, min_side=1, max_side=16):
    shape = tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2))
    shape += (draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        a = rng.random(shape, dtype=np.float32)
    else:
        a = (rng.standard_normal(shape) * draw(st.sampled_from([0.01, 1.0, 10.0]))).astype(
            np.float32)
    return _layout(a, draw(st.sampled_from(LAYOUTS)))


@SETTINGS
@given(data=maps(), n=st.integers(0, 4), kh=st.integers(1, 6), kw=st.integers(1, 6),
       scaling=st.integers(1, 4), op=st.sampled_from(["DotProduct", "NormDotProduct", "Rbf",
                                                      "NormRbf"]),
       bias=st.floats(1e-3, 2.0), beta=st.floats(0.05, 5.0), seed=st.integers(0, 2**32 - 1),
       normed=st.booleans())
def test_s_operations_agree(data, n, kh, kw, scaling, op, bias, beta, seed, normed):
    rng = np.random.default_rng(seed)
    kernels = rng.standard_normal((n, data.shape[0], kh, kw)).astype(np.float32)
    if normed and n:
        norms = (kernels.astype(np.float64) ** 2).sum(axis=(1, 2, 3), keepdims=True)
        kernels /= np.sqrt(norms).astype(np.float32)
    got = getattr(COMPILED, op)(data, kernels, bias=bias, beta=beta, scaling=scaling)
    want = getattr(REFERENCE, op)(data, kernels, bias=bias, beta=beta, scaling=scaling)
    assert got.shape == want.shape == (n,) + COMPILED.OutputMapShapeForInput(
        kh, kw, scaling, data.shape[1], data.shape[2])
    magnitude = float(np.abs(data).max()) * max(1.0, float(np.abs(kernels).max(initial=0)))
    tol = 1e-4 * max(1.0, magnitude * kh * kw * data.shape[0]) if op == "DotProduct" else 1e-4
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=tol)


@SETTINGS
@given(data=maps(), k=st.integers(1, 6), scaling=st.integers(1, 4))
def test_pooling_agrees_exactly(data, k, scaling):
    np.testing.assert_array_equal(COMPILED.LocalMax(data, k, scaling),
                                  REFERENCE.LocalMax(data, k, scaling))
    np.testing.assert_array_equal(COMPILED.GlobalMax(data), REFERENCE.GlobalMax(data))


@SETTINGS
@given(data=maps(ndim=2, min_side=2), k=st.integers(2, 7), scaling=st.integers(1, 3),
       bias=st.floats(1e-3, 2.0))
def test_contrast_enhance_agrees(data, k, scaling, bias):
    got = COMPILED.ContrastEnhance(data, k, bias, scaling)
    want = REFERENCE.ContrastEnhance(data, k, bias, scaling)
    assert got.shape == want.shape
    spread = float(np.abs(data).max())
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, spread / bias ** 0.5))


@st.composite
def resizes(draw):
    data = draw(maps(ndim=2, max_side=40))
    h, w = data.shape
    width = draw(st.integers(1, 60))
    height = draw(st.integers(1, 60))
    if draw(st.booleans()):
        box = None
    else:
        left = draw(st.integers(0, width - 1))
        top = draw(st.integers(0, height - 1))
        box = (left, top, draw(st.integers(left + 1, width)), draw(st.integers(top + 1, height)))
    filt = draw(st.sampled_from([None, 1, 2, 3, 4]))
    return data, width, height, filt, box


@SETTINGS
@given(case=resizes())
def test_resample_agrees(case):
    data, width, height, filt, box = case
    got = COMPILED.Resample(data, width, height, filter=filt, box=box)
    want = REFERENCE.Resample(data, width, height, filter=filt, box=box)
    assert got.shape == want.shape and got.dtype == want.dtype == np.float32
    spread = float(np.abs(data).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * max(1.0, spread) * 8)
    assert COMPILED.ResampleScratchBytes(*data.shape, width, height, filt, box) >= got.nbytes
    assert REFERENCE.ResampleScratchBytes(*data.shape, width, height, filt, box) >= got.nbytes


@st.composite
def patch_cases(draw):
    width = draw(st.integers(1, 5))
    bands = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    nscales = draw(st.integers(1, 3))
    how = draw(st.sampled_from(LAYOUTS))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sides = [(draw(st.integers(width, width + 8)), draw(st.integers(width, width + 8)))
             for _ in range(nscales)]
    scales = [_layout(rng.standard_normal(bands + hw).astype(np.float32), how) for hw in sides]
    return scales, width, draw(st.integers(0, 30)), seed


@SETTINGS
@given(case=patch_cases())
def test_patch_sampling_and_gathering_agree_exactly(case):
    scales, width, n, seed = case
    got, got_locs = COMPILED.SampleGatherPatches(scales, width, n, rng=seed)
    want, want_locs = REFERENCE.SampleGatherPatches(scales, width, n, rng=seed)
    np.testing.assert_array_equal(got_locs, want_locs)
    np.testing.assert_array_equal(got, want)
    for backend in (COMPILED, REFERENCE):
        np.testing.assert_array_equal(backend.GatherPatches(scales, want_locs, width), want)
    for k, (s, y, x) in enumerate(want_locs):
        np.testing.assert_array_equal(
            want[k], np.asarray(scales[s][..., y:y + width, x:x + width], np.float32))

"""Tests of glimpse.models.base.sampling.SamplePatchesFromData and its kernel."""

import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glimpse import _patches
from glimpse.backends import CythonBackend, InputSizeError, NumpyBackend
from glimpse.models.base.sampling import SamplePatchesFromData


# ----------------------------------------------------------------------------
# Pure-numpy reference, same draw order as the documented contract
# ----------------------------------------------------------------------------
def as_scale_list(data):
    if isinstance(data, (list, tuple)):
        return [np.asarray(d) for d in data]
    data = np.asarray(data)
    return [data] if data.ndim == 2 else [data[i] for i in range(data.shape[0])]


def reference(data, w, n, rng):
    """For each patch: s = integers(0, S); c = integers(0, npos_s); (y, x) = divmod(c, nx_s)."""
    scales = as_scale_list(data)
    gen = np.random.default_rng(rng)
    bands = scales[0].shape[:-2]
    for s, d in enumerate(scales):
        if d.shape[-2] < w or d.shape[-1] < w:
            raise InputSizeError("too small", scale=s)
    patches = np.empty((n,) + bands + (w, w), np.float32)
    locs = np.empty((n, 3), np.intp)
    for k in range(n):
        s = int(gen.integers(0, len(scales)))
        h, wd = scales[s].shape[-2:]
        nx = wd - w + 1
        y, x = divmod(int(gen.integers(0, (h - w + 1) * nx)), nx)
        patches[k] = scales[s][..., y:y + w, x:x + w]  # C cast to float32, like astype
        locs[k] = s, y, x
    return patches, locs


def check_locations(data, w, locs):
    scales = as_scale_list(data)
    assert locs.dtype == np.intp and locs.ndim == 2 and locs.shape[1] == 3
    assert np.all(locs[:, 0] >= 0) and np.all(locs[:, 0] < len(scales))
    for s, d in enumerate(scales):
        m = locs[:, 0] == s
        assert np.all(locs[m, 1] >= 0) and np.all(locs[m, 1] <= d.shape[-2] - w)
        assert np.all(locs[m, 2] >= 0) and np.all(locs[m, 2] <= d.shape[-1] - w)


# ----------------------------------------------------------------------------
# Input layouts: every one must be read in place and correctly
# ----------------------------------------------------------------------------
def layout(a, how):
    """A view of ``a``'s values with another memory layout (same values)."""
    if how == "c":
        return np.ascontiguousarray(a)
    if how == "fortran":
        return np.asfortranarray(a)
    if how == "strided":  # every other element of a larger buffer, on every axis
        big = np.zeros(tuple(2 * n for n in a.shape), a.dtype)
        view = big[tuple(slice(None, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if how == "negative":  # values stored reversed on every axis, read through a reversed view
        rev = np.ascontiguousarray(a[tuple(slice(None, None, -1) for _ in a.shape)])
        return rev[tuple(slice(None, None, -1) for _ in a.shape)]
    if how == "transposed":  # spatial axes stored swapped
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if how == "readonly":
        b = np.array(a)
        b.setflags(write=False)
        return b
    raise AssertionError(how)


LAYOUTS = ["c", "fortran", "strided", "negative", "transposed", "readonly"]


@st.composite
def cases(draw, allow_small=False):
    w = draw(st.integers(1, 6))
    nscales = draw(st.integers(1, 4))
    bands = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    stacked = draw(st.booleans())
    margin = -3 if allow_small else 0
    if stacked:
        h = draw(st.integers(max(1, w + margin), w + 7))
        wd = draw(st.integers(max(1, w + margin), w + 7))
        sizes = [(h, wd)] * nscales
    else:
        sizes = [(draw(st.integers(max(1, w + margin), w + 7)),
                  draw(st.integers(max(1, w + margin), w + 7))) for _ in range(nscales)]
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    how = draw(st.sampled_from(LAYOUTS))
    n = draw(st.integers(0, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    values = np.random.default_rng(seed ^ 0x5EED)
    maps = [values.standard_normal(bands + hw).astype(np.float32) for hw in sizes]
    if stacked:
        data = layout(np.stack(maps).astype(dtype), how)
        if nscales == 1 and not bands and draw(st.booleans()):
            data = data[0]  # a single (H, W) map
    else:
        data = [layout(m.astype(dtype), how) for m in maps]
    return data, w, n, seed


def copies(data):
    return [np.array(d, copy=True) for d in as_scale_list(data)]


def first_too_small(data, w):
    for s, d in enumerate(as_scale_list(data)):
        if d.shape[-2] < w or d.shape[-1] < w:
            return s
    return None


FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cases())
def test_matches_reference(case):
    data, w, n, seed = case
    before = copies(data)
    patches, locs = SamplePatchesFromData(data, w, n, rng=seed)
    ref_patches, ref_locs = reference(data, w, n, seed)
    check_locations(data, w, locs)
    np.testing.assert_array_equal(locs, ref_locs)
    np.testing.assert_array_equal(patches, ref_patches)
    assert patches.dtype == np.float32 and patches.flags.c_contiguous
    # patches equal the slices at their locations
    scales = as_scale_list(data)
    for k, (s, y, x) in enumerate(locs):
        np.testing.assert_array_equal(patches[k],
                                      scales[s][..., y:y + w, x:x + w].astype(np.float32))
    # the input is untouched and never shared with the output
    for d, b in zip(as_scale_list(data), before):
        np.testing.assert_array_equal(d, b)
        assert not np.shares_memory(patches, d)


@FAST
@given(cases(allow_small=True))
def test_input_size_error_exactly_when_a_scale_is_too_small(case):
    data, w, n, seed = case
    bad = first_too_small(data, w)
    if bad is None:
        patches, locs = SamplePatchesFromData(data, w, n, rng=seed)
        check_locations(data, w, locs)
    else:
        with pytest.raises(InputSizeError) as info:
            SamplePatchesFromData(data, w, n, rng=seed)
        assert info.value.scale == bad
        assert isinstance(info.value, ValueError)


@FAST
@given(cases())
def test_same_seed_same_result_for_float32_and_float64(case):
    data, w, n, seed = case
    scales = as_scale_list(data)
    as32 = [d.astype(np.float32) for d in scales]
    as64 = [d.astype(np.float64) for d in scales]
    p32, l32 = SamplePatchesFromData(as32, w, n, rng=seed)
    p64, l64 = SamplePatchesFromData(as64, w, n, rng=np.random.default_rng(seed))
    again, l_again = SamplePatchesFromData(as32, w, n, rng=seed)
    np.testing.assert_array_equal(l32, l64)
    np.testing.assert_array_equal(p32, p64)
    np.testing.assert_array_equal(l32, l_again)
    np.testing.assert_array_equal(p32, again)


@pytest.mark.parametrize("how", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layouts_with_bands(how, dtype):
    base = np.random.default_rng(0).random((3, 2, 3, 17, 13)).astype(dtype)
    data = layout(base, how)
    patches, locs = SamplePatchesFromData(data, 5, 300, rng=7)
    ref_patches, ref_locs = reference(base, 5, 300, 7)
    np.testing.assert_array_equal(locs, ref_locs)
    np.testing.assert_array_equal(patches, ref_patches)
    assert patches.shape == (300, 2, 3, 5, 5)


def test_band_axes_with_odd_strides():
    """Band axes that cannot be merged (a transposed band stack) are read in place."""
    base = np.random.default_rng(1).random((4, 3, 11, 12), np.float32)
    data = [np.moveaxis(np.ascontiguousarray(np.moveaxis(base[s], 0, -1)), -1, 0)
            for s in range(4)]  # bands are the fastest axis in memory
    patches, locs = SamplePatchesFromData(data, 4, 200, rng=3)
    ref = reference(base, 4, 200, 3)
    np.testing.assert_array_equal(locs, ref[1])
    np.testing.assert_array_equal(patches, ref[0])


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.int64, np.float16, ">f4", ">f8",
                                   np.longdouble])
def test_other_real_dtypes_are_converted(dtype):
    base = np.random.default_rng(2).integers(0, 100, (3, 9, 10)).astype(dtype)
    patches, locs = SamplePatchesFromData(base, 3, 100, rng=11)
    ref = reference(base, 3, 100, 11)
    np.testing.assert_array_equal(locs, ref[1])
    np.testing.assert_array_equal(patches, ref[0])
    assert patches.dtype == np.float32


def test_unaligned_float64_is_read_correctly():
    raw = np.zeros(8 * 6 * 7 + 1, np.uint8)
    data = raw[1:].view(np.float64).reshape(6, 7)
    data[...] = np.arange(42).reshape(6, 7)
    assert not data.flags.aligned
    patches, locs = SamplePatchesFromData(data, 2, 50, rng=0)
    np.testing.assert_array_equal(patches, reference(data, 2, 50, 0)[0])


def test_zero_strides_and_huge_virtual_maps():
    """A broadcast map wider than 2**32 uses the 64-bit draw path, like numpy."""
    width = 2**33 + 5
    data = np.broadcast_to(np.float32(3), (2, width))
    patches, locs = SamplePatchesFromData(data, 1, 64, rng=9)
    gen = np.random.default_rng(9)
    c = np.array([gen.integers(0, 2 * width) for _ in range(64)])
    np.testing.assert_array_equal(locs[:, 1], c // width)
    np.testing.assert_array_equal(locs[:, 2], c % width)
    assert np.all(patches == 3)


def test_nan_is_data():
    data = np.random.default_rng(3).random((2, 8, 8))
    data[:, ::2, 1::3] = np.nan
    patches, locs = SamplePatchesFromData(data, 3, 200, rng=4)
    ref = reference(data, 3, 200, 4)
    np.testing.assert_array_equal(patches, ref[0])  # NaN compares equal here
    assert np.isnan(patches).any()


def test_spec_example():
    shape = (4, 100, 100)
    data = np.random.random(shape)
    patches, locs = SamplePatchesFromData(data, 10, 50)
    assert patches.shape == (50, 10, 10) and patches.dtype == np.float32
    assert locs.shape == (50, 3)
    check_locations(data, 10, locs)
    for k, (s, y, x) in enumerate(locs):
        np.testing.assert_array_equal(patches[k], data[s, y:y + 10, x:x + 10].astype(np.float32))


def test_map_exactly_patch_width_high():
    data = [np.ones((2, 4, 9)), np.ones((2, 6, 4))]
    patches, locs = SamplePatchesFromData(data, 4, 500, rng=1)
    assert np.all(locs[locs[:, 0] == 0, 1] == 0)
    assert np.all(locs[locs[:, 0] == 1, 2] == 0)
    assert set(locs[locs[:, 0] == 0, 2]) == set(range(6))
    assert set(locs[locs[:, 0] == 1, 1]) == set(range(3))
    one = SamplePatchesFromData(np.ones((5, 5)), 5, 3, rng=0)[1]
    np.testing.assert_array_equal(one, np.zeros((3, 3)))


def test_zero_patches():
    patches, locs = SamplePatchesFromData([np.ones((2, 3, 5, 5))], 2, 0)
    assert patches.shape == (0, 2, 3, 2, 2) and patches.dtype == np.float32
    assert locs.shape == (0, 3)


def test_seed_int_generator_and_bit_generator_agree():
    data = np.random.default_rng(0).random((3, 2, 20, 30))
    a = SamplePatchesFromData(data, 6, 100, rng=123)
    b = SamplePatchesFromData(data, 6, 100, rng=np.random.default_rng(123))
    c = SamplePatchesFromData(data, 6, 100, rng=np.random.PCG64(123))
    for other in (b, c):
        np.testing.assert_array_equal(a[0], other[0])
        np.testing.assert_array_equal(a[1], other[1])


def test_generator_is_advanced_and_other_bit_generators_work():
    data = np.random.default_rng(0).random((3, 20, 30))
    gen = np.random.default_rng(5)
    first = SamplePatchesFromData(data, 6, 100, rng=gen)[1]
    second = SamplePatchesFromData(data, 6, 100, rng=gen)[1]
    assert not np.array_equal(first, second)
    for bitgen in (np.random.MT19937, np.random.Philox, np.random.SFC64):
        got = SamplePatchesFromData(data, 6, 100, rng=np.random.Generator(bitgen(8)))
        ref = reference(data, 6, 100, np.random.Generator(bitgen(8)))
        np.testing.assert_array_equal(got[1], ref[1])
        np.testing.assert_array_equal(got[0], ref[0])


# ----------------------------------------------------------------------------
# Uniformity: chi-square over every fitting (s, y, x)
# ----------------------------------------------------------------------------
def chi_square_critical(df, z):
    """Wilson-Hilferty approximation of the chi-square quantile for normal quantile z."""
    k = 2.0 / (9.0 * df)
    return df * (1.0 - k + z * math.sqrt(k)) ** 3


Z_999 = 3.090232306167813  # standard normal quantile for p = 0.999


def chi_square_statistic(locs, sizes, w):
    """Counts of every fitting corner of every scale vs the uniform-scale expectation."""
    n = len(locs)
    observed, expected = [], []
    for s, (h, wd) in enumerate(sizes):
        hy, wx = h - w + 1, wd - w + 1
        m = locs[:, 0] == s
        counts = np.zeros((hy, wx))
        np.add.at(counts, (locs[m, 1], locs[m, 2]), 1)
        assert counts.sum() == m.sum()  # no location outside the fitting range
        observed.append(counts.ravel())
        expected.append(np.full(hy * wx, n / len(sizes) / (hy * wx)))
    observed, expected = np.concatenate(observed), np.concatenate(expected)
    return ((observed - expected) ** 2 / expected).sum(), observed, observed.size - 1


def test_every_corner_reachable_and_uniform():
    sizes = [(6, 7), (3, 5), (4, 3)]
    w = 3
    data = [np.zeros(hw, np.float32) for hw in sizes]
    n = 120_000
    _, locs = SamplePatchesFromData(data, w, n, rng=20261126)
    stat, observed, df = chi_square_statistic(locs, sizes, w)
    assert observed.min() > 0  # every fitting corner was drawn
    assert stat < chi_square_critical(df, Z_999), (stat, df)


def test_chi_square_check_detects_a_biased_sampler():
    """The uniformity check above can fail: a sampler missing one corner per scale fails it."""
    sizes = [(6, 7), (3, 5), (4, 3)]
    w = 3
    gen = np.random.default_rng(1)
    n = 120_000
    s = gen.integers(0, 3, n)
    hy = np.array([h - w + 1 for h, _ in sizes])
    wx = np.array([wd - w + 1 for _, wd in sizes])
    locs = np.stack([s, gen.integers(0, np.maximum(hy[s] - 1, 1)), gen.integers(0, wx[s])], 1)
    stat, observed, df = chi_square_statistic(locs, sizes, w)
    assert stat > chi_square_critical(df, Z_999)


def test_scale_counts_uniform_for_unequal_scales():
    data = [np.zeros((64, 64)), np.zeros((8, 8)), np.zeros((30, 9))]
    n = 90_000
    _, locs = SamplePatchesFromData(data, 4, n, rng=2)
    counts = np.bincount(locs[:, 0], minlength=3)
    stat = ((counts - n / 3) ** 2 / (n / 3)).sum()
    assert stat < chi_square_critical(2, Z_999)


# ----------------------------------------------------------------------------
# Threads
# ----------------------------------------------------------------------------
def test_threads_with_own_generators_match_sequential_calls():
    rng = np.random.default_rng(0)
    data = [rng.random((3, 300, 280), np.float32), rng.random((3, 200, 190))]

    def job(seed):
        return SamplePatchesFromData(data, 9, 20_000, rng=np.random.default_rng(seed))

    seeds = list(range(8))
    sequential = [job(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(job, seeds))
    for (p1, l1), (p2, l2) in zip(sequential, parallel):
        np.testing.assert_array_equal(l1, l2)
        np.testing.assert_array_equal(p1, p2)


def test_kernel_releases_the_gil():
    """Another Python thread makes progress while a call runs (it never could if
    the GIL were held: the switch interval is raised so that the GIL changes
    hands only when the running thread releases it)."""
    data = np.random.default_rng(0).random((2, 2, 200, 200), np.float32)
    count = [0]
    started, stop = threading.Event(), threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)  # releases the GIL, so the caller can take it back at once

    old = sys.getswitchinterval()
    worker = threading.Thread(target=spin)
    sys.setswitchinterval(30.0)
    try:
        worker.start()
        started.wait()
        before = count[0]
        SamplePatchesFromData(data, 12, 60_000, rng=1)
        during = count[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        worker.join()
    assert during > 0


def test_shared_generator_across_threads_gives_distinct_valid_draws():
    data = np.random.default_rng(0).random((2, 50, 60))
    gen = np.random.default_rng(3)
    barrier = threading.Barrier(4)

    def job(_):
        barrier.wait()
        return SamplePatchesFromData(data, 5, 5_000, rng=gen)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(job, range(4)))
    allocs = np.concatenate([r[1] for r in results])
    check_locations(data, 5, allocs)
    # the four calls consumed the stream of 4 sequential calls, in some order
    ref = reference(data, 5, 20_000, 3)[1]
    assert sorted(map(tuple, allocs)) == sorted(map(tuple, ref))


# ----------------------------------------------------------------------------
# out=
# ----------------------------------------------------------------------------
def test_out_is_filled_and_returned():
    data = np.random.default_rng(0).random((3, 2, 20, 30), np.float32)
    out = np.full((100, 2, 6, 6), -1, np.float32)
    patches, locs = SamplePatchesFromData(data, 6, 100, rng=4, out=out)
    assert patches is out
    ref = SamplePatchesFromData(data, 6, 100, rng=4)
    np.testing.assert_array_equal(out, ref[0])
    np.testing.assert_array_equal(locs, ref[1])


@pytest.mark.parametrize("make_out, exc, word", [
    (lambda: np.empty((10, 2, 5, 5), np.float32), ValueError, "shape"),
    (lambda: np.empty((10, 3, 4, 4), np.float32), ValueError, "shape"),
    (lambda: np.empty((10, 3, 5, 5), np.float64), ValueError, "float32"),
    (lambda: [[0.0]] * 10, TypeError, "numpy array"),
    (lambda: np.empty((10, 3, 5, 10), np.float32)[..., ::2], ValueError, "C-contiguous"),
    (lambda: np.asfortranarray(np.empty((10, 3, 5, 5), np.float32)), ValueError, "C-contiguous"),
])
def test_bad_out(make_out, exc, word):
    data = np.ones((2, 3, 8, 8))
    gen = np.random.default_rng(0)
    state = gen.bit_generator.state
    with pytest.raises(exc, match=word) as info:
        SamplePatchesFromData(data, 5, 10, rng=gen, out=make_out())
    assert "out" in str(info.value)
    assert gen.bit_generator.state == state  # nothing was drawn


def test_read_only_out():
    out = np.zeros((10, 5, 5), np.float32)
    out.setflags(write=False)
    with pytest.raises(ValueError, match="out must be writeable"):
        SamplePatchesFromData(np.ones((8, 8)), 5, 10, out=out)


def test_out_overlapping_data_is_refused_and_untouched():
    buf = np.arange(1000, dtype=np.float32)
    data = buf[:400].reshape(20, 20)
    out = buf[300:300 + 10 * 9].reshape(10, 3, 3)
    before = buf.copy()
    with pytest.raises(ValueError, match="out must not share memory with data"):
        SamplePatchesFromData(data, 3, 10, rng=0, out=out)
    np.testing.assert_array_equal(buf, before)
    # interleaved but disjoint: allowed
    data2 = buf[0::2][:400].reshape(20, 20)
    out2 = buf[1::2][:90]
    assert np.may_share_memory(data2, out2)
    out2c = np.empty((10, 3, 3), np.float32)
    SamplePatchesFromData(data2, 3, 10, rng=0, out=out2c)
    with pytest.raises(ValueError):
        SamplePatchesFromData([data2], 3, 10, rng=0, out=out2.reshape(10, 3, 3))


# ----------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------
GOOD = np.ones((2, 10, 10))


@pytest.mark.parametrize("data, exc, word", [
    ([], ValueError, "data"),
    ((), ValueError, "data"),
    (np.zeros((0, 10, 10)), ValueError, "data"),
    (np.zeros(10), ValueError, "data"),
    (np.float32(3), ValueError, "data"),
    ([np.zeros((10, 10)), np.zeros(10)], ValueError, r"data\[1\]"),
    ([np.zeros((2, 10, 10)), np.zeros((3, 10, 10))], ValueError, "band shape"),
    ([np.zeros((10, 10)), np.zeros((1, 10, 10))], ValueError, "band shape"),
    (np.zeros((2, 0, 10, 10)), ValueError, "data"),
    (np.zeros((2, 10, 10), np.complex64), TypeError, "complex64"),
    (np.zeros((2, 10, 10), bool), TypeError, "bool"),
    (np.zeros((2, 10, 10), object), TypeError, "object"),
    (np.full((2, 10, 10), "a"), TypeError, "data"),
    (np.zeros((2, 10, 10), "S1"), TypeError, "data"),
    ([np.zeros((10, 10)), np.zeros((10, 10), complex)], TypeError, r"data\[1\]"),
    (None, TypeError, "data"),
    ("not an array", TypeError, "data"),
    ([[1.0, 2.0], [3.0]], ValueError, "data"),
])
def test_bad_data(data, exc, word):
    with pytest.raises(exc, match=word):
        SamplePatchesFromData(data, 3, 5)


@pytest.mark.parametrize("width, exc", [
    (0, ValueError), (-2, ValueError), (2.0, TypeError), ("3", TypeError), (None, TypeError),
    (True, TypeError), (np.float64(3), TypeError), ([3], TypeError),
])
def test_bad_patch_width(width, exc):
    with pytest.raises(exc, match="patch_width"):
        SamplePatchesFromData(GOOD, width, 5)


@pytest.mark.parametrize("num, exc", [
    (-1, ValueError), (1.0, TypeError), ("5", TypeError), (None, TypeError), (False, TypeError),
])
def test_bad_num_patches(num, exc):
    with pytest.raises(exc, match="num_patches"):
        SamplePatchesFromData(GOOD, 3, num)


def test_numpy_integers_are_accepted():
    patches, locs = SamplePatchesFromData(GOOD, np.int64(3), np.uint16(7))
    assert patches.shape == (7, 3, 3)


@pytest.mark.parametrize("rng, exc", [
    ("seed", TypeError), (1.5, TypeError), (object(), TypeError), (-1, ValueError),
])
def test_bad_rng(rng, exc):
    with pytest.raises(exc, match="rng"):
        SamplePatchesFromData(GOOD, 3, 5, rng=rng)


@pytest.mark.parametrize("num", [10**15, 2**62, 2**70])
def test_output_too_large(num):
    with pytest.raises(MemoryError, match="num_patches"):
        SamplePatchesFromData(GOOD, 3, num)


def test_output_too_large_from_width():
    huge = np.broadcast_to(np.float32(0), (2**20, 2**20))
    with pytest.raises(MemoryError, match="num_patches"):
        SamplePatchesFromData(huge, 2**19, 10**6)


def test_input_size_error_first_small_scale():
    data = [np.ones((10, 10)), np.ones((5, 12)), np.ones((12, 4))]
    with pytest.raises(InputSizeError, match="scale 1") as info:
        SamplePatchesFromData(data, 6, 10)
    assert info.value.scale == 1
    with pytest.raises(InputSizeError) as info:
        SamplePatchesFromData(np.ones((3, 2, 5, 9)), 6, 10)
    assert info.value.scale == 0
    with pytest.raises(InputSizeError):
        SamplePatchesFromData(np.ones((5, 9)), 6, 0)


def test_errors_leave_generator_untouched():
    gen = np.random.default_rng(0)
    state = gen.bit_generator.state
    for bad in ([np.ones((10, 10)), np.ones((2, 2))], np.ones((3, 10, 10), complex)):
        with pytest.raises((ValueError, TypeError)):
            SamplePatchesFromData(bad, 3, 10, rng=gen)
    assert gen.bit_generator.state == state


# ----------------------------------------------------------------------------
# The kernel through the backend face
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", [CythonBackend(), NumpyBackend()], ids=["cython", "numpy"])
def test_backend_gather_given_locations(backend):
    rng = np.random.default_rng(0)
    scales = [rng.random((2, 12, 9), np.float32), rng.random((2, 7, 15))[:, ::-1, ::2]]
    locs = np.array([[0, 0, 0], [1, 2, 3], [0, 7, 4], [1, 0, 0], [1, 3, 4]], np.intp)
    out = backend.GatherPatches(scales, locs, 4)
    assert out.shape == (5, 2, 4, 4) and out.dtype == np.float32
    for k, (s, y, x) in enumerate(locs):
        np.testing.assert_array_equal(out[k], scales[s][:, y:y + 4, x:x + 4].astype(np.float32))


# ----------------------------------------------------------------------------
# Large outputs: assembled in a small buffer and written with streaming stores
# ----------------------------------------------------------------------------
def test_large_output_matches_vectorised_gather():
    rng = np.random.default_rng(0)
    data = rng.random((2, 3, 64, 70), np.float32)
    n = 40_000  # 40_000 * 3 * 6 * 6 * 4 bytes = 17.3 MB: above the streaming threshold
    assert n * 3 * 36 * 4 >= _patches.STREAM_THRESHOLD
    patches, locs = SamplePatchesFromData(data, 6, n, rng=5)
    check_locations(data, 6, locs)
    windows = np.lib.stride_tricks.sliding_window_view(data, (6, 6), axis=(-2, -1))
    expected = windows[locs[:, 0], :, locs[:, 1], locs[:, 2]]  # (n, bands, 6, 6)
    np.testing.assert_array_equal(patches, expected)


@pytest.mark.parametrize("source_limit", [0, 1 << 62])
def test_large_output_of_a_large_map(monkeypatch, source_limit):
    # the same patches whether the map is above the streaming source limit or not
    monkeypatch.setattr(_patches, "STREAM_SOURCE_LIMIT", source_limit)
    rng = np.random.default_rng(1)
    data = rng.random((600, 700), np.float32)[::-1]  # 1.7 MB, negative row stride
    n = 30_000  # 30_000 * 12 * 12 * 4 bytes = 17.3 MB: above the streaming threshold
    assert n * 144 * 4 >= _patches.STREAM_THRESHOLD and data.nbytes > (1 << 20)
    patches, locs = SamplePatchesFromData(data, 12, n, rng=2)
    windows = np.lib.stride_tricks.sliding_window_view(data, (12, 12))
    np.testing.assert_array_equal(patches, windows[locs[:, 1], locs[:, 2]])


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
@pytest.mark.parametrize("width, bands", [(1, ()), (3, (2,)), (7, (4,)), (5, (1, 3))])
def test_streamed_path_at_every_alignment(monkeypatch, offset, width, bands):
    monkeypatch.setattr(_patches, "STREAM_THRESHOLD", 0)
    monkeypatch.setattr(_patches, "STREAM_SOURCE_LIMIT", 1 << 62)
    rng = np.random.default_rng(offset)
    data = [rng.random(bands + (20, 23)), rng.random(bands + (9, 12), np.float32)[..., ::-1, :]]
    for n in (1, 2, 5, 333):
        size = n * int(np.prod(bands, dtype=int)) * width * width
        buf = np.full(size + offset, -7, np.float32)
        out = buf[offset:].reshape((n,) + bands + (width, width))
        patches, locs = SamplePatchesFromData(data, width, n, rng=n, out=out)
        ref_patches, ref_locs = reference(data, width, n, n)
        np.testing.assert_array_equal(locs, ref_locs)
        np.testing.assert_array_equal(patches, ref_patches)
        assert np.all(buf[:offset] == -7)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_streamed_path_matches_reference(case):
    data, w, n, seed = case
    old = _patches.STREAM_THRESHOLD, _patches.STREAM_SOURCE_LIMIT
    _patches.STREAM_THRESHOLD, _patches.STREAM_SOURCE_LIMIT = 0, 1 << 62
    try:
        patches, locs = SamplePatchesFromData(data, w, n, rng=seed)
    finally:
        _patches.STREAM_THRESHOLD, _patches.STREAM_SOURCE_LIMIT = old
    ref_patches, ref_locs = reference(data, w, n, seed)
    np.testing.assert_array_equal(locs, ref_locs)
    np.testing.assert_array_equal(patches, ref_patches)

"""Tests of the compiled resampler (glimpse._resample) and the gimage functions built on it.

The reference is Pillow's mode 'F' resize (double weights and sums, horizontal
pass first into a float32 intermediate). A pure-numpy re-derivation of the same
algorithm lives here too, so a disagreement can be told apart: kernel vs
reference vs Pillow.
"""

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from glimpse import _resample
from glimpse.backends import CythonBackend, MakeBackend, NumpyBackend
from glimpse import images as gimage

LANCZOS = int(Image.Resampling.LANCZOS)
BILINEAR = int(Image.Resampling.BILINEAR)
BICUBIC = int(Image.Resampling.BICUBIC)
BOX = int(Image.Resampling.BOX)
FILTERS = [BOX, BILINEAR, BICUBIC, LANCZOS]
FILTER_IDS = ["box", "bilinear", "bicubic", "lanczos"]

# Required accuracy against Pillow, on data in [0, 1].
ATOL = 1e-6

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------
# Pure-numpy reference of Pillow's algorithm.

_SUPPORT = {BOX: 0.5, BILINEAR: 1.0, BICUBIC: 2.0, LANCZOS: 3.0}


def _ref_kernel(filt, x):
    if filt == BOX:
        return ((x > -0.5) & (x <= 0.5)).astype(np.float64)
    if filt == BILINEAR:
        return np.maximum(0.0, 1.0 - np.abs(x))
    if filt == BICUBIC:
        a = -0.5
        t = np.abs(x)
        near = (a + 2.0) * t**3 - (a + 3.0) * t**2 + 1.0
        far = a * (t**3 - 5.0 * t**2 + 8.0 * t - 4.0)
        return np.where(t < 1.0, near, np.where(t < 2.0, far, 0.0))
    return np.where((x >= -3.0) & (x < 3.0), np.sinc(x) * np.sinc(x / 3.0), 0.0)


def _ref_matrix(filt, n_in, n_out):
    """(n_out, n_in) matrix of normalised weights for one axis."""
    scale = float(np.float32(n_in)) / n_out
    fscale = max(scale, 1.0)
    support = _SUPPORT[filt] * fscale
    mat = np.zeros((n_out, n_in))
    for o in range(n_out):
        centre = (o + 0.5) * scale
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        taps = np.arange(lo, hi)
        w = _ref_kernel(filt, (taps - centre + 0.5) * (1.0 / fscale))
        total = w.sum()
        if total != 0.0:
            w = w / total
        mat[o, lo:hi] = w
    return mat


def reference_resize(data, width, height, filt):
    """Pillow's mode 'F' resize in numpy: double weights and sums, H first, float32 between."""
    a = np.asarray(data, dtype=np.float32).astype(np.float64)
    rows, cols = a.shape
    if width != cols:
        a = (a @ _ref_matrix(filt, cols, width).T).astype(np.float32).astype(np.float64)
    if height != rows:
        a = _ref_matrix(filt, rows, height) @ a
    return a.astype(np.float32)


def pillow_resize(data, width, height, filt):
    img = Image.fromarray(np.ascontiguousarray(data, dtype=np.float32))
    assert img.mode == "F"
    return np.asarray(img.resize((width, height), filt))


def kernel(data, width, height, filt, box=None, order=0):
    box = (0, 0, width, height) if box is None else box
    return _resample.resample(data, width, height, filt, *box, order=order)


def max_diff(a, b):
    assert a.shape == b.shape
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


# ------------------------------------------------------------------------------------------
# Strategies

sides = st.integers(1, 48)
filters = st.sampled_from(FILTERS)


def _layout(a, layout):
    """The same values as ``a`` in a different memory layout."""
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "neg":  # negative strides on both axes
        return np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
    if layout == "negrows":  # negative row stride, contiguous rows (read in place)
        return np.ascontiguousarray(a[::-1])[::-1]
    if layout == "slice":  # every other column of a wider array
        big = np.zeros((a.shape[0], 2 * a.shape[1] + 1), a.dtype)
        big[:, 1::2] = a
        return big[:, 1::2]
    if layout == "rowpad":  # contiguous rows, padded row stride
        big = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
        big[:, :a.shape[1]] = a
        return big[:, :a.shape[1]]
    raise AssertionError(layout)


LAYOUTS = ["C", "F", "neg", "negrows", "slice", "rowpad"]


@st.composite
def images(draw, max_side=48):
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).random((h, w), dtype=np.float32)


# ------------------------------------------------------------------------------------------
# The reference itself


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
@pytest.mark.parametrize("shape,size", [
    ((37, 53), (20, 11)), ((37, 53), (101, 73)), ((8, 5), (3, 13)), ((1, 9), (4, 1)),
])
def test_reference_matches_pillow(filt, shape, size):
    a = np.random.default_rng(1).random(shape, dtype=np.float32)
    assert max_diff(reference_resize(a, *size, filt), pillow_resize(a, *size, filt)) <= 2e-7


def test_reference_kernels_at_known_points():
    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.99])
    assert _ref_kernel(BOX, x).tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert _ref_kernel(BILINEAR, x)[4] == 1.0 and _ref_kernel(BILINEAR, x)[3] == 0.5
    np.testing.assert_allclose(_ref_kernel(BICUBIC, np.array([0.0, 1.0, 1.5, 2.0])),
                               [1.0, 0.0, -0.0625, 0.0], atol=1e-15)
    np.testing.assert_allclose(_ref_kernel(LANCZOS, np.array([0.0, 1.5, 3.5])),
                               [1.0, -0.135095, 0.0], atol=1e-6)


# ------------------------------------------------------------------------------------------
# Kernel vs Pillow vs reference


@SETTINGS
@given(img=images(), width=sides, height=sides, filt=filters)
def test_kernel_matches_pillow_and_reference(img, width, height, filt):
    ours = kernel(img, width, height, filt)
    assert ours.dtype == np.float32 and ours.shape == (height, width)
    assert ours.flags.c_contiguous
    assert max_diff(ours, pillow_resize(img, width, height, filt)) <= ATOL
    assert max_diff(ours, reference_resize(img, width, height, filt)) <= ATOL


@SETTINGS
@given(img=images(), width=sides, height=sides, filt=filters, order=st.sampled_from([1, 2]))
def test_both_pass_orders_match_pillow(img, width, height, filt, order):
    ours = kernel(img, width, height, filt, order=order)
    assert max_diff(ours, pillow_resize(img, width, height, filt)) <= ATOL


@SETTINGS
@given(img=images(), width=sides, height=sides, filt=filters,
       layout=st.sampled_from(LAYOUTS), dtype=st.sampled_from([np.float32, np.float64]))
def test_dtype_and_strides_do_not_change_the_result(img, width, height, filt, layout, dtype):
    expected = kernel(img, width, height, filt)
    src = _layout(img.astype(dtype), layout)
    np.testing.assert_array_equal(src, img.astype(dtype))
    assert np.array_equal(kernel(src, width, height, filt), expected)


# Layouts whose columns are contiguous (or evenly spaced at 0 or more floats): float32 ones
# run transposed (``src.T`` read in place), float64 ones have the window converted
# transposed. Either way the result must be that of the C-ordered float32 copy, bit for bit.


def _transposed(a, layout):
    """The same values as ``a`` with contiguous (or unit-stride) columns."""
    h, w = a.shape
    if layout == "T":  # transposed view of a C array, i.e. Fortran order
        return np.ascontiguousarray(a.T).T
    if layout == "Tneg":  # contiguous columns, negative column stride
        return np.ascontiguousarray(a[:, ::-1].T)[::-1].T
    if layout == "Tpad":  # contiguous columns, padded column stride
        big = np.zeros((w, h + 3), a.dtype)
        big[:, :h] = a.T
        return big[:, :h].T
    if layout == "Tcols":  # every other column of a Fortran array
        big = np.zeros((h, 2 * w), a.dtype, order="F")
        big[:, ::2] = a
        return big[:, ::2]
    if layout == "Trows":  # every other row of a Fortran array (columns not contiguous)
        big = np.zeros((2 * h, w), a.dtype, order="F")
        big[::2] = a
        return big[::2]
    raise AssertionError(layout)


T_LAYOUTS = ["T", "Tneg", "Tpad", "Tcols", "Trows"]


@st.composite
def windows(draw, width, height):
    x0 = draw(st.integers(0, width - 1))
    x1 = draw(st.integers(x0 + 1, width))
    y0 = draw(st.integers(0, height - 1))
    y1 = draw(st.integers(y0 + 1, height))
    return x0, y0, x1, y1


@SETTINGS
@given(img=images(), width=sides, height=sides, filt=filters, data=st.data(),
       layout=st.sampled_from(T_LAYOUTS), dtype=st.sampled_from([np.float32, np.float64]),
       order=st.sampled_from([0, 1, 2]))
def test_transposed_layouts_give_the_c_order_result(img, width, height, filt, data, layout,
                                                    dtype, order):
    box = data.draw(windows(width, height)) if data.draw(st.booleans()) else None
    src = _transposed(img.astype(dtype), layout)
    np.testing.assert_array_equal(src, img.astype(dtype))
    if layout != "Trows" and img.shape[0] > 1:  # numpy may give any stride to a length-1 axis
        assert src.strides[0] == src.itemsize
    expected = kernel(img, width, height, filt, box=box, order=order)
    assert np.array_equal(kernel(src, width, height, filt, box=box, order=order), expected)


@settings(max_examples=40, deadline=None)
@given(img=images(max_side=160), width=st.integers(1, 160), height=st.integers(1, 160),
       filt=filters, data=st.data(), order=st.sampled_from([0, 1, 2]))
def test_transposed_input_several_blocks(img, width, height, filt, data, order):
    # sides past the 32- and 64-line blocks and the 4 x 4 transpose tiles, crops included
    box = data.draw(windows(width, height))
    expected = kernel(img, width, height, filt, box=box, order=order)
    ours = kernel(_transposed(img, "T"), width, height, filt, box=box, order=order)
    assert np.array_equal(ours, expected)


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
@pytest.mark.parametrize("shape,size", [
    ((1, 1), (1, 1)),           # identity, one pixel
    ((1, 1), (7, 5)),           # one-pixel input
    ((1, 40), (13, 1)),         # one-row input
    ((40, 1), (1, 13)),         # one-column input
    ((33, 21), (1, 1)),         # one-pixel output
    ((1, 70), (70, 1)),         # identity, one row
    ((70, 1), (1, 70)),         # identity, one column
    ((67, 133), (133, 67)),     # identity
    ((67, 133), (133, 20)),     # vertical only
    ((67, 133), (41, 67)),      # horizontal only
    ((67, 133), (300, 67)),     # horizontal only, enlarging
    ((5, 300), (300, 5)),       # one axis up, the other down
    ((1500, 20), (20, 3)),      # > 32 taps per vertical sum
    ((20, 1500), (1, 20)),      # > 32 taps per horizontal sum
    ((130, 150), (37, 260)),
])
@pytest.mark.parametrize("order", [0, 1, 2])
def test_transposed_input_fixed_cases(filt, shape, size, order):
    a = np.random.default_rng(13).random(shape, dtype=np.float32)
    expected = kernel(a, *size, filt, order=order)
    for layout in T_LAYOUTS:
        for dtype in (np.float32, np.float64):
            src = _transposed(a.astype(dtype), layout)
            assert np.array_equal(kernel(src, *size, filt, order=order), expected), (layout, dtype)
    w, h = size
    box = (w // 3, h // 4, w - w // 5, h)
    assert np.array_equal(kernel(_transposed(a, "T"), w, h, filt, box=box, order=order),
                          expected[box[1]:box[3], box[0]:box[2]])


# The passes run in strips of 32 output rows; a converted input (uint8, float64, strided) is
# converted block by block as a strip reads it, in column blocks when the strip's input rows
# are many. None of that may change a value.


def _u8_and_scaled(shape, seed):
    a8 = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    return a8, a8 / np.float32(255)


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
@pytest.mark.parametrize("shape,size", [
    ((480, 640), (293, 220)),    # the typical photo to short edge 220: 7 strips
    ((300, 90), (61, 299)),      # vertical enlarging past several strips (sliding rows)
    ((97, 45), (40, 250)),       # enlarging by more than 2, many strips per input row
    ((1200, 700), (7, 5)),       # strong shrink: column blocks of the converted input
    ((700, 1200), (30, 300)),    # shrink by 23 vertically: each strip reads 700+ rows
    ((130, 70), (70, 97)),       # vertical only, several strips
    ((97, 70), (41, 97)),        # horizontal only, several blocks of rows
])
@pytest.mark.parametrize("order", [0, 1, 2])
def test_strips_and_conversion_give_the_float32_result(filt, shape, size, order):
    a8, a = _u8_and_scaled(shape, 21)
    expected = kernel(a, *size, filt, order=order)
    for src in (a8, np.asfortranarray(a8), a.astype(np.float64), a8[::-1][::-1],
                np.asfortranarray(a), _layout(a, "slice")):
        assert np.array_equal(kernel(src, *size, filt, order=order), expected), src.strides
    w, h = size
    for box in ((0, h // 3, w, h // 3 + 1), (w // 5, h // 7, w - w // 6, h)):
        crop = expected[box[1]:box[3], box[0]:box[2]]
        assert np.array_equal(kernel(a8, w, h, filt, box=box, order=order), crop)
        assert np.array_equal(kernel(np.asfortranarray(a8), w, h, filt, box=box, order=order),
                              crop)
    assert max_diff(expected, pillow_resize(a, w, h, filt)) <= ATOL


@settings(max_examples=30, deadline=None)
@given(img=images(max_side=200), width=st.integers(1, 220), height=st.integers(1, 220),
       filt=filters, data=st.data(), order=st.sampled_from([0, 1, 2]))
def test_strips_of_uint8_input(img, width, height, filt, data, order):
    a8 = np.rint(img * 255).astype(np.uint8)
    box = data.draw(windows(width, height))
    expected = kernel(a8 / np.float32(255), width, height, filt, box=box, order=order)
    assert np.array_equal(kernel(a8, width, height, filt, box=box, order=order), expected)


def test_cached_tables_give_fresh_results():
    # the coefficient tables of recent calls are reused; after others push them out of the
    # cache they are built again: the same values every time
    a8, a = _u8_and_scaled((123, 157), 22)
    first = {f: kernel(a, 61, 47, f, box=(3, 5, 50, 47)) for f in FILTERS}
    for f in FILTERS:
        assert np.array_equal(kernel(a, 61, 47, f, box=(3, 5, 50, 47)), first[f])
        assert np.array_equal(kernel(a8, 61, 47, f, box=(3, 5, 50, 47)), first[f])
    for n in range(40):  # more sizes than the cache keeps
        kernel(a, 20 + n, 10 + n, LANCZOS)
    for f in FILTERS:
        assert np.array_equal(kernel(a, 61, 47, f, box=(3, 5, 50, 47)), first[f])
        # another window of the same sizes: its own tables
        whole = kernel(a, 61, 47, f)
        assert np.array_equal(whole[5:47, 3:50], first[f])


def test_concurrent_calls_with_shared_tables():
    a8, a = _u8_and_scaled((150, 210), 23)
    sizes = [(97, 70), (50, 36), (97, 70), (211, 151), (50, 36)] * 4
    expected = [kernel(a, w, h, LANCZOS) for w, h in sizes]
    results = [None] * len(sizes)

    def run(i):
        w, h = sizes[i]
        results[i] = kernel(a8 if i % 2 else a, w, h, LANCZOS)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sizes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        assert np.array_equal(got, want)


def test_scratch_bytes_does_not_grow_with_the_input_area():
    # the passes run in strips of 32 lines: a call's scratch space grows with the input's
    # sides and the output, not with the input's area
    assert _resample.scratch_bytes(4096, 4096, 220, 220, LANCZOS, 0, 0, 220, 220) < 4 * 2**20
    tall = _resample.scratch_bytes(40960, 4096, 220, 2200, LANCZOS, 0, 0, 220, 2200)
    assert tall < 32 * 2**20  # the float32 input alone is 640 MiB
    out = 2048 * 2048 * 4
    assert _resample.scratch_bytes(4096, 4096, 2048, 2048, LANCZOS, 0, 0, 2048, 2048) < 3 * out


def test_every_instruction_set_gives_identical_results():
    # the vertical kernel has baseline, AVX2 and AVX-512 code (as the machine allows): the
    # same float32 operations in the same order, so the same bits; row lengths around the
    # vector widths and their tails
    a8, a = _u8_and_scaled((203, 157), 24)
    cases = [(a8, 61, 47), (a, 293, 220), (np.asfortranarray(a), 75, 300), (a8, 157, 17),
             (a[:, :33], 15, 101), (a8[:, :7], 3, 60), (a.astype(np.float64), 400, 9)]
    native = _resample.isa()
    results = {}
    try:
        for level in range(native, -1, -1):
            assert _resample.isa(level) == level
            results[level] = [kernel(src, w, h, f, order=order) for src, w, h in cases
                              for f in FILTERS for order in (1, 2)]
    finally:
        _resample.isa(2)
    assert _resample.isa() == native
    for level, res in results.items():
        for got, want in zip(res, results[native]):
            assert np.array_equal(got, want), level


def test_transposed_broadcast_and_read_only_inputs():
    rng = np.random.default_rng(14)
    col = rng.random(45, dtype=np.float32)
    src = np.broadcast_to(col[:, None], (45, 70))  # contiguous columns, zero column stride
    assert src.strides == (4, 0)
    for order in (0, 1, 2):
        expected = kernel(np.ascontiguousarray(src), 31, 20, LANCZOS, order=order)
        assert np.array_equal(kernel(src, 31, 20, LANCZOS, order=order), expected)
        assert max_diff(expected, pillow_resize(src, 31, 20, LANCZOS)) <= ATOL
    a = np.asfortranarray(rng.random((45, 70), dtype=np.float32))
    a.flags.writeable = False
    expected = kernel(np.ascontiguousarray(a), 90, 17, BICUBIC)
    assert np.array_equal(kernel(a, 90, 17, BICUBIC), expected)


def test_public_functions_accept_transposed_views():
    a = np.random.default_rng(15).random((640, 480), dtype=np.float32)
    view = a.T  # 480 x 640, columns contiguous
    assert not view.flags.c_contiguous and view.flags.f_contiguous
    copy = np.ascontiguousarray(view)
    assert np.array_equal(gimage.ScaleImage(view, (293, 220)), gimage.ScaleImage(copy, (293, 220)))
    assert np.array_equal(gimage.ScaleAndCropImage(view, (220, 220)),
                          gimage.ScaleAndCropImage(copy, (220, 220)))
    levels = gimage.MakeScalePyramid(view, 3, 0.5)
    for lvl, ref in zip(levels, gimage.MakeScalePyramid(copy, 3, 0.5)):
        assert np.array_equal(lvl, ref)


@SETTINGS
@given(img=images(), width=sides, height=sides, filt=filters, data=st.data())
def test_crop_equals_resize_then_crop(img, width, height, filt, data):
    x0 = data.draw(st.integers(0, width - 1))
    x1 = data.draw(st.integers(x0 + 1, width))
    y0 = data.draw(st.integers(0, height - 1))
    y1 = data.draw(st.integers(y0 + 1, height))
    full = kernel(img, width, height, filt)
    window = kernel(img, width, height, filt, box=(x0, y0, x1, y1))
    assert window.shape == (y1 - y0, x1 - x0)
    # Same tables and same pass order, so exactly the same numbers.
    assert np.array_equal(window, full[y0:y1, x0:x1])
    assert max_diff(window, pillow_resize(img, width, height, filt)[y0:y1, x0:x1]) <= ATOL


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
@pytest.mark.parametrize("shape,size", [
    ((480, 640), (293, 220)),   # shrink, short edge 220
    ((200, 100), (256, 512)),   # enlarge
    ((31, 47), (17, 29)),       # odd sizes
    ((29, 17), (47, 31)),
    ((1, 1), (7, 5)),           # one-pixel input
    ((1, 40), (13, 1)),
    ((40, 1), (1, 13)),
    ((33, 21), (1, 1)),         # one-pixel output
    ((5, 300), (300, 5)),       # one axis up, the other down
    ((64, 64), (64, 17)),       # only the vertical axis changes
    ((64, 64), (17, 64)),       # only the horizontal axis changes
])
def test_fixed_cases_match_pillow(filt, shape, size):
    a = np.random.default_rng(2).random(shape, dtype=np.float32)
    assert max_diff(kernel(a, *size, filt), pillow_resize(a, *size, filt)) <= ATOL


@settings(max_examples=25, deadline=None)
@given(img=images(max_side=400), width=st.integers(1, 30), height=st.integers(1, 30),
       filt=filters)
def test_strong_shrinking_matches_pillow(img, width, height, filt):
    # up to ~120 taps per output (Lanczos): several float32 blocks per sum
    ours = kernel(img, width, height, filt)
    assert max_diff(ours, pillow_resize(img, width, height, filt)) <= ATOL


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
@pytest.mark.parametrize("shape,size", [
    ((1500, 20), (20, 3)),      # > 32 taps: blocked float32 sums carried in double
    ((20, 1500), (1, 20)),
    ((700, 900), (2, 1)),
])
def test_large_shrink_factors_keep_accuracy(filt, shape, size):
    a = np.random.default_rng(3).random(shape, dtype=np.float32)
    assert max_diff(kernel(a, *size, filt), pillow_resize(a, *size, filt)) <= ATOL


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
def test_identity_size_is_an_exact_copy(filt):
    a = np.random.default_rng(4).random((23, 31))
    out = kernel(a, 31, 23, filt)
    assert out.dtype == np.float32
    assert np.array_equal(out, a.astype(np.float32))
    assert not np.shares_memory(out, a)


def test_values_are_not_clipped():
    # A step edge: Lanczos and bicubic ring on both sides, like Pillow.
    a = np.zeros((16, 40), np.float32)
    a[:, 20:] = 1.0
    for filt, size in ((LANCZOS, (17, 16)), (BICUBIC, (97, 16))):
        ours = kernel(a, *size, filt)
        peer = pillow_resize(a, *size, filt)
        assert ours.min() < 0.0 and ours.max() > 1.0
        assert max_diff(ours, peer) <= ATOL


def test_data_outside_unit_range_is_accurate_relative_to_its_scale():
    a = np.random.default_rng(5).random((97, 61), dtype=np.float32) * 255.0
    ours = kernel(a, 30, 45, LANCZOS)
    assert max_diff(ours, pillow_resize(a, 30, 45, LANCZOS)) <= ATOL * 255.0


def test_read_only_and_broadcast_inputs():
    a = np.random.default_rng(6).random((20, 30), dtype=np.float32)
    expected = kernel(a, 11, 9, LANCZOS)
    ro = a.copy()
    ro.flags.writeable = False
    assert np.array_equal(kernel(ro, 11, 9, LANCZOS), expected)
    row = np.broadcast_to(a[3], (20, 30))  # zero row stride
    assert max_diff(kernel(row, 11, 9, LANCZOS), pillow_resize(row, 11, 9, LANCZOS)) <= ATOL
    col = np.broadcast_to(a[:, 3:4], (20, 30))  # zero column stride
    assert max_diff(kernel(col, 11, 9, LANCZOS), pillow_resize(col, 11, 9, LANCZOS)) <= ATOL


def test_unaligned_input():
    a = np.random.default_rng(7).random((12, 10), dtype=np.float32)
    buf = np.zeros(a.nbytes + 1, np.uint8)
    odd = np.frombuffer(buf.data, dtype=np.float32, count=a.size, offset=1).reshape(a.shape)
    buf[1:] = np.frombuffer(a.tobytes(), np.uint8)
    assert not odd.flags.aligned
    assert np.array_equal(gimage.ScaleImage(odd, (7, 5)), gimage.ScaleImage(a, (7, 5)))


@pytest.mark.parametrize("filt", FILTERS, ids=FILTER_IDS)
def test_backends_agree_with_the_reference(filt):
    a = np.random.default_rng(8).random((19, 24), dtype=np.float32)
    for size, box in [((5, 4), None), ((31, 40), (3, 2, 30, 17)), ((24, 7), (0, 1, 24, 6))]:
        expected = reference_resize(a, *size, filt)
        if box is not None:
            expected = expected[box[1]:box[3], box[0]:box[2]]
        for backend in (CythonBackend(), NumpyBackend()):
            got = backend.Resample(a, *size, filter=filt, box=box)
            assert got.dtype == np.float32 and got.flags.c_contiguous
            assert max_diff(got, expected) <= ATOL


def test_kernel_docstring_example():
    out = _resample.resample(np.ones((4, 6), np.float32), 3, 2, _resample.BOX, 0, 0, 3, 2)
    assert out.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]


def test_kernel_filter_codes_are_pillows():
    assert (_resample.LANCZOS, _resample.BILINEAR, _resample.BICUBIC, _resample.BOX) == (
        LANCZOS, BILINEAR, BICUBIC, BOX)


# ------------------------------------------------------------------------------------------
# Public functions


@SETTINGS
@given(img=images(), width=sides, height=sides,
       dtype=st.sampled_from([np.float32, np.float64, np.uint8, np.int32, np.float16]))
def test_scale_image_matches_pillow(img, width, height, dtype):
    integer = np.issubdtype(dtype, np.integer)
    src = (img * 255).astype(dtype) if integer else img.astype(dtype)
    filt = BICUBIC if width > src.shape[1] else LANCZOS
    ours = gimage.ScaleImage(src, (width, height))
    assert ours.dtype == np.float32 and ours.shape == (height, width)
    scale = 255.0 if integer else 1.0
    peer = pillow_resize(src.astype(np.float32), width, height, filt)
    assert max_diff(ours, peer) <= ATOL * scale


@SETTINGS
@given(img=images(max_side=60), width=st.integers(1, 40), height=st.integers(1, 40))
def test_scale_and_crop_image_equals_scale_then_crop(img, width, height):
    scaled, (left, top, right, bottom) = gimage.ScaleAndCropSize(img.shape[::-1], (width, height))
    ours = gimage.ScaleAndCropImage(img, (width, height))
    assert ours.shape == (height, width) and ours.dtype == np.float32
    full = gimage.ScaleImage(img, scaled)
    assert np.array_equal(ours, full[top:bottom, left:right])
    filt = BICUBIC if scaled[0] > img.shape[1] else LANCZOS
    peer = pillow_resize(img, scaled[0], scaled[1], filt)[top:bottom, left:right]
    assert max_diff(ours, peer) <= ATOL


def test_scale_and_crop_image_typical_case():
    a = np.random.default_rng(9).random((480, 640), dtype=np.float32)
    ours = gimage.ScaleAndCropImage(a, (220, 220))
    peer = pillow_resize(a, 293, 220, LANCZOS)[:, 36:256]
    assert gimage.ScaleAndCropSize((640, 480), (220, 220)) == ((293, 220), (36, 0, 256, 220))
    assert max_diff(ours, peer) <= ATOL


@pytest.mark.parametrize("mode", ["L", "F", "RGB"])
def test_pil_images_keep_using_pillow(mode):
    img = Image.fromarray((np.random.default_rng(10).random((30, 40)) * 255).astype(np.uint8))
    img = img.convert(mode)
    out = gimage.ScaleImage(img, (17, 13))
    assert isinstance(out, Image.Image) and out.mode == mode and out.size == (17, 13)
    assert np.array_equal(np.asarray(out), np.asarray(img.resize((17, 13), LANCZOS)))
    crop = gimage.ScaleAndCropImage(img, (20, 20))
    assert isinstance(crop, Image.Image) and crop.mode == mode and crop.size == (20, 20)
    # 40x30 -> cover 20x20: scaled to 26x20, crop columns 3..23
    expected = img.resize((26, 20), LANCZOS).crop((3, 0, 23, 20))
    assert np.array_equal(np.asarray(crop), np.asarray(expected))


def test_pyramid_sizes_and_levels():
    a = np.random.default_rng(11).random((101, 80))
    levels = gimage.MakeScalePyramid(a, 5, 0.7)
    assert [lvl.shape for lvl in levels] == [(101, 80), (71, 56), (50, 39), (35, 27), (24, 19)]
    assert all(lvl.dtype == np.float32 for lvl in levels)
    assert np.array_equal(levels[0], a.astype(np.float32))
    assert not np.shares_memory(levels[0], a)
    for prev, lvl in zip(levels, levels[1:]):
        # each level from the previous one, with the same resampler (Lanczos: shrinking)
        assert np.array_equal(lvl, gimage.ScaleImage(prev, lvl.shape[::-1]))
        assert max_diff(lvl, pillow_resize(prev, lvl.shape[1], lvl.shape[0], LANCZOS)) <= ATOL


def pyramid_rule(h, w, n, factor):
    """Sizes of n levels under the documented rule, or None when they stop shrinking."""
    sizes = [(h, w)]
    while len(sizes) < n:
        nxt = tuple(max(1, int(np.round(side * factor))) for side in sizes[-1])
        if nxt == sizes[-1]:
            return None
        sizes.append(nxt)
    return sizes


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 64), w=st.integers(1, 64), n=st.integers(1, 8),
       factor=st.floats(0.01, 0.99))
def test_pyramid_sizes_follow_the_documented_rule(h, w, n, factor):
    sizes = pyramid_rule(h, w, n, factor)
    if sizes is None:
        with pytest.raises(ValueError, match="num_layers must be <= "):
            gimage.MakeScalePyramid(np.zeros((h, w), np.float32), n, factor)
        return
    levels = gimage.MakeScalePyramid(np.zeros((h, w), np.float32), n, factor)
    assert [lvl.shape for lvl in levels] == sizes
    assert not any(lvl.any() for lvl in levels)


def test_pyramid_rounds_halves_to_even():
    levels = gimage.MakeScalePyramid(np.ones((25, 35)), 3, 0.5)
    assert [lvl.shape for lvl in levels] == [(25, 35), (12, 18), (6, 9)]


def test_pyramid_single_level_and_tiny_input():
    assert [x.shape for x in gimage.MakeScalePyramid(np.ones((3, 2)), 3, 0.5)] == [
        (3, 2), (2, 1), (1, 1)]
    assert len(gimage.MakeScalePyramid(np.ones((5, 5)), 1, 0.5)) == 1
    assert len(gimage.MakeScalePyramid(np.ones((1, 1)), 1, 0.5)) == 1


@pytest.mark.parametrize("shape, factor, n, most", [
    ((1, 1), 0.5, 2, 1), ((3, 2), 0.5, 4, 3), ((100, 80), 0.5, 10**9, 8), ((3, 3), 0.9, 2, 1),
    ((50, 60), 0.5, 10**100, 7),
])
def test_pyramid_refuses_levels_past_the_last_that_shrinks(shape, factor, n, most):
    with pytest.raises(ValueError, match="num_layers must be <= %d .*, got" % most):
        gimage.MakeScalePyramid(np.ones(shape), n, factor)
    assert len(gimage.MakeScalePyramid(np.ones(shape), most, factor)) == most


@pytest.mark.parametrize("factor", [0.0, 1.0, -0.5, 1.5, float("nan"), float("inf")])
def test_pyramid_rejects_scale_factor_outside_unit_interval(factor):
    with pytest.raises(ValueError, match="scale_factor"):
        gimage.MakeScalePyramid(np.ones((8, 8)), 3, factor)


@pytest.mark.parametrize("factor", ["0.5", None, True])
def test_pyramid_rejects_non_numeric_scale_factor(factor):
    with pytest.raises(TypeError, match="scale_factor"):
        gimage.MakeScalePyramid(np.ones((8, 8)), 3, factor)


@pytest.mark.parametrize("num_layers,exc", [(0, ValueError), (-1, ValueError),
                                            (2.0, TypeError), ("3", TypeError)])
def test_pyramid_rejects_bad_num_layers(num_layers, exc):
    with pytest.raises(exc, match="num_layers"):
        gimage.MakeScalePyramid(np.ones((8, 8)), num_layers, 0.5)


# ------------------------------------------------------------------------------------------
# Bad input

BAD_SIZES = [
    ((0, 5), ValueError), ((5, 0), ValueError), ((-3, 5), ValueError),
    ((2**31, 5), ValueError), ((5, 2**70), ValueError),
    ((2.5, 3), TypeError), ((3, 2.0), TypeError), (("4", 3), TypeError),
    ((True, 3), TypeError), ((np.float64(3), 3), TypeError),
    ((3,), TypeError), ((1, 2, 3), TypeError), (None, TypeError), (5, TypeError),
]


@pytest.mark.parametrize("func", [gimage.ScaleImage, gimage.ScaleAndCropImage],
                         ids=["ScaleImage", "ScaleAndCropImage"])
@pytest.mark.parametrize("size,exc", BAD_SIZES)
def test_bad_sizes(func, size, exc):
    with pytest.raises(exc, match="size"):
        func(np.ones((4, 4), np.float32), size)
    with pytest.raises(exc, match="size"):
        func(Image.new("L", (4, 4)), size)


def test_numpy_integer_sizes_are_accepted():
    out = gimage.ScaleImage(np.ones((4, 4)), (np.int64(3), np.uint8(2)))
    assert out.shape == (2, 3)


BAD_ARRAYS = [
    (np.ones(5), ValueError), (np.ones((2, 3, 4)), ValueError), (np.ones((0, 4)), ValueError),
    (np.ones((4, 0)), ValueError), (np.array(1.0), ValueError),
    (np.ones((3, 3), dtype=bool), TypeError), (np.ones((3, 3), dtype=complex), TypeError),
    (np.array([["a", "b"]]), TypeError), (np.ones((3, 3), dtype=object), TypeError),
    (np.zeros((3, 3), dtype="M8[s]"), TypeError),
    ([[1.0, 2.0], [3.0, 4.0]], TypeError), (None, TypeError), ("img.png", TypeError),
]


@pytest.mark.parametrize("func", [gimage.ScaleImage, gimage.ScaleAndCropImage],
                         ids=["ScaleImage", "ScaleAndCropImage"])
@pytest.mark.parametrize("data,exc", BAD_ARRAYS)
def test_bad_arrays(func, data, exc):
    with pytest.raises(exc, match="img"):
        func(data, (3, 3))


@pytest.mark.parametrize("data,exc", BAD_ARRAYS)
def test_pyramid_bad_arrays(data, exc):
    with pytest.raises(exc, match="data"):
        gimage.MakeScalePyramid(data, 2, 0.5)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_non_finite_values(value, dtype):
    a = np.ones((6, 7), dtype)
    a[2, 3] = value
    # the backend checks the values, once, and names the first bad one
    for func in (gimage.ScaleImage, gimage.ScaleAndCropImage):
        with pytest.raises(ValueError, match=r"must hold finite values, got .* \(2, 3\)"):
            func(a, (3, 3))
    with pytest.raises(ValueError, match="data must hold finite values"):
        gimage.MakeScalePyramid(a, 2, 0.5)


def test_kernel_rejects_bad_arguments():
    a = np.ones((4, 4), np.float32)
    for args in [(0, 4, LANCZOS, 0, 0, 0, 4), (4, 0, LANCZOS, 0, 0, 4, 0),
                 (4, 4, LANCZOS, 0, 0, 5, 4), (4, 4, LANCZOS, 2, 0, 2, 4),
                 (4, 4, LANCZOS, -1, 0, 4, 4), (4, 4, LANCZOS, 0, 3, 4, 2),
                 (4, 4, 0, 0, 0, 4, 4), (4, 4, 5, 0, 0, 4, 4)]:
        with pytest.raises(ValueError):
            _resample.resample(a, *args)
    with pytest.raises(ValueError, match="order"):
        _resample.resample(a, 4, 4, LANCZOS, 0, 0, 4, 4, order=3)
    with pytest.raises(TypeError):
        _resample.resample(None, 4, 4, LANCZOS, 0, 0, 4, 4)
    with pytest.raises((ValueError, TypeError)):
        _resample.resample(np.ones((4, 4), np.int32), 4, 4, LANCZOS, 0, 0, 4, 4)
    with pytest.raises((ValueError, TypeError)):
        _resample.resample(np.ones((4, 4, 1), np.float32), 4, 4, LANCZOS, 0, 0, 4, 4)
    with pytest.raises(ValueError):
        _resample.resample(np.ones((0, 4), np.float32), 4, 4, LANCZOS, 0, 0, 4, 4)


# ------------------------------------------------------------------------------------------
# Threads


def test_concurrent_threads_give_the_serial_results():
    rng = np.random.default_rng(12)
    jobs = [(rng.random((rng.integers(50, 300), rng.integers(50, 300)), dtype=np.float32),
             (int(rng.integers(10, 400)), int(rng.integers(10, 400)))) for _ in range(12)]
    expected = [gimage.ScaleImage(a, size) for a, size in jobs]
    results = {}
    errors = []
    barrier = threading.Barrier(4)

    def work(tid):
        try:
            barrier.wait()
            for rep in range(5):
                for j, (a, size) in enumerate(jobs):
                    if (j + tid) % 2 == 0:
                        results[tid, rep, j] = gimage.ScaleImage(a, size)
                    else:
                        box = (1, 1, size[0], size[1]) if min(size) > 1 else None
                        out = MakeBackend().Resample(a, size[0], size[1], box=box)
                        results[tid, rep, j] = (box, out)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4 * 5 * len(jobs)
    for (tid, rep, j), out in results.items():
        if isinstance(out, tuple):
            box, out = out
            if box is not None:
                assert np.array_equal(out, expected[j][box[1]:box[3], box[0]:box[2]])
                continue
        assert np.array_equal(out, expected[j])

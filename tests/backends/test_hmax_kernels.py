"""The compiled HMAX operations (glimpse.backends._compiled_hmax) against NumpyBackend.

The functions under test are the private implementations: they receive what the validating
layer guarantees (float32, C-contiguous, an ``out`` of the exact output shape). The local
adapter :func:`_run` builds that from data of any layout and dtype, as the validating layer
does, and runs the same private method of NumpyBackend (float64 inside) as the reference.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glimpse.backends import _compiled_hmax as compiled
from glimpse.backends.numpy_backend import NumpyBackend

S_OPERATIONS = ["DotProduct", "NormDotProduct", "Rbf", "NormRbf"]
EPS32 = float(np.finfo(np.float32).eps)


def _side(size, k, s):
    return (size - k) // s + 1 if size >= k else 0


def _run(op, data, kernels=None, kwidth=None, bias=0.01, beta=1.0, scaling=1):
    """(compiled, reference) results of ``op`` on arrays of any layout, as the validating
    layer hands them over: float32 C-contiguous inputs and an allocated ``out``."""
    data = np.ascontiguousarray(data, np.float32)
    if op in S_OPERATIONS:
        kernels = np.ascontiguousarray(kernels, np.float32)
        n, _, kh, kw = kernels.shape
        shape = (n, _side(data.shape[1], kh, scaling), _side(data.shape[2], kw, scaling))
        args = {"DotProduct": (kernels, scaling), "NormDotProduct": (kernels, bias, scaling),
                "Rbf": (kernels, beta, scaling), "NormRbf": (kernels, bias, beta, scaling)}[op]
    elif op == "LocalMax":
        shape = (data.shape[0], _side(data.shape[1], kwidth, scaling),
                 _side(data.shape[2], kwidth, scaling))
        args = (kwidth, scaling)
    elif op == "ContrastEnhance":
        shape = (_side(data.shape[0], kwidth, scaling), _side(data.shape[1], kwidth, scaling))
        args = (kwidth, bias, scaling)
    else:
        shape, args = (data.shape[0],), ()
    out = np.full(shape, np.nan, np.float32)
    ref = np.full(shape, np.nan, np.float32)
    got = getattr(compiled, op)(data, *args, out)
    assert got is out
    if ref.size:  # the interface returns empty outputs before calling either backend
        getattr(NumpyBackend, "_" + op)(data, *args, ref)
    return out, ref


def _unit(kernels):
    norms = np.sqrt((kernels.astype(np.float64) ** 2).sum(axis=(1, 2, 3), keepdims=True))
    return (kernels / np.maximum(norms, 1e-30)).astype(np.float32)


@st.composite
def layouts(draw, shape):
    """An array of ``shape`` with values in [0, 1), in a drawn memory layout and dtype."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["c", "fortran", "reversed", "strided", "float64"]))
    base = rng.random(shape)
    if kind == "fortran":
        return np.asfortranarray(base.astype(np.float32))
    if kind == "reversed":
        return np.ascontiguousarray(base[..., ::-1].astype(np.float32))[..., ::-1]
    if kind == "strided":
        big = np.zeros(shape[:-1] + (2 * shape[-1],), np.float32)
        big[..., ::2] = base
        return big[..., ::2]
    if kind == "float64":
        return base
    return base.astype(np.float32)


@st.composite
def s_cases(draw):
    bands = draw(st.integers(1, 4))
    kh = draw(st.integers(1, 9))
    kw = draw(st.sampled_from([kh, draw(st.integers(1, 9))]))
    height = draw(st.integers(kh, kh + 30))
    width = draw(st.integers(kw, kw + 40))
    # Few kernels at stride 1 take the direct correlation, the rest im2col + matmul.
    n = draw(st.sampled_from([1, 3, 4, 5, 8, draw(st.integers(0, 40))]))
    scaling = draw(st.sampled_from([1, 1, 2, 3, draw(st.integers(1, 50))]))
    data = draw(layouts((bands, height, width)))
    seed = draw(st.integers(0, 2**32 - 1))
    return data, n, kh, kw, scaling, seed


def _kernels(op, data, n, kh, kw, seed):
    """S1-like unit-norm kernels for the Norm operations and DotProduct; for Rbf, windows
    of the data (the imprinted prototypes of S2), half of them jittered."""
    rng = np.random.default_rng(seed)
    bands, height, width = data.shape
    if op == "Rbf":
        ys = rng.integers(0, height - kh + 1, n)
        xs = rng.integers(0, width - kw + 1, n)
        k = np.stack([np.asarray(data[:, y:y + kh, x:x + kw], np.float32)
                      for y, x in zip(ys, xs)]) if n else np.zeros((0, bands, kh, kw))
        k[::2] += rng.normal(0, 0.05, k[::2].shape)
        return k.astype(np.float32)
    return _unit(rng.standard_normal((n, bands, kh, kw)).astype(np.float32))


@settings(max_examples=60, deadline=None)
@given(case=s_cases(), op=st.sampled_from(S_OPERATIONS))
def test_s_operations_match_reference(case, op):
    data, n, kh, kw, scaling, seed = case
    kernels = _kernels(op, data, n, kh, kw, seed)
    beta = 5.0 if op == "Rbf" else 1.0
    bias = 0.1 if op == "Rbf" else 0.01
    got, ref = _run(op, data, kernels, bias=bias, beta=beta, scaling=scaling)
    assert not np.isnan(got).any()
    if got.size == 0:
        return
    if op == "DotProduct":
        # The forward error bound of a float32 sum of d products, in any order:
        # gamma_d * sum |x| |w| (Higham, Accuracy and Stability, 3.1), plus the rounding
        # of the result to float32. A wrong window or weight is off by far more.
        d = kernels[0].size
        u = EPS32 / 2
        gamma = d * u / (1 - d * u)
        mag = _float64_dot(np.abs(data), np.abs(kernels), scaling)
        err = np.abs(got.astype(np.float64) - ref)
        assert np.all(err <= gamma * mag + u * np.abs(ref) + np.finfo(np.float32).tiny)
    else:
        # S1/C1-like values (Norm*: |NDP| <= 1) and S2-like Rbf at beta 5.
        np.testing.assert_allclose(got, ref, rtol=0, atol=2e-5 if op != "Rbf" else 1e-4)


def _windows32(data, kh, kw, scaling):
    """float32 (h, w, bands * kh * kw) copies of the windows of ``data``."""
    data = np.ascontiguousarray(data, np.float32)
    view = np.lib.stride_tricks.sliding_window_view(data, (kh, kw), axis=(1, 2))
    view = view[:, ::scaling, ::scaling]  # (bands, h, w, kh, kw)
    return view.transpose(1, 2, 0, 3, 4).reshape(view.shape[1], view.shape[2], -1)


def _float64_dot(data, kernels, scaling):
    """DotProduct in float64 over the float32 windows (for error bounds)."""
    n, _, kh, kw = kernels.shape
    x = _windows32(data, kh, kw, scaling).astype(np.float64)
    return np.moveaxis(x @ kernels.reshape(n, -1).T.astype(np.float64), -1, 0)


def _float32_rbf(data, kernels, beta):
    """A plain float32 computation of Rbf through ||x||^2 - 2 <x, w> + ||w||^2."""
    n, _, kh, kw = kernels.shape
    x = _windows32(data, kh, kw, 1)
    k = kernels.reshape(n, -1)
    xx = np.einsum("yxd,yxd->yx", x, x)[..., None]
    d = xx - np.float32(2) * (x @ k.T) + np.einsum("nd,nd->n", k, k)
    out = np.exp(np.float32(-beta) * np.maximum(d, np.float32(0)))
    return np.moveaxis(out, -1, 0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), beta=st.sampled_from([0.05, 0.5, 5.0]),
       n=st.sampled_from([3, 20]))
def test_large_valued_rbf_within_float32_error(seed, beta, n):
    # DotProduct S1 (raw Gabors on an image) feeding Rbf: values far from [0, 1].
    rng = np.random.default_rng(seed)
    image = rng.random((1, 40, 44), np.float32)
    gabors = rng.standard_normal((4, 1, 11, 11)).astype(np.float32)
    s1, _ = _run("DotProduct", image, gabors)
    c1, _ = _run("LocalMax", np.abs(s1), kwidth=3, scaling=2)
    kh = 5
    ys = rng.integers(0, c1.shape[1] - kh + 1, n)
    xs = rng.integers(0, c1.shape[2] - kh + 1, n)
    protos = np.stack([c1[:, y:y + kh, x:x + kh] for y, x in zip(ys, xs)])
    protos[1::2] *= np.float32(1.01)
    got, ref = _run("Rbf", c1, protos, beta=beta)
    plain = _float32_rbf(c1, protos, beta)
    err_plain = np.abs(plain.astype(np.float64) - ref).max()
    err = np.abs(got.astype(np.float64) - ref).max()
    assert err <= 4 * max(err_plain, EPS32), (err, err_plain)


@settings(max_examples=40, deadline=None)
@given(bands=st.integers(1, 5), height=st.integers(1, 60), width=st.integers(1, 60),
       k=st.integers(1, 15), scaling=st.integers(1, 7), data=st.data())
def test_local_max_matches_reference_exactly(bands, height, width, k, scaling, data):
    arr = data.draw(layouts((bands, height, width)))
    got, ref = _run("LocalMax", arr, kwidth=k, scaling=scaling)
    np.testing.assert_array_equal(got, ref)


@settings(max_examples=30, deadline=None)
@given(bands=st.integers(0, 5), height=st.integers(1, 70), width=st.integers(1, 70),
       data=st.data())
def test_global_max_matches_reference_exactly(bands, height, width, data):
    arr = data.draw(layouts((bands, height, width))) - 0.5  # negative values too
    got, ref = _run("GlobalMax", arr)
    np.testing.assert_array_equal(got, ref)


@settings(max_examples=30, deadline=None)
@given(height=st.integers(2, 40), width=st.integers(2, 40), k=st.integers(2, 15),
       scaling=st.integers(1, 4), bias=st.sampled_from([1.0, 0.01, 1e-4]), data=st.data())
def test_contrast_enhance_matches_reference(height, width, k, scaling, bias, data):
    arr = data.draw(layouts((height, width)))
    got, ref = _run("ContrastEnhance", arr, kwidth=k, bias=bias, scaling=scaling)
    # |value| <= sqrt(k*k - 1) / ... grows as the bias shrinks; the error scales with it.
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=2e-5)


# -- edge cases the validating layer lets through --------------------------------------------

@pytest.mark.parametrize("op", S_OPERATIONS)
def test_empty_outputs_are_returned_untouched(op):
    data = np.random.default_rng(0).random((2, 6, 7), np.float32)
    for kernels, scaling in [(np.zeros((0, 2, 3, 3), np.float32), 1),   # n == 0
                             (np.ones((3, 2, 7, 3), np.float32), 1),    # k > H: h == 0
                             (np.ones((3, 2, 3, 8), np.float32), 2)]:   # k > W: w == 0
        got, ref = _run(op, data, kernels, scaling=scaling)
        assert got.size == 0 and got.shape == ref.shape
    out = np.empty((0, 5), np.float32)
    assert compiled.LocalMax(data, 7, 1, np.empty((2, 0, 1), np.float32)).size == 0
    assert compiled.ContrastEnhance(data[0], 7, 1.0, 1, out) is out
    assert compiled.GlobalMax(np.ones((0, 2, 2), np.float32), np.empty(0, np.float32)).size == 0


@pytest.mark.parametrize("op", S_OPERATIONS)
@pytest.mark.parametrize("n", [2, 30])
def test_kernel_as_big_as_the_input_and_unbounded_strides(op, n):
    rng = np.random.default_rng(1)
    data = rng.random((3, 9, 8), np.float32)
    kernels = _unit(rng.random((n, 3, 9, 8), np.float32))
    for scaling in (1, 5, 10**100):
        got, ref = _run(op, data, kernels, bias=0.1, beta=0.5, scaling=scaling)
        assert got.shape == (n, 1, 1)
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=2e-5)
    got, ref = _run("LocalMax", data, kwidth=4, scaling=10**100)
    np.testing.assert_array_equal(got, ref)
    got, ref = _run("ContrastEnhance", data[0], kwidth=3, bias=1.0, scaling=10**50)
    np.testing.assert_allclose(got, ref, atol=2e-5)


def test_flat_windows_use_the_bias():
    data = np.zeros((1, 12, 12), np.float32)
    data[0, 6:, 6:] = 1.0
    kernels = _unit(np.random.default_rng(2).standard_normal((12, 1, 3, 3)).astype(np.float32))
    for op in ("NormDotProduct", "NormRbf"):
        for n in (4, 12):  # direct and matrix-product paths
            got, ref = _run(op, data, kernels[:n], bias=0.5, beta=2.0)
            np.testing.assert_allclose(got, ref, atol=2e-5)
            assert np.isfinite(got).all()


def test_exp_range_matches_reference():
    # NormRbf's exponent is positive when kernels are not unit length; tiny and huge values
    # saturate to 0 and inf as in float32.
    data = np.full((1, 4, 4), 0.5, np.float32)
    kernels = np.zeros((9, 1, 2, 2), np.float32)
    kernels[:, 0, 0, 0] = [0.0, 1.0, 10.0, 44.0, 45.0, 60.0, -10.0, -40.0, -80.0]
    for beta in (0.5, 1.0):
        got, ref = _run("NormRbf", data, kernels, bias=0.01, beta=beta)
        assert np.array_equal(np.isinf(got), np.isinf(ref))
        fin = np.isfinite(ref)
        np.testing.assert_allclose(got[fin], ref[fin], rtol=3e-6, atol=2e-38)


def test_every_instruction_set_gives_identical_results():
    rng = np.random.default_rng(3)
    image = rng.random((1, 37, 61), np.float32)
    gabors = _unit(rng.standard_normal((5, 1, 11, 11)).astype(np.float32))
    c1 = rng.random((4, 20, 23), np.float32)
    protos = rng.random((30, 4, 7, 7), np.float32)
    native = compiled.isa()
    results = {}
    try:
        for level in range(native, -1, -1):
            assert compiled.isa(level) == level
            res = [_run(op, image, gabors, beta=1.0)[0] for op in ("NormDotProduct", "NormRbf")]
            res += [_run(op, c1, protos, beta=5.0)[0] for op in S_OPERATIONS]
            res += [_run("LocalMax", c1, kwidth=5, scaling=3)[0], _run("GlobalMax", c1)[0]]
            results[level] = res
    finally:
        compiled.isa(len(compiled.ISA_NAMES) - 1)
    for level, res in results.items():
        for a, b in zip(res, results[native]):
            np.testing.assert_array_equal(a, b, err_msg="level %d" % level)


def test_s2_scratch_is_bounded():
    rng = np.random.default_rng(4)
    data = rng.random((4, 110, 110), np.float32)
    kernels = rng.random((20, 4, 7, 7), np.float32)
    out = np.empty((20, 104, 104), np.float32)
    all_columns = 4 * 7 * 7 * 104 * 104 * 4  # the im2col matrix of every window: 8.5 MB
    tracemalloc.start()
    try:
        compiled.Rbf(data, kernels, 1.0, 1, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < compiled._SCRATCH_BYTES + (1 << 18) < all_columns

"""The backend interface: geometry, arithmetic, validation and ``out=``, on every backend."""

import math
import pickle

import numpy as np
import pytest

from glimpse.backends import (
    Backend,
    CythonBackend,
    MakeBackend,
    NumpyBackend,
)

BACKENDS = [NumpyBackend, CythonBackend]
S_OPERATIONS = ["DotProduct", "NormDotProduct", "Rbf", "NormRbf"]


@pytest.fixture(params=BACKENDS, ids=lambda cls: cls.name)
def backend(request):
    return request.param()


def _rng(seed=0):
    return np.random.default_rng(seed)


# -- an independent reference: one window at a time, in Python floats -----------------

def _window(data, y, x, kh, kw, s):
    return data[..., y * s:y * s + kh, x * s:x * s + kw].astype(np.float64)


def _loop_s(op, data, kernels, bias, beta, s):
    n, _, kh, kw = kernels.shape
    h = (data.shape[1] - kh) // s + 1 if data.shape[1] >= kh else 0
    w = (data.shape[2] - kw) // s + 1 if data.shape[2] >= kw else 0
    out = np.zeros((n, h, w))
    for j in range(n):
        k = kernels[j].astype(np.float64)
        for y in range(h):
            for x in range(w):
                win = _window(data, y, x, kh, kw, s)
                dot = float((win * k).sum())
                ndp = dot / math.sqrt(max(float((win * win).sum()), bias))
                out[j, y, x] = {
                    "DotProduct": dot,
                    "NormDotProduct": ndp,
                    "Rbf": math.exp(-beta * float(((win - k) ** 2).sum())),
                    "NormRbf": math.exp(-2 * beta * (1 - ndp)),
                }[op]
    return out


def _loop_contrast(data, k, bias, s):
    h = (data.shape[0] - k) // s + 1
    w = (data.shape[1] - k) // s + 1
    out = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            win = _window(data, y, x, k, k, s)
            out[y, x] = (win[k // 2, k // 2] - win.mean()) / math.sqrt(win.var(ddof=1) + bias)
    return out


def _loop_localmax(data, k, s):
    h = (data.shape[1] - k) // s + 1
    w = (data.shape[2] - k) // s + 1
    out = np.zeros((data.shape[0], h, w))
    for y in range(h):
        for x in range(w):
            out[:, y, x] = _window(data, y, x, k, k, s).max(axis=(1, 2))
    return out


# -- geometry ---------------------------------------------------------------------------

@pytest.mark.parametrize("i, k, s, o", [
    (15, 5, 5, 3), (14, 5, 5, 2), (5, 5, 1, 1), (4, 5, 1, 0), (0, 1, 1, 0), (10, 3, 1, 8),
    (10, 3, 4, 2), (11, 11, 7, 1),
])
def test_output_shape_geometry(backend, i, k, s, o):
    assert backend.OutputMapShapeForInput(k, k, s, i, i) == (o, o)
    assert backend.OutputMapShapeForInput(k, 1, s, i, 1) == (o, 1)
    if o:
        smallest = backend.InputMapShapeForOutput(k, k, s, o, o)
        assert backend.OutputMapShapeForInput(k, k, s, *smallest) == (o, o)
        assert backend.OutputMapShapeForInput(k, k, s, smallest[0] - 1, smallest[1] - 1)[0] < o
    assert backend.InputMapShapeForOutput(k, k, s, 0, 0) == (0, 0)


@pytest.mark.parametrize("op", S_OPERATIONS)
@pytest.mark.parametrize("H, W, kh, kw, s", [
    (15, 16, 5, 5, 5), (9, 7, 3, 2, 2), (6, 6, 6, 6, 1), (5, 8, 6, 3, 1), (12, 13, 1, 1, 3),
])
def test_s_operation_shapes_and_values(backend, op, H, W, kh, kw, s):
    rng = _rng(H * W + kh)
    data = rng.random((2, H, W), np.float32)
    kernels = rng.random((3, 2, kh, kw), np.float32) - 0.5
    kernels /= np.sqrt((kernels ** 2).sum(axis=(1, 2, 3), keepdims=True))
    got = getattr(backend, op)(data, kernels, bias=0.1, beta=0.5, scaling=s)
    expected = _loop_s(op, data, kernels, 0.1, 0.5, s)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert got.shape == expected.shape == (3,) + backend.OutputMapShapeForInput(kh, kw, s, H, W)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-5)


def test_norm_dot_product_clips_small_norms(backend):
    data = np.full((1, 3, 3), 1e-3, np.float32)
    kernels = np.full((1, 1, 3, 3), 1 / 3, np.float32)
    got = backend.NormDotProduct(data, kernels, bias=0.25)
    np.testing.assert_allclose(got, [[[9e-3 / 3 / 0.5]]], rtol=1e-5)


@pytest.mark.parametrize("H, W, k, s", [(9, 10, 3, 1), (15, 16, 5, 2), (7, 7, 7, 1), (8, 9, 2, 3)])
def test_contrast_enhance(backend, H, W, k, s):
    data = _rng(H).random((H, W), np.float32)
    got = backend.ContrastEnhance(data, k, 0.5, scaling=s)
    np.testing.assert_allclose(got, _loop_contrast(data, k, 0.5, s), rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("H, W, k, s", [(9, 10, 3, 1), (15, 16, 5, 5), (4, 4, 4, 2), (8, 9, 2, 3)])
def test_local_and_global_max(backend, H, W, k, s):
    data = _rng(W).standard_normal((3, H, W)).astype(np.float32)
    np.testing.assert_array_equal(backend.LocalMax(data, k, scaling=s), _loop_localmax(data, k, s))
    np.testing.assert_array_equal(backend.GlobalMax(data), data.max(axis=(1, 2)))


def test_empty_outputs(backend):
    data = np.ones((2, 4, 5), np.float32)
    assert backend.DotProduct(data, np.ones((3, 2, 5, 5), np.float32)).shape == (3, 0, 1)
    assert backend.Rbf(data, np.ones((0, 2, 2, 2), np.float32)).shape == (0, 3, 4)
    assert backend.LocalMax(data, 6).shape == (2, 0, 0)
    assert backend.ContrastEnhance(data[0], 5, 1.0).shape == (0, 1)
    out = np.full((3, 0, 1), 7, np.float32)
    assert backend.NormRbf(data, np.ones((3, 2, 5, 5), np.float32), out=out) is out


# -- out= and input forms ---------------------------------------------------------------

def test_out_is_filled_and_returned(backend):
    rng = _rng(3)
    data = rng.random((2, 10, 11), np.float32)
    kernels = rng.random((4, 2, 3, 3), np.float32)
    for op in S_OPERATIONS:
        out = np.full((4, 8, 9), np.nan, np.float32)
        result = getattr(backend, op)(data, kernels, out=out)
        assert result is out and np.isfinite(out).all()
        np.testing.assert_array_equal(out, getattr(backend, op)(data, kernels))
    out = np.full((2, 4, 5), np.nan, np.float32)
    assert backend.LocalMax(data, 3, 2, out=out) is out
    np.testing.assert_array_equal(out, backend.LocalMax(data, 3, 2))
    out = np.empty(2, np.float32)
    assert backend.GlobalMax(data, out=out) is out
    out = np.empty((8, 9), np.float32)
    assert backend.ContrastEnhance(data[0], 3, 1.0, out=out) is out


def test_inputs_of_any_real_dtype_and_layout(backend):
    rng = _rng(4)
    base = rng.random((2, 12, 14))
    kernels = rng.random((2, 2, 3, 3))
    expected = backend.DotProduct(base.astype(np.float32), kernels.astype(np.float32))
    flipped = base.astype(np.float32)[:, ::-1, ::-1]
    for data in (base, np.asfortranarray(base), flipped[:, ::-1, ::-1], base.tolist()):
        np.testing.assert_allclose(backend.DotProduct(data, kernels), expected, rtol=1e-6)
    ints = (base * 10).astype(np.int16)
    np.testing.assert_allclose(backend.LocalMax(ints, 3), _loop_localmax(ints, 3, 1))


def test_prepare_array(backend):
    a = np.arange(12, dtype=np.float64).reshape(3, 4).T
    p = backend.PrepareArray(a)
    assert p.dtype == np.float32 and p.flags.c_contiguous
    np.testing.assert_array_equal(p, a)
    same = np.zeros((2, 2), np.float32)
    assert backend.PrepareArray(same) is same
    with pytest.raises(TypeError, match="a must hold real numbers"):
        backend.PrepareArray(np.zeros(2, complex))
    with pytest.raises(ValueError, match="out of float32 range"):
        backend.PrepareArray(np.array([1e300]))


# -- validation -------------------------------------------------------------------------

GOOD_DATA = np.ones((2, 6, 6), np.float32)
GOOD_KERNELS = np.ones((3, 2, 3, 3), np.float32)


@pytest.mark.parametrize("op", S_OPERATIONS)
@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(data=np.ones((6, 6), np.float32)), ValueError, r"data must be 3D, got shape \(6, 6\)"),
    (dict(data=np.ones((0, 6, 6), np.float32)), ValueError, "data must have at least one band"),
    (dict(data=np.ones((2, 6, 6), complex)), TypeError, "data must hold real numbers"),
    (dict(data=np.ones((2, 6, 6), bool)), TypeError, "data must hold real numbers"),
    (dict(data=None), TypeError, "data must be an array, got None"),
    (dict(data=np.full((2, 6, 6), np.nan)), ValueError, "data must hold finite values, got nan"),
    (dict(data=np.full((2, 6, 6), 1e300)), ValueError, "out of float32 range"),
    (dict(kernels=np.ones((3, 3, 3, 3), np.float32)), ValueError, "kernels must have the 2 bands"),
    (dict(kernels=np.ones((3, 2, 3), np.float32)), ValueError, "kernels must be 4D"),
    (dict(kernels=np.ones((3, 2, 0, 3), np.float32)), ValueError, "kernels must have a height"),
    (dict(kernels=np.full((3, 2, 3, 3), np.inf)), ValueError, "kernels must hold finite"),
    (dict(scaling=0), ValueError, r"scaling must be an integer in \[1, 2147483647\], got 0"),
    (dict(scaling=2**31), ValueError, r"scaling must be an integer in \[1, 2147483647\]"),
    (dict(scaling=1.5), TypeError, "scaling must be an integer, got 1.5"),
    (dict(scaling=True), TypeError, "scaling must be an integer, got True"),
    (dict(scaling=2**31 - 1), None, None),
    (dict(bias=0), ValueError, "bias must be a finite real number > 0.0, got 0"),
    (dict(bias=float("nan")), ValueError, "bias must be .*, got nan"),
    (dict(beta=-1.0), ValueError, "beta must be .*> 0.0, got -1.0"),
    (dict(beta=10 ** 400), ValueError, "beta must be .*, got <an integer of 401 digits>"),
    (dict(beta="1"), TypeError, "beta must be a real number, got '1'"),
    (dict(out=np.empty((3, 4, 4), np.float64)), ValueError, "out must have dtype float32"),
    (dict(out=np.empty((3, 4, 5), np.float32)), ValueError, r"out must have shape \(3, 4, 4\)"),
    (dict(out=np.empty((3, 4, 8), np.float32)[:, :, ::2]), ValueError, "out must be C-contiguous"),
    (dict(out=[0.0]), TypeError, "out must be a numpy array or None"),
])
def test_s_operation_validation(backend, op, kwargs, exc, pattern):
    args = dict(data=GOOD_DATA, kernels=GOOD_KERNELS)
    args.update(kwargs)
    if exc is None:  # valid: a huge stride gives one row and column
        assert getattr(backend, op)(**args).shape == (3, 1, 1)
        return
    with pytest.raises(exc, match=pattern):
        getattr(backend, op)(**args)


def test_out_read_only_or_overlapping(backend):
    out = np.empty((3, 4, 4), np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        backend.DotProduct(GOOD_DATA, GOOD_KERNELS, out=out)
    buf = np.ones((2, 6, 6), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with data"):
        backend.LocalMax(buf, 1, out=buf)
    kernels = np.ones((2, 2, 1, 1), np.float32)
    big = np.ones((2, 2, 6, 6), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with data"):
        backend.DotProduct(big[0], kernels, out=big[1 - 1][:2])
    kernels = np.ones((2, 1, 1, 1), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with kernels"):
        backend.DotProduct(np.ones((1, 1, 1), np.float32), kernels, out=kernels.reshape(2, 1, 1))


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda b: b.ContrastEnhance(np.ones((2, 5, 5)), 3, 1.0), ValueError, "data must be 2D"),
    (lambda b: b.ContrastEnhance(np.ones((5, 5)), 1, 1.0), ValueError,
     "kwidth must be an integer in .2, "),
    (lambda b: b.ContrastEnhance(np.ones((5, 5)), 3, -1.0), ValueError, "bias must be"),
    (lambda b: b.ContrastEnhance(np.ones((5, 5)), 3, None), TypeError,
     "bias must be a real number"),
    (lambda b: b.LocalMax(np.ones((1, 5, 5)), 0), ValueError, "kwidth must be an integer in .1, "),
    (lambda b: b.LocalMax(np.ones((1, 5, 5)), 2, -3), ValueError,
     "scaling must be an integer in .1, "),
    (lambda b: b.LocalMax(np.ones((1, 5, 5)), "2"), TypeError, "kwidth must be an integer"),
    (lambda b: b.GlobalMax(np.ones((2, 0, 5))), ValueError, "data must have at least one band and"),
    (lambda b: b.GlobalMax(np.ones((5, 5))), ValueError, "data must be 3D"),
    (lambda b: b.GlobalMax(np.array([[[np.nan]]])), ValueError, "data must hold finite values"),
    (lambda b: b.OutputMapShapeForInput(0, 1, 1, 5, 5), ValueError, "kheight must be"),
    (lambda b: b.OutputMapShapeForInput(1, 1, 1, -5, 5), ValueError, "iheight must be"),
    (lambda b: b.InputMapShapeForOutput(1, 1, 0, 5, 5), ValueError, "scaling must be"),
    (lambda b: b.InputMapShapeForOutput(1, 1, 1, 5, 2.0), TypeError, "owidth must be"),
])
def test_other_operation_validation(backend, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(backend)


def test_validation_touches_nothing(backend):
    out = np.full((3, 4, 4), 5, np.float32)
    with pytest.raises(ValueError):
        backend.Rbf(GOOD_DATA, GOOD_KERNELS, beta=0, out=out)
    assert (out == 5).all()


# -- construction -----------------------------------------------------------------------

def test_make_backend_names(monkeypatch):
    monkeypatch.delenv("GLIMPSE_BACKEND", raising=False)
    assert type(MakeBackend()) is CythonBackend
    assert type(MakeBackend("base")) is CythonBackend
    assert type(MakeBackend("NumPy")) is NumpyBackend
    monkeypatch.setenv("GLIMPSE_BACKEND", "numpy")
    assert type(MakeBackend()) is NumpyBackend
    monkeypatch.setenv("GLIMPSE_BACKEND", "base")
    assert type(MakeBackend()) is CythonBackend


def test_backends_are_backends_and_pickle(backend):
    assert isinstance(backend, Backend)
    assert pickle.loads(pickle.dumps(backend)) == backend
    assert backend != (set(BACKENDS) - {type(backend)}).pop()()
    assert MakeBackend(backend.name) == backend
    with pytest.raises(TypeError):
        Backend()


# -- the compiled backend against the reference at the model's working points ------------

@pytest.mark.parametrize("op", S_OPERATIONS)
def test_compiled_matches_reference_on_s1_like_input(op):
    rng = _rng(11)
    data = rng.random((1, 48, 45), np.float32)
    kernels = rng.standard_normal((8, 1, 11, 11)).astype(np.float32)
    kernels /= np.sqrt((kernels.astype(np.float64) ** 2).sum(axis=(1, 2, 3), keepdims=True))
    args = dict(bias=0.01, beta=1.0)
    expected = getattr(NumpyBackend(), op)(data, kernels, **args)
    got = getattr(CythonBackend(), op)(data, kernels, **args)
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5)


@pytest.mark.parametrize("op", S_OPERATIONS)
def test_compiled_matches_reference_on_s2_like_input(op):
    rng = _rng(12)
    data = rng.random((4, 30, 33), np.float32)
    ys, xs = rng.integers(0, 24, 20), rng.integers(0, 27, 20)
    kernels = np.stack([data[:, y:y + 7, x:x + 7] for y, x in zip(ys, xs)])
    if op.startswith("Norm"):
        kernels /= np.sqrt((kernels.astype(np.float64) ** 2).sum(axis=(1, 2, 3), keepdims=True))
    args = dict(bias=0.1, beta=5.0)
    expected = getattr(NumpyBackend(), op)(data, kernels, **args)
    got = getattr(CythonBackend(), op)(data, kernels, **args)
    np.testing.assert_allclose(got, expected, rtol=0 if op != "DotProduct" else 1e-6, atol=1e-4)


def test_compiled_matches_reference_on_c_and_retina():
    rng = _rng(13)
    data = rng.random((4, 41, 38), np.float32)
    for k, s in [(11, 5), (3, 1), (2, 2)]:
        np.testing.assert_array_equal(CythonBackend().LocalMax(data, k, s),
                                      NumpyBackend().LocalMax(data, k, s))
    np.testing.assert_array_equal(CythonBackend().GlobalMax(data), NumpyBackend().GlobalMax(data))
    np.testing.assert_allclose(CythonBackend().ContrastEnhance(data[0], 15, 1.0),
                               NumpyBackend().ContrastEnhance(data[0], 15, 1.0), atol=2e-5)


def test_kernel_facts_come_from_the_kernel():
    from glimpse import _resample
    from glimpse.backends import numpy_backend

    for filt, support in numpy_backend._SUPPORT.items():
        assert _resample.support(filt) == support
    with pytest.raises(ValueError, match="filter"):
        _resample.support(0)
    for args in [(100, 80, 50, 40, 1, None), (7, 9, 300, 2, 3, (10, 0, 20, 2))]:
        box = args[5] or (0, 0, args[2], args[3])
        expected = math.ceil(_resample.scratch_bytes(*args[:5], *box))
        assert CythonBackend().ResampleScratchBytes(*args) == expected
        assert expected >= 4 * (box[2] - box[0]) * (box[3] - box[1])

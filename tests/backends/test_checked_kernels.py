"""The S operations on kernels checked beforehand (``Backend._SOperation``), as models call them."""

import numpy as np
import pytest

from glimpse.backends import CythonBackend, NumpyBackend

S_OPERATIONS = ["DotProduct", "NormDotProduct", "Rbf", "NormRbf"]


@pytest.fixture(params=[NumpyBackend, CythonBackend], ids=lambda cls: cls.name)
def backend(request):
    return request.param()


@pytest.mark.parametrize("op", S_OPERATIONS)
@pytest.mark.parametrize("scaling", [1, 2])
def test_same_bits_as_the_public_method(backend, op, scaling):
    rng = np.random.default_rng(1)
    data = rng.random((3, 17, 15), dtype=np.float32)
    for n in (4, 20):
        kernels = rng.normal(size=(n, 3, 4, 5)).astype(np.float32)
        public = getattr(backend, op)(data, kernels, bias=0.3, beta=0.7, scaling=scaling)
        checked = backend._SOperation(op, data, kernels, 0.3, 0.7, scaling)
        assert checked.tobytes() == public.tobytes()
        out = np.empty_like(public)
        assert backend._SOperation(op, data, kernels, 0.3, 0.7, scaling, out) is out
        assert out.tobytes() == public.tobytes()


@pytest.mark.parametrize("kernels", [
    np.zeros((2, 1, 3, 3)),                              # float64
    np.zeros((2, 1, 3, 6), np.float32)[..., ::2],        # not contiguous
    np.zeros((1, 3, 3), np.float32),                     # 3D
    [[[[0.0]]]],                                         # not an array
])
def test_kernels_must_be_float32_contiguous_4d(backend, kernels):
    with pytest.raises(TypeError, match="kernels must be"):
        backend._SOperation("Rbf", np.zeros((1, 5, 5), np.float32), kernels, None, 1.0, 1)


def test_everything_else_is_validated(backend):
    kernels = np.ones((2, 1, 3, 3), np.float32)
    data = np.zeros((1, 5, 5), np.float32)
    with pytest.raises(ValueError, match="op must be one of"):
        backend._SOperation("Max", data, kernels, 0.1, 1.0, 1)
    bad = data.copy()
    bad[0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="data must hold finite values"):
        backend._SOperation("Rbf", bad, kernels, None, 1.0, 1)
    with pytest.raises(ValueError, match="kernels must have the 1 bands"):
        backend._SOperation("Rbf", data, np.ones((2, 2, 3, 3), np.float32), None, 1.0, 1)
    with pytest.raises(TypeError, match="beta must be a real number, got None"):
        backend._SOperation("Rbf", data, kernels, None, None, 1)
    with pytest.raises(TypeError, match="bias must be a real number, got None"):
        backend._SOperation("NormDotProduct", data, kernels, None, None, 1)
    with pytest.raises(ValueError, match="scaling must be"):
        backend._SOperation("DotProduct", data, kernels, None, None, 0)
    with pytest.raises(ValueError, match="out must have shape"):
        backend._SOperation("DotProduct", data, kernels, None, None, 1,
                            np.empty((2, 2, 2), np.float32))
    wide = np.ones((2, 1, 5, 5), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with kernels"):
        backend._SOperation("DotProduct", data, wide, None, None, 1,
                            wide.reshape(-1)[:2].reshape(2, 1, 1))


@pytest.mark.parametrize("op", S_OPERATIONS)
def test_results_do_not_depend_on_earlier_calls(backend, op):
    # the compiled backend keeps a thread's scratch memory from one call to the next
    rng = np.random.default_rng(2)
    calls = []
    for n, bands, k, side in [(40, 3, 5, 30), (3, 2, 2, 9), (60, 4, 3, 41), (40, 3, 5, 30)]:
        data = rng.random((bands, side, side + 3), dtype=np.float32)
        kernels = rng.random((n, bands, k, k), dtype=np.float32)
        calls.append((data, kernels))
    first = [getattr(backend, op)(d, w, bias=0.2, beta=0.1).tobytes() for d, w in calls]
    again = [getattr(backend, op)(d, w, bias=0.2, beta=0.1).tobytes()
             for d, w in reversed(calls)][::-1]
    assert first == again
    fresh = type(backend)()
    assert getattr(fresh, op)(*calls[0], bias=0.2, beta=0.1).tobytes() == first[0]

"""``Backend.SOperation``: the S operations by name, on kernels checked beforehand as models
call them."""

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
        checked = backend.SOperation(op, data, kernels, 0.3, 0.7, scaling, kernels_checked=True)
        assert checked.tobytes() == public.tobytes()
        by_name = backend.SOperation(op, data, kernels, bias=0.3, beta=0.7, scaling=scaling)
        assert by_name.tobytes() == public.tobytes()
        out = np.empty_like(public)
        assert backend.SOperation(op, data, kernels, 0.3, 0.7, scaling, out,
                                  kernels_checked=True) is out
        assert out.tobytes() == public.tobytes()
        # the earlier private name runs the same operation on checked kernels
        assert backend._SOperation(op, data, kernels, 0.3, 0.7, scaling).tobytes() == \
            public.tobytes()


@pytest.mark.parametrize("op", S_OPERATIONS)
def test_unchecked_kernels_are_read_and_checked_kernels_are_not(backend, op):
    data = np.ones((1, 6, 6), np.float32)
    kernels = np.ones((2, 1, 3, 3), np.float32)
    kernels[1, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="kernels must hold finite values"):
        backend.SOperation(op, data, kernels, 0.3, 0.7, 1)
    # the caller vouched for them: their values are not read (the NaN reaches the result)
    out = backend.SOperation(op, data, kernels, 0.3, 0.7, 1, kernels_checked=True)
    assert out.shape == (2, 4, 4) and np.isfinite(out[0]).all()
    # without the flag, any array_like is accepted, as by the public methods
    listed = backend.SOperation(op, data.tolist(), np.ones((2, 1, 3, 3)).tolist(), 0.3, 0.7, 1)
    assert listed.tobytes() == getattr(backend, op)(data, np.ones((2, 1, 3, 3)), bias=0.3,
                                                    beta=0.7).tobytes()


@pytest.mark.parametrize("flag", [1, "yes", None])
def test_kernels_checked_is_a_bool(backend, flag):
    with pytest.raises(TypeError, match="kernels_checked must be True or False"):
        backend.SOperation("Rbf", np.zeros((1, 5, 5), np.float32),
                           np.ones((2, 1, 3, 3), np.float32), None, 1.0, 1, kernels_checked=flag)


@pytest.mark.parametrize("kernels", [
    np.zeros((2, 1, 3, 3)),                              # float64
    np.zeros((2, 1, 3, 6), np.float32)[..., ::2],        # not contiguous
    np.zeros((1, 3, 3), np.float32),                     # 3D
    [[[[0.0]]]],                                         # not an array
])
def test_kernels_must_be_float32_contiguous_4d(backend, kernels):
    with pytest.raises(TypeError, match="kernels must be"):
        backend.SOperation("Rbf", np.zeros((1, 5, 5), np.float32), kernels, None, 1.0, 1,
                           kernels_checked=True)


def test_everything_else_is_validated(backend):
    kernels = np.ones((2, 1, 3, 3), np.float32)
    data = np.zeros((1, 5, 5), np.float32)

    def checked(*args):
        return backend.SOperation(*args, kernels_checked=True)

    with pytest.raises(ValueError, match="op must be one of"):
        checked("Max", data, kernels, 0.1, 1.0, 1)
    bad = data.copy()
    bad[0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="data must hold finite values"):
        checked("Rbf", bad, kernels, None, 1.0, 1)
    with pytest.raises(ValueError, match="kernels must have the 1 bands"):
        checked("Rbf", data, np.ones((2, 2, 3, 3), np.float32), None, 1.0, 1)
    with pytest.raises(TypeError, match="beta must be a real number, got None"):
        checked("Rbf", data, kernels, None, None, 1)
    with pytest.raises(TypeError, match="bias must be a real number, got None"):
        checked("NormDotProduct", data, kernels, None, None, 1)
    with pytest.raises(ValueError, match="scaling must be"):
        checked("DotProduct", data, kernels, None, None, 0)
    with pytest.raises(ValueError, match="out must have shape"):
        checked("DotProduct", data, kernels, None, None, 1,
                np.empty((2, 2, 2), np.float32))
    wide = np.ones((2, 1, 5, 5), np.float32)
    with pytest.raises(ValueError, match="out must not share memory with kernels"):
        checked("DotProduct", data, wide, None, None, 1,
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

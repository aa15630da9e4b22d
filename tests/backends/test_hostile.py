"""Hostile arguments to every public callable of every backend: a Python exception, never a
crash, a hang or an out-of-bounds access.

Each public method is called once with good arguments, then with every argument replaced
in turn by every value of a pool of hostile ones (huge and negative integers, NaN,
wrong dtypes and kinds, empty and oddly shaped arrays, None, strings). Each call must
either return or raise TypeError, ValueError or MemoryError. The whole suite runs on the
release build and again on the checked (GLIMPSE_CYTHON_DEBUG) build, where an
out-of-bounds access in a kernel raises IndexError and fails the test.
"""

import inspect

import numpy as np
import pytest

from glimpse.backends import Backend, CythonBackend, NumpyBackend

BACKENDS = [CythonBackend(), NumpyBackend()]
ALLOWED = (TypeError, ValueError, MemoryError)

HUGE_INTS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -1, -(2**63), -(10**30)]
ODD_SCALARS = [0, 0.5, float("nan"), float("inf"), -float("inf"), True, None, "3", 1 + 1j,
               np.int64(-5), np.float32(np.nan), [], ()]
HOSTILE_ARRAYS = [
    np.zeros(0, np.float32), np.zeros((0, 0), np.float32), np.zeros((0, 4, 4), np.float32),
    np.zeros((1, 0, 4), np.float32), np.zeros((2, 3, 0, 0), np.float32),
    np.full((2, 6, 6), np.nan, np.float32), np.full((6, 6), np.inf),
    np.full((2, 6, 6), 1e300), np.full((6, 6), np.finfo(np.float32).max, np.float32),
    np.zeros((2, 6, 6), complex), np.zeros((6, 6), bool), np.zeros((2, 6, 6), object),
    np.array(["a", "b"]), np.zeros((2, 6, 6), "M8[s]"), np.float32(1.0),
    np.zeros((1, 1, 1, 1, 1, 6, 6), np.float32), np.ones((6, 6), np.float32)[::-1, ::-2],
    np.ones((3, 3), np.int64) * 2**62, np.ones((2, 6, 6), np.float16),
    np.broadcast_to(np.float32(1), (2, 6, 6)),
]
HOSTILE_LOCATIONS = [
    np.array([[0, 10**9, 10**9]]), np.array([[0, -1, 0]]), np.array([[5, 0, 0]]),
    np.array([[-1, 0, 0]]), np.array([[0, 2**62, 0]]), np.array([[0, 0, 2**63 - 1]]),
    np.array([[2**64 - 1, 0, 0]], np.uint64), np.array([[0, 0]]), np.array([0, 0, 0]),
    np.array([[0.0, 0.0, 0.0]]), np.array([[0, 1, 1]]) + 0j, [[0, 10**30, 0]],
    np.zeros((0, 3), np.intp), np.array([[0, 3, 3]]),
]
HOSTILE_OUTS = [
    np.empty((3, 4, 4), np.float64), np.empty((1,), np.float32), np.empty((0,), np.float32),
    np.empty((3, 4, 8), np.float32)[..., ::2], np.empty((3, 4, 4), np.float32).T, [0.0],
    np.broadcast_to(np.float32(0), (3, 4, 4)),
]


def _good_calls():
    """{method name: (positional args, keyword args)} of a valid call."""
    data = np.random.default_rng(0).random((2, 6, 6), dtype=np.float32)
    kernels = np.random.default_rng(1).random((3, 2, 3, 3), dtype=np.float32)
    s_call = ((data, kernels), dict(bias=0.5, beta=0.5, scaling=1, out=None))
    return {
        "ContrastEnhance": ((data[0], 3, 0.5), dict(scaling=1, out=None)),
        "DotProduct": s_call,
        "NormDotProduct": s_call,
        "Rbf": s_call,
        "NormRbf": s_call,
        "SOperation": (("NormRbf", data, kernels),
                       dict(bias=0.5, beta=0.5, scaling=1, out=None, kernels_checked=True)),
        "LocalMax": ((data, 3), dict(scaling=1, out=None)),
        "GlobalMax": ((data,), dict(out=None)),
        "OutputMapShapeForInput": ((3, 3, 1, 6, 6), {}),
        "InputMapShapeForOutput": ((3, 3, 1, 4, 4), {}),
        "PrepareArray": ((data,), {}),
        "Resample": ((data[0], 4, 5), dict(filter=1, box=(0, 0, 4, 5))),
        "ResampleBytes": ((np.arange(36, dtype=np.uint8).reshape(6, 6), 4, 5),
                          dict(filter=1, box=(0, 0, 4, 5))),
        "ResampleScratchBytes": ((6, 6, 4, 5), dict(filter=1, box=None)),
        "LumaBytes": ((np.arange(60, dtype=np.uint8).reshape(3, 5, 4),), dict(out=None)),
        "GatherPatches": ((data, np.array([[0, 1, 2], [1, 3, 3]]), 3), dict(out=None)),
        "SampleGatherPatches": ((data, 3, 4), dict(rng=0, out=None)),
        "HmaxS1": ((data[0], [kernels[:, 0]]), dict(out=None)),
        "HmaxC1": (([data, data], 2), dict(out=None)),
        "HmaxS2": ((data, kernels[..., :2, :2]),
                   dict(activation="gaussian", sigma=0.5, out=None)),
        "HmaxC2": (([data, data[:, :3]], kernels),
                   dict(activation="euclidean", sigma=1.0, out=None)),
    }


def _public_methods():
    return sorted(name for name, value in vars(Backend).items()
                  if not name.startswith("_") and callable(value))


def _hostile_values(name, value):
    """The values an argument called ``name`` (good value ``value``) is replaced by."""
    values = HUGE_INTS + ODD_SCALARS + HOSTILE_ARRAYS
    if name == "locations":
        values = values + HOSTILE_LOCATIONS
    if name == "out":
        values = values + HOSTILE_OUTS
    if name == "box":
        values = values + [(0, 0, 10**9, 5), (-1, 0, 4, 5), (2, 0, 2, 5), (0, 0, 4, 5, 6),
                           (0, 0, 2**63, 2**63), (0.0, 0, 4, 5), "abcd"]
    if name == "rng":
        values = values + [-1, 2**200, np.random.PCG64(1), object()]
    return values


def _call(method, args, kwargs):
    try:
        result = method(*args, **kwargs)
    except ALLOWED as err:
        assert str(err), "an error without a message"
        return err
    return result


def test_every_public_method_is_covered():
    assert _public_methods() == sorted(_good_calls())


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
@pytest.mark.parametrize("method_name", sorted(_good_calls()))
def test_hostile_arguments(backend, method_name):
    method = getattr(backend, method_name)
    args, kwargs = _good_calls()[method_name]
    result = method(*args, **kwargs)  # the good call works
    assert not isinstance(result, Exception)
    names = list(inspect.signature(method).parameters)
    for position, name in enumerate(names):
        if position < len(args):
            good = args[position]
        elif name in kwargs:
            good = kwargs[name]
        else:
            continue
        for bad in _hostile_values(name, good):
            trial_args, trial_kwargs = list(args), dict(kwargs)
            if position < len(args):
                trial_args[position] = bad
            else:
                trial_kwargs[name] = bad
            with np.errstate(all="ignore"):
                _call(method, trial_args, trial_kwargs)


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
@pytest.mark.parametrize("locations", [[[0, 10**9, 10**9]], [[0, 4, 0]], [[0, 0, -1]],
                                       [[2, 0, 0]], [[0, 2**62, 2**62]]])
def test_gather_refuses_locations_off_the_canvas(backend, locations):
    data = np.ones((2, 6, 6), np.float32)
    with pytest.raises(ValueError, match=r"locations\[0\] must place a patch of width 3"):
        backend.GatherPatches(data, locations, 3)


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_must_raise(backend):
    data = np.ones((2, 6, 6), np.float32)
    kernels = np.ones((3, 2, 3, 3), np.float32)
    cases = [
        lambda: backend.DotProduct(data, kernels, scaling=-1),
        lambda: backend.DotProduct(data[:, :0], kernels[:, :0]),
        lambda: backend.LocalMax(data, -(2**63)),
        lambda: backend.GlobalMax(np.zeros((2, 0, 0), np.float32)),
        lambda: backend.Resample(data[0], 10**9, 10**9),
        lambda: backend.Resample(data[0], -4, 5),
        lambda: backend.Resample(np.zeros((0, 5)), 4, 5),
        lambda: backend.Resample(np.full((6, 6), np.nan), 4, 5),
        lambda: backend.Resample(data[0], 4, 5, filter=0),
        lambda: backend.SampleGatherPatches(data, 3, 10**18),
        lambda: backend.SampleGatherPatches(data, 7, 1),
        lambda: backend.SampleGatherPatches(data, -3, 1),
        lambda: backend.SampleGatherPatches(np.zeros((2, 6, 6), complex), 3, 1),
        lambda: backend.GatherPatches(data, np.zeros((1, 3), np.float64), 3),
        lambda: backend.ResampleScratchBytes(-1, 6, 4, 5),
        lambda: backend.PrepareArray(np.array([1e300])),
    ]
    for case in cases:
        with pytest.raises(ALLOWED):
            case()

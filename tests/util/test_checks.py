"""The shared validation vocabulary: one message shape, "NAME must be ..., got VALUE"."""

import numpy as np
import pytest

from glimpse.util import _checks


@pytest.mark.parametrize("value, kwargs, exc, message", [
    (0, dict(minimum=1), ValueError, "n must be an integer >= 1, got 0"),
    (5, dict(minimum=0, maximum=3), ValueError, "n must be an integer in [0, 3], got 5"),
    (5, dict(maximum=3), ValueError, "n must be an integer <= 3, got 5"),
    (1.0, {}, TypeError, "n must be an integer, got 1.0"),
    (True, {}, TypeError, "n must be an integer, got True"),
    ("3", {}, TypeError, "n must be an integer, got '3'"),
    (-10**50, dict(minimum=0), ValueError,
     "n must be an integer >= 0, got <-an integer of 51 digits>"),
])
def test_integer_refusals(value, kwargs, exc, message):
    with pytest.raises(exc) as info:
        _checks.integer(value, "n", **kwargs)
    assert str(info.value) == message


def test_integer_accepts_numpy_integers():
    assert _checks.integer(np.uint8(7), "n", 1) == 7
    assert type(_checks.integer(np.int64(3), "n")) is int


@pytest.mark.parametrize("value, kwargs, exc, message", [
    (2.5, {}, TypeError, "n must be an integer or a sequence of integers, got 2.5"),
    (True, {}, TypeError, "n must be an integer or a sequence of integers, got True"),
    ("3", {}, TypeError, "n must be an integer or a sequence of integers, got '3'"),
    (np.array(3), {}, TypeError, "n must be an integer or a sequence of integers, got "
                                 "<array of shape (), dtype int64>"),
    ([3, 2.5], {}, TypeError, "n[1] must be an integer, got 2.5"),
    ([False], {}, TypeError, "n[0] must be an integer, got False"),
    ([], {}, ValueError, "n must hold at least one integer, got []"),
    ([3, 0], dict(minimum=1), ValueError, "n[1] must be an integer >= 1, got 0"),
    (0, dict(minimum=1), ValueError, "n must be an integer >= 1, got 0"),
    (9, dict(maximum=8, length=2), ValueError, "n must be an integer <= 8, got 9"),
    ([1], dict(length=2), ValueError, "n must hold 2 integer(s), got [1]"),
    ([1, 2, 3], dict(length=2), ValueError, "n must hold 2 integer(s), got [1, 2, 3]"),
])
def test_integers_refusals(value, kwargs, exc, message):
    with pytest.raises(exc) as info:
        _checks.integers(value, "n", **kwargs)
    assert str(info.value) == message


def test_integers_accepts_one_integer_or_a_sequence():
    assert _checks.integers(3, "n") == [3]
    assert _checks.integers(np.int16(3), "n", length=3) == [3, 3, 3]
    assert _checks.integers((1, np.uint8(2)), "n", 1, 2) == [1, 2]
    assert _checks.integers(np.arange(2), "n", length=2) == [0, 1]
    assert _checks.integers([], "n", length=0) == []
    assert all(type(v) is int for v in _checks.integers(np.arange(3), "n"))


@pytest.mark.parametrize("value, kwargs, exc, message", [
    (0, dict(minimum=0, low_open=True), ValueError, "x must be a finite real number > 0, got 0"),
    (float("nan"), {}, ValueError, "x must be a finite real number, got nan"),
    (float("inf"), dict(maximum=1), ValueError, "x must be a finite real number <= 1, got inf"),
    (10**400, dict(minimum=0.01, maximum=100), ValueError,
     "x must be a finite real number >= 0.01 and <= 100, got <an integer of 401 digits>"),
    (1e-300, dict(minimum=0.01), ValueError, "x must be a finite real number >= 0.01, got 1e-300"),
    (1 + 2j, {}, TypeError, "x must be a real number, got (1+2j)"),
    (None, {}, TypeError, "x must be a real number, got None"),
    (np.bool_(True), {}, TypeError, "x must be a real number, got np.True_"),
])
def test_real_refusals(value, kwargs, exc, message):
    with pytest.raises(exc) as info:
        _checks.real(value, "x", **kwargs)
    assert str(info.value) == message


def test_real_bounds_are_inclusive_unless_open():
    assert _checks.real(np.float32(0.5), "x", 0.5, 1.0) == 0.5
    with pytest.raises(ValueError, match="x must be a finite real number < 1.0"):
        _checks.real(1, "x", maximum=1.0, high_open=True)


def test_array_and_finite():
    assert _checks.array([[1, 2]], "a", 2).shape == (1, 2)
    with pytest.raises(ValueError, match=r"a must be 1D or 3D, got shape \(1, 2\)"):
        _checks.array([[1, 2]], "a", (1, 3))
    with pytest.raises(TypeError, match="a must hold real numbers .*, got dtype bool"):
        _checks.array([True], "a")
    with pytest.raises(ValueError, match="a must be an array"):
        _checks.array([[1.0], [1.0, 2.0]], "a")
    data = np.zeros((3, 4))
    data[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"a must hold finite values, got -inf at index \(2, 1\)"):
        _checks.finite(data, "a")
    big = np.full(3, 3e38, np.float32)  # a float32 sum overflows; the values are finite
    assert _checks.finite(big, "a") is big


def test_float32_array_range():
    with pytest.raises(ValueError, match="a must hold values within float32 range.*1e\\+300.*out "
                                         "of float32 range"):
        _checks.float32_array(np.array([0.0, 1e300]), "a")
    same = np.zeros((2, 2), np.float32)
    assert _checks.float32_array(same, "a") is same


def test_float32_array_converted_input_not_finite():
    # a converted input that is not finite is named as such, before any range problem
    data = np.array([[1e300, 0.0], [np.nan, 2.0]])
    with pytest.raises(ValueError, match=r"a must hold finite values, got nan at index \(1, 0\)"):
        _checks.float32_array(data, "a")
    strided = np.zeros((3, 4), np.float32)[:, ::2]
    strided[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"a must hold finite values, got inf at index \(2, 1\)"):
        _checks.float32_array(strided, "a")


def test_memory_ceiling():
    assert _checks.memory(10, "x") == 10
    with pytest.raises(MemoryError, match="the thing needs [0-9]+ bytes, more than this machine's"):
        _checks.memory(_checks.MEMORY_LIMIT + 1, "the thing")


def test_show_shortens():
    assert _checks.show("a" * 100).endswith("...") and len(_checks.show("a" * 100)) == 40
    assert _checks.show(np.zeros((2, 3))) == "<array of shape (2, 3), dtype float64>"


@pytest.mark.parametrize("value", [[0.5, 1.0], [1.0], [True], [0, "a"], [-1], "ab", 3])
def test_labels_refuses_what_is_neither_integers_nor_names(value):
    with pytest.raises(ValueError, match="labels"):
        _checks.labels(value, "labels")


def test_labels_keeps_integers_and_names():
    assert _checks.labels(np.array([2, 0], np.uint8), "labels") == [2, 0]
    assert _checks.labels(["b", "a"], "labels") == ["b", "a"]
    assert _checks.labels([], "labels") == []


def test_registry_names_are_case_insensitive_with_one_message(monkeypatch):
    registry = {"alpha": 1, "beta": 2}
    monkeypatch.delenv("GLIMPSE_TEST_THING", raising=False)
    assert _checks.registry_key(" ALPHA ", registry, "thing", "GLIMPSE_TEST_THING", "beta") \
        == "alpha"
    assert _checks.registry_key(None, registry, "thing", "GLIMPSE_TEST_THING", "beta") == "beta"
    monkeypatch.setenv("GLIMPSE_TEST_THING", "Alpha")
    assert _checks.registry_key(None, registry, "thing", "GLIMPSE_TEST_THING", "beta") == "alpha"
    monkeypatch.setenv("GLIMPSE_TEST_THING", "gamma")
    with pytest.raises(ValueError) as info:
        _checks.registry_key(None, registry, "thing", "GLIMPSE_TEST_THING", "beta")
    assert str(info.value) == "GLIMPSE_TEST_THING must be one of 'alpha', 'beta', got 'gamma'"
    with pytest.raises(ValueError) as info:
        _checks.registry_key("gamma", registry, "thing", "GLIMPSE_TEST_THING", "beta")
    assert str(info.value) == "thing name must be one of 'alpha', 'beta', got 'gamma'"
    with pytest.raises(TypeError, match="^thing name must be a str, got 3$"):
        _checks.registry_key(3, registry, "thing", "GLIMPSE_TEST_THING", "beta")


def test_backends_models_and_pools_follow_the_same_rules(monkeypatch):
    from glimpse.backends import MakeBackend
    from glimpse.models import GetModelClass
    from glimpse.pools import MakePool

    assert MakeBackend(" NumPy ").name == "numpy"
    assert GetModelClass("BASE").__module__ == "glimpse.models.base.model"
    with MakePool("Serial") as pool:
        assert pool.name == "serial"
    for make, what in ((MakeBackend, "backend"), (GetModelClass, "model"), (MakePool, "pool")):
        with pytest.raises(ValueError, match="^%s name must be one of '.*', got 'nope'$" % what):
            make("nope")
        with pytest.raises(TypeError, match="^%s name must be a str, got 3$" % what):
            make(3)

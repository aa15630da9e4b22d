"""Parameters of the standard HMAX model: the reference's defaults, validation, pickling."""

import pickle

import numpy as np
import pytest

from glimpse.models import GetModelClass, MakeModel, MakeParams
from glimpse.models import base as base_model
from glimpse.models import hmax
from glimpse.models.hmax import Params, S2Activation

# The reference's values, as the model description lists them.
SPEC_DEFAULTS = dict(
    image_resize_method="none", image_resize_length=220, image_resize_aspect_ratio=1.0,
    s1_kwidths=[7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37],
    s1_wavelengths=[4.0, 3.95, 3.9, 3.85, 3.8, 3.75, 3.7, 3.65, 3.6, 3.55, 3.5, 3.45, 3.4,
                    3.35, 3.3, 3.25],
    s1_orientations=[90.0, -45.0, 0.0, 45.0], s1_gamma=0.3, s1_sigma_ratio=0.8,
    c1_kwidths=[8, 10, 12, 14, 16, 18, 20, 22], c1_band_sizes=2,
    s2_kwidths=[4, 8, 12, 16], s2_activation="euclidean", s2_sigma=1.0,
)

SMALL = dict(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4, 3.95, 3.9, 3.85], c1_kwidths=[8, 10])


def test_defaults_are_the_reference_values():
    p = Params()
    assert p.AsDict() == SPEC_DEFAULTS
    assert isinstance(p, base_model.Params)
    assert p.s2_activation is S2Activation.EUCLIDEAN
    assert p.image_resize_method == "none"


def test_derived_values():
    p = Params()
    assert (p.s1_num_orientations, p.num_bands) == (4, 8)
    assert p.s1_kernel_shapes[0] == (4, 7, 7) and p.s1_kernel_shapes[-1] == (4, 37, 37)
    assert p.s2_kernel_shapes == [(4, 4, 4), (4, 8, 8), (4, 12, 12), (4, 16, 16)]
    assert p.s2_kernels_are_normed is False
    assert [p.BandSizes(b) for b in (0, 7)] == [[7, 9], [35, 37]]
    p = Params(s1_kwidths=[5, 7, 9], s1_wavelengths=[4, 3.9, 3.8], c1_kwidths=[6],
               c1_band_sizes=3, s1_orientations=[0, 60, 120], s2_kwidths=3)
    assert p.BandSizes(0) == [5, 7, 9] and p.s2_kernel_shapes == [(3, 3, 3)]
    with pytest.raises(ValueError, match="band must be an integer in"):
        p.BandSizes(1)
    for name in ("s1_num_orientations", "num_bands", "s1_kernel_shapes", "s2_kernel_shapes",
                 "s2_kernels_are_normed"):
        with pytest.raises(AttributeError, match=name):
            setattr(p, name, 1)
    assert "num_bands" not in p.AsDict()


def test_list_parameters_cannot_be_edited_in_place():
    p = Params(s2_kwidths=5)
    assert p.s2_kwidths == [5]
    p.s2_kwidths.append(0)
    assert p.s2_kwidths == [5]
    p.s2_kwidths = (3, 6)
    assert p.s2_kwidths == [3, 6]


@pytest.mark.parametrize("name, value", [
    ("s1_kwidths", [7, 9, 11, 12] + list(range(15, 38, 2))), ("s1_kwidths", [0] * 16),
    ("s1_kwidths", "7"), ("s1_kwidths", [7.0] * 16), ("s1_kwidths", []),
    ("s1_wavelengths", [4.0] * 15 + [0.0]), ("s1_wavelengths", [4.0] * 15 + [float("nan")]),
    ("s1_wavelengths", "4"), ("s1_wavelengths", [True] * 16),
    ("s1_orientations", []), ("s1_orientations", [0, float("inf")]), ("s1_orientations", "0"),
    ("s1_gamma", 0), ("s1_gamma", -1.0), ("s1_sigma_ratio", float("nan")),
    ("c1_kwidths", [8, 10, 12, 14, 16, 18, 20, 1]), ("c1_kwidths", [8.5] * 8),
    ("c1_band_sizes", 0), ("c1_band_sizes", 2.0),
    ("s2_kwidths", []), ("s2_kwidths", [4, 0]), ("s2_kwidths", "4"),
    ("s2_activation", "Euclidean"), ("s2_activation", "rbf"), ("s2_activation", None),
    ("s2_sigma", 0), ("s2_sigma", float("inf")), ("s2_sigma", "1"),
    ("image_resize_method", "shrink"),
])
def test_invalid_values_are_refused_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        Params(**{name: value})
    p = Params()
    before = p.AsDict()
    with pytest.raises(ValueError, match=name):
        setattr(p, name, value)
    assert p.AsDict() == before


@pytest.mark.parametrize("kw, message", [
    (dict(s1_kwidths=[7, 9]), "s1_wavelengths must hold one wavelength per size of "
                              "s1_kwidths (2), got 16 wavelengths"),
    (dict(SMALL, c1_kwidths=[8]), "len(s1_kwidths) must be len(c1_kwidths) * c1_band_sizes = "
                                  "1 * 2 = 2, got 4"),
    (dict(SMALL, c1_band_sizes=1), "len(s1_kwidths) must be len(c1_kwidths) * c1_band_sizes = "
                                   "2 * 1 = 2, got 4"),
    (dict(s1_kwidths=[7, 9, 11, 13], c1_kwidths=[8, 10]), "s1_wavelengths must hold one "
                                                          "wavelength per size"),
    (dict(s1_kwidths=[7, 9, 11, 13, 14], s1_wavelengths=[4] * 5), "s1_kwidths[4] must be an "
                                                                  "odd integer >= 1"),
])
def test_linked_parameters_must_agree(kw, message):
    with pytest.raises(ValueError) as info:
        Params(**kw)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_assignments_keep_linked_parameters_consistent():
    p = Params(**SMALL)
    before = p.AsDict()
    for name, value in [("s1_kwidths", [7, 9]), ("s1_wavelengths", [4.0]), ("c1_kwidths", [8]),
                        ("c1_band_sizes", 4)]:
        with pytest.raises(ValueError, match=r"^%s.*make a new Params" % name) as info:
            setattr(p, name, value)
        assert "\n" not in str(info.value)
        assert p.AsDict() == before
    # values that keep the counts are taken one at a time
    p.s1_kwidths = [5, 7, 9, 11]
    p.s1_wavelengths = [3.0, 3.1, 3.2, 3.3]
    p.c1_kwidths = [6, 12]
    assert p.BandSizes(1) == [9, 11] and p.s1_wavelengths == [3.0, 3.1, 3.2, 3.3]


@pytest.mark.parametrize("name, value, message", [
    ("s2_kwidths", 2.5, "s2_kwidths must be an integer or a sequence of integers, got 2.5"),
    ("s2_kwidths", [4, 0], "s2_kwidths[1] must be an integer >= 1, got 0"),
    ("c1_kwidths", [8, 10, 12, 14, 16, 18, 20, 1], "c1_kwidths[7] must be an integer >= 2, "
                                                   "got 1"),
    ("s1_kwidths", [8] + list(range(9, 38, 2)), "s1_kwidths[0] must be an odd integer >= 1 "
                                                "(the filter has a centre), got 8"),
    ("s1_wavelengths", [4.0] * 15 + [-1], "s1_wavelengths[15] must be a finite real number > 0, "
                                          "got -1"),
    ("s2_sigma", 0, "s2_sigma must be a finite real number > 0, got 0"),
    ("s2_activation", "rbf", "s2_activation must be one of 'euclidean', 'gaussian', got 'rbf'"),
])
def test_messages_use_the_shared_wording(name, value, message):
    with pytest.raises(ValueError) as info:
        Params(**{name: value})
    assert str(info.value) == message


def test_numbers_of_numpy_types_are_accepted():
    p = Params(s2_kwidths=np.array([4, 8]), s2_sigma=np.float32(2.0),
               s1_orientations=np.array([0.0, 90.0]))
    assert p.s2_kwidths == [4, 8] and type(p.s2_kwidths[0]) is int
    assert p.s1_orientations == [0.0, 90.0] and p.s2_sigma == 2.0


def test_unknown_parameter():
    with pytest.raises(ValueError, match="num_scales"):
        Params(num_scales=3)


def test_params_pickle_and_compare():
    p = Params(s2_kwidths=[4, 5], s2_activation="gaussian", s2_sigma=0.5, **SMALL)
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.s2_activation is S2Activation.GAUSSIAN and q.BandSizes(1) == [11, 13]
    assert q != Params()
    assert p != MakeParams("ml")


def test_registered_as_hmax(monkeypatch):
    assert GetModelClass("hmax") is hmax.Model and GetModelClass("HMAX") is hmax.Model
    assert type(MakeParams("hmax", s2_sigma=2.0)) is Params
    model = MakeModel("hmax", backend="numpy")
    assert type(model) is hmax.Model and model.backend.name == "numpy"
    assert type(MakeModel(params=Params(**SMALL))) is hmax.Model
    with pytest.raises(ValueError, match="params"):
        MakeModel("hmax", params=MakeParams("ml"))
    monkeypatch.setenv("GLIMPSE_MODEL", "hmax")
    assert GetModelClass() is hmax.Model and type(MakeModel()) is hmax.Model

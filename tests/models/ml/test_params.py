"""Parameters of the HMAX model: defaults, validation, derived values, pickling."""

import pickle

import pytest

from glimpse.models import GetModelClass, MakeModel, MakeParams
from glimpse.models import base as base_model
from glimpse.models import ml
from glimpse.models.ml import Params, SLayerOp

SPEC_DEFAULTS = dict(
    retina_enabled=False, retina_kwidth=15, retina_bias=1.0,
    s1_kwidth=11, s1_num_orientations=4, s1_num_phases=2, s1_shift_orientations=True,
    s1_operation="NormDotProduct", s1_bias=0.01, s1_beta=1.0, s1_sampling=1,
    c1_kwidth=11, c1_sampling=5, c1_whiten=False,
    s2_kwidth=[7], s2_operation="Rbf", s2_beta=5.0, s2_bias=0.1, s2_sampling=1,
    num_scales=9, scale_factor=2 ** 0.25,
    image_resize_method="scale short edge", image_resize_length=220, image_resize_aspect_ratio=1.0,
)


def test_defaults_are_the_spec_defaults():
    p = Params()
    assert p.AsDict() == SPEC_DEFAULTS
    assert isinstance(p, base_model.Params)
    assert p.s1_operation is SLayerOp.NORM_DOT_PRODUCT and p.s2_operation is SLayerOp.RBF


def test_derived_values():
    p = Params()
    assert p.s1_kernel_shape == (4, 2, 11, 11)
    assert p.s2_kernel_shapes == [(4, 7, 7)]
    assert (p.s1_kernels_are_normed, p.s2_kernels_are_normed) == (True, False)
    p = Params(s1_num_orientations=3, s1_num_phases=1, s1_kwidth=5, s2_kwidth=[3, 9],
               s1_operation="Rbf", s2_operation="NormRbf")
    assert p.s1_kernel_shape == (3, 1, 5, 5)
    assert p.s2_kernel_shapes == [(3, 3, 3), (3, 9, 9)]
    assert (p.s1_kernels_are_normed, p.s2_kernels_are_normed) == (False, True)
    for name in ("s1_kernel_shape", "s2_kernel_shapes", "s1_kernels_are_normed",
                 "s2_kernels_are_normed"):
        with pytest.raises(AttributeError, match=name):
            setattr(p, name, 1)
    assert "s1_kernel_shape" not in p.AsDict()


@pytest.mark.parametrize("op, normed", [("DotProduct", False), ("NormDotProduct", True),
                                        ("Rbf", False), ("NormRbf", True)])
def test_operations_are_strings(op, normed):
    p = Params(s1_operation=op, s2_operation=SLayerOp(op))
    assert p.s1_operation == op and str(p.s2_operation) == op
    assert p.s1_kernels_are_normed is normed and p.s2_kernels_are_normed is normed


def test_s2_kwidth_accepts_an_int_and_cannot_be_edited_in_place():
    p = Params(s2_kwidth=5)
    assert p.s2_kwidth == [5]
    widths = p.s2_kwidth
    widths.append(0)
    assert p.s2_kwidth == [5]
    p.s2_kwidth = (3, 5)
    assert p.s2_kwidth == [3, 5] and p.s2_kernel_shapes == [(4, 3, 3), (4, 5, 5)]


@pytest.mark.parametrize("name, value", [
    ("retina_enabled", 1), ("retina_kwidth", 14), ("retina_kwidth", 0), ("retina_bias", 0),
    ("s1_kwidth", 10), ("s1_kwidth", -1), ("s1_num_orientations", 0), ("s1_num_phases", 1.5),
    ("s1_shift_orientations", "yes"), ("s1_operation", "Conv"), ("s1_bias", 0.0),
    ("s1_bias", float("nan")), ("s1_beta", -1), ("s1_sampling", 0),
    ("c1_kwidth", 0), ("c1_sampling", True), ("c1_whiten", None),
    ("s2_kwidth", []), ("s2_kwidth", [7, 0]), ("s2_kwidth", "7"), ("s2_kwidth", [7.0]),
    ("s2_operation", "rbf"), ("s2_beta", float("inf")), ("s2_bias", 0), ("s2_sampling", -2),
    ("num_scales", -1), ("num_scales", 2.0), ("scale_factor", 1.0), ("scale_factor", 0.5),
])
def test_invalid_values_are_refused_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        Params(**{name: value})
    p = Params()
    before = p.AsDict()
    with pytest.raises(ValueError, match=name):
        setattr(p, name, value)
    assert p.AsDict() == before


@pytest.mark.parametrize("name, value, message", [
    ("s2_kwidth", 2.5, "s2_kwidth must be an integer or a sequence of integers, got 2.5"),
    ("s2_kwidth", True, "s2_kwidth must be an integer or a sequence of integers, got True"),
    ("s2_kwidth", [7, 2.5], "s2_kwidth[1] must be an integer, got 2.5"),
    ("s2_kwidth", [True], "s2_kwidth[0] must be an integer, got True"),
    ("s2_kwidth", [7, 0], "s2_kwidth[1] must be an integer >= 1, got 0"),
    ("s2_kwidth", 0, "s2_kwidth must be an integer >= 1, got 0"),
    ("s2_kwidth", [], "s2_kwidth must hold at least one integer, got []"),
    ("num_scales", 2.5, "num_scales must be an integer, got 2.5 "
                        "(0: as many as the image supports)"),
    ("num_scales", True, "num_scales must be an integer, got True "
                         "(0: as many as the image supports)"),
    ("num_scales", -1, "num_scales must be an integer >= 0, got -1 "
                       "(0: as many as the image supports)"),
])
def test_integer_parameters_use_the_shared_wording(name, value, message):
    # every Params error is a ValueError, a wrong type included (see models.base.param)
    with pytest.raises(ValueError) as info:
        Params(**{name: value})
    assert str(info.value) == message


def test_unknown_parameter():
    with pytest.raises(ValueError, match="s2_center"):
        Params(s2_center=True)


def test_params_pickle_and_compare():
    p = Params(s2_kwidth=[5, 7], s1_operation="Rbf", num_scales=0, retina_enabled=True)
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.s2_kwidth == [5, 7] and q.s1_operation is SLayerOp.RBF
    assert q != Params()


def test_model_factories(monkeypatch):
    monkeypatch.delenv("GLIMPSE_MODEL", raising=False)
    assert GetModelClass() is ml.Model and GetModelClass("ML") is ml.Model
    assert GetModelClass("base") is base_model.Model
    assert isinstance(MakeParams(num_scales=3), ml.Params)
    assert MakeParams(num_scales=3).num_scales == 3
    assert type(MakeParams("base")) is base_model.Params
    assert type(MakeModel()) is ml.Model
    assert type(MakeModel(params=base_model.Params())) is base_model.Model
    model = MakeModel(params=Params(num_scales=2), backend="numpy")
    assert model.params.num_scales == 2 and model.backend.name == "numpy"
    monkeypatch.setenv("GLIMPSE_MODEL", "base")
    assert GetModelClass() is base_model.Model and type(MakeModel()) is base_model.Model
    monkeypatch.setenv("GLIMPSE_MODEL", "hmax2")
    with pytest.raises(ValueError, match="GLIMPSE_MODEL must be one of .*got 'hmax2'"):
        MakeModel()
    with pytest.raises(ValueError, match="model name must be one of 'ml', 'hmax', 'base', got 'nope'"):
        GetModelClass("nope")
    with pytest.raises(TypeError):
        GetModelClass(3)
    with pytest.raises(ValueError, match="params"):
        MakeModel("ml", params=base_model.Params())

import pickle

import pytest

from glimpse.models.base import Layer, LayerSpec, Param, Params, ResizeMethod
from glimpse.models.base.param import PositiveInt


class DeepLayer(Layer):
    C1 = LayerSpec("c1", "C1", [Layer.IMAGE])
    A1 = LayerSpec("a1", "A1", [C1])
    B1 = LayerSpec("b1", "B1", [C1])


def test_all_layers_in_attribute_name_order():
    assert Layer.AllLayers() == [Layer.IMAGE, Layer.SOURCE]
    assert [lyr.id_ for lyr in DeepLayer.AllLayers()] == ["a1", "b1", "c1", "i", "s"]


def test_top_layer_tie_break_is_first_in_all_layers():
    assert DeepLayer.TopLayer() == DeepLayer.A1


def test_is_sublayer_transitive():
    assert DeepLayer.IsSublayer(Layer.SOURCE, DeepLayer.A1)
    assert DeepLayer.IsSublayer(DeepLayer.C1, DeepLayer.B1)
    assert not DeepLayer.IsSublayer(DeepLayer.A1, DeepLayer.B1)
    assert not DeepLayer.IsSublayer(DeepLayer.A1, DeepLayer.A1)


def test_from_id_and_name():
    assert Layer.FromId("s") is Layer.SOURCE
    assert Layer.FromId(Layer.IMAGE) is Layer.IMAGE
    assert Layer.FromName("ImAgE") is Layer.IMAGE
    assert Layer.FromName(Layer.SOURCE) is Layer.SOURCE
    assert DeepLayer.FromName("c1") is DeepLayer.C1
    with pytest.raises(ValueError, match="'x'"):
        Layer.FromId("x")
    with pytest.raises(ValueError, match="'nothing'"):
        Layer.FromName("nothing")
    with pytest.raises(ValueError):
        Layer.FromId(DeepLayer.C1)
    with pytest.raises(ValueError):
        Layer.FromName(3)


def test_layer_spec_repr_equality_pickle():
    spec = LayerSpec("x", "ex", [Layer.SOURCE])
    assert repr(spec) == (
        "LayerSpec(id_='x', name='ex', depends=[LayerSpec(id_='s', name='source', depends=None)])"
    )
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert pickle.loads(pickle.dumps(Layer.IMAGE)).depends == [Layer.SOURCE]
    with pytest.raises(ValueError):
        LayerSpec("x", None)


def test_params_defaults():
    p = Params()
    assert p.image_resize_method == "scale short edge"
    assert p.image_resize_method is ResizeMethod.SCALE_SHORT_EDGE
    assert p.image_resize_length == 220
    assert p.image_resize_aspect_ratio == 1.0


@pytest.mark.parametrize("method", [m.value for m in ResizeMethod] + list(ResizeMethod))
def test_params_resize_methods(method):
    assert Params(image_resize_method=method).image_resize_method == method


@pytest.mark.parametrize(
    "name, value",
    [
        ("image_resize_method", "stretch"),
        ("image_resize_method", None),
        ("image_resize_length", 0),
        ("image_resize_length", -3),
        ("image_resize_length", 2.5),
        ("image_resize_length", True),
        ("image_resize_length", "220"),
        ("image_resize_aspect_ratio", 0),
        ("image_resize_aspect_ratio", -1.0),
        ("image_resize_aspect_ratio", float("nan")),
        ("image_resize_aspect_ratio", float("inf")),
        ("image_resize_aspect_ratio", "1"),
    ],
)
def test_params_validation_on_construction_and_assignment(name, value):
    with pytest.raises(ValueError, match=name):
        Params(**{name: value})
    p = Params()
    before = getattr(p, name)
    with pytest.raises(ValueError, match=name):
        setattr(p, name, value)
    assert getattr(p, name) == before


def test_params_unknown_names():
    with pytest.raises(ValueError, match="bogus"):
        Params(bogus=1)
    p = Params()
    with pytest.raises(ValueError, match="bogus"):
        p.bogus = 1


def test_params_equality_repr_pickle():
    a = Params(image_resize_length=256, image_resize_aspect_ratio=2)
    b = Params(image_resize_length=256, image_resize_aspect_ratio=2.0)
    assert a == b and a != Params()
    assert repr(a) == (
        "Params(image_resize_method='scale short edge', image_resize_length=256, "
        "image_resize_aspect_ratio=2.0)"
    )
    assert pickle.loads(pickle.dumps(a)) == a


class MyParams(Params):
    num_scales = Param(4, PositiveInt, "number of scales")


def test_params_subclass():
    p = MyParams(num_scales=9, image_resize_length=100)
    assert p.num_scales == 9 and p.image_resize_length == 100
    assert MyParams.ParamNames()[-1] == "num_scales"
    assert p != Params(image_resize_length=100)
    with pytest.raises(ValueError, match="num_scales"):
        p.num_scales = 0
    assert pickle.loads(pickle.dumps(p)) == p
    assert "num_scales=9" in repr(p)


@pytest.mark.parametrize("value", [1e-300, 1e-10, 0.001, 1000.0, 10**400, 1e300])
def test_params_refuse_absurd_aspect_ratios_where_set(value):
    with pytest.raises(ValueError, match=r"image_resize_aspect_ratio must be .* got "):
        Params(image_resize_aspect_ratio=value)
    assert Params(image_resize_aspect_ratio=0.01).image_resize_aspect_ratio == 0.01
    assert Params(image_resize_aspect_ratio=100).image_resize_aspect_ratio == 100.0


@pytest.mark.parametrize("value", [0, 2**31, 10**400])
def test_params_refuse_absurd_resize_lengths(value):
    with pytest.raises(ValueError, match="image_resize_length must be an integer in"):
        Params(image_resize_length=value)

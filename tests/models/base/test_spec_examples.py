"""Every example of the reference documentation (models.base.txt), run as written.

The one change: the spec's ``SamplePatchesFromData(data, patch_width = 10, 50)`` puts a
positional argument after a keyword one (a SyntaxError); issue 2 reads it as
``SamplePatchesFromData(data, 10, 50)``.
"""

import doctest

import numpy

import glimpse.models.base
from glimpse import glab
from glimpse.models.base import (
    BuildLayer,
    Layer,
    Model,
    SamplePatchesFromData,
)

SPEC_EXAMPLES = """
>>> assert(Layer.IMAGE in Layer.AllLayers())

>>> lyr = Layer.FromId(Layer.IMAGE.id_)
>>> assert(lyr == Layer.IMAGE)

>>> lyr = Layer.FromName(Layer.IMAGE.name)
>>> assert(lyr == Layer.IMAGE)

>>> assert(Layer.IsSublayer(Layer.SOURCE, Layer.IMAGE))
>>> assert(not Layer.IsSublayer(Layer.IMAGE, Layer.SOURCE))

>>> assert(Layer.TopLayer() == Layer.IMAGE)

>>> Layer.IMAGE
LayerSpec(id_='i', name='image', depends=[LayerSpec(id_='s', name='source', depends=None)])

>>> Layer.SOURCE
LayerSpec(id_='s', name='source', depends=None)

>>> model = Model()
>>> input_state = model.MakeState(glab.GetExampleImage())
>>> output_state = BuildLayer(model, Layer.IMAGE, input_state)
>>> assert(Layer.IMAGE in output_state)

>>> shape = (4, 100, 100)
>>> data = numpy.random.random(shape)
>>> patches, locs = SamplePatchesFromData(data, 10, 50)
"""


def test_spec_examples_run_as_written():
    globs = {
        "Layer": Layer,
        "Model": Model,
        "BuildLayer": BuildLayer,
        "SamplePatchesFromData": SamplePatchesFromData,
        "glab": glab,
        "numpy": numpy,
    }
    test = doctest.DocTestParser().get_doctest(SPEC_EXAMPLES, globs, "spec", "models.base.txt", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, clear_globs=False)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 15
    assert result.failed == 0
    patches, locs = test.globs["patches"], test.globs["locs"]
    assert patches.shape == (50, 10, 10) and locs.shape == (50, 3)


def test_spec_names_exist():
    base = glimpse.models.base
    for name in [
        "LayerSpec", "Layer", "State", "Model", "Params", "PrepareImage", "BuildLayer",
        "SamplePatches", "SamplePatchesFromData", "layer_builder",
        "BackendError", "InputSizeError", "InputLoadError",
    ]:
        assert hasattr(base, name), name
    from glimpse.util.dataflow.dataflow import DataFlow
    from glimpse.util.dataflow.node import Node
    from glimpse.util.dataflow.state import State as FlowState
    from glimpse.models.base import layer

    assert issubclass(base.LayerSpec, Node)
    assert issubclass(base.Layer, layer.Layer)
    assert issubclass(base.State, FlowState)
    assert issubclass(base.Model, DataFlow)
    assert base.State.ModelClass is base.Model
    assert base.Model.LayerClass is base.Layer
    assert base.Model.ParamClass is base.Params
    assert base.Model.StateClass is base.State
    assert base.LayerSpec.name is None
    assert hasattr(layer, "FromImage") and hasattr(layer, "ToImage")
    assert layer.layer_builder is base.layer_builder


def test_module_doctests():
    import glimpse.backends
    import glimpse.glab
    import glimpse.models.base.layer
    import glimpse.models.base.model
    import glimpse.models.base.param
    import glimpse.util.dataflow.dataflow
    import glimpse.util.dataflow.node
    import glimpse.util.dataflow.state
    import glimpse.util.gimage

    for module in [
        glimpse.backends, glimpse.glab, glimpse.models.base, glimpse.models.base.layer,
        glimpse.models.base.model, glimpse.models.base.param, glimpse.util.dataflow.dataflow,
        glimpse.util.dataflow.node, glimpse.util.dataflow.state, glimpse.util.gimage,
    ]:
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__

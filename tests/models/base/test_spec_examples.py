"""Every example of the reference documentation (models.base.txt), run as written.

The one change: the spec's ``SamplePatchesFromData(data, patch_width = 10, 50)`` puts a
positional argument after a keyword one (a SyntaxError); it is read here as
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


def test_spec_names_work_together():
    """The spec's names, used together: a layer class, a builder, a model, a state."""
    base = glimpse.models.base
    from glimpse.models.base import layer

    names = ["LayerSpec", "Layer", "State", "Model", "Params", "PrepareImage", "BuildLayer",
             "SamplePatches", "SamplePatchesFromData", "layer_builder", "BackendError",
             "InputSizeError", "InputLoadError"]
    assert set(names) <= set(base.__all__)

    class EdgeLayer(base.Layer):
        EDGE = base.LayerSpec("e", "edge", [base.Layer.IMAGE])

    class EdgeModel(base.Model):
        LayerClass = EdgeLayer

        @base.layer_builder(EdgeLayer.EDGE)
        def BuildEdge(self, image):
            return numpy.abs(numpy.diff(image, axis=1))

    image = numpy.linspace(0, 1, 30, dtype=numpy.float32).reshape(5, 6)
    state = base.BuildLayer(EdgeModel(), "edge", image)
    assert isinstance(state, base.State)
    numpy.testing.assert_allclose(state[EdgeLayer.EDGE], numpy.full((5, 5), 1 / 29), rtol=1e-5)
    assert EdgeLayer.TopLayer() == EdgeLayer.EDGE and base.Layer.TopLayer() == base.Layer.IMAGE
    assert base.LayerSpec.name is None
    # the layer module converts between images and layer data
    back = layer.FromImage(layer.ToImage(image))
    assert back.dtype == numpy.float32 and numpy.abs(back - image).max() <= 0.5 / 255 + 1e-7


def test_module_doctests():
    import glimpse.backends
    import glimpse.glab
    import glimpse.images.convert
    import glimpse.images.resize
    import glimpse.models.base.layer
    import glimpse.models.base.model
    import glimpse.models.base.param
    import glimpse.util.dataflow.dataflow
    import glimpse.util.dataflow.node
    import glimpse.util.dataflow.state

    for module in [
        glimpse.backends, glimpse.glab, glimpse.models.base, glimpse.models.base.layer,
        glimpse.models.base.model, glimpse.models.base.param, glimpse.util.dataflow.dataflow,
        glimpse.util.dataflow.node, glimpse.util.dataflow.state, glimpse.images,
        glimpse.images.convert, glimpse.images.resize,
    ]:
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__

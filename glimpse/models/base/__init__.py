"""The base model: layer graph, model state, parameters and patch sampling.

Examples
--------
>>> from glimpse import glab
>>> model = Model()
>>> state = BuildLayer(model, Layer.IMAGE, glab.GetExampleImage())
>>> patches, locations = SamplePatches(model, Layer.IMAGE, 5, 8, state, rng=0)
>>> patches.shape, locations.shape
((5, 8, 8), (5, 3))
"""

from ...backends import BackendError, InputLoadError, InputSizeError
from ...images import InputSource
from .layer import LayerSpec, layer_builder
from .model import BuildLayer, Layer, Model, PrepareImage, ResolveLayers, SamplePatches, State
from .param import Param, Params, ResizeMethod
from .sampling import SamplePatchesFromData

__all__ = [
    "LayerSpec",
    "Layer",
    "State",
    "Model",
    "Params",
    "Param",
    "ResizeMethod",
    "PrepareImage",
    "BuildLayer",
    "ResolveLayers",
    "SamplePatches",
    "SamplePatchesFromData",
    "layer_builder",
    "BackendError",
    "InputSizeError",
    "InputLoadError",
    "InputSource",
]

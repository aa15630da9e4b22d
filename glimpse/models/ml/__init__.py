"""The HMAX model: retina, S1 (Gabor filters), C1 (local max), S2 (prototypes), C2 (global max).

The layers, parameters and arithmetic are those of the 2013 Glimpse library's default
model (``"ml"``), with the differences listed in the documentation's "Differences from
the 2013 library"; the user guide's "The HMAX model" page describes them. Every
operation runs on the model's backend.

Examples
--------
>>> import numpy as np
>>> from glimpse.prototypes import ImprintS2Prototypes
>>> rng = np.random.default_rng(0)
>>> images = [rng.random((80, 80), dtype=np.float32) for _ in range(2)]
>>> model = Model(params=Params(num_scales=2, s2_kwidth=[3, 5]))
>>> locations = ImprintS2Prototypes(model, images, 10, rng=1)
>>> c2 = BuildLayer(model, Layer.C2, images[0])[Layer.C2]
>>> [v.shape for v in c2]
[(10,), (10,)]
"""

from ..base import BuildLayer, InputSizeError
from .model import (GetS2ReceptiveField, Layer, MinimumRetinaSize, Model, NumScalesSupported,
                    State, Whiten)
from .param import Params, SLayerOp

__all__ = [
    "Layer",
    "State",
    "Model",
    "Params",
    "SLayerOp",
    "BuildLayer",
    "InputSizeError",
    "MinimumRetinaSize",
    "NumScalesSupported",
    "Whiten",
    "GetS2ReceptiveField",
]

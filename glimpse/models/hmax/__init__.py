"""The standard HMAX model: 16 Gabor sizes on the full image, 8 C1 bands, S2 and C2.

The model of Riesenhuber & Poggio (1999) and Serre et al. (2005, 2007) as the
MATLAB code of Riesenhuber's lab computes it (and its PyTorch port,
pytorch_hmax, follows): S1 filters of 16 sizes applied to the full-resolution
image, C1 pooling over pairs of sizes, S2 as the distance to patches of four
sizes, C2 as the best match. Registered as ``"hmax"`` in :mod:`glimpse.models`.

Examples
--------
>>> import numpy as np
>>> from glimpse.prototypes import ImprintS2Prototypes
>>> rng = np.random.default_rng(0)
>>> images = [rng.random((48, 64), dtype=np.float32) for _ in range(2)]
>>> params = Params(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4, 3.95, 3.9, 3.85],
...                 c1_kwidths=[8, 10], s2_kwidths=[4, 8])
>>> model = Model(params=params)
>>> locations = ImprintS2Prototypes(model, images, 5, rng=1)
>>> c2 = BuildLayer(model, Layer.C2, images[0])[Layer.C2]
>>> [v.shape for v in c2]
[(5,), (5,)]
"""

from ..base import BuildLayer, InputSizeError
from .model import GaborFilter, Layer, MakeS1Kernels, MinimumImageSize, Model, State
from .param import Params, S2Activation
from .patchfile import LoadPatches, SavePatches

__all__ = [
    "Layer",
    "State",
    "Model",
    "Params",
    "S2Activation",
    "BuildLayer",
    "InputSizeError",
    "GaborFilter",
    "MakeS1Kernels",
    "MinimumImageSize",
    "LoadPatches",
    "SavePatches",
]

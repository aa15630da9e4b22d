"""The compiled backend: the :class:`~glimpse.backends.base.Backend` interface on glimpse's
Cython kernels (``glimpse._*``), which run with the GIL released."""

from __future__ import annotations

import importlib.util

from .._kernels import _patches, _resample
from .base import Backend
from .numpy_backend import NumpyBackend

__all__ = ["CythonBackend"]

_HMAX_OPERATIONS = ("ContrastEnhance", "DotProduct", "NormDotProduct", "Rbf", "NormRbf",
                    "LocalMax", "GlobalMax")


def _hmax_implementations():
    """The private HMAX methods of CythonBackend, as staticmethods, in _HMAX_OPERATIONS order.

    They come from ``glimpse.backends._compiled_hmax`` (plain functions with the private
    signatures, composing the ``glimpse._hmax`` kernels).

    TEMPORARY FALLBACK: while that module is not in the tree, NumpyBackend's
    implementations are used. Once ``_compiled_hmax.py`` is merged, delete the
    ``find_spec`` test and the NumpyBackend branch below (and the NumpyBackend import).
    """
    if importlib.util.find_spec(__package__ + "._compiled_hmax") is None:  # FALLBACK
        return tuple(NumpyBackend.__dict__["_" + name] for name in _HMAX_OPERATIONS)
    from . import _compiled_hmax
    return tuple(staticmethod(getattr(_compiled_hmax, name)) for name in _HMAX_OPERATIONS)


class CythonBackend(Backend):
    """Backend running glimpse's compiled (Cython) kernels; the default backend.

    See :class:`Backend` for the operations and their validation.
    """

    name = "cython"

    (_ContrastEnhance, _DotProduct, _NormDotProduct, _Rbf, _NormRbf, _LocalMax,
     _GlobalMax) = _hmax_implementations()

    #: Patch gather: ``GatherPatches(scales, locations, width, out)`` copies the
    #: patch at every ``(s, y, x)`` row of ``locations`` (intp, (N, 3)) from the
    #: list of (bands..., H, W) float32/float64 ``scales`` into ``out`` (float32,
    #: C-contiguous, (N, bands * width * width)), with the GIL released.
    GatherPatches = staticmethod(_patches.gather)

    #: Separable resampling with Pillow's filters, computing only an output
    #: window: ``Resample(data, width, height, filter, x0, y0, x1, y1)``.
    Resample = staticmethod(_resample.resample)

    #: Draw and gather: ``SampleGatherPatches(scales, width, generator, locations,
    #: out)`` draws the locations from a numpy Generator (see
    #: :func:`glimpse.models.base.SamplePatchesFromData` for the draw order),
    #: then gathers as :attr:`GatherPatches`.
    SampleGatherPatches = staticmethod(_patches.sample)

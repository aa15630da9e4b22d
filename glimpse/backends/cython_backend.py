"""The compiled backend: the :class:`~glimpse.backends.base.Backend` interface on glimpse's
Cython kernels (``glimpse._*``), which run with the GIL released."""

from __future__ import annotations

import importlib.util

from ._compiled import _patches, _resample
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

    @staticmethod
    def _Resample(data, width, height, filter, box):
        return _resample.resample(data, width, height, filter, *box)

    @staticmethod
    def _ResampleScratchBytes(iheight, iwidth, width, height, filter, box):
        return _resample.scratch_bytes(iheight, iwidth, width, height, filter, *box)

    _GatherPatches = staticmethod(_patches.gather)
    _SampleGatherPatches = staticmethod(_patches.sample)

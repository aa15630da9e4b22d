"""The compiled backend: the :class:`~glimpse.backends.base.Backend` interface on glimpse's
Cython kernels (``glimpse._*``), which run with the GIL released."""

from __future__ import annotations

from . import _compiled_hmax, _compiled_standard
from ._compiled import _colour, _patches, _resample
from .base import Backend

__all__ = ["CythonBackend"]


class CythonBackend(Backend):
    """Backend running glimpse's compiled (Cython) kernels; the default backend.

    See :class:`Backend` for the operations and their validation.
    """

    name = "cython"

    _ContrastEnhance = staticmethod(_compiled_hmax.ContrastEnhance)
    _DotProduct = staticmethod(_compiled_hmax.DotProduct)
    _NormDotProduct = staticmethod(_compiled_hmax.NormDotProduct)
    _Rbf = staticmethod(_compiled_hmax.Rbf)
    _NormRbf = staticmethod(_compiled_hmax.NormRbf)
    _LocalMax = staticmethod(_compiled_hmax.LocalMax)
    _GlobalMax = staticmethod(_compiled_hmax.GlobalMax)

    @staticmethod
    def _Resample(data, width, height, filter, box):
        return _resample.resample(data, width, height, filter, *box)

    # the kernel reads 8-bit samples as value / 255 (a float32 division)
    _ResampleBytes = _Resample

    @staticmethod
    def _ResampleScratchBytes(iheight, iwidth, width, height, filter, box):
        return _resample.scratch_bytes(iheight, iwidth, width, height, filter, *box)

    @staticmethod
    def _LumaBytes(data, out):
        _colour.luma(data, out)
        return out

    _GatherPatches = staticmethod(_patches.gather)
    _SampleGatherPatches = staticmethod(_patches.sample)

    _HmaxS1 = staticmethod(_compiled_standard.HmaxS1)
    _HmaxC1 = staticmethod(_compiled_standard.HmaxC1)
    _HmaxS2 = staticmethod(_compiled_standard.HmaxS2)
    _HmaxC2 = staticmethod(_compiled_standard.HmaxC2)

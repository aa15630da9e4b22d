"""The compiled backend: a thin face over the ``glimpse._*`` Cython kernels."""

from __future__ import annotations

from .._kernels import _patches, _resample

__all__ = ["CythonBackend"]


class CythonBackend:
    """Backend running glimpse's compiled (Cython) kernels.

    The kernels assume validated input; call them through the public functions
    (:func:`glimpse.models.base.SamplePatchesFromData`,
    :func:`glimpse.util.gimage.ScaleImage`, ...) unless you validate yourself.
    """

    name = "cython"

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

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        return "%s()" % type(self).__name__

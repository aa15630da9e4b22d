"""The compiled backend: a thin face over the ``glimpse._*`` Cython kernels."""

from __future__ import annotations

from .. import _patches, _resample

__all__ = ["CythonBackend"]


class CythonBackend:
    """Backend running glimpse's compiled (Cython) kernels.

    The kernels assume validated input; call them through the public functions
    (:func:`glimpse.models.base.SamplePatchesFromData`,
    :func:`glimpse.util.gimage.ScaleImage`, ...) unless you validate yourself.
    """

    name = "cython"

    #: Patch gather: ``GatherPatches(data, index, locations, width, out)``.
    GatherPatches = staticmethod(_patches.gather)

    #: Separable resampling with Pillow's filters, computing only an output
    #: window: ``Resample(data, width, height, filter, x0, y0, x1, y1)``.
    Resample = staticmethod(_resample.resample)

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        return "%s()" % type(self).__name__

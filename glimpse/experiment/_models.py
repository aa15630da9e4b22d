"""The model registry and imprinting, as the experiment module uses them.

The one place the experiment module reaches :mod:`glimpse.models` and
:mod:`glimpse.prototypes`, so the rest of the module names no model class.
"""

from __future__ import annotations

from .. import models as _models
from ..prototypes import SamplePatchesFromImages

__all__ = ["make_model", "model_name", "model_class", "has_s2", "s2_widths", "set_s2_widths",
           "sample_patches_from_images"]


def model_class(name=None):
    """The model class called `name` (None: the default model, see ``GLIMPSE_MODEL``)."""
    return _models.GetModelClass(name)


def make_model(name=None, params=None):
    """A new model of class `name` with `params` (a Params object or a dict of values)."""
    if isinstance(params, dict):
        params = _models.MakeParams(name, **params)
    return _models.MakeModel(name, params)


def model_name(model):
    """The registry name of `model`'s class."""
    for name in _models.MODELS:
        if type(model) is _models.GetModelClass(name):
            return name
    raise ValueError("model must be a registered glimpse model, got %s" % type(model).__name__)


def has_s2(model):
    """Whether `model` has S2 kernels (prototypes) to imprint."""
    return hasattr(type(model), "s2_kernels")


def s2_widths(model):
    """The widths of `model`'s S2 prototypes, one per prototype set (None without S2)."""
    shapes = getattr(model.params, "s2_kernel_shapes", None)
    return None if shapes is None else [shape[-1] for shape in shapes]


def set_s2_widths(params, widths):
    """Give `params` these S2 prototype widths (the ``ml`` model's ``s2_kwidth``, the
    ``hmax`` model's ``s2_kwidths``)."""
    name = "s2_kwidths" if "s2_kwidths" in params.ParamNames() else "s2_kwidth"
    setattr(params, name, list(widths))


#: Imprinting: :func:`glimpse.prototypes.SamplePatchesFromImages`.
sample_patches_from_images = SamplePatchesFromImages

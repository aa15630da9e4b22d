"""glimpse models: layered networks of visual cortex built on :mod:`glimpse.models.base`.

``"ml"`` (:mod:`glimpse.models.ml`, the 2013 Glimpse variant of HMAX) is the
default model, ``"hmax"`` (:mod:`glimpse.models.hmax`) the standard HMAX model as
the reference MATLAB code computes it, and ``"base"`` (:mod:`glimpse.models.base`)
the abstract base model. The environment variable ``GLIMPSE_MODEL`` chooses the
model when no name is given.

Examples
--------
>>> GetModelClass("ml").__module__
'glimpse.models.ml.model'
>>> MakeParams("ml", num_scales=4).num_scales
4
>>> MakeParams("hmax", s2_kwidths=[4, 8]).s2_kwidths
[4, 8]
"""

from __future__ import annotations

from typing import Any

from ..util import _checks

__all__ = ["MODELS", "DEFAULT_MODEL", "GetModelClass", "MakeParams", "MakeModel"]

#: Known models: name -> module holding its ``Model`` class.
MODELS = {"ml": "glimpse.models.ml", "hmax": "glimpse.models.hmax",
          "base": "glimpse.models.base"}

#: The model used when neither an argument nor ``GLIMPSE_MODEL`` names one.
DEFAULT_MODEL = "ml"


def GetModelClass(name: str | None = None) -> type:
    """Return a model class by name.

    Parameters
    ----------
    name : str, optional
        ``"ml"``, ``"hmax"`` or ``"base"`` (case-insensitive). When None, the environment
        variable ``GLIMPSE_MODEL`` is used if set and non-empty, else ``"ml"``.

    Returns
    -------
    type
        The model's ``Model`` class.

    Raises
    ------
    ValueError
        If the name is not a known model.
    TypeError
        If the name is not a string.
    """
    import importlib

    module = MODELS[_checks.registry_key(name, MODELS, "model", "GLIMPSE_MODEL", DEFAULT_MODEL)]
    return importlib.import_module(module).Model


def MakeParams(name: str | None = None, **kw: Any):
    """Create the parameters of a model.

    Parameters
    ----------
    name : str, optional
        The model (see :func:`GetModelClass`).
    **kw
        Parameter values.

    Returns
    -------
    Params
        An instance of the model's ``ParamClass``.
    """
    return GetModelClass(name).ParamClass(**kw)


def MakeModel(name: str | None = None, params=None, backend=None):
    """Create a model.

    Parameters
    ----------
    name : str, optional
        The model (see :func:`GetModelClass`). When None and `params` is
        given, the model whose parameter class `params` is an instance of
        (exactly) is chosen; otherwise ``GLIMPSE_MODEL`` or ``"ml"``.
    params : Params, optional
        Model parameters. Default: the model's defaults.
    backend : backend object or str, optional
        See :func:`glimpse.backends.MakeBackend`.

    Returns
    -------
    Model

    Raises
    ------
    ValueError
        For an unknown name, or parameters of another model.

    Examples
    --------
    >>> type(MakeModel("base")).__module__
    'glimpse.models.base.model'
    """
    if name is None and params is not None:
        for known in MODELS:
            cls = GetModelClass(known)
            if type(params) is cls.ParamClass:
                return cls(backend=backend, params=params)
    return GetModelClass(name)(backend=backend, params=params)

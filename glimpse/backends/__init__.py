"""Computation backends: the one road from Python to computation.

:class:`Backend` is the interface (every numeric operation the models use, each
validating its arguments once); :class:`CythonBackend` runs the compiled kernels (the
private ``glimpse._*`` modules, which only this package imports) and
:class:`NumpyBackend` is the plain-numpy reference. :func:`MakeBackend` picks one by
name or from the ``GLIMPSE_BACKEND`` environment variable.

``glimpse.backends.InputSource``, the 2013 place of :class:`glimpse.images.InputSource`,
still gives that class: it is looked up on first use, since images sit above the
backends and this package imports nothing of them.
"""

from __future__ import annotations


import numpy as np

from ..util import _checks
from .errors import BackendError, InputLoadError, InputSizeError
from .base import Backend
from .cython_backend import CythonBackend
from .numpy_backend import NumpyBackend

__all__ = [
    "ACTIVATION_DTYPE",
    "BackendError",
    "InputSizeError",
    "InputLoadError",
    "InputSource",
    "Backend",
    "CythonBackend",
    "NumpyBackend",
    "MakeBackend",
    "AsBackend",
    "BACKENDS",
    "DEFAULT_BACKEND",
]

#: Element type of every layer's activity.
ACTIVATION_DTYPE = np.float32

#: Known backends, by name. ``"base"`` is the 2013 name of the compiled backend.
BACKENDS = {"cython": CythonBackend, "base": CythonBackend, "numpy": NumpyBackend}

#: The backend used when neither an argument nor ``GLIMPSE_BACKEND`` names one.
DEFAULT_BACKEND = "cython"


def MakeBackend(name: str | None = None) -> Backend:
    """Create a backend by name.

    Parameters
    ----------
    name : str, optional
        Name of the backend (case-insensitive). When None, the environment
        variable ``GLIMPSE_BACKEND`` is used if set and non-empty, else the
        default (``"cython"``, the compiled backend). Known names: ``"cython"``
        (also ``"base"``, its 2013 name) and ``"numpy"`` (the plain-numpy reference).

    Returns
    -------
    backend
        A new backend object.

    Raises
    ------
    ValueError
        If the name is not a known backend.
    TypeError
        If the name is not a string.

    Examples
    --------
    >>> MakeBackend("cython").name
    'cython'
    >>> MakeBackend("base")
    CythonBackend()
    """
    cls = BACKENDS[_checks.registry_key(name, BACKENDS, "backend", "GLIMPSE_BACKEND",
                                        DEFAULT_BACKEND)]
    return cls()


def __getattr__(name):
    if name == "InputSource":
        from ..images.decode import InputSource

        return InputSource
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def AsBackend(backend: Backend | str | None = None) -> Backend:
    """The backend a function computes with, from what its caller passed.

    Parameters
    ----------
    backend : Backend, str or None
        A backend is returned as it is; a name or None goes to :func:`MakeBackend`.

    Returns
    -------
    Backend

    Raises
    ------
    TypeError
        If ``backend`` is anything else.
    ValueError
        If it names no backend.

    Examples
    --------
    >>> AsBackend("numpy")
    NumpyBackend()
    """
    if isinstance(backend, Backend):
        return backend
    if backend is None or isinstance(backend, str):
        return MakeBackend(backend)
    raise TypeError("backend must be a glimpse.backends.Backend, a backend name or None, "
                    "got %s" % _checks.show(backend))

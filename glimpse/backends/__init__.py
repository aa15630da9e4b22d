"""Computation backends: the objects that hold glimpse's compiled kernels.

A backend is a thin face over the private ``glimpse._*`` Cython modules. The
Python layers above validate their arguments; a backend assumes clean input.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import BackendError, InputLoadError, InputSizeError
from .input_source import InputSource
from .cython_backend import CythonBackend

__all__ = [
    "ACTIVATION_DTYPE",
    "BackendError",
    "InputSizeError",
    "InputLoadError",
    "InputSource",
    "CythonBackend",
    "MakeBackend",
    "BACKENDS",
    "DEFAULT_BACKEND",
]

#: Element type of every layer's activity.
ACTIVATION_DTYPE = np.float32

#: Known backends, by name.
BACKENDS = {"cython": CythonBackend}

#: The backend used when neither an argument nor ``GLIMPSE_BACKEND`` names one.
DEFAULT_BACKEND = "cython"


def MakeBackend(name: str | None = None) -> CythonBackend:
    """Create a backend by name.

    Parameters
    ----------
    name : str, optional
        Name of the backend (case-insensitive). When None, the environment
        variable ``GLIMPSE_BACKEND`` is used if set and non-empty, else the
        default (``"cython"``, the compiled backend).

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
    >>> MakeBackend().name
    'cython'
    """
    origin = "name"
    if name is None:
        name = os.environ.get("GLIMPSE_BACKEND") or DEFAULT_BACKEND
        origin = "GLIMPSE_BACKEND"
    if not isinstance(name, str):
        raise TypeError("backend name must be a str, got %r" % (name,))
    cls = BACKENDS.get(name.strip().lower())
    if cls is None:
        raise ValueError(
            "unknown backend %r (from %s); known backends: %s"
            % (name, origin, ", ".join(sorted(BACKENDS)))
        )
    return cls()

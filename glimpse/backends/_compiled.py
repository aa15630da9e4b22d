"""The compiled kernels, imported in one place with a clear error when they are missing.

This is the only module that imports glimpse's compiled modules (``glimpse._colour``,
``glimpse._hmax``, ``glimpse._patches``, ``glimpse._resample``, ``glimpse._standard``, built
from ``csrc/`` when the package is installed); everything else reaches them through a
backend. The usual way to miss them is to import glimpse from a source checkout that was
never built, for example ``python -c "import glimpse..."`` run from the repository root,
which puts the uncompiled sources ahead of the installed package.
"""

import os

try:
    from .. import _colour, _hmax, _patches, _resample, _standard
except ImportError as err:
    raise ImportError(
        "glimpse's compiled kernels cannot be imported from %s (%s). Install glimpse with "
        "'pip install .' (or 'pip install -e .' while developing); if glimpse is installed, "
        "you are importing an unbuilt source tree: run from another directory, or run the "
        "tests with the 'pytest' command"
        % (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), err)
    ) from err

__all__ = ["_colour", "_hmax", "_patches", "_resample", "_standard"]

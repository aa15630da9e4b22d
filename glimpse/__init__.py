"""glimpse: fast hierarchical models of visual cortex (HMAX-style networks)."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("glimpse-vision")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]

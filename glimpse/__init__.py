"""glimpse: fast hierarchical models of visual cortex (HMAX-style networks)."""

__all__ = ["__version__"]


def _read_version():
    try:  # written by the build (pyproject.toml: tool.scikit-build.generate)
        from ._version import version

        return version
    except ImportError:
        pass
    from importlib import metadata

    try:
        return metadata.version("glimpse-vision")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


def __getattr__(name):
    # Read when first asked for: importlib.metadata would cost every command a few MB
    # and milliseconds.
    if name == "__version__":
        version = globals()["__version__"] = _read_version()
        return version
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

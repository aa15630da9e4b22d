"""glimpse: fast hierarchical models of visual cortex (HMAX-style networks)."""

__all__ = ["__version__"]


def __getattr__(name):
    # The version is read from the installed metadata when first asked for: importing
    # importlib.metadata costs every command a few MB and milliseconds otherwise.
    if name == "__version__":
        from importlib import metadata

        try:
            version = metadata.version("glimpse-vision")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            version = "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

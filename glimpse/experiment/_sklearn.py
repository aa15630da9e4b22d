"""scikit-learn, imported on use with an error that says how to install it."""

from __future__ import annotations

__all__ = ["require_sklearn", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'glimpse-vision[experiment]'"


def require_sklearn():
    """Import scikit-learn, or raise ImportError naming the install command."""
    try:
        import sklearn
    except ImportError:
        raise ImportError("glimpse.experiment needs scikit-learn for its classifiers and "
                          "kmeans prototypes; install it with: %s" % INSTALL_HINT) from None
    return sklearn

"""glimpse models: layered networks of visual cortex built on :mod:`glimpse.models.base`."""

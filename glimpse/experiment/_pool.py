"""Resolve the ``pool`` argument of the experiment functions."""

from __future__ import annotations

__all__ = ["resolve_pool"]


class _SerialPool:
    """Runs ``map`` in the calling thread (used when :mod:`glimpse.pools` is unavailable)."""

    def map(self, func, items, progress=None):
        return [func(item) for item in items]


def resolve_pool(pool):
    """Return a pool object for `pool`.

    Parameters
    ----------
    pool : None, str or pool object
        None gives the default pool (``glimpse.pools.MakePool()``, chosen by the
        environment variable ``GLIMPSE_POOL``); a name gives ``MakePool(name)``; any object
        with an ordered ``map(func, items)`` method is returned as it is.
    """
    if pool is not None and not isinstance(pool, str):
        if not callable(getattr(pool, "map", None)):
            raise TypeError("pool must be None, a pool name or an object with a map method, "
                            "got %s" % type(pool).__name__)
        return pool
    try:
        from ..pools import MakePool
    except ImportError:
        if pool not in (None, "serial"):
            raise ValueError("pool %r is not available (glimpse.pools is missing)" % pool)
        return _SerialPool()
    return MakePool(pool)

"""Resolve the ``pool`` argument of the experiment functions."""

from __future__ import annotations

import contextlib

__all__ = ["pool_for"]


class _SerialPool:
    """Runs ``map`` in the calling thread (used when :mod:`glimpse.pools` is unavailable)."""

    def map(self, func, items, progress=None):
        for item in items:
            result = func(item)
            if progress is not None:
                progress(1)
            yield result

    def close(self):
        pass


def _make(pool):
    try:
        from ..pools import MakePool
    except ImportError:
        if pool not in (None, "serial"):
            raise ValueError("pool %r is not available (glimpse.pools is missing)" % pool)
        return _SerialPool()
    return MakePool(pool)


@contextlib.contextmanager
def pool_for(pool):
    """A pool object for `pool`, closed on exit if it was made here.

    Parameters
    ----------
    pool : None, str or pool object
        None gives the default pool (``glimpse.pools.MakePool()``, chosen by the
        environment variable ``GLIMPSE_POOL``); a name gives ``MakePool(name)``; any object
        with an ordered ``map(func, items, progress=None)`` method is used as it is (and
        left open).
    """
    if pool is not None and not isinstance(pool, str):
        if not callable(getattr(pool, "map", None)):
            raise TypeError("pool must be None, a pool name or an object with a map method, "
                            "got %s" % type(pool).__name__)
        yield pool
        return
    made = _make(pool)
    try:
        yield made
    except BaseException:
        getattr(made, "terminate", made.close)()
        raise
    else:
        made.close()

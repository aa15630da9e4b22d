"""Resolve the ``pool`` argument of the experiment functions."""

from __future__ import annotations

import contextlib

from ..pools import MakePool

__all__ = ["pool_for"]


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
    made = MakePool(pool)
    try:
        yield made
    except BaseException:
        made.terminate()
        raise
    else:
        made.close()

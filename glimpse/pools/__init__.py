"""Pools of workers that map a function over many items, in order, and stop cleanly.

``MakePool(name)`` gives a pool by name; every pool has the same interface
(:class:`Pool`): ``map(func, items, progress=None)`` yields ``func(item)`` for each
item in order, with a bounded number of chunks in flight, and a ``with`` block stops
the workers (at once on an exception or Ctrl-C).

====================  ============================================================
name                  runs items
====================  ============================================================
``"serial"``          in the calling thread
``"threads"``         on threads (for work that releases the GIL, as glimpse's
                      kernels and Pillow's decoders do)
``"processes"``       in worker processes (for work that holds the GIL)
====================  ============================================================

The ``GLIMPSE_POOL`` environment variable names the default pool.

Examples
--------
>>> from glimpse.pools import MakePool
>>> with MakePool("threads", workers=2) as pool:
...     list(pool.map(abs, [-1, 2, -3]))
[1, 2, 3]
"""

from __future__ import annotations

import importlib

from ..util import _checks
from ._base import Pool, WorkerError, default_workers
from ._local import ProcessPool, SerialPool, ThreadPool

__all__ = [
    "MakePool",
    "Pool",
    "POOLS",
    "DEFAULT_POOL",
    "WorkerError",
    "SerialPool",
    "ThreadPool",
    "ProcessPool",
    "default_workers",
]

#: The pools by name: a Pool subclass, or "module:Class" (relative to this package)
#: imported when first asked for, so optional dependencies load only when used.
POOLS: dict[str, type[Pool] | str] = {
    "serial": SerialPool,
    "threads": ThreadPool,
    "processes": ProcessPool,
    "dask": "._dask:DaskPool",
}

#: The pool used when neither ``name`` nor ``GLIMPSE_POOL`` says otherwise.
DEFAULT_POOL = "threads"


def _pool_class(name):
    entry = POOLS[name]
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        try:
            entry = getattr(importlib.import_module(module, __name__), attr)
        except ImportError as err:
            raise ValueError("the %r pool needs a package that is not installed: %s"
                             % (name, err)) from None
    return entry


def MakePool(name: str | None = None, workers: int | None = None, **options) -> Pool:
    """Make a pool by name.

    Parameters
    ----------
    name : str, optional
        A key of :data:`POOLS` (``"serial"``, ``"threads"``, ``"processes"``, ...;
        case-insensitive). Default: the ``GLIMPSE_POOL`` environment variable if set,
        else ``"threads"``.
    workers : int, optional
        Number of workers (default: the CPUs this process may use; always 1 for
        ``"serial"``).
    **options
        Passed to the pool: ``chunksize``, ``max_pending`` (see :class:`Pool`).

    Returns
    -------
    Pool

    Raises
    ------
    ValueError
        If `name` (or ``GLIMPSE_POOL``) names no pool or a pool whose optional
        dependencies are not installed, or an option is out of range.
    TypeError
        If `name` is not a str, or an option has the wrong type.
    """
    name = _checks.registry_key(name, POOLS, "pool", "GLIMPSE_POOL", DEFAULT_POOL)
    return _pool_class(name)(workers, **options)

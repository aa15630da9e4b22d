"""The "dask" pool: ordered, chunked ``map`` on a ``dask.distributed`` cluster.

Needs the optional extra ``pip install 'glimpse-vision[dask]'``. The same code runs on one
machine (a ``LocalCluster`` on 127.0.0.1) or on a cluster started elsewhere, for example with
dask-jobqueue on Slurm or dask-kubernetes, by passing its scheduler address or ``Client``.
"""

from __future__ import annotations

import os

__all__ = ["DaskPool", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'glimpse-vision[dask]'"


def _run_chunk(chunk, function):
    return [function(item) for item in chunk]


def _require_distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError("the dask pool needs dask.distributed; install it with: %s"
                          % INSTALL_HINT) from None
    return distributed


class DaskPool:
    """A pool whose workers are the workers of a Dask cluster.

    Parameters
    ----------
    client : distributed.Client, optional
        Use this client (the pool does not close it).
    address : str, optional
        Connect to the scheduler at this address (e.g. ``"tcp://10.0.0.5:8786"``).
    workers : int, optional
        Without `client` or `address`: start a ``LocalCluster`` on 127.0.0.1 with this many
        single-threaded workers (default: the number of CPUs).
    processes : bool
        Whether the local cluster's workers are processes (the default) or threads of this
        process.
    chunksize : int, optional
        Items per task (default: enough for about four tasks per worker and call).

    Notes
    -----
    :meth:`map` returns the results in the order of the items, yielding each chunk's results
    as soon as that chunk and every chunk before it are done. A pool that started its own
    cluster or client closes them in :meth:`close` (or at the end of a ``with`` block).
    """

    def __init__(self, client=None, address=None, workers=None, processes=True,
                 chunksize=None):
        distributed = _require_distributed()
        if client is not None and address is not None:
            raise ValueError("give client or address, not both")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                    or workers < 1):
            raise ValueError("workers must be an integer >= 1, got %r" % (workers,))
        if chunksize is not None and (isinstance(chunksize, bool)
                                      or not isinstance(chunksize, int) or chunksize < 1):
            raise ValueError("chunksize must be an integer >= 1, got %r" % (chunksize,))
        self._cluster = None
        self._own_client = client is None
        self.chunksize = chunksize
        if client is not None:
            self.client = client
        elif address is not None:
            self.client = distributed.Client(address)
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                processes=processes, host="127.0.0.1", dashboard_address=None,
            )
            self.client = distributed.Client(self._cluster)

    @property
    def num_workers(self):
        """The number of worker threads in the cluster (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def map(self, func, items, progress=None):
        """Apply `func` to each item on the cluster; results in the order of `items`.

        Parameters
        ----------
        func : callable
            Must pickle (a module-level function or a ``functools.partial`` of one).
        items : iterable
        progress : bool, optional
            Show a progress bar over the items.
        """
        items = list(items)
        if not items:
            return iter(())
        size = self.chunksize or max(1, -(-len(items) // (4 * self.num_workers)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        func_future = self.client.scatter(func, broadcast=True, hash=False)
        futures = self.client.map(_run_chunk, chunks, function=func_future, pure=False)
        return self._gather(futures, len(items), progress)

    def _gather(self, futures, total, progress):
        from tqdm.auto import tqdm

        try:
            with tqdm(total=total, disable=not progress, unit="item", leave=False) as bar:
                for future in futures:
                    results = future.result()
                    bar.update(len(results))
                    yield from results
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self):
        """Close the client and the local cluster, if this pool started them."""
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "DaskPool(%r)" % (self.client,)

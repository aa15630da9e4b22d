"""The "dask" pool: the ordered, chunked, bounded ``map`` on a ``dask.distributed`` cluster.

Needs the optional extra ``pip install 'glimpse-vision[dask]'``. The same code runs on one
machine (a ``LocalCluster`` on 127.0.0.1) or on a cluster started elsewhere, for example with
dask-jobqueue on Slurm or dask-kubernetes, by passing its scheduler address or ``Client``.
"""

from __future__ import annotations

import asyncio

from ._base import Pool, _check_positive, _run_chunk

__all__ = ["DaskPool", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'glimpse-vision[dask]'"


def _require_distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError("the dask pool needs dask.distributed; install it with: %s"
                          % INSTALL_HINT) from None
    return distributed


class DaskPool(Pool):
    """A pool whose workers are the workers of a Dask cluster.

    Parameters
    ----------
    workers : int, optional
        Without `client` or `address`: start a ``LocalCluster`` on 127.0.0.1 with this many
        single-threaded workers (default: the CPUs this process may use). With a cluster
        given, the number of chunks kept in flight is twice its worker threads.
    chunksize : int
        Items per task (default 4: a task's round trip through the scheduler costs a few
        milliseconds, so each carries several images).
    max_pending : int, optional
        See :class:`glimpse.pools.Pool`.
    client : distributed.Client, optional
        Use this client (the pool does not close it).
    address : str, optional
        Connect to the scheduler at this address (e.g. ``"tcp://10.0.0.5:8786"``).
    processes : bool
        Whether the local cluster's workers are processes (the default) or threads of this
        process.

    Notes
    -----
    The cluster (or the connection) is made on first use. A pool that started its own
    cluster or client closes them when it is closed (or at the end of a ``with`` block).
    `func` is sent to the workers once per :meth:`map` call (scattered), the items with
    their chunks.
    """

    name = "dask"

    def __init__(self, workers=None, *, chunksize=4, max_pending=None, client=None,
                 address=None, processes=True):
        _require_distributed()
        if client is not None and address is not None:
            raise ValueError("give client or address, not both")
        if address is not None and not isinstance(address, str):
            raise TypeError("address must be a str such as 'tcp://host:8786', got %r"
                            % (address,))
        _check_positive(workers, "workers", allow_none=True)
        super().__init__(workers, chunksize=chunksize, max_pending=max_pending)
        self._given_workers = workers
        self._client = client
        self._address = address
        self._processes = bool(processes)
        self._cluster = None
        self._own_client = client is None
        self._func = self._func_future = None
        if client is not None:
            self.workers = self._cluster_threads()

    def _options(self):
        options = super()._options()
        options.update(workers=self._given_workers, address=self._address,
                       processes=self._processes)
        return options

    def _cluster_threads(self):
        return max(1, sum(self._client.nthreads().values()))

    @property
    def client(self):
        """The ``distributed.Client`` (connecting or starting the cluster if needed)."""
        if self._closed:
            raise ValueError("this dask pool is closed")
        if self._client is None:
            distributed = _require_distributed()
            if self._address is not None:
                self._client = distributed.Client(self._address)
            else:
                self._cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1,
                    processes=self._processes, host="127.0.0.1", dashboard_address=None)
                self._client = distributed.Client(self._cluster)
            self.workers = self._cluster_threads()
        return self._client

    def _map(self, func, items, progress):
        self.client  # connect first, so that the bound on chunks in flight counts the cluster
        return super()._map(func, items, progress)

    def _submit(self, func, chunk):
        client = self.client
        if func is not self._func:
            self._func_future = client.scatter(func, broadcast=True, hash=False)
            self._func = func
        return client.submit(_run_chunk, self._func_future, chunk, pure=False)

    def _wait(self, futures, timeout):
        try:
            _require_distributed().wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, asyncio.TimeoutError):  # the caller polls again
            pass

    def _stop(self, cancel):
        self._func = self._func_future = None
        if self._own_client and self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

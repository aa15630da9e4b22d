"""The pool interface: an ordered, chunked, bounded ``map`` and clean cancellation."""

from __future__ import annotations

import collections
import itertools
import numbers
import os
import signal
import threading
from typing import Any, Callable, Iterable, Iterator

from .. import _exit

__all__ = ["Pool", "WorkerError", "default_workers"]


class WorkerError(RuntimeError):
    """A worker of a pool died or could not run (for example killed when out of memory).

    The work that was running on it is lost; the pool is stopped. The message says
    what happened in one line.
    """

    __module__ = "glimpse.pools"


def default_workers() -> int:
    """The number of CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _check_positive(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be an integer >= 1, got %r" % (name, value))
    if value < 1:
        raise ValueError("%s must be an integer >= 1, got %r" % (name, value))
    return int(value)


def _run_chunk(func, chunk, cancelled=None):
    """Apply ``func`` to each item of ``chunk`` (in a worker); stop early when cancelled."""
    results = []
    for item in chunk:
        if cancelled is not None and cancelled.is_set():
            break
        results.append(func(item))
    return results


class Pool:
    """Runs a function over many items, on workers, yielding the results in order.

    Parameters
    ----------
    workers : int, optional
        Number of workers. Default: the number of CPUs this process may use.
    chunksize : int, default 1
        Items sent to a worker at a time. Larger chunks cost less overhead per
        item; smaller ones balance uneven work better.
    max_pending : int, optional
        Chunks submitted and not yet yielded at any time (default: twice the
        number of workers). This bounds the memory held by results waiting to
        be yielded in order and the work lost to a cancellation.

    Notes
    -----
    A pool is a context manager: leaving the ``with`` block normally waits for the
    workers to stop; leaving it by an exception (including ``KeyboardInterrupt``)
    cancels what has not started and stops the workers at once. A pool pickles as
    its configuration (name and options): unpickling gives a new pool that has not
    started any worker.

    Subclasses set :attr:`name` and implement ``_submit(func, chunk)`` (run
    ``[func(item) for item in chunk]`` on a worker; return a future with ``done``,
    ``cancelled``, ``cancel``, ``exception`` and ``result``) and ``_stop(cancel)``;
    they may override ``_wait(futures, timeout)`` (for futures that are not
    ``concurrent.futures`` ones) and ``_translate(err)`` (to turn an executor's
    error into :class:`WorkerError`).
    """

    #: The name this pool is registered under in :data:`glimpse.pools.POOLS`.
    name = "abstract"

    def __init__(self, workers: int | None = None, *, chunksize: int = 1,
                 max_pending: int | None = None) -> None:
        self.workers = (
            default_workers() if workers is None else _check_positive(workers, "workers")
        )
        self.chunksize = _check_positive(chunksize, "chunksize")
        self.max_pending = _check_positive(max_pending, "max_pending", allow_none=True)
        self._closed = False

    # -- the interface ------------------------------------------------------------------

    def map(self, func: Callable[[Any], Any], items: Iterable[Any],
            progress: Callable[[int], Any] | None = None) -> Iterator[Any]:
        """Apply `func` to each item; yield the results in the order of `items`.

        Parameters
        ----------
        func : callable
            Called as ``func(item)`` on a worker. For a process pool it must be
            picklable (a module-level function, not a lambda or closure).
        items : iterable
            Read lazily: at most ``max_pending`` chunks are in flight at a time.
        progress : callable, optional
            Called in the calling thread as ``progress(n)`` when `n` more items
            have finished (for example ``tqdm(...).update``), possibly before
            their results are yielded.

        Yields
        ------
        object
            ``func(item)`` for each item, in order.

        Raises
        ------
        WorkerError
            If a worker died (for example killed by the system when out of memory);
            the pool is stopped.
        Exception
            An exception raised by `func` is re-raised here, and the items not yet
            started are cancelled.
        """
        if self._closed:
            raise ValueError("this %s pool is closed" % self.name)
        if not callable(func):
            raise TypeError("func must be callable, got %r" % (func,))
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable or None, got %r" % (progress,))
        return self._map(func, iter(items), progress)

    def close(self) -> None:
        """Let running work finish, then stop the workers. The pool cannot be used again."""
        if not self._closed:
            self._closed = True
            self._stop(cancel=False)

    def terminate(self) -> None:
        """Cancel pending work and stop the workers now. The pool cannot be used again."""
        if not self._closed:
            self._closed = True
            self._stop(cancel=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.terminate()
        return False

    def __reduce__(self):
        return (_rebuild, (type(self), self._options()))

    def __repr__(self):
        return "%s(%s)" % (
            type(self).__name__, ", ".join("%s=%r" % kv for kv in self._options().items())
        )

    # -- for subclasses -----------------------------------------------------------------

    def _options(self) -> dict:
        return {"workers": self.workers, "chunksize": self.chunksize,
                "max_pending": self.max_pending}

    def _submit(self, func, chunk):  # pragma: no cover - abstract
        raise NotImplementedError

    def _stop(self, cancel):  # pragma: no cover - abstract
        raise NotImplementedError

    def _wait(self, futures, timeout):
        """Block until at least one of `futures` is done, or `timeout` seconds passed."""
        import concurrent.futures  # not imported by the serial pool, which has no futures

        concurrent.futures.wait(futures, timeout, concurrent.futures.FIRST_COMPLETED)

    def _translate(self, err):
        """The exception to raise for `err` raised by a future (default: `err` itself)."""
        return err

    # -- the ordered, bounded map -------------------------------------------------------

    def _map(self, func, items, progress):
        limit = self.max_pending or 2 * self.workers
        pending = collections.deque()  # [future, item count, counted]
        chunks = iter(lambda: list(itertools.islice(items, self.chunksize)), [])
        finished = False
        interrupt = _DeferredInterrupt()
        try:
            while True:
                ready, failed = [], None
                with interrupt:
                    while not finished and len(pending) < limit:
                        chunk = next(chunks, None)
                        if chunk is None:
                            finished = True
                            break
                        pending.append([self._submit(func, chunk), len(chunk), False])
                    if not pending:
                        return
                    self._count(pending, progress)
                    while not pending[0][0].done() and not interrupt.pending:
                        # Wait for the futures not seen done yet (the first one among
                        # them), so that a done one later in line does not spin this loop.
                        self._wait([entry[0] for entry in pending if not entry[2]],
                                   interrupt.poll)
                        self._count(pending, progress)
                    if not interrupt.pending:
                        while pending and pending[0][0].done():
                            # Done since the last count: count it before it leaves the line.
                            self._count((pending[0],), progress)
                            try:
                                ready.append(self._result(pending.popleft()[0]))
                            except BaseException as err:  # raised after the results before it
                                failed = err
                                break
                interrupt.check()
                for results in ready:
                    yield from results
                if failed is not None:
                    raise failed
        except GeneratorExit:  # the caller stopped iterating: drop this map's work
            for entry in pending:
                entry[0].cancel()
            raise
        except (KeyboardInterrupt, SystemExit, WorkerError):
            self.terminate()
            raise
        except BaseException:
            for entry in pending:
                entry[0].cancel()
            raise

    @staticmethod
    def _count(pending, progress):
        for entry in pending:
            if not entry[2] and entry[0].done():
                entry[2] = True
                if progress is not None and not entry[0].cancelled() and \
                        entry[0].exception() is None:
                    progress(entry[1])

    def _result(self, future):
        try:
            return future.result()
        except BaseException as err:
            translated = self._translate(err)
            if translated is err:
                raise
            raise translated from None


class _DeferredInterrupt:
    """Hold a Ctrl-C back while the pool's bookkeeping runs; :meth:`check` raises it.

    A KeyboardInterrupt raised inside ``concurrent.futures`` can leave a future's
    lock held, and the thread that later completes that future then blocks forever
    (the interpreter joins it at exit: a hang). Within the block, and only when
    SIGINT has Python's default handler in the main thread, SIGINT sets a flag;
    waits poll every :attr:`poll` seconds, and :meth:`check` raises the
    KeyboardInterrupt after the block, where no lock is held. SIGTERM and SIGHUP are
    held back the same way while they raise :class:`glimpse._exit.Terminated` (see
    :class:`glimpse._exit.terminate_as_interrupt`).
    """

    #: Seconds between checks for a deferred Ctrl-C while waiting.
    poll = 0.1

    def __init__(self):
        self.pending = 0  # the signal held back, or 0
        self._previous = {}

    def _handler(self, signum, frame):
        self.pending = signum

    def __enter__(self):
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._handler)
            for signum in _exit.TERMINATING:
                if _exit.raises_terminated(signal.getsignal(signum)):
                    self._previous[signum] = signal.signal(signum, self._handler)
        return self

    def __exit__(self, exc_type, exc, tb):
        previous, self._previous = self._previous, {}
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        return False

    def check(self):
        """Raise the KeyboardInterrupt (or Terminated) held back in the block, if any."""
        signum, self.pending = self.pending, 0
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        if signum:
            raise _exit.Terminated(signum)


def _rebuild(cls, options):
    return cls(**options)

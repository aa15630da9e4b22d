"""Pools on this machine: in the calling thread, on threads, on processes."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

from .. import _exit
from ._base import Pool, WorkerError, _run_chunk

__all__ = ["SerialPool", "ThreadPool", "ProcessPool"]


class SerialPool(Pool):
    """Runs everything in the calling thread, one item at a time.

    Parameters
    ----------
    workers : int, optional
        Checked like any pool's, then ignored: the pool has one worker, so that
        ``GLIMPSE_POOL=serial`` runs any code serially, whatever it asks for.
    chunksize, max_pending : int, optional
        Accepted for a uniform interface; they change nothing.
    """

    name = "serial"

    def __init__(self, workers=None, *, chunksize=1, max_pending=None):
        super().__init__(1 if workers is None else workers, chunksize=chunksize,
                         max_pending=max_pending)
        self.workers = 1

    def _map(self, func, items, progress):
        for item in items:
            result = func(item)
            if progress is not None:
                progress(1)
            yield result

    def _stop(self, cancel):
        pass


class _DaemonThreads:
    """A minimal executor on daemon threads: ``submit`` gives ``concurrent.futures`` futures.

    ``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter
    exits, so one thread stuck in I/O (a FIFO no one writes to, a hung network mount)
    keeps a process that was interrupted from ever exiting. These threads are daemons:
    the interpreter leaves them behind at exit.
    """

    def __init__(self, workers, prefix):
        import queue

        self._workers = workers
        self._prefix = prefix
        self._queue = queue.SimpleQueue()
        self._threads = []
        self._shutdown = False

    def submit(self, fn, *args):
        import concurrent.futures

        if self._shutdown:
            raise RuntimeError("cannot submit work after shutdown")
        future = concurrent.futures.Future()
        self._queue.put((future, fn, args))
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name="%s_%d" % (self._prefix, len(self._threads)))
            thread.start()
            self._threads.append(thread)
        return future

    def _work(self):
        while True:
            task = self._queue.get()
            if task is None:
                return
            future, fn, args = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as err:
                future.set_exception(err)
                del err  # no reference cycle through the traceback
            else:
                future.set_result(result)
            del task, future, fn, args  # let the results go before waiting for more work

    def shutdown(self, wait=True, cancel_futures=False):
        """Stop the threads after their current task (waiting for them if `wait`)."""
        import queue

        self._shutdown = True
        if cancel_futures:
            while True:
                try:
                    task = self._queue.get_nowait()
                except queue.Empty:
                    break
                if task is not None:
                    task[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()


class ThreadPool(Pool):
    """Runs items on threads of this process.

    The right pool for work that releases the GIL: glimpse's kernels and Pillow's
    decoders do. See :class:`~glimpse.pools.Pool` for the parameters.

    Notes
    -----
    Threads cannot be killed: on cancellation, items not yet started are dropped and
    each thread stops after the item it is running. The threads are daemon threads, so
    a thread stuck in I/O (a hung network mount) does not keep an interrupted process
    from exiting.
    """

    name = "threads"

    def __init__(self, workers=None, *, chunksize=1, max_pending=None):
        super().__init__(workers, chunksize=chunksize, max_pending=max_pending)
        self._executor = None
        self._cancelled = threading.Event()

    def _submit(self, func, chunk):
        if self._executor is None:
            self._executor = _DaemonThreads(self.workers, "glimpse-pool")
        return self._executor.submit(_run_chunk, func, chunk, self._cancelled)

    def _stop(self, cancel):
        if cancel:
            self._cancelled.set()
        if self._executor is not None:
            self._executor.shutdown(wait=not cancel, cancel_futures=cancel)


def _ignore_sigint():
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the workers), and
    the worker ends when its parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for signum in _exit.TERMINATING:  # a handler forked from the parent's: just end
        if signal.getsignal(signum) not in (signal.SIG_IGN, signal.SIG_DFL):
            signal.signal(signum, signal.SIG_DFL)
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), daemon=True,
                         name="glimpse-parent-watch").start()


def _exit_with_parent(sentinel):
    """Wait (in a worker) until the parent process is gone, then end the worker.

    A parent killed without a chance to stop its workers (SIGKILL, or out of memory)
    would otherwise leave them blocked forever on the pipe that brought them work.
    """
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(1)


@contextlib.contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while worker processes may be started.

    A process started meanwhile inherits the mask, so a Ctrl-C cannot reach it before
    its initializer ignores SIGINT; here the signal stays pending and is delivered
    (as KeyboardInterrupt) when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _processes(executor):
    """The worker processes `executor` (a ProcessPoolExecutor) has started, as a list."""
    return list((getattr(executor, "_processes", None) or {}).values())


class ProcessPool(Pool):
    """Runs items in worker processes.

    For work that holds the GIL. `func`, the items and the results must be
    picklable. See :class:`~glimpse.pools.Pool` for the parameters.

    Notes
    -----
    Workers ignore SIGINT: a Ctrl-C (sent to the whole process group by a terminal)
    interrupts the parent, which cancels the pending items and terminates the
    workers, so none is left behind; so does a SIGTERM or SIGHUP the parent turns into
    :class:`glimpse._exit.Terminated`. A worker whose parent dies without stopping it
    (killed by SIGKILL) ends itself. A worker that dies (for example killed by
    the system when memory runs out) raises :class:`~glimpse.pools.WorkerError`.
    """

    name = "processes"

    #: Seconds to wait for terminated workers to exit before killing them.
    STOP_TIMEOUT = 5.0

    def __init__(self, workers=None, *, chunksize=1, max_pending=None):
        super().__init__(workers, chunksize=chunksize, max_pending=max_pending)
        self._executor = None

    def _submit(self, func, chunk):
        # concurrent.futures.process (and multiprocessing) is imported only by this pool.
        import concurrent.futures
        from concurrent.futures.process import BrokenProcessPool

        with _sigint_blocked():
            if self._executor is None:
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    self.workers, initializer=_ignore_sigint
                )
            try:
                return self._executor.submit(_run_chunk, func, chunk)
            except BrokenProcessPool as err:
                raise self._translate(err) from None

    def _translate(self, err):
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(err, BrokenProcessPool):
            return WorkerError(self._DIED)
        return err

    _DIED = ("a worker process died unexpectedly (killed by the system, "
             "for example when out of memory)")

    def _wait(self, futures, timeout):
        super()._wait(futures, timeout)
        # A worker killed while sending a result leaves half a message in the result
        # pipe: the executor's manager thread then waits for the rest forever and never
        # learns of the death, so the futures would never finish. Look at the workers.
        if any(process.exitcode is not None for process in _processes(self._executor)):
            raise WorkerError(self._DIED)

    def _stop(self, cancel):
        executor = self._executor
        if executor is None:
            return
        if not cancel:
            executor.shutdown(wait=True)
            return
        # A second Ctrl-C must not interrupt the cleanup and leave workers behind.
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            processes = _processes(executor)
            results = getattr(executor, "_result_queue", None)  # shutdown() forgets these
            manager = getattr(executor, "_executor_manager_thread", None)
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                with contextlib.suppress(Exception):
                    process.terminate()
            for process in processes:
                process.join(self.STOP_TIMEOUT)
                if process.is_alive():
                    process.kill()
                    process.join(self.STOP_TIMEOUT)
            # A worker killed while sending a result leaves half a message in the result
            # pipe, and the executor's manager thread waits for the rest forever (the
            # interpreter joins that thread at exit). With every worker gone, close our
            # copy of the pipe's write end: the read ends with EOF and the thread exits.
            writer = getattr(results, "_writer", None)
            if writer is not None:
                with contextlib.suppress(OSError):
                    writer.close()
            # Let that thread finish winding down now: at exit, the interpreter would
            # otherwise wake it through a pipe it may be closing (EBADF, printed).
            if manager is not None and manager is not threading.current_thread():
                manager.join(self.STOP_TIMEOUT)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)

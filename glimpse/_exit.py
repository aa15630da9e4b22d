"""SIGTERM and SIGHUP as interruptions: the pools' and the command line's shared clean-up.

Light on purpose (the standard library only): ``python -m glimpse`` uses it while numpy,
Pillow and the kernels are still loading.
"""

import signal
import sys
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised as Ctrl-C raises KeyboardInterrupt, so it gets the same
    clean-up: pools stop their workers, partly written files are removed.

    A subclass of KeyboardInterrupt: code that cleans up after a Ctrl-C cleans up after
    this too.

    Parameters
    ----------
    signum : int
        The signal received.

    Attributes
    ----------
    signum : int
    status : int
        The exit status that reports it, ``128 + signum`` (143 for SIGTERM, 129 for SIGHUP).
    """

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = int(signum)
        self.status = 128 + self.signum

    def __str__(self):
        try:
            return "terminated by %s" % signal.Signals(self.signum).name
        except ValueError:
            return "terminated by signal %d" % self.signum


#: The signals :func:`terminate_as_interrupt` turns into :class:`Terminated`.
TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                    if hasattr(signal, name))


def _raise_terminated(signum, frame):
    raise Terminated(signum)


def raises_terminated(handler):
    """Whether `handler` (a signal handler) is the one that raises :class:`Terminated`."""
    return handler is _raise_terminated


class terminate_as_interrupt:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    A context manager (also usable as ``enter()``/``exit()``). Only signals whose handler
    is the default one are taken over, so a SIGHUP ignored by ``nohup`` stays ignored and
    a handler set by the program is kept; outside the main thread it does nothing. The
    previous handlers are restored on exit.

    Examples
    --------
    The command line's main function::

        with terminate_as_interrupt():
            try:
                return run(args)
            except Terminated as err:
                return terminated(err)
            except KeyboardInterrupt:
                return interrupted()  # glimpse.cli._common.interrupted
    """

    def __init__(self, signals=TERMINATING):
        self.signals = tuple(signals)
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.signals:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    self._previous[signum] = signal.signal(signum, _raise_terminated)
        return self

    def __exit__(self, *exc):
        previous, self._previous = self._previous, {}
        for signum, handler in previous.items():
            if raises_terminated(signal.getsignal(signum)):  # not replaced meanwhile
                signal.signal(signum, handler)
        return False

    enter = __enter__

    def exit(self):
        """Restore the previous handlers (as leaving the block does)."""
        self.__exit__(None, None, None)


def terminated(err):
    """Report a :class:`Terminated` as ``glimpse: terminated (SIGTERM)`` on stderr; return
    its exit status (``128 + signum``: 143 for SIGTERM, 129 for SIGHUP).

    SIGINT and the terminating signals are left ignored (in the main thread) so that
    another one cannot cut the exit short.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT,) + TERMINATING:
            signal.signal(signum, signal.SIG_IGN)
    try:
        name = signal.Signals(err.signum).name
    except ValueError:
        name = "signal %d" % err.signum
    print("glimpse: terminated (%s)" % name, file=sys.stderr)
    return err.status

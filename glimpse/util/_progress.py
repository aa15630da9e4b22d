"""Progress bars: tqdm on stderr without its monitor thread, or a stand-in that prints nothing."""

from __future__ import annotations

import sys

__all__ = ["ProgressBar", "NoBar"]


class NoBar:
    """The progress bar that is not shown: counts nothing, prints nothing."""

    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ProgressBar(total: int, shown: bool, **options):
    """A progress bar over ``total`` items, or :class:`NoBar` when not ``shown``.

    Parameters
    ----------
    total : int
        Number of items.
    shown : bool
        Whether to show it; when False, tqdm is not imported.
    **options
        Passed to tqdm (``desc``, ``unit``, ``leave``, ``ncols``, ...); ``file`` defaults
        to ``sys.stderr``.

    Returns
    -------
    tqdm.auto.tqdm or NoBar
        A bar to use in a ``with`` block; pass its ``update`` as the ``progress``
        argument of ``Pool.map``. tqdm's monitor thread is off (worker processes may be
        forked while a bar is open).
    """
    if not shown:
        return NoBar()
    from tqdm.auto import tqdm  # imported only for a bar that is shown

    tqdm.monitor_interval = 0
    options.setdefault("file", sys.stderr)
    return tqdm(total=total, **options)

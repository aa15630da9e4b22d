"""One-line failure reports shared by ``glimpse.cli`` and ``python -m glimpse``.

Light on purpose (no numpy, Pillow or kernels): ``python -m glimpse`` uses it while
those are still loading.
"""

import signal
import sys
import threading


def one_line(text):
    """`text` (any object, through ``str``) on one line, runs of whitespace made one space."""
    return " ".join(str(text).split())


def interrupted():
    """Report a Ctrl-C as ``glimpse: interrupted`` on stderr; return the status, 130.

    SIGINT is left ignored (in the main thread) so that a second Ctrl-C cannot cut
    the exit short.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("glimpse: interrupted", file=sys.stderr)
    return 130

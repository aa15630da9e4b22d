"""``python -m glimpse``: the glimpse command line (see :mod:`glimpse.cli`)."""

import signal
import sys
import threading


def main():
    """Run the ``glimpse`` command; a glimpse that cannot be imported is one line, status 1.

    A Ctrl-C while the command's modules load (numpy, Pillow, the kernels: a good part
    of a second) is one line and status 130, as it is later.
    """
    try:
        from .cli import main as cli_main
    except ImportError as err:
        print("glimpse: error: %s" % " ".join(str(err).split()), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the exit
        print("glimpse: interrupted", file=sys.stderr)
        return 130
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())

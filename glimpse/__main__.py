"""``python -m glimpse``: the glimpse command line (see :mod:`glimpse.cli`)."""

import sys

from ._exit import Terminated, terminate_as_interrupt, terminated
from .cli._common import interrupted, one_line


def main():
    """Run the ``glimpse`` command; a glimpse that cannot be imported is one line, status 1.

    A Ctrl-C, SIGTERM or SIGHUP while the command's modules load is one line and status
    130, 143 or 129, as it is later.
    """
    with terminate_as_interrupt():
        try:
            from .cli import main as cli_main
        except ImportError as err:
            print("glimpse: error: %s" % one_line(err), file=sys.stderr)
            return 1
        except Terminated as err:
            return terminated(err)
        except KeyboardInterrupt:
            return interrupted()
        return cli_main()


if __name__ == "__main__":
    sys.exit(main())

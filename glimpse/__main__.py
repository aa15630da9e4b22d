"""``python -m glimpse``: the glimpse command line (see :mod:`glimpse.cli`)."""

import sys


def main():
    """Run the ``glimpse`` command; a glimpse that cannot be imported is one line, status 1."""
    try:
        from .cli import main as cli_main
    except ImportError as err:
        print("glimpse: error: %s" % " ".join(str(err).split()), file=sys.stderr)
        return 1
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())

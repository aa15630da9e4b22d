"""The ``glimpse`` command: sample, prepare and show images, and run experiments from the shell.

Run ``glimpse -h``. Every command reports a failure as one line on stderr,
``glimpse COMMAND: error: ...``, and an exit status: 0 done, 1 the work failed,
2 a bad argument or input file, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM; 129
for SIGHUP). Every file a command writes is written whole or not at all.

The commands are listed in :data:`COMMANDS`; the module of a command is imported only
when that command runs (or its ``--help`` is asked for), so ``glimpse --help`` and
``glimpse --version`` import neither numpy nor the kernels. A command's module has
``add_arguments(name, parser)``, which adds the command's options and sets the
parser's ``run`` default to a function of the parsed arguments; that function raises
:class:`~glimpse.cli._common.UsageError` or :class:`~glimpse.cli._common.CommandError`
to fail, and returns 0 (or None) on success. Shared pieces live in
:mod:`glimpse.cli._common`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections import namedtuple

from .._exit import Terminated, terminate_as_interrupt, terminated
from ._common import (CommandError, Parser, StdoutError, UsageError, echo, interrupted,
                      one_line, stdout_failed)

__all__ = ["main", "COMMANDS", "CommandInfo"]

#: Where a command lives (a module of this package) and its one-line summary.
CommandInfo = namedtuple("CommandInfo", "module summary")

#: The commands, in the order ``glimpse --help`` lists them.
COMMANDS = {
    "sample": CommandInfo("sample", "sample patches from the image layer of each image"),
    "prepare": CommandInfo("prepare", "write the prepared image layer as a PNG"),
    "show": CommandInfo("show", "draw the maps of a layer, the S1 kernels or S2 prototypes "
                        "as a PNG"),
    "imprint": CommandInfo("experiment", "make S2 prototypes from a corpus"),
    "features": CommandInfo("experiment", "compute feature vectors of a corpus"),
    "evaluate": CommandInfo("experiment", "run a whole experiment and print the classifier's "
                            "score"),
    "params": CommandInfo("experiment", "print the model parameters as JSON"),
}


class _VersionAction(argparse.Action):
    """``--version``: prints the version, read only when asked for (it costs an import)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        echo("glimpse %s" % __version__)  # on stdout, as argparse's own
        parser.exit()


def _command_in(argv):
    """The command `argv` names (its first word that is not an option), or None."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def _build_parser(argv=()):
    """The parser of the ``glimpse`` command line `argv` would run.

    Every command is listed; only the command `argv` names gets its options (its
    module is imported here).
    """
    command = _command_in(argv)
    parser = Parser(prog="glimpse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, info in COMMANDS.items():
        command_parser = sub.add_parser(name, help=info.summary, description=info.summary)
        if name == command:
            module = importlib.import_module("." + info.module, __name__)
            module.add_arguments(name, command_parser)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings (Pillow's on damaged files, ...) as one line each, without source lines.

    The line goes out in one write, so that worker processes sharing stderr do not
    interleave their lines.
    """
    sys.stderr.write("glimpse: warning: %s\n" % one_line(message))
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the ``glimpse`` command line; return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (without the program name). Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 when the work failed (for example every image was
        skipped, or ``--strict`` and one was; out of memory; an output that
        cannot be written; a package that is not installed); 2 for a bad argument
        or input file; 130 when interrupted (Ctrl-C); 143 on SIGTERM and 129 on
        SIGHUP (``128 + signum``); 141 when stdout is a pipe whose reader has gone.
        Every failure is reported in one line on stderr, ``glimpse COMMAND:
        error: ...`` (``glimpse: interrupted``, ``glimpse: terminated (SIGTERM)``).

    Notes
    -----
    While the command runs, SIGTERM and SIGHUP (when their handlers are the
    default ones) get the clean-up of a Ctrl-C: the workers are stopped, partly
    written files removed, and a previous output is left as it was
    (:class:`glimpse._exit.terminate_as_interrupt`). After a Ctrl-C, SIGINT is left
    ignored (in the main thread) so that a second one cannot cut the exit short;
    after SIGTERM or SIGHUP, those two and SIGINT are. A program that calls
    ``main`` itself and goes on may restore its handlers.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = _prog(argv)
    with warnings.catch_warnings(), terminate_as_interrupt():
        warnings.showwarning = _show_warning
        try:
            status = _main(argv)
        except Terminated as err:  # after the command's own handling, while it reported
            status = terminated(err)
        except SystemExit:  # --help and --version print on stdout, then exit
            failed = _flush_stdout(prog)
            if failed is not None:
                raise SystemExit(failed) from None
            raise
        failed = _flush_stdout(prog)
        return status if failed is None else failed


def _flush_stdout(prog):
    """Flush stdout (what the command printed); None, or the status of a failure."""
    try:
        sys.stdout.flush()
    except OSError as err:
        return stdout_failed(prog, err)
    return None


def _prog(argv):
    command = _command_in(argv)
    return "glimpse" if command is None else "glimpse " + command


def _error(prog, message):
    print("%s: error: %s" % (prog, one_line(message)), file=sys.stderr)


def _main(argv):
    prog = _prog(argv)
    try:
        parser = _build_parser(argv)
        args = parser.parse_args(argv)
        if args.command is None:
            commands = ", ".join(COMMANDS)
            usage = one_line(parser.format_usage()).replace("usage: ", "")
            raise UsageError("a COMMAND is required (%s); usage: %s" % (commands, usage))
        status = args.run(args)
        return 0 if status is None else status
    except UsageError as err:
        _error(prog, err)
        return 2
    except CommandError as err:
        _error(prog, err)
        return 1
    except MemoryError as err:
        _error(prog, "out of memory: %s" % (one_line(err) or "allocation failed"))
        return 1
    except (ImportError, OSError) as err:  # glimpse not built; writing the output: disk full
        _error(prog, err)
        return 1
    except StdoutError as err:
        return stdout_failed(prog, err.error)
    except Terminated as err:  # SIGTERM, SIGHUP: cleaned up as after a Ctrl-C
        return terminated(err)
    except KeyboardInterrupt:
        return interrupted()
    except Exception as err:
        from ..pools import WorkerError

        if isinstance(err, WorkerError):  # a worker process died
            _error(prog, err)
        else:  # a bug: still one line, never a traceback
            _error(prog, "unexpected %s: %s (please report this)"
                   % (type(err).__name__, one_line(err)))
        return 1

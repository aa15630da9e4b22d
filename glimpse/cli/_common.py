"""What every ``glimpse`` command shares: errors, value parsers, pools, output, progress.

Light on purpose: only the standard library is imported here at module level, so that
``glimpse --help``, ``glimpse --version`` and ``python -m glimpse`` (which uses
:func:`one_line` and :func:`interrupted` while the rest is still loading) stay cheap.
numpy, Pillow and the rest of glimpse are imported by the functions that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from ..util.fileio import quote_path

__all__ = [
    "UsageError",
    "CommandError",
    "Parser",
    "one_line",
    "quote_path",
    "echo",
    "StdoutError",
    "stdout_failed",
    "interrupted",
    "integer",
    "side",
    "real",
    "check_output",
    "check_not_input",
    "read_input",
    "output_file",
    "add_pool_options",
    "make_pool",
    "progress_bar",
    "report_skipped",
    "add_resize_options",
    "set_max_pixels",
    "load_reason",
]


# ---------------------------------------------------------------------------------------------
# Errors and one-line reports


class UsageError(Exception):
    """A bad command-line argument: one line (``glimpse COMMAND: error: MESSAGE``), status 2.

    The message says what is wrong; ``main`` adds the prefix.
    """


class CommandError(Exception):
    """The work failed: reported in one line (``glimpse COMMAND: error: MESSAGE``), status 1."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (one line, status 2)."""

    def error(self, message):
        raise UsageError(message)

    def _print_message(self, message, file=None):
        # argparse drops a failed write of --help silently; this one reports it
        if message:
            file = file or sys.stderr
            try:
                file.write(message)
                file.flush()
            except OSError as err:
                raise StdoutError(err) from None


def one_line(text):
    """`text` (any object, through ``str``) on one line, runs of whitespace made one space."""
    return " ".join(str(text).split())


class StdoutError(Exception):
    """Writing a command's output to stdout failed; ``error`` is the OSError."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def echo(text):
    """Print one line of a command's output on stdout.

    Raises
    ------
    StdoutError
        If stdout cannot be written (a closed pipe, a full disk); ``main`` reports it
        with :func:`stdout_failed`.
    """
    try:
        print(text)
    except OSError as err:
        raise StdoutError(err) from None


def stdout_failed(prog, err):
    """Report a failure to write stdout; return the exit status.

    A reader that went away (``glimpse params | head -c 1``: a BrokenPipeError) ends
    the command quietly with status 141, as a command ended by SIGPIPE; any other
    error (a full disk) is one line on stderr and status 1. Either way stdout is then
    pointed at the null device, so that the interpreter's own flush at exit finds
    nothing to complain about (what Python's documentation of SIGPIPE recommends).
    """
    _stdout_to_devnull()
    if isinstance(err, BrokenPipeError):
        return 128 + getattr(signal, "SIGPIPE", 13)
    print("%s: error: cannot write to stdout: %s" % (prog, err.strerror or one_line(err)),
          file=sys.stderr)
    return 1


def _stdout_to_devnull():
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # replaced by an object without a file
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def interrupted():
    """Report a Ctrl-C as ``glimpse: interrupted`` on stderr; return the status, 130.

    SIGINT is left ignored (in the main thread) so that a second Ctrl-C cannot cut
    the exit short.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("glimpse: interrupted", file=sys.stderr)
    return 130


# ---------------------------------------------------------------------------------------------
# Values


def _checked(text, convert, check, *bounds):
    """A command-line value parsed by ``convert`` and checked with the shared vocabulary."""
    try:
        value = convert(text)
    except ValueError:
        value = text  # the check refuses it, naming its type
    try:
        return check(value, "the value", *bounds)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def integer(minimum=None, maximum=None):
    """An argparse ``type``: an integer within the inclusive bounds.

    The value is checked by :func:`glimpse.util._checks.integer`; a bad one is a usage
    error naming the option ("argument --width/-w: the value must be ..., got ...").
    """
    def parse(text):
        from ..util import _checks

        return _checked(text, int, _checks.integer, minimum, maximum)

    parse.__name__ = "integer"
    return parse


def side(text):
    """An argparse ``type``: a size in pixels (or a count of them), >= 1 and < 2**31.

    The lower bound is checked first, so that a negative value is told what it must be.
    """
    return integer(None, 2**31 - 1)(integer(1)(text))


def real(minimum=None, maximum=None):
    """An argparse ``type``: a finite real number within the inclusive bounds.

    Checked by :func:`glimpse.util._checks.real`, as :func:`integer` is.
    """
    def parse(text):
        from ..util import _checks

        return _checked(text, float, _checks.real, minimum, maximum)

    parse.__name__ = "real"
    return parse


# ---------------------------------------------------------------------------------------------
# Output files


def check_output(path, suffix, inputs=()):
    """Refuse an output path that cannot be written, before any work is done.

    Every command checks its ``--output`` here, so the same mistake gets the same
    message: the directory is checked first, then that `path` is no directory, then
    the extension, then that it is none of the command's input files.

    Parameters
    ----------
    path : str
        The output path given on the command line.
    suffix : str
        The required extension, compared case-insensitively (".npz", ".png"), or "".
    inputs : list of (str, str or None)
        The command's input files, as for :func:`check_not_input`.

    Raises
    ------
    UsageError
        If the directory does not exist, `path` is a directory, the extension is
        wrong, or `path` is one of `inputs`.
    """
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError("the directory of --output must exist, got %s" % quote_path(parent))
    if os.path.isdir(path):
        raise UsageError("--output must be a file, got the directory %s" % quote_path(path))
    if suffix and not path.lower().endswith(suffix.lower()):
        raise UsageError("--output must end with %s, got %s" % (suffix, quote_path(path)))
    check_not_input(path, inputs)


def check_not_input(output, inputs):
    """Refuse an output that is one of the command's input files, before any work is done.

    Parameters
    ----------
    output : str
        The ``--output`` path.
    inputs : list of (str, str or None)
        (what, path) of each input file, ``what`` as a message names it ("--prototypes",
        "IMAGE"); None paths are ignored.

    Raises
    ------
    UsageError
        If `output` is the same file as an input (after following links).
    """
    if not os.path.exists(output):
        return
    for what, path in inputs:
        if path is None:
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(path, output):
                raise UsageError("--output %s is the %s file %s; writing it would lose that "
                                 "input: give another --output"
                                 % (quote_path(output), what, quote_path(path)))


def read_input(path, option, reader):
    """Read the file `path` given as `option` with `reader` (a :mod:`glimpse.files` reader).

    Parameters
    ----------
    path : str
        The file named on the command line.
    option : str
        The option that named it ("--prototypes", "--patches").
    reader : callable
        Called with `path`; returns what the file holds.

    Returns
    -------
    object
        What `reader` returned.

    Raises
    ------
    UsageError
        If the file cannot be opened or is not what the option needs (damaged,
        foreign, inconsistent): one line, "cannot read OPTION FILE: what is wrong".
    """
    from ..files import FileFormatError

    try:
        return reader(path)
    except FileFormatError as err:
        reason = err.reason
    except OSError as err:
        reason = err.strerror or one_line(err)
    raise UsageError("cannot read %s %s: %s" % (option, quote_path(path), reason))


@contextlib.contextmanager
def output_file(path):
    """Write the output file `path` atomically.

    Parameters
    ----------
    path : str
        The output path (written under exactly this name).

    Yields
    ------
    file object
        An open binary file to write to.

    Notes
    -----
    The file appears at `path` (exactly that name) only if the block succeeds;
    on any failure, including Ctrl-C and a full disk, a previous file there is
    kept and no temporary file is left (:func:`glimpse.util.fileio.atomic_write`).
    Call :func:`check_output` first to refuse a bad path as a usage error.
    """
    from ..util.fileio import atomic_write

    with atomic_write(path, "wb") as f:
        yield f


def model_name(text):
    """An argparse ``type``: a model of the registry :data:`glimpse.models.MODELS`.

    Checked by the registry's own lookup (case-insensitive, spaces ignored); a name it
    does not know is a usage error listing the known ones.
    """
    from ..models import DEFAULT_MODEL, MODELS
    from ..util import _checks

    try:
        return _checks.registry_key(text, MODELS, "model", "GLIMPSE_MODEL", DEFAULT_MODEL)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_model_option(parser, help=None):
    """Add ``--model NAME`` (a name of :data:`glimpse.models.MODELS`) to `parser`.

    Its default, None, leaves the choice to ``GLIMPSE_MODEL``, else the ``ml`` model.
    """
    from ..models import MODELS

    parser.add_argument("--model", type=model_name, default=None, metavar="NAME",
                        help=help or "the model: %s (default: $GLIMPSE_MODEL, else ml)"
                        % ", ".join(MODELS))


def prototypes_model(model, recorded, path):
    """The model name of a command given ``--model`` `model` and ``--prototypes`` `path`,
    whose file records `recorded` (None: it records none): the one named, or the file's.

    A ``--model`` naming another model than the file's is a usage error naming both.
    """
    if model is not None and recorded is not None and model != recorded:
        raise UsageError("--model %s disagrees with --prototypes %s, made by the %s model"
                         % (model, quote_path(path), recorded))
    return model or recorded


# ---------------------------------------------------------------------------------------------
# Pools


def add_pool_options(parser):
    """Add ``--workers K``, ``--pool NAME`` and ``--scheduler ADDR`` to a command's parser.

    Every command that computes images takes the same three options with the same
    defaults: one worker, run in the calling thread. Pass the parsed arguments to
    :func:`make_pool`.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    from ..pools import POOLS

    group = parser.add_argument_group("computing")
    group.add_argument("--workers", type=integer(1), default=1,
                       help="images computed at a time (default: 1)")
    group.add_argument("--pool", choices=sorted(POOLS), default=None,
                       help="how --workers run: 'threads' (glimpse's kernels and Pillow "
                       "release the GIL), 'processes', 'dask' or 'serial' (default: "
                       "$GLIMPSE_POOL, else threads; one worker runs in the calling thread)")
    group.add_argument("--scheduler", metavar="ADDR",
                       help="with --pool dask: the address of a running Dask scheduler "
                       "(default: start a local cluster on 127.0.0.1)")


def make_pool(args, jobs=None, chunksize=None):
    """The pool chosen by ``--workers``, ``--pool`` and ``--scheduler``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of :func:`add_pool_options`.
    jobs : int, optional
        How many items the pool will run, when known (no more workers than that are
        started).
    chunksize : int, optional
        Items a worker takes at a time (see :class:`glimpse.pools.Pool`); default:
        the pool's own.

    Returns
    -------
    glimpse.pools.Pool
        One worker (or one job) without ``--pool`` runs in the calling thread;
        otherwise the pool ``--pool`` names, else the ``GLIMPSE_POOL`` environment
        variable, else threads. A Dask pool is connected (or its local cluster
        started) before it is returned. Use it in a ``with`` block.

    Raises
    ------
    UsageError
        If the choice is invalid (``--pool serial`` with several workers,
        ``--scheduler`` without ``--pool dask``, a bad ``GLIMPSE_POOL``, a pool
        whose package is not installed).
    """
    from ..pools import MakePool

    if args.scheduler is not None and args.pool != "dask":
        raise UsageError("--scheduler needs --pool dask")
    if args.pool == "serial" and args.workers != 1:
        raise UsageError("--pool serial runs one worker, got --workers %d" % args.workers)
    workers = args.workers if jobs is None else max(1, min(args.workers, jobs))
    name = args.pool
    if name is None and workers == 1:
        name = "serial"
    options = {} if chunksize is None else {"chunksize": chunksize}
    if args.scheduler is not None:
        options["address"] = args.scheduler
    try:
        pool = MakePool(name, workers=workers, **options)
    except (ValueError, TypeError) as err:
        raise UsageError(str(err)) from None
    if pool.name == "dask":
        pool.client  # connect, or start the local cluster, now
    return pool


# ---------------------------------------------------------------------------------------------
# Progress and skipped images


def progress_bar(total, quiet, desc=None, unit=" images"):
    """A tqdm progress bar on stderr, shown only when stderr is a terminal and not `quiet`.

    Parameters
    ----------
    total : int
        Number of items.
    quiet : bool
        True for no bar (``--quiet``).
    desc : str, optional
        Text before the bar.
    unit : str, default " images"
        What is counted (the rate reads "... images/s").

    Returns
    -------
    tqdm.tqdm
        A bar to use in a ``with`` block; pass its ``update`` as the ``progress``
        argument of ``Pool.map``. A bar that is not shown is
        :class:`glimpse.util._progress.NoBar`, which prints nothing (tqdm is not
        imported).
    """
    from ..util._progress import ProgressBar

    shown = not quiet and total > 0 and sys.stderr.isatty()
    columns = lines = 0
    if shown:  # a terminal that reports no size (0x0) gets 80x24
        with contextlib.suppress(OSError, ValueError):
            columns, lines = os.get_terminal_size(sys.stderr.fileno())
    return ProgressBar(total, shown, desc=desc, unit=unit, file=sys.stderr,
                       ncols=columns if columns > 0 else 80, nrows=lines if lines > 0 else 24,
                       leave=True)


def report_skipped(skipped):
    """Report the images a command skipped on stderr: one line each, then a summary line.

    Parameters
    ----------
    skipped : list of (str, str)
        (path, reason) pairs, in the order of the images. Nothing is printed when empty.
        Each path is shown by :func:`quote_path` and each reason on one line, so that
        every report is one line whatever the names of the files.
    """
    skipped = list(skipped)
    for path, reason in skipped:
        print("glimpse: skipped %s: %s" % (quote_path(path), one_line(reason)),
              file=sys.stderr)
    if skipped:
        print("glimpse: skipped %d image(s): %s"
              % (len(skipped), ", ".join(quote_path(p) for p, _ in skipped)), file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Image preparation (sample, prepare)


def add_resize_options(parser, defaults):
    """Add ``--resize-method``, ``--resize-length``, ``--aspect-ratio`` and ``--max-pixels``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    defaults : bool
        True to default to the model's parameters; False to leave them None (to be
        taken from another file).
    """
    from PIL import Image

    from ..models.base import Params, ResizeMethod
    from ..models.base.param import ASPECT_RATIO_RANGE, RESIZE_LENGTH_RANGE

    d = Params()
    group = parser.add_argument_group("image preparation")
    group.add_argument(
        "--resize-method", choices=[m.value for m in ResizeMethod],
        default=d.image_resize_method.value if defaults else None,
        help="how the image is resized (default: %s)" % d.image_resize_method.value,
    )
    group.add_argument(
        "--resize-length", type=integer(*RESIZE_LENGTH_RANGE),
        default=d.image_resize_length if defaults else None,
        help="target edge length in pixels (default: %d)" % d.image_resize_length,
    )
    group.add_argument(
        "--aspect-ratio", type=real(*ASPECT_RATIO_RANGE),
        default=d.image_resize_aspect_ratio if defaults else None,
        help="width / height for 'scale and crop' (default: %g)" % d.image_resize_aspect_ratio,
    )
    group.add_argument(
        "--max-pixels", type=integer(1), default=None,
        help="refuse images with more pixels than this, a guard against decompression "
        "bombs (default: Pillow's limit, %d)" % Image.MAX_IMAGE_PIXELS,
    )


def set_max_pixels(limit):
    """Apply ``--max-pixels`` (None keeps Pillow's limit)."""
    if limit is not None:
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = limit


def load_reason(err):
    """Why an image could not be loaded (an InputLoadError), with a hint for big images."""
    reason = err.msg or str(err)
    if "MAX_IMAGE_PIXELS" in reason:
        reason += "; raise the limit with --max-pixels"
    return reason

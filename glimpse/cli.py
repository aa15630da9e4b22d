"""The ``glimpse`` command: sample patches and prepare images from the shell.

``glimpse sample`` builds the IMAGE layer of each image and samples patches from
it into one .npz file; ``glimpse prepare`` writes the prepared image layer as a
PNG, optionally with the sampled patches drawn on it. Run ``glimpse -h``.

Every command reports a failure as one line on stderr and an exit status: 0 done,
1 the work failed, 2 a bad argument, 130 interrupted (Ctrl-C). Every file a
command writes is written whole or not at all (:func:`output_file`).

A command is one ``sub.add_parser`` block in ``_build_parser`` that sets
``run=_run_NAME``; ``_run_NAME(args)`` returns the exit status and reports failures
by raising :class:`UsageError` (status 2) or :class:`CommandError` (status 1) with a
one-line message; ``main`` turns those, MemoryError, OSError, a dead worker and
Ctrl-C into one line and a status. Shared pieces: :func:`collect_images`,
:func:`check_output` and :func:`output_file`, :func:`add_pool_options` and
:func:`make_pool`, :func:`progress_bar`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import warnings

import numpy as np
from PIL import Image

from . import _cli_show, glab
from ._exit import interrupted
from ._exit import one_line as _one_line
from .backends import InputLoadError, InputSizeError, InputSource
from .models.base import BuildLayer, Layer, Model, Params, ResizeMethod, SamplePatches
from .models.base.param import ASPECT_RATIO_RANGE, RESIZE_LENGTH_RANGE
from .pools import POOLS, MakePool, WorkerError
from .util import _allocator, _checks, gimage, npz
from .util.fileio import atomic_write
from .util.imagefiles import WalkImages

__all__ = [
    "main",
    "UsageError",
    "CommandError",
    "collect_images",
    "output_file",
    "check_output",
    "add_pool_options",
    "make_pool",
    "progress_bar",
]

_METHODS = [m.value for m in ResizeMethod]


class UsageError(Exception):
    """A bad command-line argument: reported in one line, exit status 2."""


class CommandError(Exception):
    """The work failed: reported in one line (the message), exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError("%s: error: %s" % (self.prog, message))


def _checked(text, convert, check, *args, **kw):
    """A command-line value parsed by ``convert`` and checked with the shared vocabulary."""
    try:
        value = convert(text)
    except ValueError:
        value = text  # the check refuses it, naming its type
    try:
        return check(value, "the value", *args, **kw)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _positive_int(text, allow_zero=False):
    return _checked(text, int, _checks.integer, 0 if allow_zero else 1)


def _side(text):
    """A patch width: at most the largest image side Pillow and glimpse accept."""
    value = _positive_int(text)
    if value > 2**31 - 1:
        raise argparse.ArgumentTypeError("expected an integer <= %d, got %r" % (2**31 - 1, text))
    return value


def _count(text):
    return _positive_int(text, allow_zero=True)


def _resize_length(text):
    return _checked(text, int, _checks.integer, *RESIZE_LENGTH_RANGE)


def _aspect_ratio(text):
    return _checked(text, float, _checks.real, *ASPECT_RATIO_RANGE)


def _seed(text):
    return _checked(text, int, _checks.integer, 0, 2**63 - 1)


def _add_resize_options(parser, defaults):
    d = Params()
    group = parser.add_argument_group("image preparation")
    group.add_argument(
        "--resize-method", choices=_METHODS,
        default=d.image_resize_method.value if defaults else None,
        help="how the image is resized (default: %s)" % d.image_resize_method.value,
    )
    group.add_argument(
        "--resize-length", type=_resize_length,
        default=d.image_resize_length if defaults else None,
        help="target edge length in pixels (default: %d)" % d.image_resize_length,
    )
    group.add_argument(
        "--aspect-ratio", type=_aspect_ratio,
        default=d.image_resize_aspect_ratio if defaults else None,
        help="width / height for 'scale and crop' (default: %g)" % d.image_resize_aspect_ratio,
    )
    group.add_argument(
        "--max-pixels", type=_positive_int, default=None,
        help="refuse images with more pixels than this, a guard against decompression "
        "bombs (default: Pillow's limit, %d)" % Image.MAX_IMAGE_PIXELS,
    )


# ---------------------------------------------------------------------------------------------
# Shared by the commands


def add_pool_options(parser):
    """Add ``--workers K`` and ``--pool NAME`` to a command's parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser. Pass the parsed arguments to :func:`make_pool`.
    """
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help="images processed at a time (default: 1)")
    parser.add_argument("--pool", choices=sorted(POOLS), default=None,
                        help="how --workers run: 'threads' (the default; glimpse's kernels "
                        "and Pillow release the GIL), 'processes', or 'serial' "
                        "(default: $GLIMPSE_POOL, else threads; serial for one worker)")


def make_pool(args, jobs, chunksize=None):
    """The pool chosen by ``--workers`` and ``--pool`` for `jobs` items of work.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments with ``workers`` and ``pool`` (see :func:`add_pool_options`).
    jobs : int
        How many items the pool will run (no more workers than that are started).
    chunksize : int, optional
        Items a worker takes at a time (see :class:`glimpse.pools.Pool`); default:
        the pool's own.

    Returns
    -------
    glimpse.pools.Pool
        One worker (or one job) without ``--pool`` runs in the calling thread;
        otherwise the pool ``--pool`` names, else the ``GLIMPSE_POOL`` environment
        variable, else threads. Use it in a ``with`` block.

    Raises
    ------
    UsageError
        If the choice is invalid (``--pool serial`` with several workers, a bad
        ``GLIMPSE_POOL``).
    """
    workers = max(1, min(args.workers, jobs))
    name = args.pool
    if name is None and workers == 1:
        name = "serial"
    if args.pool == "serial" and args.workers != 1:
        raise UsageError("glimpse: error: --pool serial runs one worker, got --workers %d"
                         % args.workers)
    try:
        options = {} if chunksize is None else {"chunksize": chunksize}
        return MakePool(name, workers=workers, **options)
    except (ValueError, TypeError) as err:
        raise UsageError("glimpse: error: %s" % err) from None


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
        argument of ``Pool.map``. A bar that is not shown is a stand-in with the
        same ``update`` and ``close`` that prints nothing (tqdm is not imported).
    """
    shown = not quiet and total > 0 and sys.stderr.isatty()
    if not shown:
        return _NoBar()
    from tqdm import tqdm  # imported only for a bar that is shown

    tqdm.monitor_interval = 0  # no monitor thread (worker processes may be forked)
    columns = lines = 0
    # a terminal that reports no size (0x0) gets 80x24
    with contextlib.suppress(OSError, ValueError):
        columns, lines = os.get_terminal_size(sys.stderr.fileno())
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
                ncols=columns if columns > 0 else 80, nrows=lines if lines > 0 else 24,
                leave=True)


class _NoBar:
    """The progress bar that is not shown: counts nothing, prints nothing."""

    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def collect_images(paths):
    """The image files named by `paths`, directories walked.

    Parameters
    ----------
    paths : list of str
        Files and directories, as given on the command line.

    Returns
    -------
    list of str
        The image paths in order; with no paths, the example image shipped
        with glimpse.

    Notes
    -----
    A directory is walked recursively in sorted order, following symbolic links to
    directories (each directory is visited once, so link loops end), and only files
    whose extension is a raster format Pillow reads are kept (case-insensitive; EPS,
    PDF and WMF are not collected). A path that is not a directory is kept as given,
    whatever its name (it is reported later if it cannot be read).
    """
    if not paths:
        return [str(glab.GetExampleImagePath())]
    images = []
    for path in paths:
        if os.path.isdir(path):
            images.extend(WalkImages(path))
        else:
            images.append(path)
    return images


def check_output(path, suffix, prefix="glimpse"):
    """Refuse an output path that cannot be written, before any work is done.

    Every command checks its ``--output`` here, so the same mistake gets the same
    message: the directory is checked first, then that `path` is no directory, then
    the extension.

    Parameters
    ----------
    path : str
        The output path given on the command line.
    suffix : str
        The required extension, compared case-insensitively (".npz", ".png"), or "".
    prefix : str
        What starts the message, before ": error:" (the command, "glimpse show").

    Raises
    ------
    UsageError
        If the directory does not exist, `path` is a directory, or the extension
        is wrong.
    """
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError("%s: error: the directory of --output must exist, got %s"
                         % (prefix, parent))
    if os.path.isdir(path):
        raise UsageError("%s: error: --output must be a file, got the directory %s"
                         % (prefix, path))
    if suffix and not path.lower().endswith(suffix.lower()):
        raise UsageError("%s: error: --output must end with %s, got %r" % (prefix, suffix, path))


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
    with atomic_write(path, "wb") as f:
        yield f


def _with_max_pixels(limit):
    if limit is not None:
        Image.MAX_IMAGE_PIXELS = limit


def _load_reason(err):
    reason = err.msg or str(err)
    if "MAX_IMAGE_PIXELS" in reason:
        reason += "; raise the limit with --max-pixels"
    return reason


class _VersionAction(argparse.Action):
    """``--version``: prints the version, read only when asked for (it costs an import)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__

        sys.stdout.write("glimpse %s\n" % __version__)  # on stdout, as argparse's own
        parser.exit()


def _build_parser():
    parser = _Parser(prog="glimpse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sample = sub.add_parser(
        "sample", help="sample patches from the image layer of each image",
        description="Build the IMAGE layer of each image and sample patches from it. "
        "Directories are walked for raster image files in sorted order (following "
        "symbolic links); with no images, the example image shipped with glimpse is used.",
    )
    sample.set_defaults(run=_run_sample)
    sample.add_argument("images", nargs="*", metavar="IMAGE", help="image files or directories")
    sample.add_argument("--num-patches", "-n", type=_count, required=True,
                        help="patches per image")
    sample.add_argument("--width", "-w", type=_side, required=True,
                        help="patch width in pixels")
    sample.add_argument("--seed", type=_seed, default=None,
                        help="random seed (default: fresh entropy, recorded in the output)")
    _add_resize_options(sample, defaults=True)
    add_pool_options(sample)
    sample.add_argument("--output", "-o", required=True, help="output .npz file")
    sample.add_argument("--strict", action="store_true",
                        help="fail (exit status 1) if any image is skipped")
    sample.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sample.add_argument("--exact", action="store_true",
                        help="build the image layer from the RGB a JPEG decodes to, bit for "
                        "bit as the library does from an opened image (default: from the "
                        "luma the JPEG stores, reduced by its decoder while at least 4 times "
                        "the resize target: faster, within 0.02 of the exact layer)")

    prepare = sub.add_parser(
        "prepare", help="write the prepared image layer as a PNG",
        description="Write the IMAGE layer of an image as a greyscale PNG, so a person can "
        "see what the model sees. With --patches, the patches sampled from this image "
        "are drawn on it (and the resize options default to those used for sampling).",
    )
    prepare.set_defaults(run=_run_prepare)
    prepare.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                         help="image file (default: the example image shipped with glimpse)")
    prepare.add_argument("--output", "-o", required=True, help="output PNG file")
    _add_resize_options(prepare, defaults=False)
    prepare.add_argument("--patches", help=".npz written by 'glimpse sample'")
    _cli_show.add_parser(sub)
    from .experiment import cli as experiment_cli

    experiment_cli.add_parsers(sub)
    parser.commands = list(sub.choices)  # for the message of a bare 'glimpse'
    return parser


# ---------------------------------------------------------------------------------------------
# glimpse sample


def _version():
    from . import __version__

    return __version__


@functools.lru_cache(maxsize=4)
def _sample_model(params, backend):
    """The model a worker samples with, made once per worker for each job's settings.

    ``params`` are the Params items as a tuple, ``backend`` the ``GLIMPSE_BACKEND``
    the model was made under (a model holds no state between images).
    """
    return Model(Params(**dict(params)))


#: At most this many images go to a worker at a time (fewer when there are fewer than
#: eight such chunks per worker, so that the work stays balanced).
_SAMPLE_CHUNK = 4


def _sample_one(job):
    """Sample one image (runs on a worker). Returns (index, patches, locs, error)."""
    index, path, params, num_patches, width, seed_seq, max_pixels, exact = job
    _with_max_pixels(max_pixels)
    model = _sample_model(tuple(params.items()), os.environ.get("GLIMPSE_BACKEND"))
    try:
        patches, locs = SamplePatches(
            model, Layer.IMAGE, num_patches, width, InputSource(path, exact=exact),
            rng=np.random.default_rng(seed_seq)
        )
    except InputLoadError as err:
        return index, None, None, "unreadable: %s" % _load_reason(err)
    except InputSizeError as err:
        return index, None, None, "too small for patch width %d: %s" % (width, err.msg or err)
    return index, patches, locs, None


def _run_sample(args):
    with contextlib.ExitStack() as cleanup:  # the spooled patches are deleted on any exit
        return _sample(args, cleanup)


def _sample(args, cleanup):
    check_output(args.output, ".npz")
    params = dict(
        image_resize_method=args.resize_method,
        image_resize_length=args.resize_length,
        image_resize_aspect_ratio=args.aspect_ratio,
    )
    try:
        Params(**params)
    except (ValueError, TypeError, OverflowError) as err:
        raise UsageError("glimpse sample: error: %s" % err) from None
    try:
        _checks.memory(args.num_patches * args.width * args.width * 4,
                       "--num-patches %d of width %d" % (args.num_patches, args.width))
    except MemoryError as err:
        raise UsageError("glimpse sample: error: %s (per image)" % err) from None
    seed = args.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    images = collect_images(args.images)
    if not images:
        raise UsageError(
            "glimpse sample: error: no image files found in %s" % " ".join(args.images)
        )
    _with_max_pixels(args.max_pixels)
    _allocator.retain_freed_memory()  # every image reuses the buffers of the one before
    children = np.random.SeedSequence(seed).spawn(len(images))
    jobs = [
        (i, path, params, args.num_patches, args.width, children[i], args.max_pixels,
         args.exact)
        for i, path in enumerate(images)
    ]
    # Written as the results arrive, in order: the patches go to a spool file beside the
    # output (they are never all in memory; the .npz is copied from it), the locations
    # into arrays allocated with the first result (a skipped image leaves no gap: the
    # rows kept are a prefix).
    w, n = args.width, args.num_patches
    patches = locations = image_index = None
    kept, skipped = [], []
    # A few images per hand-off: each one costs the main thread and a worker some Python
    # (held under the GIL) while the workers otherwise decode and resample in parallel.
    chunksize = max(1, min(_SAMPLE_CHUNK, len(jobs) // (8 * max(1, args.workers))))
    with make_pool(args, len(jobs), chunksize) as pool, \
            progress_bar(len(jobs), args.quiet) as bar:
        for index, got, locs, error in pool.map(_sample_one, jobs, progress=bar.update):
            if error is not None:
                skipped.append((images[index], error))
                continue
            if patches is None:
                patches = cleanup.enter_context(npz.RowSpool(
                    got.shape[1:], got.dtype, os.path.dirname(os.path.abspath(args.output)),
                    name=args.output))
                locations = np.empty((len(jobs) * n, 3), np.int64)
                image_index = np.empty(len(jobs) * n, np.int64)
            rows = slice(len(kept) * n, (len(kept) + 1) * n)
            patches.append(got)
            locations[rows] = locs
            image_index[rows] = index
            kept.append(index)
    for path, reason in skipped:
        print("glimpse: skipped %s: %s" % (path, reason), file=sys.stderr)
    if skipped:  # a failed run writes nothing: a previous file at the output path is kept
        print(
            "glimpse: skipped %d image(s): %s"
            % (len(skipped), ", ".join(p for p, _ in skipped)),
            file=sys.stderr,
        )
        if args.strict:
            print("glimpse: error: --strict and %d image(s) skipped; %s not written"
                  % (len(skipped), args.output), file=sys.stderr)
            return 1
    if not kept:
        print("glimpse: error: no image could be sampled; %s not written" % args.output,
              file=sys.stderr)
        return 1
    end = len(kept) * n  # the rows written: the arrays were sized for every image
    locations, image_index = locations[:end], image_index[:end]
    with output_file(args.output) as f:  # streamed from the spool and the arrays
        npz.savez(
            f,
            patches=patches,
            locations=locations,
            image_index=image_index,
            image_paths=np.array(images, dtype=str),
            image_realpaths=np.array([os.path.realpath(p) for p in images], dtype=str),
            skipped_paths=np.array([p for p, _ in skipped], dtype=str),
            skipped_reasons=np.array([r for _, r in skipped], dtype=str),
            seed=np.int64(seed),
            num_patches=np.int64(args.num_patches),
            width=np.int64(w),
            resize_method=np.array(args.resize_method),
            resize_length=np.int64(args.resize_length),
            aspect_ratio=np.float64(args.aspect_ratio),
            exact=np.bool_(args.exact),
            glimpse_version=np.array(_version()),
        )
    print(
        "glimpse: wrote %s: %d patches of %dx%d from %d of %d image(s), seed %d"
        % (args.output, len(patches), w, w, len(kept), len(images), seed)
    )
    return 0


# ---------------------------------------------------------------------------------------------
# glimpse prepare


def _bad_patch_file(path, what):
    return UsageError("glimpse prepare: error: %s: %s" % (path, what))


def _scalar(data, key, kind, path):
    """The 0-d entry `key` of a patch file as a Python value of `kind` ('i', 'f' or 'U')."""
    value = data[key]
    if value.ndim != 0 or value.dtype.kind not in {"i": "iu", "f": "fiu", "U": "U"}[kind]:
        raise _bad_patch_file(path, "%s must be a single %s, got %r" % (
            key, {"i": "integer", "f": "number", "U": "string"}[kind], value))
    return {"i": int, "f": float, "U": str}[kind](value)


def _load_patch_file(path):
    """Read and check a file written by ``glimpse sample``; bad files are a UsageError."""
    try:
        with open(path, "rb") as fh:
            npz = np.load(fh, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise _bad_patch_file(path, "not a .npz file written by 'glimpse sample'")
            with npz:
                data = {key: npz[key] for key in npz.files}
    except UsageError:
        raise
    except Exception as err:  # OSError, a damaged zip, zlib or .npy format errors
        raise _bad_patch_file(path, "cannot read it: %s" % err) from None
    needed = {"locations", "image_index", "image_paths", "width", "resize_method",
              "resize_length", "aspect_ratio"}
    missing = sorted(needed - set(data))
    if missing:
        raise _bad_patch_file(path, "not written by 'glimpse sample' (no %s)"
                              % ", ".join(missing))
    recorded = {
        "width": _scalar(data, "width", "i", path),
        "resize_method": _scalar(data, "resize_method", "U", path),
        "resize_length": _scalar(data, "resize_length", "i", path),
        "aspect_ratio": _scalar(data, "aspect_ratio", "f", path),
    }
    if recorded["width"] < 1:
        raise _bad_patch_file(path, "width must be >= 1, got %d" % recorded["width"])
    if recorded["resize_method"] not in _METHODS:
        raise _bad_patch_file(path, "resize_method must be one of %s, got %r"
                              % (", ".join(map(repr, _METHODS)), recorded["resize_method"]))
    if recorded["resize_length"] < 1:
        raise _bad_patch_file(path, "resize_length must be >= 1, got %d"
                              % recorded["resize_length"])
    ratio = recorded["aspect_ratio"]
    if not (np.isfinite(ratio) and ratio > 0):
        raise _bad_patch_file(path, "aspect_ratio must be a finite number > 0, got %r" % ratio)
    locations, index = data["locations"], data["image_index"]
    if locations.ndim != 2 or locations.shape[1:] != (3,) or locations.dtype.kind not in "iu":
        raise _bad_patch_file(path, "locations must be integer rows of (scale, y, x), got %s %s"
                              % (locations.dtype, locations.shape))
    if index.shape != locations.shape[:1] or index.dtype.kind not in "iu":
        raise _bad_patch_file(path, "image_index must be %d integers, got %s %s"
                              % (len(locations), index.dtype, index.shape))
    names = ["image_paths"] + (["image_realpaths"] if "image_realpaths" in data else [])
    for name in names:
        if data[name].ndim != 1 or data[name].dtype.kind != "U":
            raise _bad_patch_file(path, "%s must be a list of paths" % name)
    if "image_realpaths" in data and len(data["image_realpaths"]) != len(data["image_paths"]):
        raise _bad_patch_file(path, "image_realpaths and image_paths differ in length")
    data.update(recorded)
    return data


def _patch_rows(data, image):
    """Rows of the patch file `data` that were sampled from `image` (matched by real path)."""
    target = os.path.realpath(image)
    if "image_realpaths" in data:
        paths = [str(p) for p in data["image_realpaths"]]
    else:  # files from before real paths were recorded: resolve from here
        paths = [os.path.realpath(str(p)) for p in data["image_paths"]]
    indices = [i for i, p in enumerate(paths) if p == target]
    return np.flatnonzero(np.isin(data["image_index"], indices))


def _run_prepare(args):
    check_output(args.output, ".png")
    if args.image is None:
        args.image = str(glab.GetExampleImagePath())
    patches = None
    chosen = {
        "resize_method": args.resize_method,
        "resize_length": args.resize_length,
        "aspect_ratio": args.aspect_ratio,
    }
    if args.patches is not None:
        patches = _load_patch_file(args.patches)
        for key, value in chosen.items():
            if value is None:
                chosen[key] = patches[key]
            elif value != patches[key]:
                raise UsageError(
                    "glimpse prepare: error: --%s %s differs from %s used for %s"
                    % (key.replace("_", "-"), value, patches[key], args.patches)
                )
    defaults = Params()
    try:
        params = Params(
            image_resize_method=chosen["resize_method"] or defaults.image_resize_method,
            image_resize_length=(defaults.image_resize_length if chosen["resize_length"] is None
                                 else chosen["resize_length"]),
            image_resize_aspect_ratio=(defaults.image_resize_aspect_ratio
                                       if chosen["aspect_ratio"] is None
                                       else chosen["aspect_ratio"]),
        )
    except (ValueError, TypeError, OverflowError) as err:
        where = args.patches if args.patches is not None else "the options"
        raise UsageError("glimpse prepare: error: %s: %s" % (where, err)) from None
    _with_max_pixels(args.max_pixels)
    try:
        image = BuildLayer(Model(params), Layer.IMAGE, args.image)[Layer.IMAGE]
    except InputLoadError as err:
        raise CommandError("glimpse: error: %s: %s" % (args.image, _load_reason(err))) from None
    out = gimage.ArrayToImage(image)
    count = 0
    if patches is not None:
        rows = _patch_rows(patches, args.image)
        if not len(rows):
            raise CommandError("glimpse: error: %s holds no patches of %s"
                               % (args.patches, args.image))
        w = patches["width"]
        height, width = image.shape
        locations = patches["locations"][rows]
        outside = (locations[:, 0] != 0) | (locations[:, 1] < 0) | (locations[:, 2] < 0) \
            | (locations[:, 1] > height - w) | (locations[:, 2] > width - w)
        if outside.any():
            s, y, x = (int(v) for v in locations[np.argmax(outside)])
            raise CommandError(
                "glimpse: error: %s: patch (scale %d, y %d, x %d) of width %d lies outside "
                "the %dx%d image layer of %s" % (args.patches, s, y, x, w, width, height,
                                                 args.image))
        from PIL import ImageDraw

        out = out.convert("RGB")
        draw = ImageDraw.Draw(out)
        for s, y, x in locations:
            draw.rectangle([int(x), int(y), int(x) + w - 1, int(y) + w - 1], outline=(255, 40, 40))
        count = len(rows)
    with output_file(args.output) as f:
        out.save(f, format="PNG")
    print(
        "glimpse: wrote %s (%dx%d%s)"
        % (args.output, out.width, out.height,
           ", %d patch squares" % count if patches is not None else "")
    )
    return 0


# ---------------------------------------------------------------------------------------------


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings (Pillow's on damaged files, ...) as one line each, without source lines.

    The line goes out in one write, so that worker processes sharing stderr do not
    interleave their lines.
    """
    sys.stderr.write("glimpse: warning: %s\n" % _one_line(message))
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
        cannot be written); 2 for a bad argument; 130 when interrupted (Ctrl-C).
        Every failure is reported in one line on stderr.

    Notes
    -----
    After a Ctrl-C, SIGINT is left ignored (in the main thread) so that a second
    one cannot cut the exit short; a program that calls ``main`` itself and goes
    on may restore its handler.
    """
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv):
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "run", None) is None:
            raise UsageError(
                "glimpse: error: a COMMAND is required (%s); usage: %s"
                % (", ".join(parser.commands),
                   _one_line(parser.format_usage()).replace("usage: ", ""))
            )
        return args.run(args)
    except UsageError as err:
        print(_one_line(err), file=sys.stderr)
        return 2
    except CommandError as err:
        print(_one_line(err), file=sys.stderr)
        return 1
    except MemoryError as err:
        print("glimpse: error: out of memory: %s" % _one_line(err or "allocation failed"),
              file=sys.stderr)
        return 1
    except (WorkerError, OSError) as err:  # a dead worker; writing the output: disk full, ...
        print("glimpse: error: %s" % _one_line(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return interrupted()
    except Exception as err:  # a bug: still one line, never a traceback
        print("glimpse: error: unexpected %s: %s (please report this)"
              % (type(err).__name__, _one_line(err)), file=sys.stderr)
        return 1

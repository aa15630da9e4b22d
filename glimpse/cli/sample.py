"""``glimpse sample``: patches sampled from the image layer of many images, into one .npz."""

from __future__ import annotations

import contextlib
import functools
import os

import numpy as np

from ..backends import InputLoadError, InputSizeError, InputSource
from ..models.base import Layer, Model, Params, SamplePatches
from .. import files
from ..util import _allocator, _checks, npz
from ..util.imagefiles import WalkImages
from ._common import (CommandError, UsageError, add_pool_options, add_resize_options,
                      check_output, echo, integer, load_reason, make_pool,
                      progress_bar, quote_path, report_skipped, set_max_pixels, side)

__all__ = ["add_arguments", "run", "collect_images"]


def add_arguments(name, parser):
    """Add the options of ``glimpse sample`` to `parser`; its ``run`` is :func:`run`."""
    parser.description = (
        "Build the IMAGE layer of each image and sample patches from it. "
        "Directories are walked for raster image files in sorted order (following "
        "symbolic links); with no images, the example image shipped with glimpse is used.")
    parser.set_defaults(run=run)
    parser.add_argument("images", nargs="*", metavar="IMAGE", help="image files or directories")
    parser.add_argument("--num-patches", "-n", type=integer(0), required=True,
                        help="patches per image")
    parser.add_argument("--width", "-w", type=side, required=True,
                        help="patch width in pixels")
    parser.add_argument("--seed", type=integer(0, 2**63 - 1), default=None,
                        help="random seed (default: fresh entropy, recorded in the output)")
    add_resize_options(parser, defaults=True)
    add_pool_options(parser)
    parser.add_argument("--output", "-o", required=True, help="output .npz file")
    parser.add_argument("--strict", action="store_true",
                        help="fail (exit status 1) if any image is skipped")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.add_argument("--exact", action="store_true",
                        help="build the image layer from the RGB a JPEG decodes to, bit for "
                        "bit as the library does from an opened image (default: from the "
                        "luma the JPEG stores, reduced by its decoder while at least 4 times "
                        "the resize target: faster, within 0.02 of the exact layer)")


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
        from .. import glab

        return [str(glab.GetExampleImagePath())]
    images = []
    for path in paths:
        if os.path.isdir(path):
            images.extend(WalkImages(path))
        else:
            images.append(path)
    return images


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
    set_max_pixels(max_pixels)
    model = _sample_model(tuple(params.items()), os.environ.get("GLIMPSE_BACKEND"))
    try:
        patches, locs = SamplePatches(
            model, Layer.IMAGE, num_patches, width, InputSource(path, exact=exact),
            rng=np.random.default_rng(seed_seq)
        )
    except InputLoadError as err:
        return index, None, None, "unreadable: %s" % load_reason(err)
    except InputSizeError as err:
        return index, None, None, "too small for patch width %d: %s" % (width, err.msg or err)
    return index, patches, locs, None


def run(args):
    """Run ``glimpse sample`` with parsed arguments."""
    with contextlib.ExitStack() as cleanup:  # the spooled patches are deleted on any exit
        _sample(args, cleanup)


def _sample(args, cleanup):
    check_output(args.output, ".npz",
                 [("IMAGE", path) for path in args.images if not os.path.isdir(path)])
    params = dict(
        image_resize_method=args.resize_method,
        image_resize_length=args.resize_length,
        image_resize_aspect_ratio=args.aspect_ratio,
    )
    try:
        Params(**params)
    except (ValueError, TypeError, OverflowError) as err:
        raise UsageError(str(err)) from None
    try:
        _checks.memory(args.num_patches * args.width * args.width * 4,
                       "--num-patches %d of width %d" % (args.num_patches, args.width))
    except MemoryError as err:
        raise UsageError("%s (per image)" % err) from None
    seed = args.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    images = collect_images(args.images)
    if not images:
        raise UsageError("no image files found in %s"
                         % " ".join(quote_path(p) for p in args.images))
    set_max_pixels(args.max_pixels)
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
    report_skipped(skipped)
    # a failed run writes nothing: a previous file at the output path is kept
    if skipped and args.strict:
        raise CommandError("--strict and %d image(s) skipped; %s not written"
                           % (len(skipped), quote_path(args.output)))
    if not kept:
        raise CommandError("no image could be sampled; %s not written"
                           % quote_path(args.output))
    end = len(kept) * n  # the rows written: the arrays were sized for every image
    locations, image_index = locations[:end], image_index[:end]
    files.write_patches(  # streamed from the spool and the arrays
        args.output, patches, locations, image_index, images,
        [os.path.realpath(p) for p in images], skipped, seed=seed,
        num_patches=args.num_patches, width=w, exact=args.exact, params=params)
    echo(
        "glimpse: wrote %s: %d patches of %dx%d from %d of %d image(s), seed %d"
        % (quote_path(args.output), len(patches), w, w, len(kept), len(images), seed)
    )

"""The ``glimpse`` command: sample patches and prepare images from the shell.

``glimpse sample`` builds the IMAGE layer of each image and samples patches from
it into one .npz file; ``glimpse prepare`` writes the prepared image layer as a
PNG, optionally with the sampled patches drawn on it. Run ``glimpse -h``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image, ImageDraw

from . import __version__, _cli_show, glab
from .backends import InputLoadError, InputSizeError
from .models.base import BuildLayer, Layer, Model, Params, ResizeMethod, SamplePatches
from .util import gimage
from .util._memory import MEMORY_LIMIT

__all__ = ["main"]

_METHODS = [m.value for m in ResizeMethod]


class UsageError(Exception):
    """A bad command-line argument: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError("%s: error: %s" % (self.prog, message))


def _positive_int(text, allow_zero=False):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer, got %r" % text) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(
            "expected an integer >= %d, got %r" % (0 if allow_zero else 1, text)
        )
    return value


def _count(text):
    return _positive_int(text, allow_zero=True)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number, got %r" % text) from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("expected a finite number > 0, got %r" % text)
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer seed, got %r" % text) from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError("expected a seed in [0, 2**63), got %r" % text)
    return value


def _add_resize_options(parser, defaults):
    d = Params()
    group = parser.add_argument_group("image preparation")
    group.add_argument(
        "--resize-method", choices=_METHODS,
        default=d.image_resize_method.value if defaults else None,
        help="how the image is resized (default: %s)" % d.image_resize_method.value,
    )
    group.add_argument(
        "--resize-length", type=_positive_int,
        default=d.image_resize_length if defaults else None,
        help="target edge length in pixels (default: %d)" % d.image_resize_length,
    )
    group.add_argument(
        "--aspect-ratio", type=_positive_float,
        default=d.image_resize_aspect_ratio if defaults else None,
        help="width / height for 'scale and crop' (default: %g)" % d.image_resize_aspect_ratio,
    )


def _build_parser():
    parser = _Parser(prog="glimpse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version="glimpse %s" % __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    sample = sub.add_parser(
        "sample", help="sample patches from the image layer of each image",
        description="Build the IMAGE layer of each image and sample patches from it. "
        "Directories are walked for image files in sorted order; with no images, the "
        "example image shipped with glimpse is used.",
    )
    sample.add_argument("images", nargs="*", metavar="IMAGE", help="image files or directories")
    sample.add_argument("--num-patches", "-n", type=_count, required=True,
                        help="patches per image")
    sample.add_argument("--width", "-w", type=_positive_int, required=True,
                        help="patch width in pixels")
    sample.add_argument("--seed", type=_seed, default=None,
                        help="random seed (default: fresh entropy, recorded in the output)")
    _add_resize_options(sample, defaults=True)
    sample.add_argument("--workers", type=_positive_int, default=1,
                        help="processes to use (default: 1)")
    sample.add_argument("--output", "-o", required=True, help="output .npz file")
    sample.add_argument("--strict", action="store_true",
                        help="fail (exit status 1) if any image is skipped")
    sample.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    prepare = sub.add_parser(
        "prepare", help="write the prepared image layer as a PNG",
        description="Write the IMAGE layer of an image as a greyscale PNG, so a person can "
        "see what the model sees. With --patches, the patches sampled from this image "
        "are drawn on it (and the resize options default to those used for sampling).",
    )
    prepare.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                         help="image file (default: the example image shipped with glimpse)")
    prepare.add_argument("--output", "-o", required=True, help="output PNG file")
    _add_resize_options(prepare, defaults=False)
    prepare.add_argument("--patches", help=".npz written by 'glimpse sample'")
    _cli_show.add_parser(sub)
    from .experiment import cli as experiment_cli

    experiment_cli.add_parsers(sub)
    return parser


# ---------------------------------------------------------------------------------------------
# glimpse sample


def _image_extensions():
    return {ext.lower() for ext in Image.registered_extensions()}


def _collect_images(paths):
    """Expand directories (recursively, sorted); keep files and missing paths as given."""
    if not paths:
        return [str(glab.GetExampleImagePath())]
    extensions = _image_extensions()
    images = []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, files in os.walk(path):
                dirs.sort()
                found.extend(
                    os.path.join(root, name) for name in files
                    if os.path.splitext(name)[1].lower() in extensions
                )
            images.extend(sorted(found))
        else:
            images.append(path)
    return images


def _sample_one(job):
    """Sample one image (runs in a worker process). Returns (index, patches, locs, error)."""
    index, path, params, num_patches, width, seed_seq = job
    model = Model(Params(**params))
    try:
        patches, locs = SamplePatches(
            model, Layer.IMAGE, num_patches, width, path, rng=np.random.default_rng(seed_seq)
        )
    except InputLoadError as err:
        return index, None, None, "unreadable: %s" % (err.msg or err)
    except InputSizeError as err:
        return index, None, None, "too small for patch width %d: %s" % (width, err.msg or err)
    return index, patches, locs, None


class _Progress:
    """A one-line progress bar on stderr: images done out of total, and the rate."""

    def __init__(self, total, enabled):
        self.total = total
        self.enabled = enabled and total > 0
        self.done = 0
        self.start = time.monotonic()

    def update(self):
        self.done += 1
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.start, 1e-9)
        filled = int(30 * self.done / self.total)
        sys.stderr.write(
            "\r[%s%s] %d/%d images, %.1f images/s"
            % ("#" * filled, "." * (30 - filled), self.done, self.total, self.done / elapsed)
        )
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _check_output(path, suffix):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError("glimpse: error: output directory %s does not exist" % parent)
    if os.path.isdir(path):
        raise UsageError("glimpse: error: output %s is a directory" % path)
    if suffix and not path.lower().endswith(suffix):
        raise UsageError("glimpse: error: output %s must end with %s" % (path, suffix))


def _run_sample(args):
    _check_output(args.output, ".npz")
    params = dict(
        image_resize_method=args.resize_method,
        image_resize_length=args.resize_length,
        image_resize_aspect_ratio=args.aspect_ratio,
    )
    per_image = args.num_patches * args.width * args.width * 4
    if per_image > MEMORY_LIMIT:
        raise UsageError(
            "glimpse sample: error: --num-patches %d of width %d need %d bytes per image, "
            "more than this machine's memory" % (args.num_patches, args.width, per_image)
        )
    seed = args.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    images = _collect_images(args.images)
    if not images:
        raise UsageError(
            "glimpse sample: error: no image files found in %s" % " ".join(args.images)
        )
    children = np.random.SeedSequence(seed).spawn(len(images))
    jobs = [
        (i, path, params, args.num_patches, args.width, children[i])
        for i, path in enumerate(images)
    ]
    progress = _Progress(len(jobs), not args.quiet and sys.stderr.isatty())
    results = [None] * len(jobs)
    if args.workers == 1 or len(jobs) == 1:
        for job in jobs:
            results[job[0]] = _sample_one(job)
            progress.update()
    else:
        with ProcessPoolExecutor(max_workers=min(args.workers, len(jobs))) as pool:
            for result in pool.map(_sample_one, jobs, chunksize=1):
                results[result[0]] = result
                progress.update()

    w = args.width
    kept = [r for r in results if r[3] is None]
    skipped = [(images[r[0]], r[3]) for r in results if r[3] is not None]
    for path, reason in skipped:
        print("glimpse: skipped %s: %s" % (path, reason), file=sys.stderr)
    if kept:
        patches = np.concatenate([r[1] for r in kept])
        locations = np.concatenate([r[2] for r in kept]).astype(np.int64)
        image_index = np.concatenate(
            [np.full(len(r[1]), r[0], dtype=np.int64) for r in kept]
        )
    else:
        patches = np.empty((0, w, w), np.float32)
        locations = np.empty((0, 3), np.int64)
        image_index = np.empty(0, np.int64)
    np.savez(
        args.output,
        patches=patches,
        locations=locations,
        image_index=image_index,
        image_paths=np.array(images, dtype=str),
        skipped_paths=np.array([p for p, _ in skipped], dtype=str),
        skipped_reasons=np.array([r for _, r in skipped], dtype=str),
        seed=np.int64(seed),
        num_patches=np.int64(args.num_patches),
        width=np.int64(w),
        resize_method=np.array(args.resize_method),
        resize_length=np.int64(args.resize_length),
        aspect_ratio=np.float64(args.aspect_ratio),
        glimpse_version=np.array(__version__),
    )
    print(
        "glimpse: wrote %s: %d patches of %dx%d from %d of %d image(s), seed %d"
        % (args.output, len(patches), w, w, len(kept), len(images), seed)
    )
    if skipped:
        print(
            "glimpse: skipped %d image(s): %s"
            % (len(skipped), ", ".join(p for p, _ in skipped)),
            file=sys.stderr,
        )
        if args.strict:
            print("glimpse: error: --strict and %d image(s) skipped" % len(skipped),
                  file=sys.stderr)
            return 1
    if not kept:
        print("glimpse: error: no image could be sampled", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# glimpse prepare


def _load_patch_file(path):
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {key: npz[key] for key in npz.files}
    except (OSError, ValueError) as err:
        raise UsageError("glimpse prepare: error: cannot read %s: %s" % (path, err)) from None
    needed = {"locations", "image_index", "image_paths", "width", "resize_method",
              "resize_length", "aspect_ratio"}
    missing = sorted(needed - set(data))
    if missing:
        raise UsageError(
            "glimpse prepare: error: %s was not written by 'glimpse sample' (no %s)"
            % (path, ", ".join(missing))
        )
    return data


def _run_prepare(args):
    _check_output(args.output, ".png")
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
        recorded = {
            "resize_method": str(patches["resize_method"]),
            "resize_length": int(patches["resize_length"]),
            "aspect_ratio": float(patches["aspect_ratio"]),
        }
        for key, value in chosen.items():
            if value is None:
                chosen[key] = recorded[key]
            elif value != recorded[key]:
                raise UsageError(
                    "glimpse prepare: error: --%s %s differs from %s used for %s"
                    % (key.replace("_", "-"), value, recorded[key], args.patches)
                )
    defaults = Params()
    params = Params(
        image_resize_method=chosen["resize_method"] or defaults.image_resize_method,
        image_resize_length=chosen["resize_length"] or defaults.image_resize_length,
        image_resize_aspect_ratio=chosen["aspect_ratio"] or defaults.image_resize_aspect_ratio,
    )
    model = Model(params)
    try:
        image = BuildLayer(model, Layer.IMAGE, args.image)[Layer.IMAGE]
    except InputLoadError as err:
        print("glimpse: error: %s" % err, file=sys.stderr)
        return 1
    out = gimage.ArrayToImage(image)
    count = 0
    if patches is not None:
        target = os.path.realpath(args.image)
        paths = [os.path.realpath(str(p)) for p in patches["image_paths"]]
        indices = [i for i, p in enumerate(paths) if p == target]
        rows = np.flatnonzero(np.isin(patches["image_index"], indices))
        if not len(rows):
            print("glimpse: error: %s holds no patches of %s" % (args.patches, args.image),
                  file=sys.stderr)
            return 1
        w = int(patches["width"])
        out = out.convert("RGB")
        draw = ImageDraw.Draw(out)
        for s, y, x in patches["locations"][rows]:
            draw.rectangle([int(x), int(y), int(x) + w - 1, int(y) + w - 1], outline=(255, 40, 40))
        count = len(rows)
    out.save(args.output, format="PNG")
    print(
        "glimpse: wrote %s (%dx%d%s)"
        % (args.output, out.width, out.height,
           ", %d patch squares" % count if patches is not None else "")
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``glimpse`` command line; return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (without the program name). Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when the work failed (for example every image was
        skipped, or ``--strict`` and one was), 2 for a bad argument.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "run", None) is not None:
            return args.run(args)
        if args.command == "sample":
            return _run_sample(args)
        if args.command == "show":
            return _cli_show.run(args)
        return _run_prepare(args)
    except UsageError as err:
        print(str(err), file=sys.stderr)
        return 2
    except MemoryError as err:
        print("glimpse: error: out of memory: %s" % (err or "allocation failed"), file=sys.stderr)
        return 1
    except OSError as err:  # writing the output: disk full, permission denied, ...
        print("glimpse: error: %s" % err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("glimpse: interrupted", file=sys.stderr)
        return 130

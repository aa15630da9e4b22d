"""``glimpse prepare``: the prepared image layer as a PNG, with sampled patches drawn on it."""

from __future__ import annotations

import os

import numpy as np

from ..backends import InputLoadError
from ..models.base import BuildLayer, Layer, Model, Params
from .. import files
from ..util import gimage
from ._common import (CommandError, UsageError, add_resize_options, check_output, echo,
                      load_reason, output_file, quote_path, read_input, set_max_pixels)

__all__ = ["add_arguments", "run"]


def add_arguments(name, parser):
    """Add the options of ``glimpse prepare`` to `parser`; its ``run`` is :func:`run`."""
    parser.description = (
        "Write the IMAGE layer of an image as a greyscale PNG, so a person can "
        "see what the model sees. With --patches, the patches sampled from this image "
        "are drawn on it (and the resize options default to those used for sampling).")
    parser.set_defaults(run=run)
    parser.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                        help="image file (default: the example image shipped with glimpse)")
    parser.add_argument("--output", "-o", required=True, help="output PNG file")
    add_resize_options(parser, defaults=False)
    parser.add_argument("--patches", help=".npz written by 'glimpse sample'")


#: The options of the image preparation, by the model parameter each sets.
_RESIZE_OPTIONS = {"resize_method": "image_resize_method", "resize_length": "image_resize_length",
                   "aspect_ratio": "image_resize_aspect_ratio"}


def _patch_rows(patches, image):
    """Rows of the patches file `patches` sampled from `image` (matched by real path)."""
    target = os.path.realpath(image)
    if patches.image_realpaths is not None:
        paths = patches.image_realpaths
    else:  # files from before real paths were recorded: resolve from here
        paths = [os.path.realpath(p) for p in patches.image_paths]
    indices = [i for i, p in enumerate(paths) if p == target]
    return np.flatnonzero(np.isin(patches.image_index, indices))


def run(args):
    """Run ``glimpse prepare`` with parsed arguments."""
    check_output(args.output, ".png", [("IMAGE", args.image), ("--patches", args.patches)])
    if args.image is None:
        from .. import glab

        args.image = str(glab.GetExampleImagePath())
    patches = None
    chosen = {
        "resize_method": args.resize_method,
        "resize_length": args.resize_length,
        "aspect_ratio": args.aspect_ratio,
    }
    if args.patches is not None:
        patches = read_input(args.patches, "--patches", files.read_patches)
        for key, value in chosen.items():
            used = patches.params.get(_RESIZE_OPTIONS[key])
            if value is None:
                chosen[key] = used
            elif used is not None and value != used:
                raise UsageError(
                    "--%s %s differs from %s used for --patches %s"
                    % (key.replace("_", "-"), value, used, quote_path(args.patches))
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
        raise UsageError(str(err)) from None
    set_max_pixels(args.max_pixels)
    try:
        image = BuildLayer(Model(params), Layer.IMAGE, args.image)[Layer.IMAGE]
    except InputLoadError as err:
        raise CommandError("%s: %s" % (quote_path(args.image), load_reason(err))) from None
    out = gimage.ArrayToImage(image)
    count = 0
    if patches is not None:
        rows = _patch_rows(patches, args.image)
        if not len(rows):
            raise CommandError("--patches %s holds no patches of %s"
                               % (quote_path(args.patches), quote_path(args.image)))
        w = patches.width
        height, width = image.shape
        locations = patches.locations[rows]
        outside = (locations[:, 0] != 0) | (locations[:, 1] < 0) | (locations[:, 2] < 0) \
            | (locations[:, 1] > height - w) | (locations[:, 2] > width - w)
        if outside.any():
            s, y, x = (int(v) for v in locations[np.argmax(outside)])
            raise CommandError(
                "--patches %s: patch (scale %d, y %d, x %d) of width %d lies outside "
                "the %dx%d image layer of %s" % (quote_path(args.patches), s, y, x, w, width,
                                                 height, quote_path(args.image)))
        from PIL import ImageDraw

        out = out.convert("RGB")
        draw = ImageDraw.Draw(out)
        for s, y, x in locations:
            draw.rectangle([int(x), int(y), int(x) + w - 1, int(y) + w - 1], outline=(255, 40, 40))
        count = len(rows)
    with output_file(args.output) as f:
        out.save(f, format="PNG")
    echo(
        "glimpse: wrote %s (%dx%d%s)"
        % (quote_path(args.output), out.width, out.height,
           ", %d patch squares" % count if patches is not None else "")
    )

"""``glimpse prepare``: the prepared image layer as a PNG, with sampled patches drawn on it."""

from __future__ import annotations

import os

import numpy as np

from ..backends import InputLoadError
from ..models.base import BuildLayer, Layer, Model, Params, ResizeMethod
from ..util import gimage
from ._common import (CommandError, UsageError, add_resize_options, check_output,
                      load_reason, output_file, set_max_pixels)

__all__ = ["add_arguments", "run"]

_METHODS = [m.value for m in ResizeMethod]


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


def _bad_patch_file(path, what):
    return UsageError("%s: %s" % (path, what))


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


def run(args):
    """Run ``glimpse prepare`` with parsed arguments."""
    check_output(args.output, ".png")
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
        patches = _load_patch_file(args.patches)
        for key, value in chosen.items():
            if value is None:
                chosen[key] = patches[key]
            elif value != patches[key]:
                raise UsageError(
                    "--%s %s differs from %s used for %s"
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
        raise UsageError("%s: %s" % (where, err)) from None
    set_max_pixels(args.max_pixels)
    try:
        image = BuildLayer(Model(params), Layer.IMAGE, args.image)[Layer.IMAGE]
    except InputLoadError as err:
        raise CommandError("%s: %s" % (args.image, load_reason(err))) from None
    out = gimage.ArrayToImage(image)
    count = 0
    if patches is not None:
        rows = _patch_rows(patches, args.image)
        if not len(rows):
            raise CommandError("%s holds no patches of %s"
                               % (args.patches, args.image))
        w = patches["width"]
        height, width = image.shape
        locations = patches["locations"][rows]
        outside = (locations[:, 0] != 0) | (locations[:, 1] < 0) | (locations[:, 2] < 0) \
            | (locations[:, 1] > height - w) | (locations[:, 2] > width - w)
        if outside.any():
            s, y, x = (int(v) for v in locations[np.argmax(outside)])
            raise CommandError(
                "%s: patch (scale %d, y %d, x %d) of width %d lies outside "
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

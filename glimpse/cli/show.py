"""``glimpse show``: pictures of the HMAX model's layers, S1 kernels and S2 prototypes.

The model and the drawing code (Pillow's ImageDraw and ImageFont) are imported only
when ``glimpse show`` runs.
"""

from __future__ import annotations

import argparse

from ._common import (CommandError, UsageError, check_output, echo, integer,
                      one_line, output_file, quote_path, read_input, side)

__all__ = ["add_arguments", "run", "LoadPrototypes"]

_LAYERS = {"retina": "RETINA", "s1": "S1", "c1": "C1", "s2": "S2"}


def _layer(text):
    name = _LAYERS.get(text.strip().lower())
    if name is None:
        raise argparse.ArgumentTypeError("expected one of retina, S1, C1, S2, got %r" % text)
    from ..models import ml

    return getattr(ml.Layer, name)


def add_arguments(name, parser):
    """Add the options of ``glimpse show`` to `parser`; its ``run`` is :func:`run`."""
    parser.description = (
        "Tile the maps of a layer of the HMAX model for an image (scales by rows, "
        "orientations or prototypes by columns, each map scaled to its own range), the S1 "
        "Gabor kernels (--kernels), or S2 prototypes from a file (--prototypes). For --layer "
        "S2 without --prototypes, prototypes are imprinted from the image itself.")
    parser.set_defaults(run=run)
    parser.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                        help="image file (default: the example image shipped with glimpse)")
    parser.add_argument("--layer", type=_layer, default=None, metavar="LAYER",
                        help="retina, S1, C1 or S2")
    parser.add_argument("--kernels", action="store_true", help="tile the S1 Gabor kernels")
    parser.add_argument("--prototypes", metavar="FILE", default=None,
                        help="S2 prototypes: a file of 'glimpse imprint', a stored experiment, "
                        "a .npy array (n, bands, k, k), or an .npz holding prototypes_0, "
                        "prototypes_1, ...; shown alone, or used for --layer S2")
    parser.add_argument("--num-scales", type=integer(0, 2**31 - 1), default=None,
                        help="scales of the model (default: the model's, 0: all that fit)")
    parser.add_argument("--num-prototypes", type=side, default=8,
                        help="prototypes imprinted for --layer S2 without --prototypes "
                        "(default: 8)")
    parser.add_argument("--seed", type=integer(0, 2**63 - 1), default=0,
                        help="seed of that imprinting (default: 0)")
    parser.add_argument("--max-columns", type=side, default=16,
                        help="at most this many bands or prototypes per row (default: 16)")
    parser.add_argument("--zoom", type=side, default=None,
                        help="magnification (default: 1 for maps, 4 for kernels)")
    parser.add_argument("--output", "-o", required=True, help="output PNG file")


def LoadPrototypes(path):
    """Read S2 prototypes from a file.

    Parameters
    ----------
    path : str
        A prototypes file (``glimpse imprint``), a stored experiment, a ``.npy``
        file holding one array (n, bands, k, k), or an ``.npz`` file holding
        ``prototypes_0``, ``prototypes_1``, ... (one per S2 kernel width) or a single
        ``prototypes`` array (see :func:`glimpse.files.read_prototypes` with
        ``bare=True``).

    Returns
    -------
    prototypes : list of ndarray
        One float32 array (n, bands, k, k) per kernel width.
    params : dict
        The model parameters recorded in the file; empty when there are none.

    Raises
    ------
    ValueError
        If the file cannot be read, holds no prototypes, or holds values that are not
        finite or out of float32 range (a :class:`glimpse.files.FileFormatError`).
    """
    from .. import files

    try:
        stored = files.read_prototypes(path, bare=True)
    except OSError as err:
        raise files.FileFormatError(path, err.strerror or one_line(err)) from None
    return stored.prototypes, stored.params


def _read_prototypes(path):
    from .. import files

    return files.read_prototypes(path, bare=True)


def _params_for(recorded, prototypes, num_scales):
    from ..models import ml

    names = set(ml.Params.ParamNames())
    kw = {k: v for k, v in recorded.items() if k in names}
    if prototypes is not None:
        kw["s2_kwidth"] = [p.shape[-1] for p in prototypes]
        kw["s1_num_orientations"] = prototypes[0].shape[1]
    if num_scales is not None:
        kw["num_scales"] = num_scales
    return ml.Params(**kw)


def run(args):
    """Run ``glimpse show`` with parsed arguments."""
    from .. import glab
    from ..backends import BackendError
    from ..models import ml
    from ..prototypes import ImprintS2Prototypes
    from ..util import show

    check_output(args.output, ".png", [("IMAGE", args.image), ("--prototypes", args.prototypes)])
    if args.layer is None and not args.kernels and args.prototypes is None:
        raise UsageError("give --layer, --kernels or --prototypes")
    if args.kernels and (args.layer is not None or args.prototypes is not None):
        raise UsageError("--kernels draws the S1 kernels alone; give it without %s"
                         % ("--layer" if args.layer is not None else "--prototypes"))
    prototypes, recorded = None, {}
    if args.prototypes is not None:
        stored = read_input(args.prototypes, "--prototypes", _read_prototypes)
        prototypes, recorded = stored.prototypes, stored.params
    try:
        params = _params_for(recorded, prototypes, args.num_scales)
        model = ml.Model(params=params)
    except ValueError as err:
        raise CommandError("bad model parameters: %s" % err) from None
    if args.kernels:
        picture = show.ShowKernels(
            model.s1_kernels, "S1 kernels (rows: phases, columns: orientations)",
            zoom=args.zoom or 4, transpose=True)
    elif args.layer is None:
        rows = [p[:args.max_columns] for p in prototypes]
        picture = show.TileMaps(
            [list(proto) for p in rows for proto in p],
            "S2 prototypes (rows: prototypes, columns: bands)", zoom=args.zoom or 4)
    else:
        image = args.image if args.image is not None else str(glab.GetExampleImagePath())
        try:
            if args.layer is ml.Layer.S2:
                if prototypes is not None:
                    model.s2_kernels = prototypes
                else:
                    ImprintS2Prototypes(model, [image], args.num_prototypes, rng=args.seed)
            data = ml.BuildLayer(model, args.layer, image)[args.layer]
        except (BackendError, ValueError) as err:
            raise CommandError(str(err)) from None
        picture = show.ShowLayer(args.layer.name, data, zoom=args.zoom or 1,
                                 max_columns=args.max_columns)
    with output_file(args.output) as f:  # an existing file is replaced only by a complete one
        picture.save(f, format="PNG")
    echo("glimpse: wrote %s (%dx%d)" % (quote_path(args.output), picture.width,
                                        picture.height))

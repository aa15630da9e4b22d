"""``glimpse show``: pictures of a model's layers, S1 kernels and S2 prototypes.

The model and the drawing code (Pillow's ImageDraw and ImageFont) are imported only
when ``glimpse show`` runs.
"""

from __future__ import annotations

import argparse

from ._common import (CommandError, UsageError, add_model_option, check_output, echo,
                      integer, one_line, output_file, prototypes_model, quote_path,
                      read_input, side)

__all__ = ["add_arguments", "run", "LoadPrototypes"]

_LAYERS = {"retina": "RETINA", "s1": "S1", "c1": "C1", "s2": "S2"}


def _layer(text):
    """The name of a layer ``glimpse show`` draws; the model resolves it when it is made."""
    name = _LAYERS.get(text.strip().lower())
    if name is None:
        raise argparse.ArgumentTypeError("expected one of retina, S1, C1, S2, got %r" % text)
    return name


def add_arguments(name, parser):
    """Add the options of ``glimpse show`` to `parser`; its ``run`` is :func:`run`."""
    parser.description = (
        "Tile the maps of a layer of the model for an image (each map scaled to its own "
        "range): with the ml model, scales by rows and orientations or prototypes by "
        "columns; with the hmax model, S1 sizes or C1 bands by rows and orientations by "
        "columns, and S2 by bands x patch sizes. Or tile the S1 Gabor kernels (--kernels; "
        "hmax: sizes by rows), or S2 prototypes from a file (--prototypes). For --layer S2 "
        "without --prototypes, prototypes are imprinted from the image itself.")
    parser.set_defaults(run=run)
    parser.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                        help="image file (default: the example image shipped with glimpse)")
    add_model_option(parser, help="the model: ml or hmax (default: the model that made "
                     "--prototypes, else $GLIMPSE_MODEL, else ml)")
    parser.add_argument("--layer", type=_layer, default=None, metavar="LAYER",
                        help="retina, S1, C1 or S2 (hmax: S1, C1 or S2)")
    parser.add_argument("--kernels", action="store_true", help="tile the S1 Gabor kernels")
    parser.add_argument("--prototypes", metavar="FILE", default=None,
                        help="S2 prototypes: a file of 'glimpse imprint', a stored experiment, "
                        "a .npy array (n, bands, k, k), or an .npz holding prototypes_0, "
                        "prototypes_1, ...; shown alone, or used for --layer S2")
    parser.add_argument("--num-scales", type=integer(0, 2**31 - 1), default=None,
                        help="scales of the ml model (default: the model's, 0: all that "
                        "fit); the hmax model's bands are fixed by its c1_kwidths")
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


def _params_for(cls, recorded, prototypes, num_scales, where=None):
    """The parameters of model class `cls`: those recorded with the prototypes, fitted to
    the prototypes' widths (and, for ``ml``, their bands) and to --num-scales."""
    param_class = cls.ParamClass
    names = set(param_class.ParamNames())
    kw = {k: v for k, v in recorded.items() if k in names}
    hmax = "s2_kwidths" in names
    if prototypes is not None:
        if hmax:
            kw["s2_kwidths"] = [p.shape[-1] for p in prototypes]
        else:
            kw["s2_kwidth"] = [p.shape[-1] for p in prototypes]
            kw["s1_num_orientations"] = prototypes[0].shape[1]
    if num_scales is not None:
        kw["num_scales"] = num_scales
    params = param_class(**kw)
    if hmax and prototypes is not None:
        bands = {p.shape[1] for p in prototypes}
        if bands != {len(params.s1_orientations)}:
            raise UsageError("--prototypes %s: the prototypes have %s bands; the hmax "
                             "model's S1 has %d orientations"
                             % (quote_path(where), ", ".join(map(str, sorted(bands))),
                                len(params.s1_orientations)))
    return params


def _resolve_layer(model, name):
    """The layer --layer names, of `model`'s layer class."""
    from ..models.base import ResolveLayers
    from ..experiment._models import model_name

    try:
        return ResolveLayers(model, name)[0]
    except ValueError:
        have = {x.name.lower(): x.name for x in model.LayerClass.AllLayers()}
        shown = [have[key] for key in _LAYERS if key in have]  # in the order of the model
        raise UsageError("--layer %s: the %s model has no such layer; it has %s"
                         % (name.lower(), model_name(model), ", ".join(shown))) from None


def _layer_picture(model, layer, data, args):
    """The picture of a layer's value: hmax S1 by sizes, C1 by bands, S2 by bands x widths."""
    from ..util import show

    if not hasattr(model.params, "c1_kwidths"):  # the ml model
        return show.ShowLayer(layer.name, data, zoom=args.zoom or 1,
                              max_columns=args.max_columns)
    rows, _ = show.LayerRows(data, args.max_columns)
    what = {"S1": "rows: sizes, columns: orientations",
            "C1": "rows: bands, columns: orientations",
            "S2": "rows: bands x patch sizes, columns: prototypes"}[layer.name]
    return show.TileMaps(rows, "%s (%s)" % (layer.name, what), zoom=args.zoom or 1)


def run(args):
    """Run ``glimpse show`` with parsed arguments."""
    from .. import glab
    from ..backends import BackendError
    from ..models import GetModelClass
    from ..models.base import BuildLayer
    from ..prototypes import ImprintS2Prototypes
    from ..util import show

    check_output(args.output, ".png", [("IMAGE", args.image), ("--prototypes", args.prototypes)])
    if args.layer is None and not args.kernels and args.prototypes is None:
        raise UsageError("give --layer, --kernels or --prototypes")
    if args.kernels and (args.layer is not None or args.prototypes is not None):
        raise UsageError("--kernels draws the S1 kernels alone; give it without %s"
                         % ("--layer" if args.layer is not None else "--prototypes"))
    prototypes, recorded, stored = None, {}, None
    if args.prototypes is not None:
        stored = read_input(args.prototypes, "--prototypes", _read_prototypes)
        prototypes, recorded = stored.prototypes, stored.params
    recorded_model = None if stored is None else stored.model
    cls = GetModelClass(prototypes_model(args.model, recorded_model, args.prototypes))
    hmax = "c1_kwidths" in cls.ParamClass.ParamNames()
    if hmax and args.num_scales is not None:
        raise UsageError("--num-scales does not apply to the hmax model: its bands are "
                         "fixed by its c1_kwidths")
    try:
        params = _params_for(cls, recorded, prototypes, args.num_scales, args.prototypes)
        model = cls(params=params)
    except ValueError as err:
        raise CommandError("bad model parameters: %s" % err) from None
    layer = None if args.layer is None else _resolve_layer(model, args.layer)
    if args.kernels and hmax:  # the banks differ in size: one row per size
        picture = show.TileMaps(
            [list(k[:args.max_columns]) for k in model.s1_kernels],
            "S1 filters (rows: sizes, columns: orientations)", zoom=args.zoom or 4)
    elif args.kernels:
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
            if layer.name == "S2":
                if prototypes is not None:
                    model.s2_kernels = prototypes
                else:
                    ImprintS2Prototypes(model, [image], args.num_prototypes, rng=args.seed)
            data = BuildLayer(model, layer, image)[layer]
        except (BackendError, ValueError) as err:
            raise CommandError(str(err)) from None
        picture = _layer_picture(model, layer, data, args)
    with output_file(args.output) as f:  # an existing file is replaced only by a complete one
        picture.save(f, format="PNG")
    echo("glimpse: wrote %s (%dx%d)" % (quote_path(args.output), picture.width,
                                        picture.height))

"""Sphinx extension for the glimpse documentation.

At ``config-inited`` it writes, under the source directory:

- ``api/generated/<module>.rst``: one API page per public glimpse module that imports
  (modules still being written are skipped, so the build passes with or without them), and
  ``_generated/api_toc.rst``, the toctree that lists those pages;
- ``_generated/figures/*.png``: pictures computed by the installed library itself (the
  example image, its IMAGE layer with sampled patches, and, when :mod:`glimpse.models.ml`
  exists, S1 and C1 maps and imprinted prototypes; when :mod:`glimpse.models.hmax` exists,
  its S1 filters, S1 and C1 maps), tiled by :mod:`glimpse.util.show` (Pillow only);
- ``_generated/*.rst``: the snippets that show those figures, and the toctree entry of the
  architecture page when ``architecture.md`` is present;

Everything written here is ignored by git (``docs/.gitignore``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from pathlib import Path

from PIL import Image, ImageDraw
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Public modules, in the order of the API reference, with a one-line title each.
API_MODULES = [
    ("glimpse.models", "Choosing a model"),
    ("glimpse.models.base", "The base model: layers, state, parameters, sampling"),
    ("glimpse.models.ml", "The HMAX model"),
    ("glimpse.models.hmax", "The standard HMAX model"),
    ("glimpse.prototypes", "Imprinting S2 prototypes"),
    ("glimpse.images", "Arrays and PIL images as pictures to be prepared"),
    ("glimpse.experiment", "Experiments"),
    ("glimpse.files", "The files glimpse writes and reads"),
    ("glimpse.sklearn", "scikit-learn transformer (HmaxFeatures)"),
    ("glimpse.pools", "Worker pools"),
    ("glimpse.glab", "Interactive helpers"),
    ("glimpse.glab.api", "The 2013 convenience API"),
    ("glimpse.images", "Images: decoding, conversion, resizing, preparation"),
    ("glimpse.util.kernel", "Gabor kernels"),
    ("glimpse.util.npz", "Writing .npz files from memory or a spool, without copies"),
    ("glimpse.util.show", "Pictures of layers and kernels"),
    ("glimpse.util.dataflow", "Dataflow machinery"),
    ("glimpse.backends", "Backends"),
]

#: Figures whose module may not exist yet; the page says so instead of showing them.
ML_MISSING_NOTE = """
.. note::

   The S1, C1 and prototype pictures are drawn when :mod:`glimpse.models.ml` is installed;
   this build of the documentation was made without it.
"""


# ----------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------
def _write(path: Path, text) -> None:
    """Write ``text`` (str or bytes) to ``path`` unless it already holds exactly that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path.is_file() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _import_optional(name: str):
    """The module, or None when it (or its parent) does not exist in this glimpse."""
    if not _module_exists(name):
        return None
    return importlib.import_module(name)


def _underline(title: str, char: str) -> str:
    return "%s\n%s\n" % (title, char * len(title))


# ----------------------------------------------------------------------------------------
# API pages
# ----------------------------------------------------------------------------------------
def _exported(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [
            n for n, o in vars(mod).items()
            if not n.startswith("_")
            and (inspect.isclass(o) or inspect.isfunction(o))
            and getattr(o, "__module__", None) == mod.__name__
        ]
    return [n for n in names if not n.startswith("_")]


def _is_glimpse_object(obj) -> bool:
    return (inspect.isclass(obj) or inspect.isfunction(obj)) and str(
        getattr(obj, "__module__", "")
    ).startswith("glimpse")


def _home_pages(modules) -> dict[int, str]:
    """For each glimpse class or function, the one page that documents it.

    The page is the exporting module whose name is the longest prefix of the object's
    ``__module__`` (``glimpse.models.base`` for ``glimpse.models.base.model.Model``);
    failing that, the first page that exports it.
    """
    exporters: dict[int, list[str]] = {}
    objects: dict[int, object] = {}
    for mod in modules:
        for name in _exported(mod):
            obj = getattr(mod, name, None)
            if _is_glimpse_object(obj):
                exporters.setdefault(id(obj), []).append(mod.__name__)
                objects[id(obj)] = obj
    home = {}
    for key, pages in exporters.items():
        origin = objects[key].__module__
        owning = [p for p in pages if origin == p or origin.startswith(p + ".")]
        home[key] = max(owning, key=len) if owning else pages[0]
    return home


def _api_page(mod, title: str, home: dict[int, str]) -> str:
    name = mod.__name__
    lines = [_underline(":mod:`%s`: %s" % (name, title), "="), ""]
    lines += [".. automodule:: %s" % name, ""]
    documented, elsewhere = [], []
    for member in _exported(mod):
        obj = getattr(mod, member, None)
        if obj is None and not hasattr(mod, member):
            logger.warning("%s.__all__ names %r, which the module does not define", name, member)
            continue
        if _is_glimpse_object(obj) and home.get(id(obj), name) != name:
            elsewhere.append((member, home[id(obj)]))
            continue
        documented.append((member, obj))
    if documented:
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += ["   %s" % m for m, _ in documented]
        lines.append("")
    if elsewhere:
        lines.append("Also importable from here (documented with their own module): "
                     + ", ".join(":py:obj:`%s <%s.%s>`" % (m, page, m) for m, page in elsewhere)
                     + ".")
        lines.append("")
    for member, obj in documented:
        target = "%s.%s" % (name, member)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            lines += [".. autoexception:: %s" % target, "   :members:", ""]
        elif inspect.isclass(obj) and _is_glimpse_object(obj):
            lines += [".. autoclass:: %s" % target, "   :members:", ""]
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            lines += [".. autofunction:: %s" % target, ""]
        else:
            lines += [".. autodata:: %s" % target, ""]
    return "\n".join(lines)


def write_api_pages(srcdir: Path) -> list[str]:
    modules, titles = [], {}
    for name, title in API_MODULES:
        mod = _import_optional(name)
        if mod is not None:
            modules.append(mod)
            titles[name] = title
    home = _home_pages(modules)
    outdir = srcdir / "api" / "generated"
    wanted = set()
    for mod in modules:
        page = outdir / (mod.__name__ + ".rst")
        wanted.add(page.name)
        _write(page, _api_page(mod, titles[mod.__name__], home))
    for stale in outdir.glob("*.rst"):  # a module that went away leaves no orphan page
        if stale.name not in wanted:
            stale.unlink()
    toc = [".. toctree::", "   :maxdepth: 1", ""]
    toc += ["   generated/%s" % mod.__name__ for mod in modules]
    _write(srcdir / "_generated" / "api_toc.rst", "\n".join(toc) + "\n")
    return [mod.__name__ for mod in modules]


# ----------------------------------------------------------------------------------------
# Figures (Pillow only)
# ----------------------------------------------------------------------------------------
def _png(img: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _base_figures(figdir: Path) -> None:
    from glimpse import glab
    from glimpse.models.base import BuildLayer, Layer, Model, Params, SamplePatches
    from glimpse.util import gimage, show

    path = glab.GetExampleImagePath()
    _write(figdir / "example.png", _png(glab.GetExampleImage()))

    model = Model(Params())
    state = BuildLayer(model, Layer.IMAGE, str(path))
    image = state[Layer.IMAGE]
    width = 11
    patches, locations = SamplePatches(model, Layer.IMAGE, 24, width, state, rng=0)
    zoom = 2
    out = gimage.ArrayToImage(image).convert("RGB")
    out = out.resize((out.width * zoom, out.height * zoom), Image.NEAREST)
    draw = ImageDraw.Draw(out)
    for _, y, x in locations:
        x0, y0 = int(x) * zoom, int(y) * zoom
        draw.rectangle([x0, y0, x0 + width * zoom - 1, y0 + width * zoom - 1],
                       outline=(255, 40, 40), width=2)
    _write(figdir / "image_layer_patches.png", _png(out))

    tiled = show.TileMaps([list(patches[i:i + 12]) for i in range(0, len(patches), 12)],
                          "24 patches, 12 per row, in the order drawn", zoom=6)
    _write(figdir / "sampled_patches.png", _png(tiled))


def _ml_figures(figdir: Path) -> list[str]:
    """S1, C1 and prototype pictures; returns the names of the figures written."""
    from glimpse import glab
    from glimpse.models import ml
    from glimpse.util import show

    path = str(glab.GetExampleImagePath())
    model = ml.Model(params=ml.Params())
    state = ml.BuildLayer(model, ml.Layer.C1, path)
    shown = 4  # the first scales: enough to see the pyramid without a tall picture
    _write(figdir / "s1_maps.png", _png(show.ShowLayer("S1", list(state[ml.Layer.S1])[:shown])))
    _write(figdir / "c1_maps.png",
           _png(show.ShowLayer("C1", list(state[ml.Layer.C1])[:shown], zoom=2)))
    _write(figdir / "s1_kernels.png", _png(show.ShowKernels(
        model.s1_kernels, "S1 kernels (rows: phases, columns: orientations)", zoom=8,
        transpose=True)))
    made = ["s1", "c1", "s1_kernels"]

    prototypes = _import_optional("glimpse.prototypes")
    if prototypes is not None:
        prototypes.ImprintS2Prototypes(model, [path], 8, rng=0)
        _write(figdir / "prototypes.png", _png(show.ShowKernels(
            model.s2_kernels[0], "prototypes (rows) by orientation band (columns)", zoom=8)))
        made.append("prototypes")
    return made


HMAX_FIGURES = {
    "s1_kernels": (
        "s1_kernels.png",
        "The S1 Gabor kernels at the default parameters (``model.s1_kernels``): one column per "
        "orientation, one row per phase, each scaled to its own range.",
    ),
    "s1": (
        "s1_maps.png",
        "S1 maps of the example image, the first four scales of the pyramid (rows) by "
        "orientation (columns); each map is scaled to its own range.",
    ),
    "c1": (
        "c1_maps.png",
        "C1 maps of the same image (shown at twice their size): local maxima of S1 over "
        "11x11 windows at stride 5.",
    ),
    "prototypes": (
        "prototypes.png",
        "Eight S2 prototypes of width 7 imprinted from C1 of the example image "
        "(``ImprintS2Prototypes(model, [path], 8, rng=0)``): one row per prototype, one column "
        "per orientation band.",
    ),
}


#: The S1 sizes (indices) of the standard HMAX model shown: smallest, two between, largest.
STANDARD_S1_SHOWN = (0, 5, 10, 15)

STANDARD_FIGURES = [
    ("standard_s1_kernels.png",
     "The S1 filters of the standard HMAX model at the reference's parameters "
     "(``model.s1_kernels``): one row per size, 7 to 37 pixels, one column per orientation "
     "(90, -45, 0, 45 degrees); each scaled to its own range, at twice their size."),
    ("standard_s1_maps.png",
     "S1 maps of the example image (not resized: the reference's preparation), for the "
     "filter sizes 7, 17, 27 and 37 (rows) by orientation (columns), shown at half size "
     "(every other pixel). The borders a filter does not fit in are 0."),
    ("standard_c1_maps.png",
     "C1 maps of the same image, the eight bands (rows: pool sizes 8 to 22, each over two "
     "S1 sizes) by orientation (columns), at twice their size."),
]


def _standard_hmax_figures(figdir: Path) -> list[str]:
    """The standard HMAX model's S1 filters, S1 and C1 maps; returns the figure names."""
    from glimpse import glab
    from glimpse.models import hmax
    from glimpse.util import show

    model = hmax.Model()
    state = hmax.BuildLayer(model, hmax.Layer.C1, str(glab.GetExampleImagePath()))
    _write(figdir / "standard_s1_kernels.png", _png(show.TileMaps(
        [list(k) for k in model.s1_kernels], "S1 filters (rows: sizes, columns: orientations)",
        zoom=2)))
    s1 = [state[hmax.Layer.S1][i][:, ::2, ::2] for i in STANDARD_S1_SHOWN]  # half size
    _write(figdir / "standard_s1_maps.png", _png(show.TileMaps(
        [list(m) for m in s1], "S1 (rows: sizes 7, 17, 27, 37; columns: orientations)")))
    _write(figdir / "standard_c1_maps.png", _png(show.TileMaps(
        [list(m) for m in state[hmax.Layer.C1]], "C1 (rows: bands, columns: orientations)",
        zoom=2)))
    return [name for name, _ in STANDARD_FIGURES]


def write_figures(srcdir: Path) -> None:
    gen = srcdir / "_generated"
    figdir = gen / "figures"
    _base_figures(figdir)
    snippet = []
    if _module_exists("glimpse.models.ml"):
        made = _ml_figures(figdir)
        for key in ("s1_kernels", "s1", "c1", "prototypes"):
            if key in made:
                fname, caption = HMAX_FIGURES[key]
                snippet += [".. figure:: /_generated/figures/%s" % fname,
                            "   :alt: %s" % fname[:-4].replace("_", " "), "",
                            "   %s" % caption, ""]
    else:
        snippet.append(ML_MISSING_NOTE)
    _write(gen / "hmax_figures.rst", "\n".join(snippet) + "\n")
    snippet = []
    if _module_exists("glimpse.models.hmax"):
        _standard_hmax_figures(figdir)
        for fname, caption in STANDARD_FIGURES:
            snippet += [".. figure:: /_generated/figures/%s" % fname,
                        "   :alt: %s" % fname[:-4].replace("_", " "), "",
                        "   %s" % caption, ""]
    _write(gen / "standard_hmax_figures.rst", "\n".join(snippet) + "\n")


def write_optional_toc(srcdir: Path) -> None:
    """The architecture page's toctree entry, present only when the page is."""
    lines = []
    if (srcdir / "architecture.md").is_file() or (srcdir / "architecture.rst").is_file():
        lines = [".. toctree::", "   :maxdepth: 2", "", "   architecture", ""]
    _write(srcdir / "_generated" / "architecture_toc.rst", "\n".join(lines) + "\n")


def _on_config_inited(app, config) -> None:
    srcdir = Path(app.srcdir)
    write_optional_toc(srcdir)
    names = write_api_pages(srcdir)
    logger.info("glimpse_docs: API pages for %s", ", ".join(names))
    write_figures(srcdir)


def _keep_signature(app, what, name, obj, options, signature, return_annotation):
    """Leave the signature of compiled functions and foreign objects as autodoc made it.

    numpydoc rewrites signatures from the docstring, which fails on objects whose docstring
    is not numpydoc (Cython functions exposed as backend attributes, ``numpy.float32`` as
    ``ACTIVATION_DTYPE``). Answering first (this event takes the first result) stops that for
    them; Python functions and glimpse classes go on to numpydoc.
    """
    if inspect.isfunction(obj) or inspect.ismethod(obj) or _is_glimpse_object(obj):
        return None
    return signature, return_annotation


def setup(app):
    app.connect("config-inited", _on_config_inited)
    app.connect("autodoc-process-signature", _keep_signature, priority=100)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

"""Pictures of a model's layers and kernels: maps tiled in a grid, as a greyscale PIL image.

Every tile is scaled to its own range (its minimum black, its maximum white; a
constant map is mid-grey), so each shows its own structure. The image starts with
a caption row; tiles follow, one grid row per row of maps.

Examples
--------
>>> import numpy as np
>>> img = TileMaps([[np.zeros((4, 5)), np.eye(4)], [np.ones((2, 2))]])
>>> img.mode, img.size
('L', (16, 26))
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import _checks

__all__ = ["TileMaps", "LayerRows", "ShowLayer", "ShowKernels", "CAPTION_HEIGHT", "GAP",
           "BACKGROUND"]

#: Height in pixels of the caption row at the top of every picture.
CAPTION_HEIGHT = 12
#: Pixels between tiles, and around the grid.
GAP = 2
#: Grey level of the background between tiles.
BACKGROUND = 40


def _to_bytes(data):
    """A 2D map scaled to its own range, as uint8."""
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError("every map must be 2D, got shape %r" % (data.shape,))
    if not np.isfinite(data).all():
        raise ValueError("maps must hold finite values")
    if data.size == 0:
        return np.zeros(data.shape, np.uint8)
    lo, hi = data.min(), data.max()
    if hi == lo:
        return np.full(data.shape, 128, np.uint8)
    return np.round((data - lo) * (255.0 / (hi - lo))).astype(np.uint8)


def _font():
    try:
        return ImageFont.load_default(size=10)
    except TypeError:  # Pillow < 10.1: the bitmap font only
        return ImageFont.load_default()


def TileMaps(rows: Sequence[Sequence[np.ndarray]], caption: str = "", zoom: int = 1) -> Image.Image:
    """Tile 2D maps in a grid, each scaled to its own range.

    Parameters
    ----------
    rows : sequence of sequences of 2D arrays
        ``rows[r][c]`` is drawn in grid row r, column c (rows may have different
        lengths). Finite values of any range.
    caption : str
        Text of the caption row.
    zoom : int
        Every map pixel becomes a ``zoom x zoom`` block, >= 1.

    Returns
    -------
    PIL.Image.Image
        Mode 'L'. Every cell is ``zoom * H x zoom * W`` with H, W the largest
        map height and width; cell (r, c) has its top-left corner at
        ``x = GAP + c * (cell_width + GAP)``,
        ``y = CAPTION_HEIGHT + GAP + r * (cell_height + GAP)``, and its map is
        drawn from that corner. The image is ``GAP + columns * (cell_width +
        GAP)`` wide (or as wide as the caption needs) and ``CAPTION_HEIGHT + GAP +
        rows * (cell_height + GAP)`` high; the rest is ``BACKGROUND`` grey.

    Raises
    ------
    ValueError
        For no maps, a map that is not 2D or not finite, or a bad zoom.
    MemoryError
        If the picture needs more memory than the machine has (a huge zoom).
    """
    zoom = _checks.integer(zoom, "zoom", 1)
    rows = [[_to_bytes(m) for m in row] for row in rows]
    maps = [m for row in rows for m in row]
    if not maps:
        raise ValueError("rows must hold at least one map")
    cell_h = zoom * max(m.shape[0] for m in maps)
    cell_w = zoom * max(m.shape[1] for m in maps)
    columns = max(len(row) for row in rows)
    font = _font()
    text_width = 0
    if caption:
        probe = ImageDraw.Draw(Image.new("L", (1, 1)))
        text_width = int(np.ceil(probe.textlength(caption, font=font)))
    width = max(GAP + columns * (cell_w + GAP), 2 * GAP + text_width)
    height = CAPTION_HEIGHT + GAP + len(rows) * (cell_h + GAP)
    _checks.memory(height * width, "a picture of %dx%d pixels (zoom %d)", width, height, zoom)
    canvas = np.full((height, width), BACKGROUND, np.uint8)
    for r, row in enumerate(rows):
        for c, m in enumerate(row):
            if zoom > 1:
                m = np.repeat(np.repeat(m, zoom, axis=0), zoom, axis=1)
            y = CAPTION_HEIGHT + GAP + r * (cell_h + GAP)
            x = GAP + c * (cell_w + GAP)
            canvas[y:y + m.shape[0], x:x + m.shape[1]] = m
    image = Image.fromarray(canvas, mode="L")
    if caption:
        ImageDraw.Draw(image).text((GAP, 0), caption, fill=255, font=font)
    return image


def LayerRows(data, max_columns: int | None = None) -> tuple[list[list[np.ndarray]], str]:
    """Arrange a layer's value as rows of maps.

    Parameters
    ----------
    data : 2D array, list of 3D arrays, or list of lists of 3D arrays
        A 2D layer (image, retina) gives one tile; a list over scales of maps
        (bands, h, w) (S1, C1) gives one row per scale and one column per band;
        a list over scales of lists over kernel widths of maps (S2) gives one
        row per (scale, width) and one column per prototype.
    max_columns : int, optional
        Show at most this many columns (bands or prototypes).

    Returns
    -------
    rows : list of lists of 2D arrays
    what : str
        What the rows and columns are, for a caption.
    """
    if max_columns is not None:
        max_columns = _checks.integer(max_columns, "max_columns", 1)
    cut = slice(None, max_columns)
    if isinstance(data, np.ndarray) and data.ndim == 2:
        return [[data]], "one map"
    if isinstance(data, (list, tuple)) and data:
        if all(isinstance(d, np.ndarray) and d.ndim == 3 for d in data):
            return [list(d[cut]) for d in data], "rows: scales, columns: bands"
        if all(isinstance(d, (list, tuple)) and d
               and all(isinstance(m, np.ndarray) and m.ndim == 3 for m in d) for d in data):
            rows = [list(m[cut]) for per_scale in data for m in per_scale]
            widths = len(data[0])
            what = "rows: scales" + (" x kernel widths" if widths > 1 else "")
            return rows, what + ", columns: prototypes"
    raise ValueError("data must be a 2D map, a list over scales of (bands, h, w) maps, or a list "
                     "over scales of lists of such maps; got %s" % type(data).__name__)


def ShowLayer(name: str, data, zoom: int = 1, max_columns: int | None = None) -> Image.Image:
    """Tile the maps of a layer (see :func:`LayerRows`) under a caption naming the layer.

    Parameters
    ----------
    name : str
        The layer's name, for the caption.
    data : layer value
        As :func:`LayerRows` accepts.
    zoom : int
        Magnification, >= 1.
    max_columns : int, optional
        Show at most this many bands or prototypes per row.

    Returns
    -------
    PIL.Image.Image
    """
    rows, what = LayerRows(data, max_columns)
    return TileMaps(rows, "%s (%s)" % (name, what), zoom=zoom)


def ShowKernels(kernels: np.ndarray, caption: str = "kernels", zoom: int = 4,
                transpose: bool = False) -> Image.Image:
    """Tile a 4D kernel array: one row per entry of axis 0, one column per entry of axis 1.

    Parameters
    ----------
    kernels : ndarray, shape (rows, columns, kh, kw)
        For S1 Gabor kernels (orientations, phases, k, k) pass ``transpose=True``
        to get phases by rows and orientations by columns; for prototypes
        (n, orientations, k, k) each row is one prototype.
    caption : str
        Text of the caption row.
    zoom : int
        Magnification, >= 1.
    transpose : bool
        Swap the first two axes.

    Returns
    -------
    PIL.Image.Image
    """
    kernels = np.asarray(kernels)
    if kernels.ndim != 4:
        raise ValueError("kernels must be 4D (rows, columns, kh, kw), got shape %r"
                         % (kernels.shape,))
    if transpose:
        kernels = kernels.transpose(1, 0, 2, 3)
    return TileMaps([list(row) for row in kernels], caption, zoom=zoom)

"""Geometry of the HMAX model: map sizes, the scales an image supports, receptive fields.

Pure arithmetic on the parameters (no backend, no image): the output side of every
correlation is the backends' :func:`glimpse.backends.base.OutputSide`, and pyramid levels
are sized by :func:`glimpse.images.ScalePyramidShapes`, as the model builds them.
"""

from __future__ import annotations

import math
import numbers

from ... import images
from ...backends.base import OutputSide as _out_size
from ...util import _checks
from .param import Params

__all__ = ["MinimumRetinaSize", "NumScalesSupported", "GetS2ReceptiveField"]


def _check_params(params):
    if not isinstance(params, Params):
        raise TypeError("params must be a glimpse.models.ml.Params object, got %s"
                        % type(params).__name__)


def _shape2(value, name):
    """`value` (an int or a pair of ints) as a (height, width) pair of ints >= 0."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        raise TypeError("%s must be an integer or a (height, width) pair, got %r"
                        % (name, value)) from None
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                 for v in pair):
        raise TypeError("%s must be an integer or a (height, width) pair, got %r" % (name, value))
    if min(pair) < 0:
        raise ValueError("%s must not be negative, got %r" % (name, value))
    return int(pair[0]), int(pair[1])


def _retina_shape(params, image_shape):
    h, w = image_shape
    if params.retina_enabled:
        k = params.retina_kwidth
        return _out_size(h, k, 1), _out_size(w, k, 1)
    return h, w


def _next_level(shape, factor):
    """The shape of the pyramid level after `shape` (as :func:`MakeScalePyramid` sizes it);
    `shape` itself when the pyramid no longer shrinks there."""
    return images.ScalePyramidShapes(shape, 2, factor)[-1]


def _pyramid_shapes(shape, num_scales, params):
    factor = 1.0 / params.scale_factor
    shapes = [tuple(shape)]
    for _ in range(num_scales - 1):
        shapes.append(_next_level(shapes[-1], factor))
    return shapes


def _level_chain(params, level_shape, kwidth=None):
    """Shapes of the S1, C1 and S2 maps of one pyramid level (S2 for the widest kernel)."""
    if kwidth is None:
        kwidth = max(params.s2_kwidth)
    s1 = tuple(_out_size(v, params.s1_kwidth, params.s1_sampling) for v in level_shape)
    c1 = tuple(_out_size(v, params.c1_kwidth, params.c1_sampling) for v in s1)
    s2 = tuple(_out_size(v, kwidth, params.s2_sampling) for v in c1)
    return {"S1": s1, "C1": c1, "S2": s2}


def _first_empty_layer(params, level_shape):
    for name, shape in _level_chain(params, level_shape).items():
        if min(shape) == 0:
            return name
    return None


def MinimumRetinaSize(params: Params) -> int:
    """The side of the smallest square retina that gives one S2 unit at the first scale.

    Parameters
    ----------
    params : Params
        Model parameters; the widest S2 kernel counts.

    Returns
    -------
    int
        ``(c - 1) * s1_sampling + s1_kwidth`` with
        ``c = (max(s2_kwidth) - 1) * c1_sampling + c1_kwidth``, where the S2 unit
        reads ``max(s2_kwidth)`` C1 units (the scaling of later pyramid levels is
        not counted). With the retina on, the image must be ``retina_kwidth - 1``
        pixels larger.

    Examples
    --------
    >>> MinimumRetinaSize(Params())
    51
    """
    _check_params(params)
    c1 = max(params.s2_kwidth)
    s1 = (c1 - 1) * params.c1_sampling + params.c1_kwidth
    return (s1 - 1) * params.s1_sampling + params.s1_kwidth


def NumScalesSupported(params: Params, retina_size) -> int:
    """The number of scales whose every level gives at least one S2 unit.

    Parameters
    ----------
    params : Params
        Model parameters (the widest S2 kernel counts).
    retina_size : int or (int, int)
        Side, or (height, width), of the retina layer (the image layer when the
        retina is off).

    Returns
    -------
    int
        The largest count of pyramid levels, sized exactly as
        :func:`glimpse.images.MakeScalePyramid` sizes them, whose smallest
        level still gives one S2 unit. The count stops at a level that no longer
        shrinks (with rounding, sides of 3 or less may map to themselves). 0 when
        even the first level gives none.

    Examples
    --------
    >>> NumScalesSupported(Params(), 51), NumScalesSupported(Params(), 50)
    (1, 0)
    >>> NumScalesSupported(Params(), (220, 293))
    9
    """
    _check_params(params)
    shape = _shape2(retina_size, "retina_size")
    factor = 1.0 / params.scale_factor
    count = 0
    previous = None
    while shape != previous and _first_empty_layer(params, shape) is None:
        count += 1
        previous, shape = shape, _next_level(shape, factor)
    return count


def _floor_div(num, den):
    return num // den


def _ceil_div(num, den):
    return -((-num) // den)


def _scaled_bounds(a, b, factor):
    """[floor(a * factor), ceil(b * factor)), guarding against rounding of ``factor``."""
    lo, hi = a * factor, b * factor
    eps = 1e-9 * max(1.0, abs(lo), abs(hi))
    return int(math.floor(lo + eps)), int(math.ceil(hi - eps))


def GetS2ReceptiveField(params: Params, scale, y, x, kwidth_offset=0, image_shape=None):
    """The box of IMAGE-layer pixels that one S2 unit sees.

    Parameters
    ----------
    params : Params
        Model parameters.
    scale : int
        Scale of the S2 unit, >= 0.
    y, x : int
        Position of the S2 unit in its map, >= 0.
    kwidth_offset : int
        Index into ``params.s2_kwidth`` of the S2 kernel width.
    image_shape : (int, int), optional
        (height, width) of the IMAGE layer. When given, the real pyramid sizes
        are used, the box is clipped to the image and (y, x) must be a unit of
        the S2 map; otherwise level ``scale`` is taken to be
        ``scale_factor ** scale`` times smaller than the retina, and the box is
        only clipped at 0.

    Returns
    -------
    (top, bottom, left, right) : tuple of int
        The half-open box ``image[top:bottom, left:right]``.

    Notes
    -----
    S2 unit y covers C1 rows ``[y*s2_sampling, y*s2_sampling + k)``; C1 rows
    ``[a, b)`` cover S1 rows ``[a*c1_sampling, (b-1)*c1_sampling + c1_kwidth)``;
    S1 rows ``[a, b)`` cover level rows ``[a*s1_sampling, (b-1)*s1_sampling +
    s1_kwidth)``; level row r maps to retina row ``r * R / L`` (R, L the
    retina's and the level's heights), rounded outward; with the retina on,
    retina rows ``[a, b)`` depend on image rows ``[a, b - 1 + retina_kwidth)``.
    Columns likewise. The pyramid's resampling filter reaches a little beyond
    this box at scales > 0.

    Examples
    --------
    >>> GetS2ReceptiveField(Params(), 0, 0, 0)
    (0, 51, 0, 51)
    >>> GetS2ReceptiveField(Params(), 0, 1, 2)
    (5, 56, 10, 61)
    >>> GetS2ReceptiveField(Params(retina_enabled=True), 0, 0, 0)
    (0, 65, 0, 65)
    """
    _check_params(params)
    scale = _checks.integer(scale, "scale", 0)
    y = _checks.integer(y, "y", 0)
    x = _checks.integer(x, "x", 0)
    kwidth_offset = _checks.integer(kwidth_offset, "kwidth_offset", 0)
    if kwidth_offset >= len(params.s2_kwidth):
        raise ValueError("kwidth_offset must be < len(params.s2_kwidth) = %d, got %d"
                         % (len(params.s2_kwidth), kwidth_offset))
    k2 = params.s2_kwidth[kwidth_offset]
    level = retina = None
    if image_shape is not None:
        image_shape = _shape2(image_shape, "image_shape")
        retina = _retina_shape(params, image_shape)
        if min(retina) == 0:
            raise ValueError("image_shape %r is smaller than the retina's window "
                             "(retina_kwidth=%d)" % (image_shape, params.retina_kwidth))
        level = _pyramid_shapes(retina, scale + 1, params)[scale]
        s2 = _level_chain(params, level, k2)["S2"]
        if y >= s2[0] or x >= s2[1]:
            raise ValueError("(y, x) = (%d, %d) is not a unit of the S2 map of scale %d, which "
                             "is %dx%d for image_shape %r" % (y, x, scale, s2[0], s2[1],
                                                              image_shape))
    box = []
    for axis, pos in enumerate((y, x)):
        a = pos * params.s2_sampling
        b = a + k2
        a, b = a * params.c1_sampling, (b - 1) * params.c1_sampling + params.c1_kwidth
        a, b = a * params.s1_sampling, (b - 1) * params.s1_sampling + params.s1_kwidth
        if image_shape is not None:
            a = _floor_div(a * retina[axis], level[axis])
            b = _ceil_div(b * retina[axis], level[axis])
        else:
            a, b = _scaled_bounds(a, b, params.scale_factor ** scale)
        if params.retina_enabled:
            b = b - 1 + params.retina_kwidth
        a = max(a, 0)
        if image_shape is not None:
            b = min(b, image_shape[axis])
        box.append((a, b))
    return box[0][0], box[0][1], box[1][0], box[1][1]

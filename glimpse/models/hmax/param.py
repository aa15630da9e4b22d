"""Parameters of the standard HMAX model: declared, validated, with the derived shapes."""

from __future__ import annotations

import enum
import operator

from ...util import _checks
from ..base.param import (OneOf, Param, PositiveFloat, PositiveInt, ResizeMethod,
                          _as_value_error)
from ..base.param import Params as _BaseParams

__all__ = ["S2Activation", "Params"]


class S2Activation(str, enum.Enum):
    """How S2 turns the squared distance d between a window and a patch into a value.

    Members are also plain strings: ``S2Activation.GAUSSIAN == "gaussian"``.
    """

    #: ``sqrt(max(d, 0))``: small is a good match (C2 takes the minimum).
    EUCLIDEAN = "euclidean"
    #: ``exp(-d / (2 s2_sigma**2))``: large is a good match (C2 takes the maximum).
    GAUSSIAN = "gaussian"

    def __str__(self):
        return self.value


def _sequence(name, value):
    """`value` as a list (a single number stands for a list of one)."""
    if isinstance(value, (str, bytes)):
        raise ValueError("%s must be a number or a sequence of numbers, got %s"
                         % (name, _checks.show(value)))
    try:
        operator.index(value)
    except TypeError:
        pass
    else:
        return [value]
    if not hasattr(value, "__iter__"):
        return [value]
    try:
        values = list(value)
    except TypeError:
        raise ValueError("%s must be a number or a sequence of numbers, got %s"
                         % (name, _checks.show(value))) from None
    if not values:
        raise ValueError("%s must hold at least one number, got %s"
                         % (name, _checks.show(value)))
    return values


def _reals(name, value, positive):
    values = _sequence(name, value)
    return [_as_value_error(_checks.real, "%s[%d]" % (name, i) if len(values) > 1 else name, v,
                            0 if positive else None, low_open=positive)
            for i, v in enumerate(values)]


def _positive_reals(name, value):
    return _reals(name, value, True)


def _any_reals(name, value):
    return _reals(name, value, False)


def _widths(minimum):
    def validate(name, value):
        return _as_value_error(_checks.integers, name, value, minimum)

    return validate


def _odd_widths(name, value):
    widths = _widths(1)(name, value)
    for i, k in enumerate(widths):
        if k % 2 == 0:
            raise ValueError("%s[%d] must be an odd integer >= 1 (the filter has a centre), "
                             "got %d" % (name, i, k))
    return widths


class _ListParam(Param):
    """A list-valued parameter: stored as a tuple, read as a fresh list."""

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return list(obj.__dict__[self.name])

    def __set__(self, obj, value):
        obj.__dict__[self.name] = tuple(self.validate(self.name, value))


#: The reference's S1 filter sizes: the 16 odd sizes 7 .. 37.
DEFAULT_S1_KWIDTHS = list(range(7, 38, 2))
#: The reference's wavelength parameters, one per size: 4.0 falling by 0.05 to 3.25.
DEFAULT_S1_WAVELENGTHS = [round(4.0 - 0.05 * i, 2) for i in range(16)]
#: The reference's orientations in degrees, in its order.
DEFAULT_S1_ORIENTATIONS = [90.0, -45.0, 0.0, 45.0]
#: The reference's C1 pool sizes, one per band.
DEFAULT_C1_KWIDTHS = list(range(8, 23, 2))
#: The reference's S2 patch sizes.
DEFAULT_S2_KWIDTHS = [4, 8, 12, 16]

#: Parameters that must agree with each other (the S1 sizes, their wavelengths and the bands).
_LINKED = ("s1_kwidths", "s1_wavelengths", "c1_kwidths", "c1_band_sizes")


class Params(_BaseParams):
    """Parameters of the standard HMAX model (:class:`glimpse.models.hmax.Model`).

    Parameters
    ----------
    **kw
        Values for declared parameters (see :meth:`ParamNames`); the others
        keep the reference's defaults.

    Raises
    ------
    ValueError
        For an unknown parameter name or an invalid value, on construction and
        on assignment (the message names the parameter). Sizes are positive
        integers, S1 sizes odd, C1 pool sizes at least 2; there must be one
        wavelength per S1 size and ``len(c1_kwidths) * c1_band_sizes`` S1
        sizes. Those linked values are checked together on construction, and
        an assignment must keep them consistent: to change the number of S1
        sizes or bands, make a new Params with all of them.

    Notes
    -----
    The default image preparation is ``"none"``: the reference does not resize
    its input. Band b of C1 pools the S1 sizes ``b * c1_band_sizes`` to
    ``(b + 1) * c1_band_sizes - 1``. The derived values
    :attr:`s1_num_orientations`, :attr:`num_bands`, :attr:`s1_kernel_shapes`,
    :attr:`s2_kernel_shapes` and :attr:`s2_kernels_are_normed` are read-only.

    Examples
    --------
    >>> p = Params()
    >>> len(p.s1_kwidths), p.num_bands, p.s2_kernel_shapes[0]
    (16, 8, (4, 4, 4))
    >>> p = Params(s1_kwidths=[7, 9, 11, 13], s1_wavelengths=[4, 3.95, 3.9, 3.85],
    ...            c1_kwidths=[8, 10], s2_kwidths=[4], s2_activation="gaussian")
    >>> p.BandSizes(1), p.s2_activation
    ([11, 13], <S2Activation.GAUSSIAN: 'gaussian'>)
    """

    image_resize_method = Param(ResizeMethod.NONE, OneOf(ResizeMethod),
                                "How the input image is resized (the reference: none).")

    s1_kwidths = _ListParam(DEFAULT_S1_KWIDTHS, _odd_widths, "Sizes of the S1 Gabor filters (odd).")
    s1_wavelengths = _ListParam(DEFAULT_S1_WAVELENGTHS, _positive_reals,
                                "Wavelength parameter v of each S1 size (lambda = 2 s / v).")
    s1_orientations = _ListParam(DEFAULT_S1_ORIENTATIONS, _any_reals,
                                 "Orientations of the S1 filters, in degrees.")
    s1_gamma = Param(0.3, PositiveFloat, "Spatial aspect ratio of the S1 filters.")
    s1_sigma_ratio = Param(0.8, PositiveFloat, "sigma / lambda of the S1 filters.")

    c1_kwidths = _ListParam(DEFAULT_C1_KWIDTHS, _widths(2),
                            "Pool size of each C1 band (>= 2; stride: half of it).")
    c1_band_sizes = Param(2, PositiveInt, "Number of S1 sizes pooled by each C1 band.")

    s2_kwidths = _ListParam(DEFAULT_S2_KWIDTHS, _widths(1), "Sizes of the S2 patches.")
    s2_activation = Param(S2Activation.EUCLIDEAN, OneOf(S2Activation),
                          "S2 value: 'euclidean' distance or 'gaussian' of it.")
    s2_sigma = Param(1.0, PositiveFloat, "Width of the 'gaussian' activation.")

    _DERIVED = ("s1_num_orientations", "num_bands", "s1_kernel_shapes", "s2_kernel_shapes",
                "s2_kernels_are_normed")

    def __init__(self, **kw):
        self.__dict__["_deferred"] = True
        try:
            super().__init__(**kw)
        finally:
            del self.__dict__["_deferred"]
        self._check_linked(None)

    def __setattr__(self, name, value):
        if name in self._DERIVED:
            raise AttributeError("%s is read-only: it is derived from the other parameters"
                                 % name)
        if name not in _LINKED or self.__dict__.get("_deferred"):
            super().__setattr__(name, value)
            return
        before = self.__dict__.get(name)
        super().__setattr__(name, value)
        try:
            self._check_linked(name)
        except ValueError:
            self.__dict__[name] = before
            raise

    def __setstate__(self, state):
        self.__dict__["_deferred"] = True
        try:
            super().__setstate__(state)
        finally:
            del self.__dict__["_deferred"]
        self._check_linked(None)

    def _check_linked(self, name):
        """Raise ValueError unless the S1 sizes, wavelengths and bands agree.

        `name` is the parameter just assigned (None on construction); the message names it.
        """
        sizes, waves = len(self.s1_kwidths), len(self.s1_wavelengths)
        bands, per_band = len(self.c1_kwidths), self.c1_band_sizes
        hint = ("" if name is None else " (to change linked parameters, make a new Params "
                "with s1_kwidths, s1_wavelengths, c1_kwidths and c1_band_sizes)")
        if waves != sizes:
            if name == "s1_kwidths":
                raise ValueError("s1_kwidths must hold one size per wavelength of "
                                 "s1_wavelengths (%d), got %d sizes%s" % (waves, sizes, hint))
            raise ValueError("s1_wavelengths must hold one wavelength per size of s1_kwidths "
                             "(%d), got %d wavelengths%s" % (sizes, waves, hint))
        if sizes != bands * per_band:
            prefix = "" if name in (None, "s1_kwidths") else "%s: " % name
            raise ValueError("%slen(s1_kwidths) must be len(c1_kwidths) * c1_band_sizes = "
                             "%d * %d = %d, got %d%s"
                             % (prefix, bands, per_band, bands * per_band, sizes, hint))

    @property
    def s1_num_orientations(self) -> int:
        """The number of S1 orientations (bands of every S1 and C1 map)."""
        return len(self.s1_orientations)

    @property
    def num_bands(self) -> int:
        """The number of C1 bands: ``len(c1_kwidths)``."""
        return len(self.c1_kwidths)

    @property
    def s1_kernel_shapes(self) -> list[tuple[int, int, int]]:
        """[(orientations, s, s) for s in s1_kwidths]: the shape of each S1 filter bank."""
        n = self.s1_num_orientations
        return [(n, s, s) for s in self.s1_kwidths]

    @property
    def s2_kernel_shapes(self) -> list[tuple[int, int, int]]:
        """[(orientations, k, k) for k in s2_kwidths]: the shape of one patch per size."""
        n = self.s1_num_orientations
        return [(n, k, k) for k in self.s2_kwidths]

    @property
    def s2_kernels_are_normed(self) -> bool:
        """False: the patches are raw C1 values (imprinting does not rescale them)."""
        return False

    def BandSizes(self, band: int) -> list[int]:
        """The S1 sizes that C1 band `band` pools.

        Parameters
        ----------
        band : int
            0 <= band < :attr:`num_bands`.

        Returns
        -------
        list of int
        """
        band = _checks.integer(band, "band", 0, self.num_bands - 1)
        per = self.c1_band_sizes
        return self.s1_kwidths[band * per:(band + 1) * per]

"""Parameters of the HMAX model: declared, validated, with the derived kernel shapes."""

from __future__ import annotations

import enum

from ...util import _checks
from ..base.param import OneOf, Param, PositiveFloat, PositiveInt, _as_value_error
from ..base.param import Params as _BaseParams

__all__ = ["SLayerOp", "Params"]


class SLayerOp(str, enum.Enum):
    """The operation of an S layer (a backend method of the same name).

    Members are also plain strings: ``SLayerOp.RBF == "Rbf"``.
    """

    DOT_PRODUCT = "DotProduct"
    NORM_DOT_PRODUCT = "NormDotProduct"
    RBF = "Rbf"
    NORM_RBF = "NormRbf"

    def __str__(self):
        return self.value

    @property
    def normed(self) -> bool:
        """Whether the operation expects unit-norm kernels (the two Norm* operations)."""
        return self in (SLayerOp.NORM_DOT_PRODUCT, SLayerOp.NORM_RBF)


def _bool(name, value):
    if not isinstance(value, bool):
        raise ValueError("%s must be True or False, got %r" % (name, value))
    return value


def _odd_positive_int(name, value):
    value = PositiveInt(name, value)
    if value % 2 == 0:
        raise ValueError("%s must be an odd integer > 0, got %r" % (name, value))
    return value


def _non_negative_int(name, value):
    try:
        return _as_value_error(_checks.integer, name, value, 0)
    except ValueError as err:
        raise ValueError("%s (0: as many as the image supports)" % err) from None


def _above_one(name, value):
    value = PositiveFloat(name, value)
    if value <= 1:
        raise ValueError("%s must be a finite number > 1, got %r" % (name, value))
    return value


def _kwidth_list(name, value):
    return _as_value_error(_checks.integers, name, value, 1)


class _ListParam(Param):
    """A list-valued parameter: stored as a tuple, read as a fresh list.

    Editing the list read from the parameter therefore never bypasses validation;
    assign a new list instead.
    """

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return list(obj.__dict__[self.name])

    def __set__(self, obj, value):
        obj.__dict__[self.name] = tuple(self.validate(self.name, value))


class Params(_BaseParams):
    """Parameters of the HMAX model (:class:`glimpse.models.ml.Model`).

    Parameters
    ----------
    **kw
        Values for declared parameters (see :meth:`ParamNames`); the others
        keep their defaults.

    Raises
    ------
    ValueError
        For an unknown parameter name or an invalid value, on construction and
        on assignment (the message names the parameter).

    Notes
    -----
    The derived properties :attr:`s1_kernel_shape`, :attr:`s2_kernel_shapes`,
    :attr:`s1_kernels_are_normed` and :attr:`s2_kernels_are_normed` are
    read-only. Biases must be > 0 (a zero bias divides zero by zero on a flat
    window).

    Examples
    --------
    >>> p = Params(s2_kwidth=[5, 7], s1_operation="DotProduct")
    >>> p.s1_kernel_shape, p.s2_kernel_shapes
    ((4, 2, 11, 11), [(4, 5, 5), (4, 7, 7)])
    >>> p.s1_kernels_are_normed, p.s2_kernels_are_normed
    (False, False)
    """

    retina_enabled = Param(False, _bool, "Whether the retina enhances contrast.")
    retina_kwidth = Param(15, _odd_positive_int, "Width of the retina's window (odd).")
    retina_bias = Param(1.0, PositiveFloat, "Added to the retina window's variance.")

    s1_kwidth = Param(11, _odd_positive_int, "Width of the S1 Gabor kernels (odd).")
    s1_num_orientations = Param(4, PositiveInt, "Number of S1 orientations.")
    s1_num_phases = Param(2, PositiveInt, "Number of S1 phases.")
    s1_shift_orientations = Param(True, _bool, "Shift the S1 orientations by half a step.")
    s1_operation = Param(SLayerOp.NORM_DOT_PRODUCT, OneOf(SLayerOp), "S1 operation.")
    s1_bias = Param(0.01, PositiveFloat, "S1 bias (lower clip of the squared input norm).")
    s1_beta = Param(1.0, PositiveFloat, "S1 tuning width (Rbf, NormRbf).")
    s1_sampling = Param(1, PositiveInt, "S1 stride.")

    c1_kwidth = Param(11, PositiveInt, "Width of the C1 pooling window.")
    c1_sampling = Param(5, PositiveInt, "C1 stride.")
    c1_whiten = Param(False, _bool, "Whether C1 maps are whitened across bands.")

    s2_kwidth = _ListParam([7], _kwidth_list, "Widths of the S2 prototypes (a list).")
    s2_operation = Param(SLayerOp.RBF, OneOf(SLayerOp), "S2 operation.")
    s2_beta = Param(5.0, PositiveFloat, "S2 tuning width (Rbf, NormRbf).")
    s2_bias = Param(0.1, PositiveFloat, "S2 bias (lower clip of the squared input norm).")
    s2_sampling = Param(1, PositiveInt, "S2 stride.")

    num_scales = Param(9, _non_negative_int,
                       "Number of scales; 0: as many as the image supports.")
    scale_factor = Param(2 ** 0.25, _above_one, "Ratio of consecutive pyramid sides (> 1).")

    _DERIVED = ("s1_kernel_shape", "s2_kernel_shapes", "s1_kernels_are_normed",
                "s2_kernels_are_normed")

    def __setattr__(self, name, value):
        if name in self._DERIVED:
            raise AttributeError("%s is read-only: it is derived from the other parameters"
                                 % name)
        super().__setattr__(name, value)

    @property
    def s1_kernel_shape(self) -> tuple[int, int, int, int]:
        """(orientations, phases, s1_kwidth, s1_kwidth)."""
        return (self.s1_num_orientations, self.s1_num_phases, self.s1_kwidth, self.s1_kwidth)

    @property
    def s2_kernel_shapes(self) -> list[tuple[int, int, int]]:
        """[(orientations, k, k) for k in s2_kwidth]: the shape of one prototype per width."""
        return [(self.s1_num_orientations, k, k) for k in self.s2_kwidth]

    @property
    def s1_kernels_are_normed(self) -> bool:
        """True when the S1 operation needs unit-norm kernels."""
        return self.s1_operation.normed

    @property
    def s2_kernels_are_normed(self) -> bool:
        """True when the S2 operation needs unit-norm prototypes."""
        return self.s2_operation.normed

"""Parameters of a model: declared, validated fields with defaults."""

from __future__ import annotations

import enum
from typing import Any

from ...images.prepare import ResizeMethod
from ...util import _checks

__all__ = ["ResizeMethod", "Param", "Params", "PositiveInt", "PositiveFloat", "IntInRange",
           "FloatInRange", "OneOf"]


class Param:
    """A declared parameter: a default and a validator.

    Parameters
    ----------
    default : object
        The value of a new Params object, passed through `validate`.
    validate : callable
        Takes (name, value) and returns the value to store, or raises
        ValueError (or TypeError) naming the parameter.
    doc : str, optional
        What the parameter controls.
    """

    def __init__(self, default, validate, doc=None):
        self.default = default
        self.validate = validate
        self.doc = doc
        self.name = None

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj.__dict__[self.name]

    def __set__(self, obj, value):
        obj.__dict__[self.name] = self.validate(self.name, value)


def _as_value_error(check, name, value, *args, **kw):
    """Run a shared check; a wrong type is a ValueError here too, as every Params error is."""
    try:
        return check(value, name, *args, **kw)
    except TypeError as err:
        raise ValueError(str(err)) from None


def PositiveInt(name, value):
    """Validator: an integer > 0 (bools refused); returns an int."""
    return _as_value_error(_checks.integer, name, value, 1)


def PositiveFloat(name, value):
    """Validator: a finite real number > 0 (bools refused); returns a float."""
    return _as_value_error(_checks.real, name, value, 0, low_open=True)


def IntInRange(minimum, maximum):
    """Validator factory: an integer in ``[minimum, maximum]`` (bools refused)."""

    def validate(name, value):
        return _as_value_error(_checks.integer, name, value, minimum, maximum)

    validate.__doc__ = "Validator: an integer in [%d, %d]; returns an int." % (minimum, maximum)
    return validate


def FloatInRange(minimum, maximum):
    """Validator factory: a finite real number in ``[minimum, maximum]`` (bools refused)."""

    def validate(name, value):
        return _as_value_error(_checks.real, name, value, minimum, maximum)

    validate.__doc__ = "Validator: a real number in [%g, %g]; returns a float." % (
        minimum, maximum)
    return validate


#: Accepted ``image_resize_aspect_ratio`` values: wider or taller than 100:1 is no image.
ASPECT_RATIO_RANGE = (0.01, 100.0)
#: Accepted ``image_resize_length`` values (Pillow's largest side).
RESIZE_LENGTH_RANGE = (1, 2**31 - 1)


def OneOf(enum_class):
    """Validator factory: a member (or the string value) of `enum_class`."""

    def validate(name, value):
        try:
            return enum_class(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in enum_class)
            raise ValueError("%s must be one of %s, got %r" % (name, choices, value)) from None

    return validate


class Params:
    """Parameter container for :class:`glimpse.models.base.Model`.

    Parameters
    ----------
    **kw
        Values for declared parameters; the others keep their defaults.

    Raises
    ------
    ValueError
        For an unknown parameter name or an invalid value, on construction and
        on assignment.

    Notes
    -----
    A model's parameter class derives from this one and declares its own
    parameters as :class:`Param` class attributes::

        class MyParams(Params):
            num_scales = Param(4, PositiveInt, "Number of scales.")

    Examples
    --------
    >>> p = Params(image_resize_length=256)
    >>> p.image_resize_method
    <ResizeMethod.SCALE_SHORT_EDGE: 'scale short edge'>
    >>> p.image_resize_method = "scale and crop"
    >>> p.image_resize_length, p.image_resize_aspect_ratio
    (256, 1.0)
    """

    image_resize_method = Param(
        ResizeMethod.SCALE_SHORT_EDGE,
        OneOf(ResizeMethod),
        "How the input image is resized (see PrepareImage).",
    )
    image_resize_length = Param(
        220, IntInRange(*RESIZE_LENGTH_RANGE), "Target edge length in pixels (at most 2**31 - 1)."
    )
    image_resize_aspect_ratio = Param(
        1.0, FloatInRange(*ASPECT_RATIO_RANGE),
        "Width / height of the output of 'scale and crop', in [0.01, 100].",
    )

    @classmethod
    def ParamNames(cls) -> list[str]:
        """Names of the declared parameters, in declaration order (base classes first)."""
        names = []
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if isinstance(attr, Param) and name not in names:
                    names.append(name)
        return names

    def __init__(self, **kw: Any) -> None:
        names = self.ParamNames()
        unknown = sorted(set(kw) - set(names))
        if unknown:
            raise ValueError(
                "unknown parameter(s) %s for %s; known: %s"
                % (", ".join(unknown), type(self).__name__, ", ".join(names))
            )
        cls = type(self)
        for name in names:
            setattr(self, name, kw.get(name, getattr(cls, name).default))

    def __setattr__(self, name, value):
        if not isinstance(getattr(type(self), name, None), Param):
            raise ValueError("unknown parameter %r for %s" % (name, type(self).__name__))
        super().__setattr__(name, value)

    def AsDict(self) -> dict[str, Any]:
        """Return the parameters as a dict (enum values as plain strings)."""
        return {
            name: (value.value if isinstance(value, enum.Enum) else value)
            for name, value in ((n, getattr(self, n)) for n in self.ParamNames())
        }

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self.AsDict() == other.AsDict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self):
        return "%s(%s)" % (
            type(self).__name__,
            ", ".join("%s=%r" % item for item in self.AsDict().items()),
        )

    def __getstate__(self):
        return self.AsDict()

    def __setstate__(self, state):
        cls = type(self)
        for name in self.ParamNames():
            setattr(self, name, state.get(name, getattr(cls, name).default))

"""The validation vocabulary: small argument checks shared by the whole package.

Every public function of glimpse checks its arguments with these helpers, so that one
mistake gets one message, in one style::

    NAME must be ..., got VALUE

Wrong kinds of value (a string where a number goes, a complex array) raise TypeError;
values of the right kind that are out of range raise ValueError; sizes that cannot fit in
the machine's memory raise MemoryError. Long values are shortened in messages, so that a
300-digit integer does not flood a terminal.
"""

from __future__ import annotations

import math
import numbers
import operator
import os

import numpy as np

from ._memory import MEMORY_LIMIT

__all__ = [
    "show",
    "integer",
    "integers",
    "real",
    "array",
    "finite",
    "float32_array",
    "memory",
    "labels",
    "process_memory",
    "prepared_image",
    "registry_key",
    "MEMORY_LIMIT",
]

_REAL_KINDS = "iuf"
_F32 = np.dtype(np.float32)
_SHOW_LIMIT = 40


def show(value) -> str:
    """``repr(value)``, shortened to a readable length for error messages.

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    str
        The repr; integers of more than 40 digits are written as ``<an integer of N
        digits>``, other reprs longer than 40 characters are cut with ``...``.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        try:
            digits = len(str(abs(int(value))))
        except ValueError:  # more digits than str() converts
            return "<a very large integer>"
        if digits > _SHOW_LIMIT:
            return "<%san integer of %d digits>" % ("-" if value < 0 else "", digits)
    if isinstance(value, np.ndarray):
        return "<array of shape %r, dtype %s>" % (value.shape, value.dtype)
    text = repr(value)
    if len(text) > _SHOW_LIMIT:
        text = text[: _SHOW_LIMIT - 3] + "..."
    return text


def _bounds_text(minimum, maximum):
    if minimum is not None and maximum is not None:
        return "in [%s, %s]" % (minimum, maximum)
    if minimum is not None:
        return ">= %s" % (minimum,)
    return "<= %s" % (maximum,)


def integer(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int within bounds.

    Parameters
    ----------
    value : object
        Any integer type (``operator.index`` must accept it); bools are refused.
    name : str
        The argument's name, for messages.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is out of bounds.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be an integer, got %s" % (name, show(value)))
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %s" % (name, show(value))) from None
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ValueError("%s must be an integer %s, got %s"
                         % (name, _bounds_text(minimum, maximum), show(result)))
    return result


def integers(value, name: str, minimum: int | None = None, maximum: int | None = None,
             *, length: int | None = None) -> list[int]:
    """``value`` as a list of Python ints within bounds; one integer stands for a list.

    Parameters
    ----------
    value : object
        An integer (see :func:`integer`), or a sequence of integers (not a string).
    name : str
        The argument's name, for messages; an element is named ``NAME[i]``.
    minimum, maximum : int, optional
        Inclusive bounds of every element.
    length : int, optional
        The required number of elements: a single integer is then repeated ``length``
        times. Without it, a single integer is a list of one, and a sequence must hold at
        least one element.

    Returns
    -------
    list of int

    Raises
    ------
    TypeError
        If ``value`` is neither an integer nor a sequence, or an element is not an
        integer (bools are refused).
    ValueError
        If an element is out of bounds, or the sequence is empty or of another length.
    """
    if isinstance(value, (str, bytes, bool, np.bool_)) or not hasattr(value, "__iter__"):
        try:
            operator.index(value)
        except TypeError:
            ok = False
        else:
            ok = not isinstance(value, (bool, np.bool_))
        if not ok:
            raise TypeError("%s must be an integer or a sequence of integers, got %s"
                            % (name, show(value)))
        return [integer(value, name, minimum, maximum)] * (1 if length is None else length)
    try:
        values = list(value)
    except TypeError:  # a 0-d array, or an object whose __iter__ refuses
        raise TypeError("%s must be an integer or a sequence of integers, got %s"
                        % (name, show(value))) from None
    if length is None and not values:
        raise ValueError("%s must hold at least one integer, got %s" % (name, show(value)))
    if length is not None and len(values) != length:
        raise ValueError("%s must hold %d integer(s), got %s" % (name, length, show(value)))
    return [integer(v, "%s[%d]" % (name, i), minimum, maximum) for i, v in enumerate(values)]


def real(value, name: str, minimum: float | None = None, maximum: float | None = None,
         *, low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite Python float within bounds.

    Parameters
    ----------
    value : object
        Any real number (``numbers.Real``, numpy scalars included); bools refused.
    name : str
        The argument's name, for messages.
    minimum, maximum : float, optional
        Bounds, inclusive unless ``low_open`` / ``high_open``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN, infinite, too large for a float, or out of bounds.
    """
    if type(value) is not float and (isinstance(value, (bool, np.bool_))
                                     or not isinstance(value, numbers.Real)):
        raise TypeError("%s must be a real number, got %s" % (name, show(value)))
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if (math.isfinite(result)
            and (minimum is None or not (result < minimum or (low_open and result == minimum)))
            and (maximum is None or not (result > maximum or (high_open and result == maximum)))):
        return result
    lo = "" if minimum is None else ("> %s" if low_open else ">= %s") % (minimum,)
    hi = "" if maximum is None else ("< %s" if high_open else "<= %s") % (maximum,)
    bounds = " and ".join(b for b in (lo, hi) if b)
    want = "a finite real number" + (" " + bounds if bounds else "")
    raise ValueError("%s must be %s, got %s" % (name, want, show(value)))


def array(value, name: str, ndim: int | tuple[int, ...] | None = None,
          kinds: str = _REAL_KINDS) -> np.ndarray:
    """``value`` as an ndarray of a real dtype and given number of dimensions.

    Parameters
    ----------
    value : array_like
        Anything ``numpy.asarray`` reads.
    name : str
        The argument's name, for messages.
    ndim : int or tuple of int, optional
        The accepted number(s) of dimensions.
    kinds : str
        Accepted dtype kinds (default ``"iuf"``: integers and floating point; bools,
        complex numbers, objects and strings are refused).

    Returns
    -------
    ndarray
        ``numpy.asarray(value)`` (no copy when ``value`` is already an array).

    Raises
    ------
    TypeError
        If ``value`` is None, cannot be read as an array or has another dtype kind.
    ValueError
        If it has another number of dimensions, or is a ragged nested sequence.
    """
    if value is None:
        raise TypeError("%s must be an array, got None" % name)
    try:
        result = np.asarray(value)
    except (TypeError, ValueError) as err:  # ragged nested lists are a ValueError
        raise type(err)("%s must be an array, got %s (%s)" % (name, show(value), err)) from None
    if result.dtype.kind not in kinds:
        what = "real numbers (integer or floating point)" if kinds == _REAL_KINDS else \
            "values of dtype kind %r" % kinds
        raise TypeError("%s must hold %s, got dtype %s" % (name, what, result.dtype))
    if ndim is not None:
        accepted = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if result.ndim not in accepted:
            want = " or ".join("%dD" % d for d in accepted)
            raise ValueError("%s must be %s, got shape %r" % (name, want, result.shape))
    return result


def finite(data: np.ndarray, name: str) -> np.ndarray:
    """``data`` if all its values are finite, else ValueError naming ``name``.

    Parameters
    ----------
    data : ndarray
        A real array.
    name : str
        The argument's name, for messages.

    Returns
    -------
    ndarray
        ``data`` itself.
    """
    if data.dtype.kind != "f" or not data.size:
        return data
    if not np.isfinite(data).all():
        bad = np.argwhere(~np.isfinite(data))[0]
        raise ValueError("%s must hold finite values, got %s at index %s"
                         % (name, data[tuple(bad)], tuple(int(i) for i in bad)))
    return data


def float32_array(value, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``value`` as a finite, C-contiguous float32 array (a copy only when needed).

    Parameters
    ----------
    value : array_like
        A real array (see :func:`array`).
    name : str
        The argument's name, for messages.
    ndim : int or tuple of int, optional
        The accepted number(s) of dimensions.

    Returns
    -------
    ndarray of float32, C-contiguous

    Raises
    ------
    TypeError
        As :func:`array`.
    ValueError
        As :func:`array`; also when a value is NaN or infinite, or finite but out of
        float32's range (it would become infinite).
    """
    data = array(value, name, ndim)
    if data.dtype == _F32 and data.flags.c_contiguous:
        return finite(data, name)
    with np.errstate(over="ignore"):
        result = np.ascontiguousarray(data, dtype=_F32)
    # one pass over the converted values; the input is read again only to name a bad value
    if result.size and not np.isfinite(result).all():
        finite(data, name)  # NaN or infinite already in the input
        big = np.argwhere(~np.isfinite(result))[0]
        raise ValueError("%s must hold values within float32 range (|x| <= %g), got %s at "
                         "index %s: out of float32 range"
                         % (name, np.finfo(_F32).max, data[tuple(big)],
                            tuple(int(i) for i in big)))
    return result


def memory(nbytes: int, what: str, *args) -> int:
    """``nbytes`` if that much memory may be asked for, else MemoryError.

    Parameters
    ----------
    nbytes : int
        The size of an allocation about to be made.
    what : str
        What it is for, for messages (``"the output of shape (3, 4)"``); with ``args``,
        a format string, formatted only when the message is needed.
    *args
        Values for ``what``'s format.

    Returns
    -------
    int
        ``nbytes``.

    Raises
    ------
    MemoryError
        If ``nbytes`` exceeds this machine's physical memory (:data:`MEMORY_LIMIT`).
    """
    if nbytes > MEMORY_LIMIT:
        raise MemoryError("%s needs %d bytes, more than this machine's memory (%d bytes)"
                          % (what % args if args else what, nbytes, MEMORY_LIMIT))
    return nbytes


def labels(value, name: str) -> list:
    """``value`` as a list of class labels: all integers >= 0, or all class names.

    Parameters
    ----------
    value : sequence
        Labels: integers (Python or numpy; bools refused) or strings, not mixed.
    name : str
        The argument's name, for messages; an element is named ``NAME[i]``.

    Returns
    -------
    list of int or list of str

    Raises
    ------
    ValueError
        If ``value`` is not a sequence, or a label is neither an
        integer >= 0 nor a string (a float such as 0.5 or 1.0 is refused, never truncated),
        or integers and strings are mixed.
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError("%s must be a sequence of integers or class names, got %s"
                         % (name, show(value)))
    values = list(value)
    if values and all(isinstance(v, str) for v in values):
        return values
    result = []
    for i, v in enumerate(values):
        try:
            result.append(integer(v, "%s[%d]" % (name, i), 0))
        except TypeError:
            raise ValueError("%s[%d] must be an integer >= 0 or a class name (all labels of one "
                             "kind), got %s" % (name, i, show(v))) from None
    return result


def process_memory() -> int:
    """The bytes this process may use: :data:`MEMORY_LIMIT`, or less under an rlimit.

    Returns
    -------
    int
        The smallest of the machine's physical memory and the soft limits on the address
        space and the data segment (``ulimit -v``, ``ulimit -d``), read at each call.
    """
    limit = MEMORY_LIMIT
    try:
        import resource
    except ImportError:  # not a POSIX system
        return limit
    for which in ("RLIMIT_AS", "RLIMIT_DATA"):
        try:
            soft = resource.getrlimit(getattr(resource, which))[0]
        except (AttributeError, ValueError, OSError):
            continue
        if soft != resource.RLIM_INFINITY and soft >= 0:
            limit = min(limit, soft)
    return limit


def prepared_image(size, scratch: int, max_pixels: int | None) -> None:
    """Refuse an image whose preparation needs more than a run can afford (ValueError).

    Parameters
    ----------
    size : (int, int)
        The (width, height) an image is to be resized to.
    scratch : int
        The bytes the resize needs (``Backend.ResampleScratchBytes``).
    max_pixels : int or None
        The most pixels a prepared image may have (``PIL.Image.MAX_IMAGE_PIXELS``, the
        limit a decoded image is held to); None: no limit.

    Raises
    ------
    ValueError
        If ``size`` has more than ``max_pixels`` pixels, or ``scratch`` exceeds the memory
        this process may use (:func:`process_memory`). The message starts with "image
        refused as too large".
    """
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise ValueError("image refused as too large: prepared, it must have at most %d "
                         "pixels (PIL.Image.MAX_IMAGE_PIXELS), got %dx%d (%d pixels)"
                         % (max_pixels, width, height, width * height))
    limit = process_memory()
    if scratch > limit:
        raise ValueError("image refused as too large: preparing it must need at most %d "
                         "bytes (the memory this process may use), got %d bytes to resize "
                         "it to %dx%d" % (limit, scratch, width, height))


def registry_key(name, registry, what: str, env: str, default: str) -> str:
    """The key of ``registry`` (a mapping with lower-case keys) that ``name`` names.

    The one lookup of the names of backends, models and pools: case-insensitive, with
    surrounding spaces ignored. When ``name`` is None, the environment variable ``env`` is
    read if set and non-empty, else ``default`` is taken.

    Parameters
    ----------
    name : str or None
        The name asked for.
    registry : mapping
        Its keys are the known names, lower case, in the order messages list them.
    what : str
        What the registry holds ("backend"), for messages.
    env : str
        The environment variable that names one when ``name`` is None.
    default : str
        The name taken when neither ``name`` nor ``env`` gives one.

    Returns
    -------
    str
        The key.

    Raises
    ------
    TypeError
        If ``name`` is not a str: "WHAT name must be a str, got VALUE".
    ValueError
        If it names nothing known: "WHAT name must be one of 'a', 'b', got VALUE" (``env``
        in place of "WHAT name" when the name came from the environment).
    """
    origin = "%s name" % what
    if name is None:
        name = os.environ.get(env) or None
        if name is None:
            name = default
        else:
            origin = env
    if not isinstance(name, str):
        raise TypeError("%s must be a str, got %s" % (origin, show(name)))
    key = name.strip().lower()
    if key not in registry:
        raise ValueError("%s must be one of %s, got %s"
                         % (origin, ", ".join(map(repr, registry)), show(name)))
    return key

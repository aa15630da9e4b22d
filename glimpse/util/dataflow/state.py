"""The state of a dataflow: the values computed so far, keyed by node id."""

from __future__ import annotations

import numpy as np

from .node import Node

__all__ = ["State"]


def _key(key):
    return key.id_ if isinstance(key, Node) else key


def _values_equal(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_values_equal(x, y) for x, y in zip(a, b))
        )
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


class State(dict):
    """A mapping from nodes to their values.

    Keys may be given as nodes or as node ids; they are stored by id, so
    ``keys()`` gives ids and ``state[node] is state[node.id_]``.

    Parameters
    ----------
    elements : mapping or iterable of (key, value) pairs, optional
        Initial contents.
    **kw
        More initial contents, keyed by node id.

    Notes
    -----
    Two states are equal when they have the same type and the same contents;
    arrays (and lists or tuples of arrays) are compared by value.

    Examples
    --------
    >>> n = Node("n")
    >>> s = State({n: 1})
    >>> s[n], s["n"], list(s.keys())
    (1, 1, ['n'])
    """

    def __init__(self, elements=None, **kw):
        super().__init__()
        if elements is not None:
            self.update(elements)
        if kw:
            self.update(kw)

    def __getitem__(self, key):
        return super().__getitem__(_key(key))

    def __setitem__(self, key, value):
        super().__setitem__(_key(key), value)

    def __delitem__(self, key):
        super().__delitem__(_key(key))

    def __contains__(self, key):
        try:
            return super().__contains__(_key(key))
        except TypeError:  # unhashable
            return False

    def get(self, key, default=None):
        return super().get(_key(key), default)

    def pop(self, key, *default):
        return super().pop(_key(key), *default)

    def setdefault(self, key, default=None):
        return super().setdefault(_key(key), default)

    def update(self, other=(), **kw):
        items = other.items() if hasattr(other, "items") else other
        for key, value in items:
            self[key] = value
        for key, value in kw.items():
            self[key] = value

    def copy(self):
        """Return a shallow copy of the same type."""
        new = type(self).__new__(type(self))
        dict.update(new, self)
        new.__dict__.update(self.__dict__)
        return new

    __copy__ = copy

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        if dict.keys(self) != dict.keys(other):
            return False
        get = dict.__getitem__
        return all(_values_equal(get(self, k), get(other, k)) for k in self)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, dict.__repr__(self))

    def __reduce__(self):
        return (type(self), (dict(self),), self.__dict__ or None)

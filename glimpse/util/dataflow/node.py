"""Nodes of a dataflow graph."""

from __future__ import annotations

from typing import Hashable

__all__ = ["Node"]


class Node:
    """A node in a dataflow graph.

    Parameters
    ----------
    id_ : hashable
        Identifier, unique within a graph. Nodes compare equal, and hash,
        by this identifier alone.
    depends : list of Node, optional
        The nodes whose values this node is computed from, in the order the
        node's builder takes them. None (the default) means no dependencies.

    Raises
    ------
    ValueError
        If `depends` is neither None nor a list of nodes.

    Examples
    --------
    >>> a = Node("a")
    >>> b = Node("b", [a])
    >>> b.depends == [Node("a")]
    True
    """

    def __init__(self, id_: Hashable, depends: list | None = None) -> None:
        try:
            hash(id_)
        except TypeError:
            raise ValueError("id_ must be hashable, got %r" % (id_,)) from None
        if depends is not None:
            if not isinstance(depends, list):
                raise ValueError(
                    "depends must be a list of nodes or None, got %s" % type(depends).__name__
                )
            for dep in depends:
                if not isinstance(dep, Node):
                    raise ValueError("depends must hold only nodes, got %r" % (dep,))
        self.id_ = id_
        self.depends = depends

    def __eq__(self, other):
        if not isinstance(other, Node):
            return NotImplemented
        return self.id_ == other.id_

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self.id_)

    def __repr__(self):
        return "%s(id_=%r, depends=%r)" % (type(self).__name__, self.id_, self.depends)

"""Dataflow graphs: nodes with builder callbacks, computed on demand."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .node import Node

if TYPE_CHECKING:
    from .state import State

__all__ = ["DataFlow", "DependencyError", "node_builder", "BuildNode"]

_BUILDER_ATTR = "_dataflow_node"


class DependencyError(Exception):
    """A node's value is missing and cannot be computed.

    Parameters
    ----------
    node : Node
        The node that has no value in the state and no builder.
    """

    def __init__(self, node=None):
        super().__init__(node)
        self.node = node

    def __str__(self):
        return "no value and no builder for node %r" % (getattr(self.node, "id_", self.node),)


def node_builder(node: Node) -> Callable[[Callable], Callable]:
    """Mark a method of a :class:`DataFlow` subclass as the builder of `node`.

    The method takes one argument per dependency of `node` (after ``self``),
    in the order of ``node.depends``, and returns the node's value. Every
    instance of the class registers it on construction.

    Parameters
    ----------
    node : Node
        The node the method computes.

    Examples
    --------
    >>> SRC, DBL = Node("src"), Node("dbl", [Node("src")])
    >>> class Doubler(DataFlow):
    ...     @node_builder(DBL)
    ...     def BuildDouble(self, x):
    ...         return 2 * x
    >>> BuildNode(Doubler(), DBL, {"src": 21})["dbl"]
    42
    """
    if not isinstance(node, Node):
        raise ValueError("node_builder takes a Node, got %r" % (node,))

    def decorator(method):
        setattr(method, _BUILDER_ATTR, node)
        return method

    return decorator


def _check_arity(node, f):
    if not callable(f):
        raise ValueError("builder for node %r must be callable, got %r" % (node.id_, f))
    wanted = len(node.depends or ())
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):  # some builtins have no signature; trust them
        return
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        required = sum(
            1 for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        )
        ok = required <= wanted
    else:
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = sum(1 for p in positional if p.default is p.empty)
        kw_required = any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params)
        ok = required <= wanted <= len(positional) and not kw_required
    if not ok:
        raise ValueError(
            "builder for node %r must take %d argument(s) (one per dependency), "
            "but its signature is %s" % (node.id_, wanted, sig)
        )


class DataFlow:
    """A set of nodes with callbacks that compute them from their dependencies.

    Builders come from two places: methods decorated with :func:`node_builder`
    (registered for every instance) and :meth:`Register` calls on an instance.
    """

    def __init__(self):
        self._callbacks = {}

    @classmethod
    def _class_builders(cls):
        builders = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                node = getattr(attr, _BUILDER_ATTR, None)
                if isinstance(node, Node):
                    builders[node.id_] = (node, name)
        return builders

    def Register(self, node: Node, f: Callable[..., Any]) -> None:
        """Add a callback to compute a value for a node.

        Parameters
        ----------
        node : Node
            The node computed by `f`.
        f : callable
            Takes one argument per dependency of `node`, in order.

        Raises
        ------
        ValueError
            If `node` is not a Node, or `f` does not take one argument per
            dependency.

        Notes
        -----
        A lambda or local function makes the flow unpicklable; use module
        level functions or :func:`node_builder` methods where the flow must
        be sent to another process.
        """
        if not isinstance(node, Node):
            raise ValueError("node must be a Node, got %r" % (node,))
        _check_arity(node, f)
        if "_callbacks" not in self.__dict__:
            self._callbacks = {}
        self._callbacks[node.id_] = (node, f)

    def RegisteredNodes(self) -> list[Node]:
        """The nodes given a callback with :meth:`Register` on this instance, in order.

        Returns
        -------
        list of Node
        """
        return [node for node, _ in self.__dict__.get("_callbacks", {}).values()]

    def GetCallback(self, node: Node) -> Callable[..., Any] | None:
        """Return the callback that computes `node`, or None if there is none."""
        entry = self.__dict__.get("_callbacks", {}).get(node.id_)
        if entry is not None:
            return entry[1]
        entry = type(self)._class_builders().get(node.id_)
        if entry is not None:
            return getattr(self, entry[1])
        return None

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = object.__hash__


def _build(flow, node, state, active):
    if node in state:
        return state[node]
    if node.id_ in active:
        raise DependencyError(node)  # a cycle: the node depends on itself
    f = flow.GetCallback(node)
    if f is None:
        raise DependencyError(node)
    active.add(node.id_)
    try:
        args = [_build(flow, dep, state, active) for dep in node.depends or ()]
    finally:
        active.discard(node.id_)
    value = f(*args)
    state[node] = value
    return value


def BuildNode(flow: DataFlow, nodes: Node | Sequence[Node], state: Mapping) -> State:
    """Compute nodes of a flow, building missing dependencies recursively.

    Parameters
    ----------
    flow : DataFlow
        Supplies the builders.
    nodes : Node or sequence of Node
        The nodes to compute.
    state : State or mapping
        Values already known. It is not modified.

    Returns
    -------
    State
        A new state (of the same type as `state`, or :class:`State` for a
        plain mapping) holding the input values, the requested nodes and every
        dependency computed on the way.

    Raises
    ------
    DependencyError
        If a needed node has no value and no builder.
    """
    from .state import State

    if isinstance(nodes, Node):
        nodes = (nodes,)
    state = state.copy() if isinstance(state, State) else State(state)
    active: set = set()
    for node in nodes:
        if not isinstance(node, Node):
            raise ValueError("nodes must be Node objects, got %r" % (node,))
        _build(flow, node, state, active)
    return state

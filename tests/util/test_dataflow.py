import pickle

import numpy as np
import pytest

from glimpse.util.dataflow import BuildNode, DataFlow, DependencyError, Node, State, node_builder

A = Node("a")
B = Node("b", [A])
C = Node("c", [A, B])


def double(x):
    return 2 * x


def add(x, y):
    return x + y


class Flow(DataFlow):
    @node_builder(B)
    def BuildB(self, a):
        return a + 1


def test_node_equality_and_hash_by_id():
    assert Node("x") == Node("x", [A])
    assert Node("x") != Node("y")
    assert hash(Node("x")) == hash(Node("x", [A]))
    assert len({Node("x"), Node("x"), Node("y")}) == 2


@pytest.mark.parametrize("depends", [(A,), A, "a", [A, "b"]])
def test_node_rejects_non_list_depends(depends):
    with pytest.raises(ValueError, match="depends"):
        Node("n", depends)


def test_node_repr():
    assert repr(B) == "Node(id_='b', depends=[Node(id_='a', depends=None)])"


def test_state_keys_are_ids():
    s = State({A: 1}, b=2)
    assert list(s.keys()) == ["a", "b"]
    assert s[A] == s["a"] == 1
    assert B in s and "b" in s and C not in s
    assert s.get(C, 5) == 5
    del s[A]
    assert A not in s
    s.setdefault(C, 3)
    assert s["c"] == 3
    assert s.pop(C) == 3


def test_state_equality_by_type_and_value():
    a = State({A: np.arange(3.0), B: [np.ones(2), np.zeros(1)]})
    b = State({"a": np.arange(3.0), "b": [np.ones(2), np.zeros(1)]})
    assert a == b
    b["b"] = [np.ones(2), np.ones(1)]
    assert a != b

    class Other(State):
        pass

    assert State(x=1) != Other(x=1)
    assert State(x=np.zeros(2)) != State(x=np.zeros(3))
    assert State(x=np.zeros(2)) != State(x=[0.0, 0.0])


class Sub(State):
    pass


def test_state_copy_is_shallow_and_typed():
    s = Sub(a=[1])
    t = s.copy()
    assert type(t) is Sub and t == s and t is not s
    assert t["a"] is s["a"]
    assert pickle.loads(pickle.dumps(s)) == s


def test_register_checks_arity():
    flow = DataFlow()
    flow.Register(C, add)
    with pytest.raises(ValueError, match="2 argument"):
        flow.Register(C, double)
    with pytest.raises(ValueError, match="1 argument"):
        flow.Register(B, add)
    with pytest.raises(ValueError):
        flow.Register(B, 42)
    flow.Register(B, lambda *args: sum(args))


def test_build_node_recursive_and_pure():
    flow = DataFlow()
    flow.Register(B, double)
    flow.Register(C, add)
    start = State({A: 5})
    out = BuildNode(flow, C, start)
    assert out[B] == 10 and out[C] == 15
    assert list(start.keys()) == ["a"]
    assert type(out) is State


def test_build_node_missing_dependency():
    flow = DataFlow()
    flow.Register(B, double)
    with pytest.raises(DependencyError) as info:
        BuildNode(flow, B, State())
    assert info.value.node == A
    assert "'a'" in str(info.value)


def test_node_builder_methods_and_pickle():
    flow = Flow()
    assert BuildNode(flow, B, {"a": 1})[B] == 2
    flow2 = pickle.loads(pickle.dumps(flow))
    assert BuildNode(flow2, [B], State(a=2))["b"] == 3
    with pytest.raises(ValueError):
        node_builder("not a node")


def test_register_overrides_class_builder():
    flow = Flow()
    flow.Register(B, double)
    assert BuildNode(flow, B, {"a": 4})[B] == 8
    assert BuildNode(Flow(), B, {"a": 4})[B] == 5


def _identity(x):
    return x


def test_cycles_are_detected_not_followed_forever():
    # two nodes that depend on each other, each with a builder: the walk must stop
    p = Node("p")
    q = Node("q", [p])
    p.depends = [q]
    flow = DataFlow()
    flow.Register(p, _identity)
    flow.Register(q, _identity)
    for start in (p, q):
        with pytest.raises(DependencyError) as info:
            BuildNode(flow, start, {})
        assert info.value.node == start
    # a node that depends on itself
    self_loop = Node("s")
    self_loop.depends = [self_loop]
    flow.Register(self_loop, _identity)
    with pytest.raises(DependencyError, match="'s'"):
        BuildNode(flow, self_loop, {})
    # a value already in the state breaks the cycle
    assert BuildNode(flow, p, {"q": 5})["p"] == 5


def test_registered_nodes_are_listed():
    flow = Flow()
    assert flow.RegisteredNodes() == []
    flow.Register(C, add)
    flow.Register(Node("z"), lambda: 0)
    assert [n.id_ for n in flow.RegisteredNodes()] == ["c", "z"]

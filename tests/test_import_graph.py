"""The import graph of glimpse: no cycles, and ``glimpse/util`` a floor that imports only util.

The graph is read from the source with :mod:`ast` (nothing is imported):

- A module is every ``.py`` file under ``glimpse/`` (a package is its ``__init__``).
- An edge runs from a module to each glimpse module one of its import statements names,
  relative imports resolved: ``import glimpse.a.b`` and ``from glimpse.a import b`` name
  ``glimpse.a.b`` when that is a module, else ``glimpse.a``. The parent packages an import
  loads on the way are not edges of their own.
- Cycles at import time: only the imports that run while the module is imported count:
  the statements at module level, inside ``if``/``try``/``with`` blocks and class bodies
  (not under ``if TYPE_CHECKING:``), and those inside a function of the module that its
  module-level code calls. Any other import inside a function runs when the function is
  called, after the modules involved have loaded, so it cannot close a cycle at import time.
- Cycles at all: every import, inside functions too. A deferred import is still an arrow
  between two parts, and arrows run one way (a circle of deferred imports is how the
  command line once tied three modules together).
- The floor: every import in ``glimpse/util``, inside functions too, must name a module of
  ``glimpse.util`` (or none of glimpse's): a deferred import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "glimpse"

pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason="the glimpse sources are not here")


def _modules():
    """{module name: path} of every glimpse module."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = ("glimpse",) + path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(body, function=None):
    """(node, function) for every import statement in `body`.

    `function` is the name of the module-level function the statement is in (None at
    module level).
    """
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, function
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _import_nodes(node.body, function or node.name)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            continue  # never runs
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _import_nodes(children, function)


def _called_at_import(tree):
    """Names the module-level code of `tree` calls (outside function bodies)."""
    called = set()
    stack = [node for node in tree.body
             if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
        stack.extend(child for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                               ast.Lambda)))
    return called


def _targets(module, node):
    """The glimpse modules an import statement in `module` names."""
    is_package = MODULES[module].name == "__init__.py"
    if isinstance(node, ast.Import):
        bases, names = [alias.name for alias in node.names], []
    else:
        if node.level:
            package = module.split(".")
            package = package[:len(package) - node.level + (1 if is_package else 0)]
            base = ".".join(package + ([node.module] if node.module else []))
        else:
            base = node.module
        bases, names = [base], [alias.name for alias in node.names]
    found = set()
    for base in bases:
        if not (base == "glimpse" or base.startswith("glimpse.")):
            continue
        while base not in MODULES:  # "import glimpse.a.b" where only glimpse.a exists
            base = base.rpartition(".")[0]
        subs = [base + "." + name for name in names if base + "." + name in MODULES]
        found.update(subs)
        if len(subs) < len(names) or not names:
            found.add(base)
    return found


def _graph(include_deferred, sources=None):
    """{module: the glimpse modules it imports}; `sources` ({module: text}) for a test."""
    graph = {}
    for module, path in MODULES.items() if sources is None else sources.items():
        text = path.read_text() if sources is None else path
        tree = ast.parse(text, module)
        at_import = _called_at_import(tree)
        graph[module] = set()
        for node, function in _import_nodes(tree.body):
            if include_deferred or function is None or function in at_import:
                graph[module] |= _targets(module, node)
        graph[module].discard(module)
    return graph


def _cycles(graph):
    """The strongly connected components of `graph` with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_graph_is_read():
    graph = _graph(include_deferred=False)
    # a relative import, a package's own relative import, and an absolute one are all seen
    assert "glimpse.cli._common" in graph["glimpse.cli.sample"]
    assert "glimpse.cli._common" in graph["glimpse.cli"]
    assert "glimpse.backends" in graph["glimpse.cli.sample"]
    # deferred imports are left out of the cycle graph, kept in the full one
    assert "glimpse.glab" not in graph["glimpse.cli.sample"]
    assert "glimpse.glab" in _graph(include_deferred=True)["glimpse.cli.sample"]


def test_cycles_are_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_a_function_called_at_import_counts():
    sources = {
        "glimpse.cli": "def build():\n    from . import sample\n\nPARSER = build()\n",
        "glimpse.cli.sample": "from . import _common\n\ndef later():\n    import glimpse.cli\n",
        "glimpse.cli._common": "try:\n    from glimpse.cli import sample\nexcept ImportError:\n"
                               "    pass\n",
    }
    graph = _graph(include_deferred=False, sources=sources)
    assert graph == {"glimpse.cli": {"glimpse.cli.sample"},
                     "glimpse.cli.sample": {"glimpse.cli._common"},
                     "glimpse.cli._common": {"glimpse.cli.sample"}}
    assert _cycles(graph) == [["glimpse.cli._common", "glimpse.cli.sample"]]
    assert _cycles(_graph(include_deferred=True, sources=sources)) == [
        ["glimpse.cli", "glimpse.cli._common", "glimpse.cli.sample"]]


def test_no_import_cycle_at_import_time():
    assert _cycles(_graph(include_deferred=False)) == []


def test_no_import_cycle_through_deferred_imports():
    assert _cycles(_graph(include_deferred=True)) == []


def test_util_imports_only_util():
    upward = {
        module: sorted(t for t in targets if not t.startswith("glimpse.util"))
        for module, targets in _graph(include_deferred=True).items()
        if module.startswith("glimpse.util")
    }
    assert {m: t for m, t in upward.items() if t} == {}

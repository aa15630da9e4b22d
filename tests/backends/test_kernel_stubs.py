"""The type stubs in csrc/ describe the built kernel modules, and are installed beside them."""

import ast
import importlib
import inspect
import os
import types
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parents[2] / "csrc"
STUBS = sorted(CSRC.glob("*.pyi"))


def _stub_entries(path):
    """{name: ast node} of the top-level functions and annotated names of a stub."""
    tree = ast.parse(path.read_text(), filename=str(path))
    entries = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            entries[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            entries[node.target.id] = node
    return entries


def _stub_parameters(func):
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    result = [(a.arg, "positional", d) for a, d in zip(positional, defaults)]
    result += [(a.arg, "keyword", d) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return result


def _module_parameters(func):
    result = []
    for p in inspect.signature(func).parameters.values():
        kind = "keyword" if p.kind is p.KEYWORD_ONLY else "positional"
        result.append((p.name, kind, p.default))
    return result


def test_every_kernel_has_a_stub_beside_its_source():
    sources = sorted(p.stem for p in CSRC.glob("*.pyx"))
    assert sources and sources == [p.stem for p in STUBS]


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.stem)
def test_stub_matches_built_module(stub):
    module = importlib.import_module("glimpse." + stub.stem)
    entries = _stub_entries(stub)
    public = {
        name for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(entries), "stub and module disagree on the public names"
    for name, node in entries.items():
        value = getattr(module, name)
        if isinstance(node, ast.FunctionDef):
            assert callable(value), name
            got = _module_parameters(value)
            want = _stub_parameters(node)
            assert [g[:2] for g in got] == [w[:2] for w in want], name
            for (pname, _, default), (_, _, stub_default) in zip(got, want):
                if stub_default is None:
                    assert default is inspect.Parameter.empty, (name, pname)
                elif not (isinstance(stub_default, ast.Constant) and stub_default.value is ...):
                    assert default == ast.literal_eval(stub_default), (name, pname)
        else:
            annotation = ast.unparse(node.annotation)
            expected = {"int": int, "float": float, "str": str}[annotation]
            assert type(value) is expected, (name, type(value))


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.stem)
def test_stub_is_installed_beside_the_module(stub):
    module = importlib.import_module("glimpse." + stub.stem)
    installed = Path(os.path.dirname(module.__file__)) / stub.name
    assert installed.read_text() == stub.read_text()

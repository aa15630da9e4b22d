"""Only glimpse.backends imports the compiled modules: a grep over the package proves it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "glimpse"
COMPILED = sorted(p.stem for p in (ROOT / "csrc").glob("*.pyx"))


def _import_patterns(name):
    n = re.escape(name)
    return [
        re.compile(r"^\s*import\s+glimpse\.%s\b" % n, re.M),
        re.compile(r"^\s*from\s+glimpse\.%s\s+import\b" % n, re.M),
        re.compile(r"^\s*from\s+\.+%s\s+import\b" % n, re.M),
        re.compile(r"^\s*from\s+(glimpse|\.+)\s+import\s+(\([^)]*|[^\n]*)\b%s\b" % n, re.M),
        re.compile(r"""["']glimpse\.%s["']""" % n),
    ]


def _importers():
    """{path relative to the package: [compiled module names it imports]}."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        names = [n for n in COMPILED if any(p.search(text) for p in _import_patterns(n))]
        if names:
            found[path.relative_to(PACKAGE).as_posix()] = names
    return found


def test_only_the_backends_import_compiled_modules():
    importers = _importers()
    # the scan sees the backends' own imports (so it is able to see one elsewhere) ...
    assert set(importers.get("backends/_compiled.py", ())) >= {"_patches", "_resample"}
    # ... and finds none outside glimpse/backends/
    outside = {path: names for path, names in importers.items()
               if not path.startswith("backends/")}
    assert outside == {}


def test_the_scan_recognises_every_import_form(tmp_path):
    forms = ["import glimpse._patches", "from glimpse._patches import gather",
             "from .._patches import gather", "from glimpse import _patches",
             "from .. import (\n    _patches,\n)", "importlib.import_module('glimpse._patches')"]
    for form in forms:
        assert any(p.search(form) for p in _import_patterns("_patches")), form
    assert not any(p.search("from .patches import x") for p in _import_patterns("_patches"))

"""glimpse.util is the floor: importing any of its modules imports nothing of glimpse above it."""

import json
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

UTIL = Path(__file__).resolve().parents[2] / "glimpse" / "util"


def _modules():
    names = []
    for path in sorted(UTIL.rglob("*.py")):
        parts = path.relative_to(UTIL.parent.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _loaded_by(module):
    """The glimpse modules a fresh interpreter holds after importing ``module``."""
    code = ("import importlib, json, sys; importlib.import_module(%r); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'glimpse')))"
            % module)
    # not from the repository root, where the unbuilt sources would shadow the install
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", _modules())
def test_util_modules_import_only_util(module):
    above = [m for m in _loaded_by(module) if m != "glimpse" and not m.startswith("glimpse.util")]
    assert above == []


def test_the_scan_sees_imports_above_util():
    assert "glimpse.util.gimage" in _modules() and "glimpse.util" in _modules()
    assert "glimpse.backends" in _loaded_by("glimpse.images")


def test_the_backends_import_no_images():
    assert not [m for m in _loaded_by("glimpse.backends") if m.startswith("glimpse.images")]


def test_2013_paths_give_the_images_names():
    import glimpse.backends
    import glimpse.images
    import glimpse.util.gimage as gimage
    from glimpse.util.gimage import MakeScalePyramid

    assert MakeScalePyramid is glimpse.images.MakeScalePyramid
    for name in gimage.__all__:
        assert getattr(gimage, name) is getattr(glimpse.images, name)
        assert name in dir(gimage)
    assert glimpse.backends.InputSource is glimpse.images.InputSource
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        gimage.Nothing
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        glimpse.backends.Nothing

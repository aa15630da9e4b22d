import numpy as np

from glimpse import glab


def test_example_image_is_greyscale_and_textured():
    img = glab.GetExampleImage()
    assert img.mode == "L" and img.size == (320, 256)
    data = np.asarray(img, dtype=np.float64)
    assert data.std() > 20
    # edges at many orientations: gradient directions spread over all 8 octants
    gy, gx = np.gradient(data)
    strong = np.hypot(gx, gy) > 20
    octants = np.floor((np.arctan2(gy, gx)[strong] + np.pi) / (np.pi / 4)).astype(int) % 8
    counts = np.bincount(octants, minlength=8)
    assert counts.min() > 0.03 * counts.sum()


def test_example_image_path_exists():
    assert glab.GetExampleImagePath().is_file()


def test_version():
    import glimpse

    assert isinstance(glimpse.__version__, str) and glimpse.__version__[0].isdigit()


def test_missing_kernels_give_a_clear_import_error(monkeypatch):
    """An unbuilt source tree (no compiled modules) fails with a message saying what to do."""
    import importlib
    import sys

    import pytest

    import glimpse

    importlib.import_module("glimpse.backends._compiled")  # imported, whatever ran before
    monkeypatch.setitem(sys.modules, "glimpse._patches", None)  # makes the import fail
    monkeypatch.delattr(glimpse, "_patches")
    monkeypatch.delitem(sys.modules, "glimpse.backends._compiled")
    with pytest.raises(ImportError, match="compiled kernels cannot be imported") as info:
        importlib.import_module("glimpse.backends._compiled")
    assert "pip install" in str(info.value)

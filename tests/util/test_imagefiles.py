import json
import os
import subprocess
import sys

import pytest

from glimpse.util.imagefiles import RasterExtensions, WalkImages


def test_raster_extensions_leave_out_vector_formats():
    extensions = RasterExtensions()
    assert {".png", ".jpg", ".jpeg", ".gif", ".tif", ".bmp"} <= extensions
    assert not extensions & {".pdf", ".eps", ".wmf"}


def test_walk_is_sorted_recursive_and_follows_links_once(tmp_path):
    for rel in ["b/2.PNG", "b/1.png", "a/z.jpg", "a/doc.pdf", "a/notes.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "a" / "back").symlink_to(tmp_path)  # a loop: each directory walked once
    found = [p[len(str(tmp_path)) + 1:] for p in WalkImages(str(tmp_path))]
    assert found == ["a/z.jpg", "b/1.png", "b/2.PNG"]


_FRESH = r"""
import json, os, sys
from PIL import Image
from glimpse.util.imagefiles import WalkImages, _registered
found = WalkImages(sys.argv[1])
loaded = "PIL.TiffImagePlugin" in sys.modules  # PIL.Image.init() ran: every plugin imported
common = _registered()
Image.init()
full = {e.lower() for e, f in Image.EXTENSION.items()
        if f in Image.OPEN and f not in ("EPS", "PDF", "WMF", "MPEG")}
assert common <= full and (loaded or len(common) < len(full)), (common, full)
expected = sorted(os.path.join(r, n) for r, _, fs in os.walk(sys.argv[1]) for n in fs
                  if os.path.splitext(n)[1].lower() in full)
print(json.dumps([found, expected, loaded]))
"""


def _walk_in_a_fresh_process(directory):
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    res = subprocess.run([sys.executable, "-c", _FRESH, str(directory)], capture_output=True,
                         text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("names, loads_all", [
    (["a.jpg", "b.PNG", "c.jpeg", "d.gif", "e.bmp", "f.ppm"], False),
    (["a.jpg", "b.tif", "c.webp", "d.TIFF", "e.png"], True),  # need Pillow's other plugins
    (["a.jpg", "notes.txt", "doc.pdf", "f.eps"], True),
])
def test_common_formats_are_found_without_loading_every_plugin(tmp_path, names, loads_all):
    for name in names:
        (tmp_path / name).write_bytes(b"")
    found, expected, loaded = _walk_in_a_fresh_process(tmp_path)
    assert found == expected and found
    assert loaded == loads_all

"""The paths the architecture page and the README name exist in the source tree."""

import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "architecture.md")
README = os.path.join(ROOT, "README.md")

# A path of the source tree: a top-level folder of the repository, then path characters
# (a glob such as csrc/*.pyx included). Placeholders such as csrc/<module>.pyx are not paths.
_PATH = re.compile(r"(?<![\w./-])((?:glimpse|csrc|tests|docs|benchmarks)/[\w.*/-]*)")


def named_paths(text):
    """The paths `text` names, in inline code (`...`) and in code blocks, in order."""
    found = []
    for match in _PATH.finditer(text):
        path = match.group(1).rstrip(".")
        end = match.end(1)
        if end < len(text) and text[end] == "<":  # csrc/<module>.pyx, glimpse/cli/<name>.py
            continue
        if path not in found:
            found.append(path)
    return found


def missing(paths, root):
    """The paths of `paths` that name nothing under `root` (a glob must match something)."""
    return [p for p in paths if not glob.glob(os.path.join(root, p))]


def test_named_paths_reads_code_and_skips_placeholders():
    text = ("See `glimpse/cli/_common.py` and `csrc/<module>.pyx`;\n"
            "```\nkernels   csrc/*.pyx   (glimpse._*)\n```\nand glimpse.files, `tests/cli/`.")
    assert named_paths(text) == ["glimpse/cli/_common.py", "csrc/*.pyx", "tests/cli/"]


def test_missing_finds_a_path_that_is_not_there():
    assert missing(["glimpse/cli/__init__.py", "glimpse/cli.py", "csrc/*.pyx"], ROOT) == [
        "glimpse/cli.py"]


@pytest.mark.skipif(not os.path.isfile(PAGE), reason="no docs/ in this tree")
def test_every_path_on_the_architecture_page_exists():
    with open(PAGE, encoding="utf-8") as f:
        paths = named_paths(f.read())
    assert len(paths) > 30  # the page names the rooms and their modules
    assert missing(paths, ROOT) == []


@pytest.mark.skipif(not os.path.isfile(README), reason="no README.md in this tree")
def test_every_path_in_the_readme_exists():
    with open(README, encoding="utf-8") as f:
        paths = named_paths(f.read())
    assert "glimpse/cli/" in paths and "docs/architecture.md" in paths
    assert missing(paths, ROOT) == []

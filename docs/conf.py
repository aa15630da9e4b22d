"""Sphinx configuration for the glimpse documentation.

Build from the repository root against an installed glimpse (the compiled kernels are needed
for the API reference and the figures)::

    pip install '.[docs]'
    sphinx-build -W --keep-going -b html docs build/docs/html

Use the ``sphinx-build`` command (not ``python -m sphinx`` from the repository root, which
would import the uncompiled source tree instead of the installed package).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

import glimpse  # noqa: E402

project = "glimpse"
author = "the glimpse developers"
copyright = "2026, the glimpse developers"
release = glimpse.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "glimpse_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated/**", "Thumbs.db", ".DS_Store"]
templates_path = []

# API reference: pages are written by glimpse_docs (one per public module that imports).
autosummary_generate = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # numpydoc sections already give the types
numpydoc_show_class_members = False  # autodoc's :members: lists them
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = "glimpse %s" % release
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"changes": [], "differences": [], "benchmarks": []}

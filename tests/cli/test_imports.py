"""The ``glimpse`` command imports only what the command it runs uses."""

import json
import os
import subprocess
import sys
import tempfile

import pytest

from glimpse.cli import COMMANDS

ENV = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0", OPENBLAS_NUM_THREADS="1")

#: Modules no ``glimpse sample`` run needs (a few MB and milliseconds each).
NOT_FOR_SAMPLE = [
    "importlib.metadata",  # the version is written by the build (glimpse._version)
    "tqdm",  # only for a progress bar that is shown
    "PIL.ImageDraw", "PIL.ImageFont",  # glimpse prepare --patches, glimpse show
    "concurrent.futures.process", "multiprocessing",  # only the process pool
    "glimpse.models.ml", "glimpse.util.show",  # glimpse show
    "glimpse.experiment.experiment", "glimpse.experiment.prototypes", "sklearn",
]

_PROBE = r"""
import json, sys
from glimpse import cli
argv = json.loads(sys.argv[1])
if sys.argv[2] == "parse":
    cli._build_parser(argv).parse_args(argv)
elif sys.argv[2] == "exit":  # --help, --version
    try:
        cli.main(argv)
    except SystemExit as exit:
        assert exit.code == 0, exit.code
else:
    status = cli.main(argv)
    assert status == 0, status
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(argv, how):
    res = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), how],
                         capture_output=True, text=True, env=ENV, timeout=120,
                         cwd=tempfile.gettempdir())
    assert res.returncode == 0, res.stderr
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


def test_parsing_a_sample_command_imports_nothing_extra():
    loaded = _modules_after(["sample", "-n", "3", "-w", "5", "-o", "out.npz"], "parse")
    assert "glimpse.cli" in loaded and "numpy" in loaded  # the probe did run
    assert sorted(loaded & set(NOT_FOR_SAMPLE)) == []
    assert "concurrent.futures" not in loaded  # one worker runs in the calling thread


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["params", "--help"]])
def test_help_and_version_import_no_other_command(argv):
    loaded = _modules_after(argv, "exit")
    commands = {"glimpse.cli." + info.module for info in COMMANDS.values()}
    assert "glimpse.cli._common" in loaded  # the probe did run
    assert sorted(loaded & commands) == sorted({"glimpse.cli." + COMMANDS[w].module
                                                for w in argv if w in COMMANDS})
    if argv[0].startswith("-"):
        assert "numpy" not in loaded and "PIL" not in loaded


def test_a_sample_run_imports_nothing_extra(tmp_path):
    out = tmp_path / "p.npz"
    loaded = _modules_after(["sample", "-n", "3", "-w", "5", "-q", "--workers", "2",
                             "-o", str(out)], "run")
    assert out.exists() and "glimpse._patches" in loaded
    assert sorted(loaded & set(NOT_FOR_SAMPLE)) == []


def test_the_version_is_read_on_use():
    code = ("import sys, glimpse; assert 'importlib.metadata' not in sys.modules; "
            "v = glimpse.__version__; assert v == glimpse.__version__; print(v)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=ENV, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip()[0].isdigit()


def test_the_built_version_is_the_metadata_version():
    from importlib import metadata

    import glimpse
    from glimpse import _version

    assert _version.version == metadata.version("glimpse-vision") == glimpse.__version__

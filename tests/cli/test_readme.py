"""The README's examples stay true: its glimpse commands and its Python snippet run."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from glimpse.glab import api

README = Path(__file__).resolve().parents[2] / "README.md"

pytestmark = pytest.mark.skipif(not README.is_file(), reason="README.md not beside tests/")


def blocks(language):
    return re.findall(r"```%s\n(.*?)```" % language, README.read_text(), flags=re.S)


def glimpse_commands():
    commands = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part)
                if words and words[0] == "glimpse":
                    commands.append(words[1:])
    return commands


def test_readme_glimpse_commands_run_in_order(tmp_path):
    commands = glimpse_commands()
    assert [c[0] for c in commands] == ["evaluate", "sample", "prepare"]
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0",
               GLIMPSE_CACHE_DIR=str(tmp_path / "cache"))
    for args in commands:
        res = subprocess.run([sys.executable, "-m", "glimpse", *args], cwd=tmp_path,
                             capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode == 0, (args, res.stderr)
        if args[0] == "evaluate":  # the quick start prints a score
            assert float(res.stdout.split()[1]) >= 0.9, res.stdout
    assert (tmp_path / "patches.npz").is_file() and (tmp_path / "example.png").is_file()


def test_readme_python_snippet_runs():
    snippet = blocks("python")[0]
    namespace = {}
    exec(compile(snippet, str(README), "exec"), namespace)
    assert namespace["image"].shape == (256, 256)
    assert namespace["patches"].shape == (50, 11, 11)


def test_readme_model_snippet_runs():
    (snippet,) = [b for b in blocks("python")
                  if "ImprintS2Prototypes(" in b and "glimpse.glab.api" not in b]
    namespace = {}
    exec(compile(snippet, str(README), "exec"), namespace)
    assert namespace["c2"].shape == (10,)
    assert [loc.shape for loc in namespace["locations"]] == [(10, 4)]


def test_readme_experiment_snippets_run(tmp_path, monkeypatch, capsys):
    (quick_start,) = [b for b in blocks("python") if "from glimpse.glab.api import *" in b]
    (library,) = [b for b in blocks("python") if "from glimpse.experiment import" in b]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLIMPSE_CACHE_DIR", str(tmp_path / "cache"))
    api.Reset()
    try:
        exec(compile(quick_start, str(README), "exec"), {})
        score = float(capsys.readouterr().out.split()[-1])
        assert score >= 0.9 and (tmp_path / "exp.npz").is_file()
    finally:
        api.Reset()
    namespace = {}
    exec(compile(library, str(README), "exec"), namespace)
    assert namespace["features"].shape == (80, 20)


def test_readme_sklearn_snippet_runs():
    (snippet,) = [b for b in blocks("python") if "HmaxFeatures(" in b]
    namespace = {}
    exec(compile(snippet, str(README), "exec"), namespace)
    assert namespace["X"].shape == (150, 32, 32)
    assert namespace["scores"].mean() > 0.3  # ten classes: chance is 0.1

"""Command-line values are checked with the shared vocabulary: one line, exit status 2."""

import os

import pytest

from glimpse.cli import main


@pytest.mark.parametrize("option, value, message", [
    ("--aspect-ratio", "1e-10", "the value must be a finite real number >= 0.01 and <= 100.0, "
                                "got 1e-10"),
    ("--aspect-ratio", "1e-300", "got 1e-300"),
    ("--aspect-ratio", "1e300", "got 1e+300"),
    ("--aspect-ratio", "nan", "the value must be a finite real number"),
    ("--aspect-ratio", "x", "the value must be a real number, got 'x'"),
    ("--resize-length", "0", "the value must be an integer in [1, 2147483647], got 0"),
    ("--resize-length", "9" * 400, "got <an integer of 400 digits>"),
    ("--resize-length", "2.5", "the value must be an integer, got '2.5'"),
    ("--width", "-3", "the value must be an integer >= 1, got -3"),
    ("--seed", "-1", "the value must be an integer in [0, 9223372036854775807], got -1"),
])
def test_bad_values_are_usage_errors(tmp_path, capsys, option, value, message):
    argv = ["sample", str(tmp_path), "-n", "2", "-w", "5", "-o", str(tmp_path / "o.npz"),
            "--resize-method", "scale and crop"]
    if option == "--width":
        argv[5] = value
    else:
        argv += [option, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and option in err
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.parametrize("value", ["1e-10", "1e-300", "1e300", "nan"])
def test_prepare_refuses_aspect_ratio(tmp_path, capsys, value):
    out = tmp_path / "o.png"
    assert main(["prepare", "--resize-method", "scale and crop", "--aspect-ratio", value,
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--aspect-ratio" in err and "must be" in err
    assert not out.exists()


@pytest.mark.parametrize("command", [["sample", "-n", "1", "-w", "3"], ["prepare"],
                                     ["show", "--kernels"]])
@pytest.mark.parametrize("output, message", [
    ("no/x.EXT", "the directory of --output must exist, got "),
    ("d.EXT", "--output must be a file, got the directory d."),
    ("x.txt", "--output must end with .EXT, got x.txt"),
    ("no/x.txt", "the directory of --output must exist, got "),
])
def test_bad_outputs_are_usage_errors(tmp_path, monkeypatch, capsys, command, output, message):
    ext = "npz" if command[0] == "sample" else "png"
    monkeypatch.chdir(tmp_path)
    (tmp_path / ("d." + ext)).mkdir()
    assert main(command + ["-o", output.replace("EXT", ext)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.replace("EXT", ext) in err, err
    assert sorted(os.listdir(tmp_path)) == ["d." + ext]

"""The command line given hostile inputs: files that lie, odd paths, outputs that are inputs,
closed or full stdout."""

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format
from PIL import Image

from ..experiment.conftest import small_model
from ..files.conftest import edited

ENV = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0", OPENBLAS_NUM_THREADS="1")


def run(*args, cwd=None, **kwargs):
    """The glimpse command in a process of its own (what a shell sees)."""
    kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "glimpse", *map(str, args)], text=True,
                          cwd=cwd or tempfile.gettempdir(), env=ENV, timeout=300, **kwargs)


def one_line_error(res, status):
    assert res.returncode == status, (res.returncode, res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and res.stderr.endswith("\n"), res.stderr
    assert "Traceback" not in res.stderr and "please report" not in res.stderr, res.stderr
    return lines[0]


def _corpus(root, sizes=(3, 3)):
    rng = np.random.default_rng(0)
    for label, (name, size) in enumerate(zip(["bright", "dark"], sizes)):
        (root / name).mkdir(parents=True)
        for i in range(size):
            data = rng.integers(0, 80, (40, 40)) + (150 if label == 0 else 0)
            Image.fromarray(data.astype(np.uint8), "L").save(root / name / ("%02d.png" % i))
    return root


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A corpus, a --params file and the prototypes 'glimpse imprint' makes from them."""
    from glimpse.cli import main

    root = tmp_path_factory.mktemp("made")
    corpus = _corpus(root / "corpus")
    params = root / "params.json"
    params.write_text(json.dumps(small_model().params.AsDict()))
    protos = root / "protos.npz"
    assert main(["imprint", str(corpus), "--params", str(params), "-n", "3", "--seed", "1",
                 "-q", "-o", str(protos)]) == 0
    return root


# --- an output that is an input ---------------------------------------------------------------


def test_features_refuses_to_overwrite_its_prototypes(made, tmp_path, invoke):
    protos = tmp_path / "p.npz"
    protos.write_bytes((made / "protos.npz").read_bytes())
    before = protos.read_bytes()
    os.symlink(protos, tmp_path / "link.npz")
    for given, output in [(protos, protos), (tmp_path / "link.npz", protos),
                          (protos, tmp_path / "link.npz")]:
        res = invoke("features", made / "corpus", "--prototypes", given, "-o", output, "-q")
        line = one_line_error(res, 2)
        assert "--output %s is the --prototypes file %s" % (output, given) in line
        assert protos.read_bytes() == before


def test_prepare_and_show_refuse_to_overwrite_their_image(made, tmp_path, invoke):
    image = tmp_path / "a.png"
    image.write_bytes((made / "corpus" / "dark" / "00.png").read_bytes())
    before = image.read_bytes()
    for argv in (["prepare", image, "-o", image], ["show", image, "--layer", "C1", "-o", image]):
        line = one_line_error(invoke(*argv), 2)
        assert "--output %s is the IMAGE file %s" % (image, image) in line
        assert image.read_bytes() == before


def test_params_file_is_an_input_too(made, tmp_path, invoke):
    params = tmp_path / "params.npz"  # a JSON file, whatever its name
    params.write_text((made / "params.json").read_text())
    res = invoke("evaluate", made / "corpus", "--params", params, "-n", 2, "-o", params)
    assert "is the --params file" in one_line_error(res, 2)
    assert json.loads(params.read_text()) == small_model().params.AsDict()


# --- --prototypes files that lie ---------------------------------------------------------------


def _members(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _huge_header(source, target):
    """`source` with prototypes_0's header declaring far more data than the member holds."""
    arrays = _members(source)
    with zipfile.ZipFile(target, "w") as z:
        for name, value in arrays.items():
            buf = io.BytesIO()
            if name == "prototypes_0":
                npy_format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                                        "shape": (10**9, 4, 5, 5)})
                buf.write(value.tobytes())
            else:
                np.lib.format.write_array(buf, value)
            z.writestr(name + ".npy", buf.getvalue())
    return target


def _damaged(kind, made, tmp_path):
    good = made / "protos.npz"
    target = tmp_path / (kind + ".npz")
    record = json.loads(str(_members(good)["metadata"]))
    if kind == "truncated":
        target.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    elif kind == "npy":
        target = tmp_path / "protos.npy"
        np.save(target, _members(good)["prototypes_0"])
    elif kind == "params-list":
        edited(good, target, {"params": [1, 2]})
    elif kind == "deep-json":
        arrays = _members(good)
        arrays["metadata"] = np.array('{"params": ' + "[" * 100000 + "]" * 100000 + "}")
        np.savez(target, **arrays)
    elif kind == "huge-header":
        _huge_header(good, target)
    elif kind == "unknown-param":
        edited(good, target, {"params": dict(record["params"], no_such_param=1)})
    elif kind == "bad-value":
        edited(good, target, {"params": dict(record["params"], num_scales=-4)})
    elif kind == "features":  # a file of another kind
        np.savez(target, features=np.zeros((2, 3), np.float32), kept=np.ones(2, bool),
                 image_paths=np.array(["a.png", "b.png"]))
    elif kind == "empty":
        target.write_bytes(b"")
    return target


DAMAGED = ["truncated", "npy", "params-list", "deep-json", "huge-header", "unknown-param",
           "bad-value", "features", "empty"]


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_prototypes_file_is_one_usage_error(made, tmp_path, kind, invoke):
    path = _damaged(kind, made, tmp_path)
    out = tmp_path / "f.npz"
    out.write_bytes(b"previous")
    res = invoke("features", made / "corpus", "--prototypes", path,
                 "--params", made / "params.json", "-o", out, "-q")
    line = one_line_error(res, 2)
    assert line.startswith("glimpse features: error: cannot read --prototypes %s: " % path)
    assert "--params" not in line  # the file is to blame, not the --params file
    assert "out of memory" not in line
    assert out.read_bytes() == b"previous"
    if kind != "npy":  # show takes a bare .npy of prototypes
        res = invoke("show", "--prototypes", path, "-o", tmp_path / "s.png")
        line = one_line_error(res, 2)
        assert line.startswith("glimpse show: error: cannot read --prototypes %s: " % path)


def test_an_unknown_parameter_in_the_file_is_blamed_on_the_file(made, tmp_path, invoke):
    path = _damaged("unknown-param", made, tmp_path)
    line = one_line_error(invoke("features", made / "corpus", "--prototypes", path,
                                 "-o", tmp_path / "f.npz"), 2)
    assert "no_such_param" in line and "cannot read --prototypes %s" % path in line
    # and one in --params is blamed on --params
    params = tmp_path / "p.json"
    params.write_text('{"no_such_param": 1}')
    line = one_line_error(invoke("features", made / "corpus", "--prototypes",
                                 made / "protos.npz", "--params", params,
                                 "-o", tmp_path / "f.npz"), 2)
    assert "no_such_param" in line and "--params %s" % params in line


def test_params_nested_too_deep_is_one_usage_error(tmp_path, invoke):
    params = tmp_path / "p.json"
    params.write_text("[" * 100000 + "]" * 100000)
    line = one_line_error(invoke("params", "--params", params), 2)
    assert "--params %s is not JSON" % params in line


# --- layers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["source", "SOURCE", "s"])
def test_the_input_layer_makes_no_features(made, tmp_path, invoke, layer):
    line = one_line_error(invoke("features", made / "corpus", "--prototypes",
                                 made / "protos.npz", "--layer", "C2", layer,
                                 "-o", tmp_path / "f.npz"), 2)
    assert "--layer source holds the image given to the model, not features" in line
    assert "C1, C2, image, retina, S1, S2" in line
    assert not (tmp_path / "f.npz").exists()


def test_an_unknown_layer_lists_only_layers_that_make_features(made, tmp_path, invoke):
    line = one_line_error(invoke("features", made / "corpus", "--prototypes",
                                 made / "protos.npz", "--layer", "bogus",
                                 "-o", tmp_path / "f.npz"), 2)
    assert "(C1, C2, image, retina, S1, S2), got bogus" in line and "source" not in line


def test_every_layer_that_makes_features_does(made, tmp_path, invoke):
    from glimpse import files

    for layer in ["image", "retina", "S1", "C1", "S2", "C2"]:
        out = tmp_path / (layer + ".npz")
        res = invoke("features", made / "corpus", "--prototypes", made / "protos.npz",
                     "--layer", layer, "-o", out, "-q")
        assert res.returncode == 0, (layer, res.stderr)
        assert files.read_features(out).layers == [layer if layer in ("image", "retina")
                                                   else layer.upper()]


# --- every image skipped ---------------------------------------------------------------------


def test_features_keeps_the_previous_output_when_every_image_is_skipped(made, tmp_path, invoke):
    for name in ("a", "b"):
        (tmp_path / "bad" / name).mkdir(parents=True)
        (tmp_path / "bad" / name / "empty.png").write_bytes(b"")
    out = tmp_path / "out.npz"
    out.write_bytes(b"the previous output")
    res = invoke("features", tmp_path / "bad", "--prototypes", made / "protos.npz", "-o", out)
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    assert len(lines) == 4 and lines[-1].startswith("glimpse features: error: no image")
    assert lines[2].startswith("glimpse: skipped 2 image(s)")
    assert out.read_bytes() == b"the previous output"
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


# --- folds --------------------------------------------------------------------------------------


def test_a_corpus_too_small_to_fold_says_how_many_images_each_class_has(tmp_path, made, invoke):
    corpus = _corpus(tmp_path / "c", sizes=(1, 3))
    line = one_line_error(invoke("evaluate", corpus, "--params", made / "params.json", "-n", 2,
                                 "--cross-validate"), 2)
    assert "at least 2 images in every class" in line and "(bright 1, dark 3)" in line
    line = one_line_error(invoke("evaluate", made / "corpus", "--params", made / "params.json",
                                 "-n", 2, "--cross-validate", "--folds", 5), 2)
    assert "(bright 3, dark 3), and 5 folds need 5 images in every class" in line
    assert "[2, 1]" not in line


# --- a newline in a path -------------------------------------------------------------------------


def test_a_newline_in_an_image_name_stays_on_one_line(made, tmp_path, invoke):
    corpus = tmp_path / "c"
    for name in ("bright", "dark"):
        (corpus / name).mkdir(parents=True)
        for i in range(2):
            src = made / "corpus" / name / ("%02d.png" % i)
            (corpus / name / ("%02d.png" % i)).write_bytes(src.read_bytes())
    (corpus / "dark" / "bad\nname.png").write_bytes(b"")
    res = invoke("features", corpus, "--prototypes", made / "protos.npz",
                 "-o", tmp_path / "f.npz", "-q")
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 2 and all(ln.startswith("glimpse: skipped ") for ln in lines), lines
    assert repr(str(corpus / "dark" / "bad\nname.png")) in lines[0]
    res = invoke("sample", corpus / "dark", "-n", 1, "-w", 3, "-o", tmp_path / "s.npz")
    assert res.returncode == 0, res.stderr
    assert len(res.stderr.splitlines()) == 2 and "'" in res.stderr


@pytest.mark.parametrize("argv", [
    ["evaluate", "no\nsuch"],
    ["features", "CORPUS", "--prototypes", "no\nsuch.npz", "-o", "f.npz"],
    ["params", "--params", "no\nsuch.json"],
    ["prepare", "no\nsuch.png", "-o", "x.png"],
    ["show", "--prototypes", "no\nsuch.npz", "-o", "x.png"],
    ["sample", "no\nsuch", "-n", 1, "-w", 3, "-o", "x.npz"],
    ["evaluate", "CORPUS", "-o", "no\nsuch/e.npz"],
])
def test_a_newline_in_a_named_path_stays_on_one_line(made, tmp_path, argv, invoke):
    argv = [made / "corpus" if a == "CORPUS" else a for a in argv]
    res = invoke(*argv, cwd=tmp_path)
    assert res.returncode in (1, 2), res.stderr
    lines = res.stderr.splitlines()
    assert all(ln.startswith("glimpse") for ln in lines), lines
    assert len(lines) == (3 if argv[0] == "sample" else 1), lines  # sample: the skip report
    assert "no\\nsuch" in lines[0] and "'" in lines[0], lines


# --- stdout -------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "pipe") or sys.platform == "win32", reason="POSIX pipes")
@pytest.mark.parametrize("argv", [["params"], ["--version"], ["--help"], ["params", "-h"]])
def test_a_closed_pipe_ends_quietly(argv):
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is written
    try:
        res = run(*argv, stdout=write, stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(write)
    assert res.returncode in (0, 141) and res.stderr == "", (res.returncode, res.stderr)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["params"], ["--version"], ["--help"], ["sample", "-h"],
                                  ["evaluate", "CORPUS", "--params", "PARAMS", "-n", 2]])
def test_a_full_stdout_is_one_line(made, argv):
    argv = [{"CORPUS": made / "corpus", "PARAMS": made / "params.json"}.get(a, a) for a in argv]
    with open("/dev/full", "w") as full:
        res = run(*argv, stdout=full, stderr=subprocess.PIPE, capture_output=False)
    line = one_line_error(res, 1)
    assert line.endswith("error: cannot write to stdout: No space left on device"), line

"""Fuzzing the glimpse command: random argument vectors, corrupt image files, and for the
experiment commands random corpora, --params and --prototypes files.

Every run must end with status 0, 1, 2 or 130 (the experiment commands: 0, 1 or 2),
report errors on stderr in lines of its own (at most one error line; never a traceback
or an unexpected error), and leave no temporary file.
"""

import io
import json
import os
import tempfile
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "tif": "TIFF"}


def _valid(fmt):
    rng = np.random.default_rng(len(fmt))
    img = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    if fmt == "GIF":
        img = img.convert("P")
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


VALID = {ext: _valid(fmt) for ext, fmt in FORMATS.items()}


@st.composite
def corrupt_files(draw):
    """(extension, bytes): a valid small image, truncated and with bytes flipped."""
    ext = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[ext])
    data = data[:draw(st.integers(0, len(data)))]
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return ext, bytes(data)


JUNK = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               max_size=8)
NUMBERS = ["0", "1", "3", "-1", "2.5", "x", "", "1e3", "10" * 20, " 7", "0x10"]
VALUES = {
    "-n": NUMBERS, "--num-patches": NUMBERS,
    "-w": NUMBERS + ["8", "100000"], "--width": NUMBERS,
    "--seed": NUMBERS + [str(2**63), str(2**63 - 1)],
    "--resize-method": ["scale short edge", "scale long edge", "scale width",
                        "scale height", "scale and crop", "none", "bogus", ""],
    "--resize-length": ["1", "8", "40", "0", "-5", "x", str(10**9)],
    "--aspect-ratio": ["1", "0.5", "2", "0", "-1", "nan", "inf", "x", "1e-10", "1e-300", "1e300"],
    "--workers": ["1", "2", "0", "x"],
    "--pool": ["serial", "threads", "processes", "gpu", ""],
    "--max-pixels": ["1", "100", "1000000", "0", "x"],
}
FLAGS = ["--strict", "--quiet", "-q", "-h", "--version", "--", "--kernels", "--layer", "S1"]


GOOD = {
    "-n": ["0", "1", "3"], "--num-patches": ["2"], "-w": ["1", "3", "8"], "--width": ["5"],
    "--seed": ["0", "7"], "--resize-method": VALUES["--resize-method"][:6],
    "--resize-length": ["8", "40"], "--aspect-ratio": ["1", "0.5", "2"],
    "--workers": ["1", "2"], "--pool": ["serial", "threads", "processes"],
    "--max-pixels": ["100", "1000000"],
}


@st.composite
def options(draw, good):
    option = draw(st.sampled_from(sorted(VALUES)))
    values = GOOD[option] if good else VALUES[option]
    return [option, draw(st.sampled_from(values) | JUNK if not good else st.sampled_from(values))]


@st.composite
def argument_vectors(draw, files, outputs):
    """Mostly well-formed commands with a few bad parts, and some that are anything."""
    if draw(st.integers(0, 3)) == 0:  # anything from the real option set, and junk
        argv = [draw(st.sampled_from(["sample", "prepare", "show", "frobnicate"]))]
        for _ in range(draw(st.integers(0, 8))):
            kind = draw(st.integers(0, 7))
            if kind <= 2:
                argv += draw(options(good=False))
            elif kind == 3:
                argv.append(draw(st.sampled_from(FLAGS)))
            elif kind <= 5:
                argv.append(draw(st.sampled_from(files)))
            elif kind == 6:
                argv += [draw(st.sampled_from(["-o", "--patches", "--prototypes"])),
                         draw(st.sampled_from(outputs + files))]
            else:
                argv.append(draw(JUNK))
        return argv
    good_files = [f for f in files if not f.endswith(".npz")]
    if draw(st.booleans()):
        argv = ["sample"] + draw(st.lists(st.sampled_from(good_files), max_size=3))
        argv += ["-n", draw(st.sampled_from(GOOD["-n"])), "-w", draw(st.sampled_from(GOOD["-w"]))]
        argv += ["-o", draw(st.sampled_from(["out.npz"] * 4 + outputs))]
        if draw(st.booleans()):
            argv.append(draw(st.sampled_from(["--strict", "--quiet"])))
    else:
        argv = ["prepare"] + draw(st.lists(st.sampled_from(good_files), max_size=1))
        argv += ["-o", draw(st.sampled_from(["out.png"] * 4 + outputs))]
        if draw(st.booleans()):
            argv += ["--patches", draw(st.sampled_from(files))]
    for _ in range(draw(st.integers(0, 2))):
        argv += draw(options(good=draw(st.integers(0, 3)) > 0))
    return argv


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, invoke):
    root = tmp_path_factory.mktemp("fuzz")
    for ext, data in VALID.items():
        (root / ("good." + ext)).write_bytes(data)
    (root / "images").mkdir()
    Image.new("L", (40, 30), 100).save(root / "images" / "grey.png")
    (root / "images" / "doc.pdf").write_bytes(b"%PDF-1.4\n")
    res = invoke("sample", root / "good.png", "-n", 2, "-w", 3, "--seed", 0, "--quiet",
                 "-o", root / "good.npz")
    assert res.returncode == 0, res.stderr
    (root / "bad.npz").write_bytes((root / "good.npz").read_bytes()[:200])
    np.save(root / "arr.npy", np.arange(3))
    return root


def test_fuzz_the_command_line(workdir, invoke):
    files = [str(workdir / name) for name in
             ("good.png", "good.jpg", "good.gif", "good.tif", "images", "good.npz", "bad.npz",
              "arr.npy", "missing.png", "corrupt")]
    outputs = ["out.npz", "out.png", "out.NPZ", "out.txt", "sub/none.npz", "images", ""]

    @settings(max_examples=int(os.environ.get("GLIMPSE_FUZZ_EXAMPLES", "300")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(argv=argument_vectors(files, outputs), corrupt=corrupt_files())
    def check(argv, corrupt):
        with tempfile.TemporaryDirectory(dir=workdir) as here:
            ext, data = corrupt
            path = os.path.join(here, "corrupt." + ext)
            with open(path, "wb") as f:
                f.write(data)
            argv = [path if a == files[-1] else a for a in argv]
            with warnings.catch_warnings():
                warnings.simplefilter("always")  # what the command prints, not pytest
                res = invoke(*argv, cwd=here)
            assert res.returncode in (0, 1, 2, 130), (argv, res.returncode, res.stderr)
            assert "Traceback" not in res.stderr and "unexpected" not in res.stderr, \
                (argv, res.stderr)
            lines = res.stderr.splitlines()
            if res.returncode == 2:
                assert len(lines) == 1 and lines[0].startswith("glimpse"), (argv, res.stderr)
            assert all(ln.startswith("glimpse") for ln in lines), (argv, res.stderr)
            assert lines or res.returncode == 0, argv
            left = [n for _, _, names in os.walk(here) for n in names if n.endswith(".tmp")]
            assert left == [], argv

    check()


# --- the experiment commands ------------------------------------------------------------------

#: Values of the model parameters to draw, on top of a small model; a few of each kind of
#: mistake (wrong type, out of range, unknown name), none so costly it slows the run.
PARAM_VALUES = {
    "image_resize_method": ["scale short edge", "scale and crop", "none", "bogus", 3],
    "image_resize_length": [16, 32, 64, 0, -1, 10**7, 2.5, "64"],
    "image_resize_aspect_ratio": [1.0, 0.5, 0, -1, float("nan")],
    "retina_enabled": [True, False, 1, "yes"],
    "s1_kwidth": [3, 11, 0, 64],
    "s1_num_orientations": [1, 2, 8, 0, -3],
    "s1_operation": ["NormDotProduct", "DotProduct", "bogus"],
    "c1_kwidth": [3, 11, 0, 64],
    "c1_sampling": [1, 5, 0],
    "s2_kwidth": [[3], [3, 5], [], [0], [100], "x", 5],
    "s2_operation": ["Rbf", "NormRbf", "DotProduct", "NormDotProduct", "bogus"],
    "s2_beta": [5.0, 0.0, -1.0, float("inf")],
    "num_scales": [1, 2, 3, 0, -1, 50],
    "scale_factor": [1.19, 1.0, 0.5, 2.0],
    "no_such_param": [1],
}
BASE_PARAMS = {"image_resize_length": 48, "num_scales": 2, "s2_kwidth": [3]}
#: A small standard HMAX model for the 40x40 images: four S1 sizes in two bands.
HMAX_PARAMS = {"s1_kwidths": [7, 9, 11, 13], "s1_wavelengths": [4.0, 3.95, 3.9, 3.85],
               "c1_kwidths": [8, 10], "s2_kwidths": [3]}


@st.composite
def params_files(draw):
    """The text of a --params file: mostly the small model with a few values changed."""
    kind = draw(st.integers(0, 14))
    if kind == 0:
        return draw(st.sampled_from(["", "{", "[1, 2]", "null", "3", '"x"', "[" * 5000,
                                     "{\"s2_kwidth\": " + "[" * 3000 + "]" * 3000 + "}"]))
    values = dict(BASE_PARAMS)
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(sorted(PARAM_VALUES)))
        values[name] = draw(st.sampled_from(PARAM_VALUES[name]))
    return json.dumps(values)


#: Option values: the first few of each list are good, the rest are mistakes.
EXPERIMENT_VALUES = {
    "-n": (["1", "3"], ["0", "-1", "x", "1000"]),
    "--seed": (["0", "7"], ["-1", str(2**63)]),
    "--kernel-width": (["3", "3 5"], ["0", "x", "100"]),
    "--algorithm": (["imprint", "uniform", "shuffle", "histogram", "normal", "kmeans"],
                    ["bogus"]),
    "--layer": (["C2", "C1", "S2", "image", "C2 C1"], ["source", "bogus"]),
    "--folds": (["2", "3"], ["1", "10", "x"]),
    "--classifier": (["svm", "logreg"], ["bogus"]),
    "--workers": (["1", "2"], ["0"]),
    "--pool": (["serial", "threads"], ["gpu"]),
    "--model": (["ml", "hmax", "HMAX"], ["bogus", "", "base"]),
}
EXPERIMENT_OPTIONS = {
    "imprint": ["-n", "--seed", "--kernel-width", "--algorithm", "--workers", "--pool",
                "--model"],
    "features": ["--layer", "--workers", "--pool", "--model"],
    "evaluate": ["-n", "--seed", "--algorithm", "--folds", "--classifier", "--workers",
                 "--pool", "--model"],
    "params": ["--model"],
}
CORPORA = ["good", "corrupt", "all-bad", "one-class", "empty-class", "missing", "good.png"]
PROTOTYPES = ["protos.npz", "experiment.npz", "hmax.npz", "damaged.npz", "patches.npz", "arr.npy",
              "params.json", "missing.npz"]


def _mostly(draw, good, bad, odds=4):
    """One of `good`, or (one time in `odds`) one of `bad`."""
    return draw(st.sampled_from(bad if draw(st.integers(0, odds - 1)) == 0 else good))


@st.composite
def experiment_commands(draw):
    """An experiment command: its corpus, --params, --prototypes, options and -o drawn,
    mostly well-formed so that most runs get to the work."""
    command = draw(st.sampled_from(["imprint", "features", "features", "evaluate", "evaluate",
                                    "params"]))
    argv = [command]
    if command != "params":
        argv.append(_mostly(draw, ["good", "corrupt"], CORPORA[2:]))
    if command == "features":
        argv += ["--prototypes", _mostly(draw, PROTOTYPES[:3], PROTOTYPES[3:])]
    if command == "imprint":
        argv += ["-n", draw(st.sampled_from(["1", "3"]))]
    if draw(st.integers(0, 3)) > 0:
        argv += ["--params", "drawn.json"]
    for option in draw(st.lists(st.sampled_from(EXPERIMENT_OPTIONS[command] or ["-q"]),
                                max_size=3, unique=True)):
        if option == "-q":
            argv.append(option)
            continue
        good, bad = EXPERIMENT_VALUES[option]
        argv += [option] + _mostly(draw, good, bad, odds=6).split(" ")
    hmax = "hmax" in [a.lower() for a in argv] or "hmax.npz" in argv
    if "--params" in argv and hmax and draw(st.booleans()):
        argv[argv.index("drawn.json")] = "hmax.json"  # parameters the hmax model takes
    if command == "evaluate" and draw(st.booleans()):
        argv.append("--cross-validate")  # the corpora are too small for the 10 folds default
        if "--folds" not in argv:
            argv += ["--folds", _mostly(draw, *EXPERIMENT_VALUES["--folds"])]
    if command in ("imprint", "features") or (command == "evaluate" and draw(st.booleans())):
        argv += ["-o", _mostly(draw, ["out.npz"], ["out.txt", "sub/none.npz", "",
                                                   "protos.npz", "good"], odds=8)]
    if draw(st.integers(0, 19)) == 0:  # a stray word or option
        argv.insert(draw(st.integers(1, len(argv))), draw(st.sampled_from(FLAGS) | JUNK))
    return argv


def _image(path, value):
    rng = np.random.default_rng(value)
    data = np.clip(rng.integers(0, 80, (40, 40)) + value, 0, 255).astype(np.uint8)
    Image.fromarray(data, "L").save(path)


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory, invoke):
    root = tmp_path_factory.mktemp("fuzz-experiment")
    for name, classes in [("good", {"a": 3, "b": 3}), ("corrupt", {"a": 3, "b": 2}),
                          ("one-class", {"a": 3}), ("empty-class", {"a": 3, "b": 0})]:
        for label, (cls, count) in enumerate(classes.items()):
            (root / name / cls).mkdir(parents=True)
            for i in range(count):
                _image(root / name / cls / ("%d.png" % i), 150 * label + i)
    for cls in ("a", "b"):
        (root / "all-bad" / cls).mkdir(parents=True)
        (root / "all-bad" / cls / "empty.png").write_bytes(b"")
    _image(root / "good.png", 1)
    (root / "params.json").write_text(json.dumps(BASE_PARAMS))
    res = invoke("imprint", root / "good", "--params", root / "params.json", "-n", 2,
                 "--seed", 0, "-q", "-o", root / "protos.npz")
    assert res.returncode == 0, res.stderr
    res = invoke("evaluate", root / "good", "--params", root / "params.json", "-n", 2,
                 "-q", "-o", root / "experiment.npz")
    assert res.returncode == 0, res.stderr
    (root / "hmax.json").write_text(json.dumps(HMAX_PARAMS))
    res = invoke("imprint", root / "good", "--model", "hmax", "--params", root / "hmax.json",
                 "-n", 2, "--seed", 0, "-q", "-o", root / "hmax.npz")
    assert res.returncode == 0, res.stderr
    (root / "damaged.npz").write_bytes((root / "protos.npz").read_bytes()[:700])
    res = invoke("sample", root / "good.png", "-n", 1, "-w", 3, "--seed", 0, "-q",
                 "-o", root / "patches.npz")
    assert res.returncode == 0, res.stderr
    np.save(root / "arr.npy", np.ones((2, 4, 3, 3), np.float32))
    return root


def test_fuzz_the_experiment_commands(experiment_dir, invoke):
    import shutil

    @settings(max_examples=int(os.environ.get("GLIMPSE_FUZZ_EXAMPLES", "300")) // 4,
              deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(argv=experiment_commands(), params=params_files(), corrupt=corrupt_files())
    def check(argv, params, corrupt):
        with tempfile.TemporaryDirectory(dir=experiment_dir) as here:
            for name in CORPORA + PROTOTYPES + ["hmax.json"]:
                source = experiment_dir / name
                if source.is_dir():
                    shutil.copytree(source, os.path.join(here, name))
                elif source.exists():
                    shutil.copy(source, here)
            ext, data = corrupt
            with open(os.path.join(here, "corrupt", "b", "drawn." + ext), "wb") as f:
                f.write(data)
            with open(os.path.join(here, "drawn.json"), "w") as f:
                f.write(params)
            with warnings.catch_warnings():
                warnings.simplefilter("always")  # what the command prints, not pytest
                res = invoke(*argv, cwd=here)
            where = (argv, params, res.returncode, res.stderr)
            if os.environ.get("GLIMPSE_FUZZ_LOG"):
                with open(os.environ["GLIMPSE_FUZZ_LOG"], "a") as log:
                    log.write(repr(where) + "\n")
            assert res.returncode in (0, 1, 2), where
            assert "Traceback" not in res.stderr and "please report" not in res.stderr, where
            lines = res.stderr.splitlines()
            assert all(ln.startswith("glimpse") for ln in lines), where
            errors = [ln for ln in lines if ": error: " in ln]
            assert len(errors) == (res.returncode != 0), where
            if res.returncode == 2:
                assert len(lines) == 1, where
            left = [n for _, _, names in os.walk(here) for n in names if n.endswith(".tmp")]
            assert left == [], where

    check()

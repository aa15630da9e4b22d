"""Fuzzing the glimpse command: random argument vectors and corrupt image files.

Every run must end with status 0, 1, 2 or 130, report errors on stderr in lines of
its own (never a traceback or an unexpected error), and leave no temporary file.
"""

import io
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

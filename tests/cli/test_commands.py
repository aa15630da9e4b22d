"""The glimpse command, run as a subprocess on generated images."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from PIL import Image

from glimpse import files, glab
from glimpse.backends import InputSource
from glimpse.models.base import Layer, Model, Params, SamplePatches


def run(*args, cwd=None):
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    return subprocess.run(
        [sys.executable, "-m", "glimpse", *map(str, args)],
        # never the repository root: there ``-m glimpse`` would import the uncompiled sources
        capture_output=True, text=True, cwd=cwd or tempfile.gettempdir(), env=env, timeout=300,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    (root / "sub").mkdir()
    Image.fromarray(rng.integers(0, 256, (60, 80), dtype=np.uint8)).save(root / "b.png")
    Image.fromarray(rng.integers(0, 256, (50, 40, 3), dtype=np.uint8)).save(root / "a.jpg")
    Image.fromarray(rng.integers(0, 256, (70, 70), dtype=np.uint8)).save(root / "sub" / "c.png")
    (root / "notes.txt").write_text("not an image")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    Image.new("L", (200, 3), 9).save(root / "tiny.png")  # 48x1 at long edge 48
    return root


def test_sample_directory_matches_library(corpus, tmp_path):
    out = tmp_path / "p.npz"
    res = run("sample", corpus, "-n", 7, "-w", 9, "--seed", 42, "--resize-length", 48,
              "--resize-method", "scale long edge", "--output", out)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    got = files.read_patches(out)
    paths = got.image_paths
    assert [os.path.relpath(p, corpus) for p in paths] == [
        "a.jpg", "b.png", "corrupt.png", os.path.join("sub", "c.png"), "tiny.png"]
    assert got.image_realpaths == [os.path.realpath(p) for p in paths]
    assert sorted(os.path.basename(p) for p, _ in got.skipped) == ["corrupt.png", "tiny.png"]
    assert (got.seed, got.width, got.num_patches, got.exact) == (42, 9, 7, False)
    assert got.params == {"image_resize_method": "scale long edge", "image_resize_length": 48,
                          "image_resize_aspect_ratio": Params().image_resize_aspect_ratio}
    assert got.patches.dtype == np.float32 and got.patches.shape == (21, 9, 9)
    assert list(got.image_index) == [0] * 7 + [1] * 7 + [3] * 7
    good = [paths[i] for i in (0, 1, 3)]
    children = np.random.SeedSequence(42).spawn(len(paths))
    model = Model(Params(image_resize_length=48, image_resize_method="scale long edge"))
    for k, i in enumerate((0, 1, 3)):
        patches, locs = SamplePatches(model, Layer.IMAGE, 7, 9,
                                      InputSource(good[k], exact=False),
                                      rng=np.random.default_rng(children[i]))
        np.testing.assert_array_equal(got.patches[7 * k:7 * k + 7], patches)
        np.testing.assert_array_equal(got.locations[7 * k:7 * k + 7], locs)
    assert "corrupt.png" in res.stderr and "tiny.png" in res.stderr
    assert "skipped 2 image(s)" in res.stderr


def test_sample_exact_matches_library_on_paths(corpus, tmp_path):
    out = tmp_path / "p.npz"
    jpg = corpus / "a.jpg"
    res = run("sample", jpg, "-n", 5, "-w", 9, "--seed", 3, "--resize-length", 48,
              "--exact", "--output", out)
    assert res.returncode == 0, res.stderr
    model = Model(Params(image_resize_length=48))
    child = np.random.SeedSequence(3).spawn(1)[0]
    patches, locs = SamplePatches(model, Layer.IMAGE, 5, 9, str(jpg),
                                  rng=np.random.default_rng(child))
    got = files.read_patches(out)
    assert got.exact
    np.testing.assert_array_equal(got.patches, patches)
    np.testing.assert_array_equal(got.locations, locs)


def test_same_seed_same_file_whatever_workers(corpus, tmp_path):
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    args = ("sample", corpus / "a.jpg", corpus / "b.png", corpus / "sub", "-n", 5, "-w", 4,
            "--seed", 3, "--resize-length", 32)
    assert run(*args, "--output", one, "--workers", 1).returncode == 0
    assert run(*args, "--output", two, "--workers", 2).returncode == 0
    with np.load(one) as a, np.load(two) as b:
        assert a.files == b.files
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_strict_fails_on_skipped(corpus, tmp_path):
    (tmp_path / "s.npz").write_bytes(b"previous")
    res = run("sample", corpus / "b.png", corpus / "tiny.png", "-n", 2, "-w", 8, "--strict",
              "--resize-method", "scale long edge", "--resize-length", 48,
              "--output", tmp_path / "s.npz")
    assert res.returncode == 1
    assert "tiny.png" in res.stderr and "--strict" in res.stderr
    assert "Traceback" not in res.stderr
    assert (tmp_path / "s.npz").read_bytes() == b"previous"  # a failed run writes nothing


def test_all_skipped_is_failure(corpus, tmp_path):
    (tmp_path / "x.npz").write_bytes(b"previous")
    res = run("sample", corpus / "corrupt.png", "-n", 2, "-w", 8, "--output", tmp_path / "x.npz")
    assert res.returncode == 1 and "corrupt.png" in res.stderr
    assert (tmp_path / "x.npz").read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["x.npz"]


def test_default_is_example_image(tmp_path):
    out = tmp_path / "ex.npz"
    res = run("sample", "-n", 3, "-w", 11, "--seed", 0, "--output", out, "--quiet")
    assert res.returncode == 0, res.stderr
    with np.load(out) as npz:
        assert [str(p) for p in npz["image_paths"]] == [str(glab.GetExampleImagePath())]
        assert npz["patches"].shape == (3, 11, 11)
    assert res.stderr == ""  # no progress bar when stderr is not a terminal


def test_no_patches_per_image_is_a_file_prepare_reads(tmp_path):
    out = tmp_path / "none.npz"
    res = run("sample", "-n", 0, "-w", 5, "--seed", 3, "--output", out)
    assert res.returncode == 0, res.stderr
    got = files.read_patches(out)
    assert got.num_patches == 0 and got.patches.shape == (0, 5, 5)
    res = run("prepare", "--patches", out, "--output", tmp_path / "x.png")
    assert res.returncode == 1 and "holds no patches of" in res.stderr, res.stderr


def test_seed_recorded_when_not_given(tmp_path):
    out = tmp_path / "r.npz"
    assert run("sample", "-n", 2, "-w", 5, "-o", out).returncode == 0
    seed = files.read_patches(out).seed
    patches = files.read_patches(out).patches
    again = tmp_path / "again.npz"
    assert run("sample", "-n", 2, "-w", 5, "--seed", seed, "-o", again).returncode == 0
    with np.load(again) as npz:
        np.testing.assert_array_equal(npz["patches"], patches)


@pytest.mark.parametrize(
    "args",
    [
        ("sample", "-n", "-1", "-w", "3", "-o", "x.npz"),
        ("sample", "-n", "2", "-w", "0", "-o", "x.npz"),
        ("sample", "-n", "two", "-w", "3", "-o", "x.npz"),
        ("sample", "-n", "2", "-w", "3"),
        ("sample", "-n", "2", "-w", "3", "-o", "x.npz", "--resize-method", "stretch"),
        ("sample", "-n", "2", "-w", "3", "-o", "x.npz", "--aspect-ratio", "0"),
        ("sample", "-n", "2", "-w", "3", "-o", "x.npz", "--workers", "0"),
        ("sample", "-n", "2", "-w", "3", "-o", "no/such/dir/x.npz"),
        ("sample", "-n", "2", "-w", "3", "-o", "x.txt"),
        ("prepare", "x.png"),
        ("prepare", "-o", "x.jpg"),
        ("frobnicate",),
        (),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, tmp_path):
    res = run(*args, cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], res.stderr
    assert res.stdout == ""


def test_prepare_writes_greyscale_png(corpus, tmp_path):
    out = tmp_path / "a.png"
    res = run("prepare", corpus / "a.jpg", "--resize-length", 30, "-o", out)
    assert res.returncode == 0, res.stderr
    img = Image.open(out)
    assert img.mode == "L" and img.size == (30, 37)
    from glimpse.models.base import BuildLayer

    layer = BuildLayer(Model(Params(image_resize_length=30)), Layer.IMAGE, corpus / "a.jpg")
    np.testing.assert_allclose(np.asarray(img) / 255, layer[Layer.IMAGE], atol=0.5 / 255 + 1e-6)


def test_prepare_draws_patch_squares(corpus, tmp_path):
    npz = tmp_path / "p.npz"
    assert run("sample", corpus / "b.png", corpus / "sub", "-n", 4, "-w", 6, "--seed", 1,
               "--resize-length", 40, "-o", npz).returncode == 0
    out = tmp_path / "b.png"
    res = run("prepare", corpus / "b.png", "--patches", npz, "-o", out)
    assert res.returncode == 0, res.stderr
    assert "4 patch squares" in res.stdout
    img = np.asarray(Image.open(out))
    assert img.shape == (40, 53, 3)
    with np.load(npz) as data:
        locs = data["locations"][data["image_index"] == 0]
    red = (img[..., 0] == 255) & (img[..., 1] == 40)
    for _, y, x in locs:
        assert red[y, x] and red[y + 5, x + 5]
    # conflicting resize options are a usage error
    res = run("prepare", corpus / "b.png", "--patches", npz, "--resize-length", 41, "-o", out)
    assert res.returncode == 2 and "differs" in res.stderr
    # an image that is not in the file
    res = run("prepare", corpus / "a.jpg", "--patches", npz, "-o", out)
    assert res.returncode == 1 and "no patches" in res.stderr


def test_prepare_unreadable(corpus, tmp_path):
    res = run("prepare", corpus / "corrupt.png", "-o", tmp_path / "c.png")
    assert res.returncode == 1 and "corrupt.png" in res.stderr
    assert "Traceback" not in res.stderr


def test_prepare_defaults_to_example_image(tmp_path):
    npz, png = tmp_path / "ex.npz", tmp_path / "ex.png"
    assert run("sample", "-n", 5, "-w", 11, "--seed", 0, "-o", npz).returncode == 0
    res = run("prepare", "--patches", npz, "-o", png)
    assert res.returncode == 0, res.stderr
    assert "5 patch squares" in res.stdout
    assert Image.open(png).size == (275, 220)


def test_absurd_patch_count_is_a_usage_error(tmp_path):
    res = run("sample", "-n", 10**12, "-w", 64, "-o", tmp_path / "x.npz")
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "memory" in res.stderr


def test_unwritable_output_is_one_line_error():
    # /proc refuses new files even to root, so this fails at write time, past the checks
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux /proc")
    res = run("sample", "-n", 2, "-w", 5, "-o", "/proc/self/x.npz")
    assert res.returncode == 1, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "x.npz" in res.stderr


def test_output_that_is_a_file_path_under_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = run("sample", "-n", 2, "-w", 5, "-o", blocker / "x.npz")
    assert res.returncode == 2 and "the directory of --output must exist, got" in res.stderr


def test_progress_bar_on_a_terminal(corpus, tmp_path):
    pty = pytest.importorskip("pty")
    primary, secondary = pty.openpty()
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "glimpse", "sample", str(corpus / "b.png"), str(corpus / "sub"),
             "-n", "2", "-w", "5", "--seed", "0", "--resize-length", "32",
             "-o", str(tmp_path / "p.npz")],
            stdout=subprocess.PIPE, stderr=secondary, cwd=tempfile.gettempdir(), env=env,
            timeout=300,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    assert proc.returncode == 0
    text = b"".join(chunks).decode()
    assert "2/2" in text and "images/s" in text and "100%" in text


def test_workers_taking_several_images_write_the_same_file(tmp_path):
    # enough images that each worker is handed several at a time, with skipped ones among them
    rng = np.random.default_rng(5)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        pixels = rng.integers(0, 256, (30 + i % 7, 40, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / ("%02d.jpg" % i))
    (folder / "17b.png").write_bytes(b"\x89PNG\r\n\x1a\n not a png")
    Image.new("L", (200, 3), 9).save(folder / "23b.png")  # too small for the patches
    runs = {"one": ["--workers", 1], "threads": ["--workers", 2],
            "processes": ["--workers", 2, "--pool", "processes"]}
    files, errors = {}, {}
    for name, extra in runs.items():
        files[name] = tmp_path / (name + ".npz")
        res = run("sample", folder, "-n", 3, "-w", 5, "--seed", 9, "--resize-length", 24,
                  "--resize-method", "scale long edge", "-q", "--output", files[name], *extra)
        assert res.returncode == 0, res.stderr
        errors[name] = res.stderr
        assert "17b.png" in res.stderr and "23b.png" in res.stderr
    assert errors["threads"] == errors["one"] == errors["processes"]
    with np.load(files["one"]) as one:
        assert one["patches"].shape == (40 * 3, 5, 5)
        for name in ("threads", "processes"):
            with np.load(files[name]) as other:
                assert other.files == one.files
                for key in one.files:
                    np.testing.assert_array_equal(other[key], one[key], err_msg=key)


def test_sample_follows_the_backend_named_at_each_run(tmp_path, monkeypatch, capsys):
    from glimpse import cli

    jpg = tmp_path / "a.jpg"
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(jpg)
    args = ["sample", str(jpg), "-n", 2, "-w", 4, "--seed", 1, "-q"]
    monkeypatch.delenv("GLIMPSE_BACKEND", raising=False)
    assert cli.main([str(a) for a in args + ["-o", tmp_path / "a.npz"]]) == 0
    # a model made for the first run is not reused when another backend is asked for
    monkeypatch.setenv("GLIMPSE_BACKEND", "nonesuch")
    assert cli.main([str(a) for a in args + ["-o", tmp_path / "b.npz"]]) == 1
    assert "nonesuch" in capsys.readouterr().err
    assert not (tmp_path / "b.npz").exists()

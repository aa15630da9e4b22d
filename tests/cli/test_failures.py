"""The glimpse command under interruption, full disks, dying workers and bad files."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
from PIL import Image

import glimpse
from glimpse import cli
from glimpse.cli.sample import collect_images
from glimpse.util import npz
from glimpse.util._memory import MEMORY_LIMIT

from ..files.conftest import DATA, edited

ENV = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0", OPENBLAS_NUM_THREADS="1")


def run(*args, cwd=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "glimpse", *map(str, args)], capture_output=True, text=True,
        cwd=cwd or tempfile.gettempdir(), env=ENV, timeout=300, **kwargs,
    )


def one_line_error(res, status):
    assert res.returncode == status, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def temporaries(directory):
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    """Many links to one 700x700 JPEG: a few seconds of work for two workers."""
    root = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (700, 700), dtype=np.uint8)).save(root / "img.jpg")
    (root / "links").mkdir()
    for i in range(600):
        os.symlink(root / "img.jpg", root / "links" / ("%03d.jpg" % i))
    return root / "links"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 256, (60, 80), dtype=np.uint8)).save(root / "b.png")
    Image.fromarray(rng.integers(0, 256, (50, 40, 3), dtype=np.uint8)).save(root / "a.jpg")
    return root


def _start(args, cwd):
    return subprocess.Popen(
        [sys.executable, "-m", "glimpse", *map(str, args)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=cwd, env=ENV, start_new_session=True,
    )


def _wait_for_workers(proc, pool, procs):
    """Wait until the pool's workers run (processes: 2 children; threads: 2 more threads)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if pool == "processes" and len(procs.children(proc.pid) or []) >= 2:
            return procs.children(proc.pid)
        if pool == "threads" and procs.threads(proc.pid) >= 3:
            return []
        time.sleep(0.02)
    raise AssertionError("the workers never started")


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_ctrl_c_exits_130_quickly_with_no_orphans_and_no_file(big_corpus, tmp_path, pool,
                                                              procs):
    out = tmp_path / "o.npz"
    proc = _start(["sample", big_corpus, "-n", 200, "-w", 24, "--workers", 2, "--pool", pool,
                   "--seed", 0, "-o", out], cwd=tmp_path)
    try:
        workers = _wait_for_workers(proc, pool, procs)
        time.sleep(0.3)
    finally:
        stderr, elapsed = procs.interrupt(proc, presses=2)  # an impatient second Ctrl-C
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "glimpse: interrupted"
    assert elapsed < 10
    assert not out.exists() and temporaries(tmp_path) == []
    assert procs.wait_gone(workers)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_worker_killed_by_the_system_is_one_line(big_corpus, tmp_path, procs):
    # What the kernel's out-of-memory killer does to a worker process.
    out = tmp_path / "o.npz"
    proc = _start(["sample", big_corpus, "-n", 200, "-w", 24, "--workers", 2,
                   "--pool", "processes", "--seed", 0, "-o", out], cwd=tmp_path)
    try:
        workers = _wait_for_workers(proc, "processes", procs)
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    res = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr.decode())
    line = one_line_error(res, 1)
    assert "worker process died" in line and "memory" in line
    assert not out.exists() and temporaries(tmp_path) == []


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.skipif(MEMORY_LIMIT < 4 * 2**30 or not hasattr(os, "fork"),
                    reason="needs 4 GiB of memory (so the request passes the up-front check)")
@pytest.mark.parametrize("pool", ["serial", "threads", "processes"])
def test_out_of_memory_is_one_line(small, tmp_path, pool):
    # 60,000 patches of 128x128 need 3.9 GB: more than the 3 GiB address space allowed.
    workers = 1 if pool == "serial" else 2
    res = run("sample", small / "a.jpg", small / "b.png", "-n", 60000, "-w", 128,
              "--resize-length", 400, "--pool", pool, "--workers", workers,
              "-o", tmp_path / "m.npz", preexec_fn=_limit_memory)
    line = one_line_error(res, 1)
    assert "out of memory" in line
    assert os.listdir(tmp_path) == []


def _previous_file(path):
    np.savez(path, previous=np.arange(10))
    return path.read_bytes()


def test_ctrl_c_during_the_save_keeps_the_previous_file(small, tmp_path, monkeypatch, invoke):
    out = tmp_path / "p.npz"
    before = _previous_file(out)
    real_savez = npz.savez

    def interrupted_savez(file, **arrays):
        real_savez(file, **arrays)  # the bytes are written, then Ctrl-C comes
        raise KeyboardInterrupt

    monkeypatch.setattr(npz, "savez", interrupted_savez)
    res = invoke("sample", small / "b.png", "-n", 3, "-w", 5, "-o", out)
    assert res.returncode == 130
    assert res.stderr.strip() == "glimpse: interrupted"
    assert out.read_bytes() == before and temporaries(tmp_path) == []


def test_disk_full_during_the_save_keeps_the_file(small, tmp_path, monkeypatch, invoke):
    out = tmp_path / "p.npz"
    before = _previous_file(out)

    def full_disk_savez(file, **arrays):
        file.write(b"PK\x03\x04" + b"\0" * 1000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(npz, "savez", full_disk_savez)
    res = invoke("sample", small / "b.png", "-n", 3, "-w", 5, "-o", out)
    assert "No space left" in one_line_error(res, 1)
    assert out.read_bytes() == before and temporaries(tmp_path) == []


def test_full_file_system(small, tmp_path, invoke):
    # A real full disk: a 128 KiB tmpfs (needs root and mount; skipped otherwise).
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = mnt / "p.npz"
        assert invoke("sample", small / "b.png", "-n", 2, "-w", 5, "-o", out).returncode == 0
        before = out.read_bytes()
        res = invoke("sample", small / "b.png", "-n", 2000, "-w", 5, "-o", out)
        assert "No space left" in one_line_error(res, 1) and str(out) in res.stderr
        assert out.read_bytes() == before and temporaries(mnt) == []
        # prepare's PNG too
        png = mnt / "p.png"
        assert invoke("prepare", small / "b.png", "--resize-length", 20, "-o", png).returncode == 0
        before = png.read_bytes()
        try:  # fill what is left
            with open(mnt / "filler", "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass
        res = invoke("prepare", small / "b.png", "--resize-length", 400, "-o", png)
        assert "No space left" in one_line_error(res, 1)
        assert png.read_bytes() == before and temporaries(mnt) == []
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_output_name_is_kept_as_given(small, tmp_path, invoke):
    res = invoke("sample", small / "b.png", "-n", 2, "-w", 5, "-o", "out.NPZ", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(os.listdir(tmp_path)) == ["out.NPZ"]
    assert "wrote out.NPZ:" in res.stdout
    with np.load(tmp_path / "out.NPZ") as npz:
        assert npz["patches"].shape == (2, 5, 5)
    res = invoke("prepare", small / "b.png", "-o", "x.PNG", cwd=tmp_path)
    assert res.returncode == 0 and sorted(os.listdir(tmp_path)) == ["out.NPZ", "x.PNG"]


@pytest.mark.parametrize("pool, workers", [("threads", 2), ("processes", 2), ("threads", 3)])
def test_same_file_whatever_the_pool(small, tmp_path, pool, workers, invoke):
    args = ("sample", small, small / "b.png", small / "a.jpg", "-n", 4, "-w", 6, "--seed", 9,
            "--resize-length", 40)
    assert invoke(*args, "-o", tmp_path / "s.npz").returncode == 0
    res = invoke(*args, "--pool", pool, "--workers", workers, "-o", tmp_path / "p.npz")
    assert res.returncode == 0, res.stderr
    with np.load(tmp_path / "s.npz") as a, np.load(tmp_path / "p.npz") as b:
        assert a.files == b.files
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_pool_choice_errors(small, tmp_path, monkeypatch, invoke):
    line = one_line_error(invoke("sample", small, "-n", 1, "-w", 3, "--pool", "serial",
                                 "--workers", 2, "-o", tmp_path / "x.npz"), 2)
    assert "--pool serial" in line
    res = invoke("sample", small / "b.png", "-n", 1, "-w", 3, "--workers", 2, "-o",
                 tmp_path / "one.npz")  # one image: more workers than images is fine
    assert res.returncode == 0, res.stderr
    monkeypatch.setenv("GLIMPSE_POOL", "gpu")
    res = invoke("sample", small, "-n", 1, "-w", 3, "--workers", 2, "-o", tmp_path / "x.npz")
    assert "GLIMPSE_POOL" in one_line_error(res, 2)
    monkeypatch.setenv("GLIMPSE_POOL", "processes")
    res = invoke("sample", small, "-n", 1, "-w", 3, "--workers", 2, "-o", tmp_path / "x.npz")
    assert res.returncode == 0, res.stderr


# --- prepare and the patch file ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sampled(small, tmp_path_factory, invoke):
    root = tmp_path_factory.mktemp("sampled")
    shutil.copy(small / "b.png", root / "b.png")
    res = invoke("sample", "b.png", "-n", 4, "-w", 6, "--seed", 1, "--resize-length", 40,
                 "-o", "p.npz", cwd=root)
    assert res.returncode == 0, res.stderr
    return root


def test_prepare_from_another_directory_matches_by_real_path(sampled, tmp_path, invoke):
    with np.load(sampled / "p.npz") as npz:
        assert [str(p) for p in npz["image_paths"]] == ["b.png"]
        assert [str(p) for p in npz["image_realpaths"]] == [str((sampled / "b.png").resolve())]
    res = invoke("prepare", sampled / "b.png", "--patches", sampled / "p.npz", "-o", "b.png",
                 cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "4 patch squares" in res.stdout
    os.symlink(sampled, tmp_path / "alias")  # another name for the same file
    res = invoke("prepare", "alias/b.png", "--patches", "alias/p.npz", "-o", "c.png", cwd=tmp_path)
    assert res.returncode == 0, res.stderr


_SAMPLED_PARAMS = {"image_resize_method": "scale short edge", "image_resize_length": 40,
                   "image_resize_aspect_ratio": 1.0}


@pytest.mark.parametrize("meta, changes, status, words", [
    (dict(width=-3), {}, 2, "width must be an integer >= 1, got -3"),
    (dict(width=6.5), {}, 2, "width must be an integer"),
    (dict(params=dict(_SAMPLED_PARAMS, image_resize_method="bogus")), {}, 2,
     "image_resize_method"),
    (dict(params=dict(_SAMPLED_PARAMS, image_resize_aspect_ratio=float("nan"))), {}, 2,
     "image_resize_aspect_ratio"),
    (dict(params=dict(_SAMPLED_PARAMS, image_resize_length=0)), {}, 2, "image_resize_length"),
    (dict(params=dict(_SAMPLED_PARAMS, bogus=1)), {}, 2, "bogus"),
    (dict(format="glimpse.features"), {}, 2, "features"),
    ({}, dict(locations=np.zeros((4, 2), np.int64)), 2, "locations must be"),
    ({}, dict(image_index=np.zeros(3, np.int64)), 2, "image_index must be"),
    ({}, dict(image_index=np.full(4, 7)), 2, "image_index must hold image indices in [0, 1)"),
    ({}, dict(image_paths=np.zeros(1)), 2, "image_paths must be"),
    ({}, dict(locations=np.array([[0, -5, 0]] * 4)), 2, "locations must hold coordinates >= 0"),
    ({}, dict(locations=np.array([[0, 10**6, 10**6]] * 4)), 1, "lies outside"),
    ({}, dict(locations=np.array([[3, 0, 0]] * 4)), 1, "lies outside"),
])
def test_prepare_refuses_a_bad_patch_file(sampled, tmp_path, meta, changes, status, words,
                                          invoke):
    path = edited(sampled / "p.npz", tmp_path / "edited.npz", meta, **changes)
    out = tmp_path / "out.png"
    res = invoke("prepare", sampled / "b.png", "--patches", path, "-o", out)
    line = one_line_error(res, status)
    assert words in line
    if status == 2:
        assert "error: cannot read --patches %s: " % path in line
    assert not out.exists() and temporaries(tmp_path) == []


def test_prepare_reads_a_patch_file_of_glimpse_0_1_0(sampled, tmp_path, invoke):
    old = os.path.join(DATA, "patches-0.1.0.npz")  # sampled with --resize-length 48
    res = invoke("prepare", sampled / "b.png", "--patches", old, "--resize-length", 40,
                 "-o", tmp_path / "x.png")
    assert "--resize-length 40 differs from 48 used for --patches" in one_line_error(res, 2)
    res = invoke("prepare", sampled / "b.png", "--patches", old, "-o", tmp_path / "x.png")
    assert "holds no patches of" in one_line_error(res, 1)


@pytest.mark.parametrize("content", ["npy", "text", "zip", "truncated"])
def test_prepare_refuses_a_file_that_is_not_a_patch_file(sampled, tmp_path, content, invoke):
    path = tmp_path / "bad.npz"
    if content == "npy":
        path = tmp_path / "arr.npy"
        np.save(path, np.arange(3))
    elif content == "text":
        path.write_text("hello")
    elif content == "zip":
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("x.txt", "not an array")
    else:
        path.write_bytes((sampled / "p.npz").read_bytes()[:300])
    out = tmp_path / "out.png"
    line = one_line_error(invoke("prepare", sampled / "b.png", "--patches", path, "-o", out), 2)
    assert "cannot read --patches %s: " % path in line
    assert not out.exists()


# --- the walk, the command itself ---------------------------------------------------------------


def test_directory_walk_follows_links_once_and_keeps_raster_files(tmp_path):
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in (root / "a.PNG", root / "real" / "b.png", elsewhere / "c.tif"):
        Image.new("L", (8, 8)).save(path, format="PNG" if path.suffix != ".tif" else "TIFF")
    (root / "doc.pdf").write_bytes(b"%PDF-1.4")
    (root / "fig.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0")
    (root / "notes.txt").write_text("x")
    os.symlink(elsewhere, root / "linked")
    os.symlink(root, root / "real" / "loop")  # a loop back to the top
    found = collect_images([str(root)])
    assert [os.path.relpath(p, root) for p in found] == [
        "a.PNG", os.path.join("linked", "c.tif"), os.path.join("real", "b.png")]
    # explicit files are kept as given, whatever their name
    assert collect_images([str(root / "doc.pdf")]) == [str(root / "doc.pdf")]


def test_huge_width_is_a_usage_error(invoke, tmp_path):
    # with no patches wanted, nothing else stops it before an empty (0, w, w) array
    res = invoke("sample", "-n", 0, "-w", "1" * 20, "-o", tmp_path / "x.npz")
    assert "--width" in one_line_error(res, 2)
    res = invoke("sample", "-n", 0, "-w", 2**31 - 1, "-o", tmp_path / "x.npz")
    assert res.returncode == 1 and "too small" in res.stderr


def test_bare_command_shows_usage_in_one_line(invoke):
    line = one_line_error(invoke(), 2)
    assert "usage: glimpse" in line and "sample" in line and "COMMAND" in line


def test_python_m_glimpse_from_an_unbuilt_tree_is_one_line(tmp_path):
    # A copy of the sources without the compiled kernels, as a source checkout is.
    package = os.path.dirname(glimpse.__file__)
    shutil.copytree(package, tmp_path / "glimpse",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    res = run("--version", cwd=tmp_path)
    if res.returncode == 0:  # an editable install's finder found the built package anyway
        assert res.stdout.startswith("glimpse ")
    else:
        assert "compiled kernels" in one_line_error(res, 1)


def test_exif_orientation_on_the_command_line(tmp_path, invoke):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("L", (330, 220), 128).save(path, exif=exif)
    out = tmp_path / "up.png"
    res = invoke("prepare", path, "--resize-method", "none", "-o", out)
    assert res.returncode == 0, res.stderr
    assert Image.open(out).size == (220, 330)


def test_decompression_bomb_is_one_line_and_can_be_allowed(tmp_path, invoke):
    path = tmp_path / "huge.png"
    Image.new("L", (2000, 1500)).save(path)
    res = invoke("sample", path, "-n", 1, "-w", 3, "--max-pixels", 10**6, "--quiet",
                 "-o", tmp_path / "x.npz")
    assert res.returncode == 1
    assert "Warning" not in res.stderr and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if "huge.png:" in ln]
    assert len(lines) == 1 and "1000000" in lines[0] and "--max-pixels" in lines[0]
    res = invoke("sample", path, "-n", 1, "-w", 3, "--max-pixels", 3 * 10**6, "--quiet",
                 "-o", tmp_path / "x.npz")
    assert res.returncode == 0, res.stderr
    res = invoke("prepare", path, "--max-pixels", 10**6, "-o", tmp_path / "x.png")
    assert "--max-pixels" in one_line_error(res, 1)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 damaged", b"\x93NUMPY damaged"])
def test_show_refuses_a_damaged_prototype_file(tmp_path, invoke, content):
    path = tmp_path / "protos.npz"
    path.write_bytes(content)
    res = invoke("show", "--prototypes", path, "-o", tmp_path / "s.png")
    assert "cannot read --prototypes %s: " % path in one_line_error(res, 2)
    assert not (tmp_path / "s.png").exists()


def test_show_keeps_the_previous_picture_on_a_full_disk(tmp_path, invoke, monkeypatch):
    out = tmp_path / "k.png"
    assert invoke("show", "--kernels", "-o", out).returncode == 0
    before = out.read_bytes()

    def full_disk_save(self, fp, format=None, **params):
        fp.write(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Image.Image, "save", full_disk_save)
    res = invoke("show", "--kernels", "--zoom", 2, "-o", out)
    assert "No space left" in one_line_error(res, 1)
    assert out.read_bytes() == before and temporaries(tmp_path) == []


def test_ctrl_c_while_the_command_loads(monkeypatch, capsys):
    # A Ctrl-C while glimpse.cli is imported (numpy, Pillow: a good part of a second).
    import types

    from glimpse import __main__ as entry

    class Interrupted(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "glimpse.cli", Interrupted("glimpse.cli"))
    handler = signal.getsignal(signal.SIGINT)
    try:
        assert entry.main() == 130
    finally:
        signal.signal(signal.SIGINT, handler)
    assert capsys.readouterr().err == "glimpse: interrupted\n"


def test_a_warning_is_one_write(monkeypatch):
    # Worker processes share stderr: a line written in pieces interleaves with theirs.
    writes = []

    class Stderr:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stderr", Stderr())
    cli._show_warning(UserWarning("Corrupt EXIF\ndata"), UserWarning, "x.py", 1)
    assert writes == ["glimpse: warning: Corrupt EXIF data\n"]

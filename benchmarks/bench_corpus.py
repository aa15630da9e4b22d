#!/usr/bin/env python3
"""Benchmark ``glimpse sample`` over a folder of images against its peers, process to process.

Run from the repository root, with glimpse installed::

    python benchmarks/bench_corpus.py             # full run, under a minute
    python benchmarks/bench_corpus.py --quick     # smoke run

The benchmark writes its own corpus into a temporary directory (seeded, so every run sees
the same files): mostly 640x480 JPEGs, some portrait (480x640), some 1024x768, a few
3000x2000 camera-size JPEGs and a few 640x480 PNGs (RGB). The pictures are smooth random
fields with fine grain, saved at quality 90: about 2.7 bits per pixel, as camera photos
at that quality (the JPEG decoder's entropy decoding, most of its time, depends on it).

Commands, each a fresh Python process doing the whole job (same images, same job:
``-n`` patches of width ``-w`` per image after scaling the short edge to 220):

* ``glimpse-1``: ``python -m glimpse sample --workers 1``;
* ``glimpse-2``: the same with ``--workers 2`` (the default pool, threads);
* ``glimpse-2p``: ``--workers 2 --pool processes``;
* ``glimpse-exact``: ``glimpse sample --exact`` (bit for bit the RGB-decode path), when the
  installed glimpse has that option;
* ``script``: the plain numpy/Pillow script a user writes: ``Image.open``,
  ``convert('L')``, ``resize`` (Lanczos) of the short edge to 220, ``/ 255``, random
  locations and fancy indexing, ``numpy.savez``;
* ``decode``: the decode floor, a process that only opens and decodes every file
  (``Image.open(path).load()``).
* ``decode-grey``: the grey decode floor, the least decoding ``glimpse sample``'s default
  (grey) path may do under its accuracy rule: each colour JPEG decoded to its stored luma,
  reduced in the DCT domain while it stays at least 4x the resize target; other files as
  they are. No glimpse run can be faster than this process plus glimpse's own work.
* ``decode-grey+np``: the same process importing numpy first, as any process that hands
  arrays to numpy must: the floor of a run that writes an ``.npz``.
* ``python``: an interpreter that imports numpy and Pillow and exits (the memory floor).

A second table, in process, times the IMAGE layer of up to three files of each kind
through the exact path (RGB decode) and the grey path (``InputSource(path,
exact=False)``, what ``glimpse sample`` uses by default), and gives the largest and the
mean absolute difference between the two layers.

Method: every round runs each command once, in an order shuffled every round; the table
gives the median wall time over rounds, the median over rounds of each command's time
divided by ``glimpse-1``'s time in the same round (``x g1``; for peers, > 1 means glimpse
is faster), the median CPU time (user + system of the child) and the peak resident memory
of the child (``ru_maxrss`` from ``os.wait4``), beside the size of the patches written.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SCRIPT = r"""
import os, sys
import numpy as np
from PIL import Image

def main(folder, n, w, out, seed):
    rng = np.random.default_rng(seed)
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    patches, locations = [], []
    for path in paths:
        with Image.open(path) as img:
            img = img.convert("L")
        width, height = img.size
        if width < height:
            size = (220, height * 220 // width)
        else:
            size = (width * 220 // height, 220)
        img = img.resize(size, Image.Resampling.LANCZOS)
        data = np.asarray(img, dtype=np.float32) / np.float32(255.0)
        ys = rng.integers(0, data.shape[0] - w + 1, n)
        xs = rng.integers(0, data.shape[1] - w + 1, n)
        ar = np.arange(w)
        patches.append(data[(ys[:, None] + ar)[:, :, None], (xs[:, None] + ar)[:, None, :]])
        locations.append(np.stack([np.zeros(n, int), ys, xs], axis=1))
    np.savez(out, patches=np.concatenate(patches), locations=np.concatenate(locations))

main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
"""

DECODE = r"""
import os, sys
from PIL import Image
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with Image.open(os.path.join(folder, name)) as img:
        img.load()
"""

# The least decoding glimpse's grey path may do: the luma of each colour JPEG, reduced in
# the DCT domain while it stays at least 4x the resize target (short edge 220), as
# ``InputSource(path, exact=False)`` reads it; other files decoded as they are.
DECODE_GREY = r"""
import os, sys
from PIL import Image
folder, short = sys.argv[1], int(sys.argv[2])
for name in sorted(os.listdir(folder)):
    with Image.open(os.path.join(folder, name)) as img:
        if img.format == "JPEG" and img.mode in ("RGB", "YCbCr"):
            w, h = img.size
            tw, th = (short, h * short // w) if w < h else (w * short // h, short)
            limit = max(1, min(w // (4 * tw), h // (4 * th)))
            s = next((s for s in (8, 4, 2) if s <= limit and w % s == 0 and h % s == 0), 1)
            img.draft("L", (w // s, h // s))
        img.load()
"""

PYTHON = "import numpy, PIL.Image"

# (count, (width, height), format) of the corpus.
CORPUS = [
    (150, (640, 480), "JPEG"),
    (30, (480, 640), "JPEG"),
    (30, (1024, 768), "JPEG"),
    (3, (3000, 2000), "JPEG"),
    (10, (640, 480), "PNG"),
]
QUICK_CORPUS = [
    (12, (640, 480), "JPEG"),
    (3, (480, 640), "JPEG"),
    (3, (1024, 768), "JPEG"),
    (1, (3000, 2000), "JPEG"),
    (2, (640, 480), "PNG"),
]


def picture(rng, width, height):
    """A smooth random RGB field with fine texture, as uint8 (height, width, 3)."""
    coarse = rng.random((height // 32 + 2, width // 32 + 2, 3)).astype(np.float32)
    planes = []
    for c in range(3):
        img = Image.fromarray(coarse[:, :, c], mode="F").resize((width, height),
                                                                Image.Resampling.BICUBIC)
        planes.append(np.asarray(img))
    rgb = np.stack(planes, axis=2) * 200.0 + 20.0
    rgb += rng.normal(0.0, 6.0, (height, width, 1)).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def make_corpus(folder, spec, seed=0):
    """Write the corpus into ``folder``; return (number of files, bytes, pixels)."""
    rng = np.random.default_rng(seed)
    count = total = pixels = 0
    for number, (width, height), fmt in spec:
        for _ in range(number):
            img = Image.fromarray(picture(rng, width, height))
            ext = ".jpg" if fmt == "JPEG" else ".png"
            path = os.path.join(folder, "img%04d%s" % (count, ext))
            if fmt == "JPEG":
                img.save(path, quality=90)
            else:
                img.save(path)
            total += os.path.getsize(path)
            pixels += width * height
            count += 1
    return count, total, pixels


# A small launcher: the child's ru_maxrss counts the memory of the process it was forked
# from, so children are started from this lean process rather than from the benchmark
# (which holds the corpus it generated). It prints wall seconds, CPU seconds and peak bytes.
LAUNCHER = r"""
import os, sys, time
devnull = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime,
      usage.ru_maxrss * 1024)
"""


def run(cmd, cwd):
    """Run ``cmd`` in ``cwd``; return (wall seconds, cpu seconds, peak RSS in bytes)."""
    proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER] + cmd, cwd=cwd,
                          capture_output=True, text=True)
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 4 or fields[0] != "0":
        raise RuntimeError("%s failed: %s %s" % (" ".join(cmd), proc.stdout, proc.stderr))
    return float(fields[1]), float(fields[2]), int(fields[3])


def has_option(option):
    out = subprocess.run([sys.executable, "-m", "glimpse", "sample", "--help"],
                         capture_output=True, text=True, cwd=os.path.dirname(sys.executable)).stdout
    return option in out


def layer_accuracy(folder, rounds, min_seconds):
    """Per file kind: IMAGE layer build time (exact vs grey) and the layers' difference."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _harness import interleaved_rounds

    from glimpse.backends import InputSource
    from glimpse.models.base import BuildLayer, Layer, Model

    model = Model()
    kinds = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        with Image.open(path) as img:
            kinds.setdefault("%s %dx%d" % (img.format, img.width, img.height), []).append(path)
    print("IMAGE layer per file (in process, %d rounds): exact = RGB decode, grey = the luma "
          "the JPEG stores, reduced while >= 4x the target" % rounds)
    print("%-16s %6s %9s %9s %7s %10s %10s" % ("file", "files", "exact ms", "grey ms",
                                               "speedup", "max |d|", "mean |d|"))
    for kind, paths in kinds.items():
        def build(exact, paths=paths):
            return [BuildLayer(model, Layer.IMAGE, InputSource(p, exact=exact))[Layer.IMAGE]
                    for p in paths[:3]]
        times = interleaved_rounds({"exact": lambda: build(True), "grey": lambda: build(False)},
                                   rounds, min_seconds)
        diffs = [np.abs(a.astype(np.float64) - b) for a, b in zip(build(True), build(False))]
        ratio = statistics.median(a / b for a, b in zip(times["exact"], times["grey"]))
        print("%-16s %6d %9.2f %9.2f %7.2f %10.4f %10.2e"
              % (kind, len(paths), 1e3 * statistics.median(times["exact"]) / len(diffs),
                 1e3 * statistics.median(times["grey"]) / len(diffs), ratio,
                 max(d.max() for d in diffs), np.mean([d.mean() for d in diffs])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, two rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3, quick 2)")
    parser.add_argument("-n", type=int, default=200, help="patches per image (default 200)")
    parser.add_argument("-w", type=int, default=11, help="patch width (default 11)")
    parser.add_argument("--only", default=None,
                        help="comma-separated commands to run (default: all)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 3)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="glimpse-corpus-") as tmp:
        folder = os.path.join(tmp, "corpus")
        os.mkdir(folder)
        count, nbytes, pixels = make_corpus(folder, QUICK_CORPUS if args.quick else CORPUS)
        out = os.path.join(tmp, "out.npz")
        n, w = str(args.n), str(args.w)
        sample = [py, "-m", "glimpse", "sample", folder, "-n", n, "-w", w, "--seed", "1",
                  "-q", "-o", out]
        cmds = {
            "glimpse-1": sample + ["--workers", "1"],
            "glimpse-2": sample + ["--workers", "2"],
            "glimpse-2p": sample + ["--workers", "2", "--pool", "processes"],
            "script": [py, "-c", SCRIPT, folder, n, w, out, "1"],
            "decode": [py, "-c", DECODE, folder],
            "decode-grey": [py, "-c", DECODE_GREY, folder, "220"],
            "decode-grey+np": [py, "-c", "import numpy\n" + DECODE_GREY, folder, "220"],
            "python": [py, "-c", PYTHON],
        }
        if has_option("--exact"):
            cmds["glimpse-exact"] = sample + ["--workers", "1", "--exact"]
        if args.only:
            keep = set(args.only.split(",")) | {"glimpse-1"}
            cmds = {k: v for k, v in cmds.items() if k in keep}
        output_bytes = count * args.n * args.w * args.w * 4
        print("corpus: %d files, %.1f MB on disk (%.2f bits per pixel), %.1f Mpixel; "
              "job -n %s -w %s; patches written: %.1f MB; %d rounds"
              % (count, nbytes / 1e6, 8 * nbytes / pixels, pixels / 1e6, n, w,
                 output_bytes / 1e6, rounds))
        for cmd in cmds.values():  # warm the page cache and the bytecode caches
            run(cmd, tmp)
        keys = list(cmds)
        wall = {k: [] for k in keys}
        cpu = {k: [] for k in keys}
        rss = {k: [] for k in keys}
        order = random.Random(0)
        for _ in range(rounds):
            order.shuffle(keys)
            for k in keys:
                t, c, m = run(cmds[k], tmp)
                wall[k].append(t)
                cpu[k].append(c)
                rss[k].append(m)
        base = wall["glimpse-1"]
        print("%-14s %9s %8s %9s %10s %12s" % ("command", "wall s", "x g1", "cpu s",
                                               "peak MB", "peak/output"))
        for k in cmds:
            ratio = statistics.median(a / b for a, b in zip(wall[k], base))
            peak = max(rss[k])
            print("%-14s %9.3f %8.2f %9.3f %10.1f %12.2f"
                  % (k, statistics.median(wall[k]), ratio, statistics.median(cpu[k]),
                     peak / 1e6, peak / output_bytes))
        if "python" in cmds:
            extra = max(rss["glimpse-1"]) - max(rss["python"])
            print("glimpse-1 peak above the bare interpreter (numpy + Pillow): %.1f MB = "
                  "%.2fx the patches written" % (extra / 1e6, extra / output_bytes))
        floors = ("script", "decode-grey", "decode-grey+np", "python")
        if set(floors) <= set(cmds):
            med = {k: statistics.median(wall[k]) for k in floors}
            two = med["python"] + (med["decode-grey+np"] - med["python"]) / 2
            print("bound: the script over the grey decode floor is %.2fx, over that floor with "
                  "numpy imported %.2fx (the most any one-worker run can gain, were all but "
                  "decoding free); over the latter with its decoding split on two cores, %.2fx"
                  % (med["script"] / med["decode-grey"], med["script"] / med["decode-grey+np"],
                     med["script"] / two))
        if not args.only:
            layer_accuracy(folder, rounds, 0.05 if args.quick else 0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

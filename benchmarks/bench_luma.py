#!/usr/bin/env python3
"""Benchmark the grey conversion of colour images: Backend.LumaBytes against its peers.

Run from the repository root, with glimpse installed::

    python benchmarks/bench_luma.py                 # full run, 2-4 minutes
    python benchmarks/bench_luma.py --quick         # smoke run
    python benchmarks/bench_luma.py --accuracy a.png b.tiff ...   # also these files

Images: a generated picture (smooth colour field with fine texture, as cameras give)
at 640x480 and 2048x1536, RGB and RGBA (alpha a gradient), saved as PNG (Pillow's
default compression), BMP and uncompressed TIFF in a temporary folder.

Conversions of a decoded image to float32 grey in [0, 1], all one thread:

* glimpse: ``CythonBackend().LumaBytes(gimage.ImageToColourBytes(img))`` (the 8-bit
  samples copied out of Pillow once, 4 bytes a pixel, then one compiled pass; what
  ``InputSource(path, exact=False)`` does for colour files that are not JPEG);
* glimpse-out: the same writing into a reused ``out=`` buffer;
* ImageToArray: ``glimpse.images.ImageToArray`` (the exact path: float32 copy of
  the channels, matrix product, division, clip);
* pillow-F: ``np.asarray(img.convert("F")) / np.float32(255)`` (Pillow's own float
  luma, then the scale).

Part 1 times the conversion of an image already decoded; part 2 the whole read,
``Image.open`` + ``load`` + conversion, against the decode floor (open + load alone).

Method: interleaved rounds (``_harness.interleaved_rounds``), medians over rounds;
ratio = median over rounds of (peer time / glimpse time) in the same round; ``x floor``
= median of (time / decode time).

Accuracy: for every image (the generated ones and the ``--accuracy`` files), the
largest and mean absolute difference between the IMAGE layer of
``InputSource(path, exact=False)`` and of ``InputSource(path)`` (default parameters:
short edge resized to 220), and between the full-size grey arrays (in float32 ulps).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import glimpse  # noqa: E402
from glimpse.backends import CythonBackend, InputSource  # noqa: E402
from glimpse.models.base import BuildLayer, Layer, Model  # noqa: E402
from glimpse.util import gimage  # noqa: E402

from _harness import interleaved_rounds  # noqa: E402

BACKEND = CythonBackend()


def picture(width, height, alpha, seed=0):
    """A smooth random colour field with fine texture; alpha a diagonal gradient."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((height // 16 + 2, width // 16 + 2, 3)).astype(np.float32)
    planes = [np.asarray(Image.fromarray(coarse[:, :, c], mode="F")
                         .resize((width, height), Image.Resampling.BICUBIC)) for c in range(3)]
    rgb = np.stack(planes, axis=2) * 200.0 + 20.0
    rgb += rng.normal(0.0, 12.0, (height, width, 1)).astype(np.float32)
    rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    if not alpha:
        return Image.fromarray(rgb)
    ramp = (np.add.outer(np.arange(height), np.arange(width)) * 255
            // (height + width)).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, ramp]), mode="RGBA")


def conversions(shape):
    out = np.empty(shape, np.float32)
    return {
        "glimpse": lambda img: BACKEND.LumaBytes(gimage.ImageToColourBytes(img)),
        "glimpse-out": lambda img: BACKEND.LumaBytes(gimage.ImageToColourBytes(img), out=out),
        "ImageToArray": gimage.ImageToArray,
        "pillow-F": lambda img: np.asarray(img.convert("F")) / np.float32(255),
    }


def check(convs, img):
    """Every conversion gives ImageToArray's grey, within a few float32 ulps."""
    want = gimage.ImageToArray(img)
    for name, conv in convs.items():
        got = conv(img)
        assert got.dtype == np.float32 and got.shape == want.shape, name
        bound = 4e-7 if name == "pillow-F" else 1.2e-7  # Pillow rounds twice more
        assert np.abs(got - want).max() <= bound, (name, np.abs(got - want).max())


def read(path, conv):
    with Image.open(path) as img:
        img.load()
        return conv(img) if conv is not None else img


def layer_difference(path):
    """Max and mean |exact=False - exact| of the IMAGE layer and of the full-size grey."""
    model = Model()
    fast = BuildLayer(model, Layer.IMAGE, InputSource(path, exact=False))[Layer.IMAGE]
    exact = BuildLayer(model, Layer.IMAGE, InputSource(path))[Layer.IMAGE]
    diff = np.abs(fast.astype(np.float64) - exact)
    with Image.open(path) as img:
        img.load()
        rgb = gimage.ImageToColourBytes(img)
        full_exact = gimage.ImageToArray(img)
    if rgb is None:
        return img.mode, img.size, diff.max(), diff.mean(), None
    full = BACKEND.LumaBytes(rgb)
    ulps = np.abs(full.view(np.int32).astype(np.int64) - full_exact.view(np.int32)).max()
    return img.mode, img.size, diff.max(), diff.mean(), int(ulps)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few short rounds (smoke run)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per case (default 15)")
    ap.add_argument("--min-ms", type=float, default=None,
                    help="minimum time per function per round (default 40 ms)")
    ap.add_argument("--accuracy", nargs="*", default=[], metavar="FILE",
                    help="image files whose IMAGE layer difference to report")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 15)
    min_s = (args.min_ms if args.min_ms is not None else (5 if args.quick else 40)) / 1e3
    print("glimpse %s, python %s, numpy %s, Pillow %s, %s, %d cpus, load average %s"
          % (glimpse.__version__, platform.python_version(), np.__version__,
             Image.__version__, platform.machine(), os.cpu_count(),
             "/".join("%.2f" % x for x in os.getloadavg())))
    print("%d rounds, >= %.0f ms per function per round\n" % (rounds, min_s * 1e3))
    sizes = [(640, 480)] if args.quick else [(640, 480), (2048, 1536)]
    rows1, rows2, files = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for mode in ("RGB", "RGBA"):
                img = picture(*size, alpha=mode == "RGBA")
                convs = conversions(size[::-1])
                check(convs, img)
                # part 1: conversion of a decoded image
                times = interleaved_rounds({k: (lambda c=c: c(img)) for k, c in convs.items()},
                                           rounds, min_s)
                ours = times["glimpse"]
                for k, ts in times.items():
                    rows1.append(("%dx%d %s" % (size + (mode,)), k, statistics.median(ts),
                                  statistics.median(p / o for p, o in zip(ts, ours))))
                # part 2: file to grey
                for ext in (".png", ".bmp", ".tiff"):
                    path = os.path.join(tmp, "%dx%d-%s%s" % (size + (mode, ext)))
                    img.save(path)
                    files.append(path)
                    fns = {"decode": lambda p=path: read(p, None)}
                    fns.update({k: (lambda p=path, c=c: read(p, c)) for k, c in convs.items()
                                if k != "glimpse-out"})
                    times = interleaved_rounds(fns, rounds, min_s)
                    ours, floor = times["glimpse"], times["decode"]
                    for k, ts in times.items():
                        rows2.append(("%dx%d %s %s" % (size + (mode, ext[1:].upper())), k,
                                      statistics.median(ts),
                                      statistics.median(p / o for p, o in zip(ts, ours)),
                                      statistics.median(p / f for p, f in zip(ts, floor))))
                print("done %dx%d %s" % (size + (mode,)), flush=True)
        print("\nPart 1: decoded image to float32 grey (ratio = time / glimpse time)\n")
        print("| image | conversion | ms | ratio |")
        print("|---|---|---:|---:|")
        for image, k, t, r in rows1:
            print("| %s | %s | %.3f | %.2fx |" % (image, k, t * 1e3, r))
        print("\nPart 2: file to float32 grey (open + load + conversion)\n")
        print("| file | read | ms | ratio to glimpse | x decode |")
        print("|---|---|---:|---:|---:|")
        for image, k, t, r, f in rows2:
            print("| %s | %s | %.3f | %.2fx | %.2f |" % (image, k, t * 1e3, r, f))
        print("\nAccuracy: IMAGE layer of InputSource(path, exact=False) against "
              "InputSource(path)\n")
        print("| file | mode | size | max abs diff | mean abs diff | full-size max ulps |")
        print("|---|---|---|---:|---:|---:|")
        for path in [f for f in files if f.endswith(".png")] + list(args.accuracy):
            mode, size, big, mean, ulps = layer_difference(path)
            print("| %s | %s | %dx%d | %.3g | %.3g | %s |" % (
                os.path.basename(path), mode, size[0], size[1], big, mean,
                "-" if ulps is None else ulps))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark glimpse's resampling against Pillow, each case against its peer in the same run.

Usage::

    python benchmarks/bench_resample.py [--quick] [--rounds N] [--retain]

Method: round-robin rounds. Every round runs every function (ours and the
peers) in a freshly shuffled order; each is called repeatedly until it has run
for at least 20 ms, and its time per call is recorded. A case's time is the
median over rounds, and its ratio is the median over rounds of
``peer time / our time`` measured in the same round, so slow drifts of a
shared machine hit both sides alike. Everything runs on one thread (Pillow's
resampler is single-threaded; glimpse's kernel uses one thread).

Peers are what a numpy user pays with Pillow:

* ``ScaleImage`` on a float32 array: ``Image.fromarray(a, 'F')``, Pillow's
  resize with the same filter, ``np.asarray`` of the result.
* ``ScaleAndCropImage``: the same, followed by Pillow's crop of the centre.
* ``PrepareImage`` of a PIL 'L' image: Pillow's 'L' resize (Lanczos), then
  ``np.asarray(..., dtype=float32) / 255``.
* The corpus case, ``ResampleBytes`` of an 8-bit 640x480 image to 293x220, and
  large float32 and 8-bit images (4096x4096, 3000x2000) to short edge 220 and to
  half size: Pillow's own resize of the 'F' or 'L' image (already built), which is
  the least a Pillow user pays. ``--retain`` first makes the allocator settings
  the ``glimpse`` command makes (library users get glibc's defaults).
* Layout cases (a transposed float32 view, a Fortran-ordered float64 array): the
  peer is glimpse itself on the C-ordered copy of the same values and dtype, so
  the ratio is the price of the layout (the outputs are identical).

Prints a markdown table: case, peer ms, ours ms, ratio (peer / ours, higher is
better for us), target.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

# One thread everywhere (numpy's BLAS is not on these paths, but be sure).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

import glimpse  # noqa: E402
from glimpse.backends import MakeBackend  # noqa: E402
from glimpse.models.base import Params, PrepareImage  # noqa: E402
from glimpse.util._allocator import retain_freed_memory  # noqa: E402
from glimpse.util import gimage  # noqa: E402

from _harness import interleaved_rounds  # noqa: E402

LANCZOS = Image.Resampling.LANCZOS
BICUBIC = Image.Resampling.BICUBIC

MIN_TIME = 0.020  # seconds per function per round


def _test_image(height, width, seed=0):
    """A smooth pattern plus noise, float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    smooth = 0.5 + 0.25 * np.sin(x / 17.0) * np.cos(y / 23.0)
    noise = 0.25 * rng.random((height, width), dtype=np.float32)
    return np.clip(smooth + noise, 0.0, 1.0).astype(np.float32)


def _prepare_function():
    """Our PrepareImage path and a description of it."""
    params = Params(image_resize_method="scale short edge", image_resize_length=220)

    def ours(img):
        return PrepareImage(img, params)
    return ours, "glimpse.models.base.PrepareImage (scale short edge, 220)"


def make_cases():
    """(name, ours, peer, target ratio) for every case."""
    cases = []

    def pillow_f(a, size, filt, box=None):
        def run():
            img = Image.fromarray(a, "F").resize(size, filt)
            if box is not None:
                img = img.crop(box)
            return np.asarray(img)
        return run

    a = _test_image(480, 640)
    cases.append(("ScaleImage f32 640x480 -> 293x220 (Lanczos)",
                  lambda: gimage.ScaleImage(a, (293, 220)),
                  pillow_f(a, (293, 220), LANCZOS), 2.5))
    d = _test_image(1536, 2048, seed=1)
    cases.append(("ScaleImage f32 2048x1536 -> 683x512 (Lanczos)",
                  lambda: gimage.ScaleImage(d, (683, 512)),
                  pillow_f(d, (683, 512), LANCZOS), 2.5))
    c = _test_image(200, 100, seed=2)
    cases.append(("ScaleImage f32 100x200 -> 256x512 (bicubic)",
                  lambda: gimage.ScaleImage(c, (256, 512)),
                  pillow_f(c, (256, 512), BICUBIC), 2.0))
    # The same data in transposed layouts: ``dt`` is the transposed view of a C array (a
    # Fortran-ordered float32 array), ``d64`` a Fortran-ordered float64 copy. Against Pillow,
    # and against glimpse on the C-ordered float32 data (same results bit for bit).
    dt = np.ascontiguousarray(d.T).T
    ct = np.ascontiguousarray(c.T).T
    d64 = np.asfortranarray(d, dtype=np.float64)
    c64 = np.ascontiguousarray(d64)
    cases.append(("ScaleImage f32 2048x1536 transposed view -> 683x512 (Lanczos)",
                  lambda: gimage.ScaleImage(dt, (683, 512)),
                  pillow_f(dt, (683, 512), LANCZOS), 2.5))
    cases.append(("same, peer: glimpse on the C-order copy",
                  lambda: gimage.ScaleImage(dt, (683, 512)),
                  lambda: gimage.ScaleImage(d, (683, 512)), 0.8))
    cases.append(("ScaleImage f32 100x200 transposed view -> 256x512 (bicubic), "
                  "peer: glimpse on the C-order copy",
                  lambda: gimage.ScaleImage(ct, (256, 512)),
                  lambda: gimage.ScaleImage(c, (256, 512)), 0.8))
    cases.append(("ScaleImage f64 Fortran order 2048x1536 -> 683x512 (Lanczos), "
                  "peer: glimpse on the f64 C-order copy",
                  lambda: gimage.ScaleImage(d64, (683, 512)),
                  lambda: gimage.ScaleImage(c64, (683, 512)), 0.8))
    scaled, box = gimage.ScaleAndCropSize((640, 480), (220, 220))
    cases.append(("ScaleAndCropImage f32 640x480 -> 220x220",
                  lambda: gimage.ScaleAndCropImage(a, (220, 220)),
                  pillow_f(a, scaled, LANCZOS, box), 3.0))

    # The corpus case: an 8-bit greyscale image to short edge 220, as `glimpse sample`
    # resizes a decoded JPEG; peers: Pillow's own resize of the 'L' and of the 'F' image.
    backend = MakeBackend("cython")
    a8 = np.rint(a * 255.0).astype(np.uint8)
    grey = Image.fromarray(a8, "L")
    fimg = Image.fromarray(a, "F")
    cases.append(("ResampleBytes u8 640x480 -> 293x220 (Lanczos), peer: Pillow 'L' resize",
                  lambda: backend.ResampleBytes(a8, 293, 220, LANCZOS),
                  lambda: grey.resize((293, 220), LANCZOS), 2.5))
    cases.append(("Resample f32 640x480 -> 293x220 (Lanczos), peer: Pillow 'F' resize",
                  lambda: backend.Resample(a, 293, 220, LANCZOS),
                  lambda: fimg.resize((293, 220), LANCZOS), 3.0))
    # Large images, to short edge 220 and to half size: the resampler streams them in
    # strips (its scratch memory does not grow with the image height).
    for height, width, seed in ((4096, 4096, 3), (2000, 3000, 4)):
        big = _test_image(height, width, seed)
        big8 = np.rint(big * 255.0).astype(np.uint8)
        bigf, bigl = Image.fromarray(big, "F"), Image.fromarray(big8, "L")
        short = 220.0 / min(height, width)
        for w, h in ((round(width * short), round(height * short)),
                     (width // 2, height // 2)):
            cases.append(("Resample f32 %dx%d -> %dx%d (Lanczos), peer: Pillow 'F' resize"
                          % (width, height, w, h),
                          lambda big=big, w=w, h=h: backend.Resample(big, w, h, LANCZOS),
                          lambda bigf=bigf, w=w, h=h: bigf.resize((w, h), LANCZOS), 2.0))
            cases.append(("ResampleBytes u8 %dx%d -> %dx%d (Lanczos), peer: Pillow 'L' resize"
                          % (width, height, w, h),
                          lambda big8=big8, w=w, h=h: backend.ResampleBytes(big8, w, h, LANCZOS),
                          lambda bigl=bigl, w=w, h=h: bigl.resize((w, h), LANCZOS), 1.5))

    prepare, how = _prepare_function()

    def pillow_prepare():
        return np.asarray(grey.resize((293, 220), LANCZOS), dtype=np.float32) / np.float32(255.0)
    cases.append(("PrepareImage PIL 'L' 640x480 -> short edge 220",
                  lambda: prepare(grey), pillow_prepare, 1.5))
    return cases, how


def _check(cases):
    """Max |ours - peer| per case (sanity: same filters, same geometry)."""
    diffs = []
    for _, ours, peer, _ in cases:
        x, y = ours(), peer()
        if isinstance(y, Image.Image):
            y = np.asarray(y, dtype=np.float64) / (255.0 if y.mode == "L" else 1.0)
        assert x.shape == y.shape, (x.shape, y.shape)
        diffs.append(float(np.max(np.abs(x.astype(np.float64) - y))))
    return diffs


def run(rounds, seed=0):
    cases, how = make_cases()
    diffs = _check(cases)
    fns = {(i, side): cases[i][side] for i in range(len(cases)) for side in (1, 2)}
    times = interleaved_rounds(fns, rounds, MIN_TIME, seed)
    rows = []
    for i, (name, _, _, target) in enumerate(cases):
        ours = np.array(times[i, 1])
        peer = np.array(times[i, 2])
        ratio = float(np.median(peer / ours))
        rows.append((name, 1e3 * float(np.median(peer)), 1e3 * float(np.median(ours)),
                     ratio, target, diffs[i]))
    return rows, how


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 21")
    parser.add_argument("--rounds", type=int, default=None, help="number of rounds")
    parser.add_argument("--retain", action="store_true",
                        help="keep freed memory for reuse first, as the glimpse command does "
                             "(glimpse.util._allocator.retain_freed_memory)")
    args = parser.parse_args(argv)
    if args.retain:
        print("retain_freed_memory: %s" % retain_freed_memory())
    rounds = args.rounds or (5 if args.quick else 21)
    rows, how = run(rounds)
    print("glimpse %s, Pillow %s, numpy %s, Python %s, %s; %d rounds, >= %d ms per function "
          "per round, one thread" % (glimpse.__version__, PIL.__version__, np.__version__,
                                     platform.python_version(), platform.machine(), rounds,
                                     int(MIN_TIME * 1e3)))
    print("PrepareImage path: %s" % how)
    print()
    print("| case | peer ms | ours ms | ratio (peer / ours) | target | met | max abs diff |")
    print("|---|---:|---:|---:|---:|:---:|---:|")
    for name, peer, ours, ratio, target, diff in rows:
        print("| %s | %.3f | %.3f | %.2fx | >= %.1fx | %s | %.1e |"
              % (name, peer, ours, ratio, target, "yes" if ratio >= target else "NO", diff))
    print()
    print("Times are medians over rounds; ratio is the median of per-round ratios. "
          "max abs diff: ours vs the peer's output on [0, 1] data (the PrepareImage peer "
          "works in 8 bits).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

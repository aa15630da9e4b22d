"""Check that the built resampler gives the same bits as a reference build of it.

The resampler promises results that do not change from one version to the next (the
exact path reproduces earlier output bit for bit). Before changing ``csrc/_resample.pyx``
(or its header), keep a copy of the built module, then compare every later build with it::

    cp "$(python -c 'import glimpse._resample as m; print(m.__file__)')" /tmp/ref_resample.so
    # ... edit, rebuild ...
    python benchmarks/check_resample_identity.py /tmp/ref_resample.so [--cases N] [--seed S]
        [--isa LEVEL] [--no-large]

It runs seeded random cases: float32, float64 and uint8 inputs in several memory layouts
(C and Fortran order, negative, padded and stepped strides), the four filters, enlarging
and shrinking, one axis kept, strong shrink factors, windows, both pass orders, and
large images up to 4096x4096. Each result must equal the reference's bit for bit; a
second call (coefficient tables from the cache) must equal the first; a uint8 input must
give the result of its float32 copy divided by 255. ``--isa`` caps the instruction set of
the build under test (``glimpse._resample.isa``). Exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time

import numpy as np

from glimpse import _resample as current


def _load(path):
    spec = importlib.util.spec_from_file_location("_resample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _layout(a, rng):
    k = rng.integers(0, 6)
    if k == 1:
        return np.asfortranarray(a)
    if k == 2:  # every other column
        big = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
        big[:, ::2] = a
        return big[:, ::2]
    if k == 3:  # negative strides
        return np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
    if k == 4:  # every other row
        big = np.zeros((2 * a.shape[0], a.shape[1]), a.dtype)
        big[::2] = a
        return big[::2]
    if k == 5:  # contiguous columns, padded
        big = np.zeros((3 * a.shape[1], a.shape[0]), a.dtype)
        big[::3] = a.T
        return big[::3].T
    return a


def _image(rng, height, width):
    dtype = rng.choice(["f4", "f8", "u1"])
    if dtype == "u1":
        a = rng.integers(0, 256, (height, width), dtype=np.uint8)
    else:
        scale = rng.choice([1.0, 255.0, 1e3])
        a = ((rng.random((height, width)) - rng.choice([0.0, 0.5])) * scale).astype(dtype)
    return _layout(a, rng)


def _case(rng):
    r = rng.random()
    if r < 0.6:
        H, W = rng.integers(1, 400, 2)
        height, width = rng.integers(1, 500, 2)
    elif r < 0.75:  # strong shrinking: many taps per output
        H, W = rng.integers(100, 2500, 2)
        height, width = rng.integers(1, 12, 2)
    elif r < 0.85:  # one axis kept
        H, W = rng.integers(1, 600, 2)
        if rng.random() < 0.5:
            height, width = H, rng.integers(1, 700)
        else:
            height, width = rng.integers(1, 700), W
    else:  # photo sizes, to short edge 220 or half size
        H, W = [(480, 640), (640, 480), (768, 1024), (2000, 3000)][rng.integers(0, 4)]
        if rng.random() < 0.5:
            s = 220 / min(H, W)
            height, width = max(1, round(H * s)), max(1, round(W * s))
        else:
            height, width = H // 2, W // 2
    width, height = int(width), int(height)
    x0 = int(rng.integers(0, width))
    x1 = int(rng.integers(x0 + 1, width + 1))
    y0 = int(rng.integers(0, height))
    y1 = int(rng.integers(y0 + 1, height + 1))
    if rng.random() < 0.5:
        x0, y0, x1, y1 = 0, 0, width, height
    order = int(rng.choice([0, 0, 1, 2]))
    filt = int(rng.choice([1, 2, 3, 4]))
    return _image(rng, int(H), int(W)), width, height, filt, (x0, y0, x1, y1), order


def _large_cases(rng):
    for H, W, w, h in [(4096, 4096, 220, 220), (4096, 4096, 2048, 2048),
                       (2000, 3000, 330, 220), (4096, 4096, 4100, 4095),
                       (17, 4096, 3, 4000), (4096, 13, 4000, 5)]:
        for filt in (1, 3):
            for dtype in ("f4", "u1", "f8"):
                if dtype == "u1":
                    a = rng.integers(0, 256, (H, W), dtype=np.uint8)
                else:
                    a = rng.random((H, W)).astype(dtype)
                yield a, w, h, filt, (0, 0, w, h), 0
            a = np.asfortranarray(rng.random((H, W), dtype=np.float32))
            yield a, w, h, filt, (min(3, w - 1), 1, w, h), 0


def _same(x, y):
    return x.shape == y.shape and np.array_equal(x.view(np.uint32), y.view(np.uint32))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="a copy of a reference build of glimpse._resample")
    parser.add_argument("--cases", type=int, default=400, help="random cases (default 400)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--isa", type=int, default=-1,
                        help="cap the instruction set of the build under test")
    parser.add_argument("--no-large", action="store_true", help="skip the large images")
    args = parser.parse_args(argv)
    reference = _load(args.reference)
    print("instruction set level of the build under test: %d" % current.isa(args.isa))
    rng = np.random.default_rng(args.seed)
    cases = [_case(rng) for _ in range(args.cases)]
    if not args.no_large:
        cases += list(_large_cases(rng))
    bad = 0
    start = time.perf_counter()
    for i, (a, w, h, filt, box, order) in enumerate(cases):
        what = "case %d: %s %s strides %s -> %dx%d filter %d box %s order %d" % (
            i, a.shape, a.dtype, a.strides, w, h, filt, box, order)
        ours = current.resample(a, w, h, filt, *box, order)
        if not _same(ours, reference.resample(a, w, h, filt, *box, order)):
            bad += 1
            print("differs from the reference:", what)
        if not _same(ours, current.resample(a, w, h, filt, *box, order)):
            bad += 1
            print("second call differs:", what)
        if a.dtype == np.uint8:
            scaled = current.resample(a.astype(np.float32) / np.float32(255), w, h, filt, *box,
                                      order)
            if not _same(ours, scaled):
                bad += 1
                print("uint8 differs from its scaled float32 copy:", what)
    print("%d cases, %d differences, %.1f s" % (len(cases), bad, time.perf_counter() - start))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

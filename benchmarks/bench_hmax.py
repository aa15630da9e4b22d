#!/usr/bin/env python3
"""Benchmark the HMAX model (IMAGE to C2) against peers written here.

Run from the repository root, with glimpse installed (the peers need the ``bench`` extra,
``pip install '.[bench]'``; a missing peer is skipped)::

    python benchmarks/bench_hmax.py            # full run, a few minutes
    python benchmarks/bench_hmax.py --quick    # smoke run

Case: one 256x256 image (the packaged example, centre-cropped) prepared by the default
params (short edge 220), default model parameters (9 scales a factor 2**0.25 apart; S1:
|NormDotProduct| with the 4 phase-0 Gabors of width 11, bias 0.01; C1: LocalMax 11 at stride
5; S2: Rbf with beta 5; C2: max over scales of GlobalMax), 1000 prototypes of width 7
imprinted from the C1 maps of the image. The IMAGE layer is built beforehand. Everyone runs
on ONE thread (threadpoolctl, OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = 1,
``torch.set_num_threads(1)``).

Implementations:

* glimpse: the model's layers through ``glimpse.models.ml`` when it is installed, else the
  compiled backend functions arranged exactly as the model builds its layers;
* torch: PyTorch CPU with the same arithmetic (S1 and S2 as one ``conv2d`` over all kernels
  per scale, window norms by convolution with ones, S2 distances as
  ``||x||^2 - 2 <x, w> + ||w||^2``, C1 by ``max_pool2d``; the pyramid by antialiased bicubic
  ``interpolate`` to the same sizes);
* scipy: numpy/scipy as a careful user writes it (S1 by ``scipy.signal.correlate`` per
  kernel, window norms by ``scipy.ndimage.uniform_filter``, C1 by
  ``scipy.ndimage.maximum_filter`` and slicing, S2 by ``sliding_window_view`` and one
  matrix product per scale; the pyramid by ``scipy.ndimage.zoom``);
* style2013: as the 2013 scipy backend did it (a correlation call per kernel and band, a
  Python loop over prototypes). It is slow: it runs with 100 prototypes, against glimpse
  with the same 100 prototypes (row "glimpse@100").
* matmul: the physical limit of S2, float32 ``numpy.matmul`` of the same shapes as S2
  (prototypes (1000, 196) times the windows of each scale), into a preallocated output.

Method: every round times each (implementation, stage) for at least ``--min-ms`` (in an
order shuffled every round) and records its mean time per call; a stage is timed on the
previous stage's output, and "total" runs IMAGE to C2 in one call. The tables give
medians over rounds, and ratio = median over rounds of (peer time / glimpse time). Before
timing, every implementation's C2 is checked against glimpse's.

Extra sections: FLOP rates of S1 and S2 as a fraction of the matmul rate (S2 also into
preallocated outputs, which leaves out the kernel's zeroing of fresh pages); scaling of the
glimpse total with the number of prototypes and the image size, per unit of work; peak
memory of S2 with 4000 prototypes on a 512x512 image (tracemalloc, which sees numpy's
allocations); two images on two threads against one image on one thread, with two threads
of plain ``numpy.matmul`` as the control of what the (shared) machine allows.

The OPENBLAS_CORETYPE caveat: on some machines the environment sets OPENBLAS_CORETYPE (and
OPENBLAS_L2_SIZE), which picks an older OpenBLAS kernel; the run prints the kernel in use.
Unset both in the command to see the other (see the README's benchmark notes).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402
from PIL import Image  # noqa: E402

import glimpse  # noqa: E402
from glimpse.backends import _compiled_hmax as hmax  # noqa: E402
from glimpse.models.base import Params, PrepareImage  # noqa: E402
from glimpse.util.gimage import MakeScalePyramid  # noqa: E402

from _harness import interleaved_rounds  # noqa: E402

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None
try:
    import torch
    import torch.nn.functional as F
except ImportError:  # bench-only extra
    torch = None
try:
    import scipy
    import scipy.ndimage
    import scipy.signal
except ImportError:  # bench-only extra
    scipy = None

NUM_SCALES = 9
SCALE_FACTOR = 2 ** 0.25
S1_KWIDTH, S1_BIAS = 11, 0.01
C1_KWIDTH, C1_SAMPLING = 11, 5
S2_KWIDTH, S2_BETA = 7, 5.0
NUM_ORIENTATIONS = 4
STAGES = ("pyramid", "S1", "C1", "S2", "C2")


# ----------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------
def gabor_kernels(kwidth=S1_KWIDTH, num_orientations=NUM_ORIENTATIONS):
    """Phase-0 Gabors of the model (shifted orientations, unit norm), (n, 1, k, k) float32."""
    try:
        from glimpse.util.kernel import MakeGaborKernels
    except ImportError:
        MakeGaborKernels = None
    if MakeGaborKernels is not None:
        k = MakeGaborKernels(kwidth, num_orientations, 2, True, scale_norm=True)[:, 0]
        return np.ascontiguousarray(k[:, None], np.float32)
    lam = kwidth / 4.0
    sigma = lam / 2.0
    gamma = 0.6
    w = kwidth // 2
    Y, X = np.mgrid[-w : w + 1, -w : w + 1].astype(np.float64)
    out = []
    for i in range(num_orientations):
        theta = math.pi / num_orientations * (i + 0.5)
        xp = X * math.cos(theta) + Y * math.sin(theta)
        yp = -X * math.sin(theta) + Y * math.cos(theta)
        g = np.sin(2 * math.pi * xp / lam) * np.exp(-(xp**2 + gamma**2 * yp**2) / (2 * sigma**2))
        out.append(g / np.linalg.norm(g))
    return np.ascontiguousarray(np.array(out)[:, None], np.float32)


def make_image(side=256):
    """The packaged example, centre-cropped to a square and resized to side x side."""
    path = os.path.join(os.path.dirname(glimpse.__file__), "data", "example.png")
    img = Image.open(path).convert("L")
    w, h = img.size
    e = min(w, h)
    img = img.crop(((w - e) // 2, (h - e) // 2, (w - e) // 2 + e, (h - e) // 2 + e))
    return img.resize((side, side), Image.LANCZOS)


def prepared(side=256, length=220):
    return PrepareImage(make_image(side), Params(image_resize_length=length))


def imprint(c1, num, rng, width=S2_KWIDTH):
    """num prototypes drawn from C1 windows at uniformly random scales and positions."""
    usable = [c for c in c1 if c.shape[1] >= width and c.shape[2] >= width]
    out = np.empty((num, usable[0].shape[0], width, width), np.float32)
    for i in range(num):
        c = usable[rng.integers(len(usable))]
        y = rng.integers(c.shape[1] - width + 1)
        x = rng.integers(c.shape[2] - width + 1)
        out[i] = c[:, y : y + width, x : x + width]
    return out


# ----------------------------------------------------------------------------
# glimpse
# ----------------------------------------------------------------------------
def _shape(h, w, k, s):
    return ((h - k) // s + 1, (w - k) // s + 1)


class Glimpse:
    """The model's layers with the compiled backend functions, as the model arranges them."""

    name = "glimpse"

    def __init__(self, gabors, protos, num_scales=NUM_SCALES):
        self.gabors = gabors
        self.protos = protos
        self.num_scales = num_scales

    def pyramid(self, img):
        return MakeScalePyramid(img, self.num_scales, 1 / SCALE_FACTOR)

    def s1(self, pyr):
        maps = []
        for level in pyr:
            data = np.ascontiguousarray(level, np.float32)[None]
            out = np.empty((len(self.gabors),) + _shape(*level.shape, S1_KWIDTH, 1), np.float32)
            hmax.NormDotProduct(data, self.gabors, S1_BIAS, 1, out)
            np.abs(out, out=out)
            maps.append(out)
        return maps

    def c1(self, s1):
        maps = []
        for s in s1:
            out = np.empty((s.shape[0],) + _shape(*s.shape[1:], C1_KWIDTH, C1_SAMPLING),
                           np.float32)
            maps.append(hmax.LocalMax(s, C1_KWIDTH, C1_SAMPLING, out))
        return maps

    def s2(self, c1):
        maps = []
        for c in c1:
            out = np.empty((len(self.protos),) + _shape(*c.shape[1:], S2_KWIDTH, 1), np.float32)
            maps.append(hmax.Rbf(c, self.protos, S2_BETA, 1, out))
        return maps

    def s2_into(self, c1, outs):
        """S2 into preallocated outputs (no fresh memory to fault in)."""
        for c, out in zip(c1, outs):
            hmax.Rbf(c, self.protos, S2_BETA, 1, out)
        return outs

    def c2(self, s2):
        best = None
        for s in s2:
            g = hmax.GlobalMax(s, np.empty(s.shape[0], np.float32))
            best = g if best is None else np.maximum(best, g, out=best)
        return best

    def total(self, img):
        return self.c2(self.s2(self.c1(self.s1(self.pyramid(img)))))

    def levels(self, pyr):
        """This implementation's pyramid from a list of float32 2D arrays."""
        return pyr


class GlimpseModel(Glimpse):
    """glimpse.models.ml: ``BuildLayer(model, Layer.C2, state)`` from a state holding the
    IMAGE layer (built beforehand, outside the timing)."""

    name = "glimpse-model"

    def __init__(self, gabors, protos):
        super().__init__(gabors, protos)
        from glimpse.models import ml

        self.ml = ml
        self.model = ml.Model()
        self.model.s2_kernels = [protos]
        self.states = {}

    def total(self, img):
        state = self.states.get(id(img))
        if state is None:
            state = self.states[id(img)] = (img, self.model.MakeState(img))
        return self.ml.BuildLayer(self.model, self.ml.Layer.C2, state[1])[self.ml.Layer.C2][0]


# ----------------------------------------------------------------------------
# Peers
# ----------------------------------------------------------------------------
class Torch(Glimpse):
    name = "torch"

    def __init__(self, gabors, protos):
        self.g = torch.from_numpy(gabors)
        self.ones1 = torch.ones((1, 1, S1_KWIDTH, S1_KWIDTH))
        self.p = torch.from_numpy(protos)
        self.ones2 = torch.ones((1,) + protos.shape[1:])
        self.ww = (self.p.double() ** 2).sum(dim=(1, 2, 3)).float()

    def pyramid(self, img):
        with torch.inference_mode():
            x = torch.from_numpy(img)[None, None]
            levels = [x]
            h, w = img.shape
            for _ in range(NUM_SCALES - 1):
                h = max(1, int(math.floor(h / SCALE_FACTOR + 0.5)))
                w = max(1, int(math.floor(w / SCALE_FACTOR + 0.5)))
                levels.append(F.interpolate(levels[-1], size=(h, w), mode="bicubic",
                                            antialias=True, align_corners=False))
            return levels

    def levels(self, pyr):
        return [torch.from_numpy(p)[None, None] for p in pyr]

    def s1(self, pyr):
        with torch.inference_mode():
            out = []
            for x in pyr:
                dot = F.conv2d(x, self.g)
                nrm = F.conv2d(x * x, self.ones1)
                out.append((dot / torch.sqrt(torch.clamp(nrm, min=S1_BIAS))).abs_())
            return out

    def c1(self, s1):
        with torch.inference_mode():
            return [F.max_pool2d(s, C1_KWIDTH, C1_SAMPLING) for s in s1]

    def s2(self, c1):
        with torch.inference_mode():
            out = []
            for c in c1:
                dot = F.conv2d(c, self.p)
                xx = F.conv2d(c * c, self.ones2)
                d = xx - 2 * dot + self.ww[None, :, None, None]
                out.append(torch.exp(torch.clamp(d, min=0) * -S2_BETA))
            return out

    def c2(self, s2):
        with torch.inference_mode():
            best = None
            for s in s2:
                g = torch.amax(s[0], dim=(1, 2))
                best = g if best is None else torch.maximum(best, g)
            return best.numpy()


class Scipy(Glimpse):
    name = "scipy"

    def __init__(self, gabors, protos):
        self.gabors = gabors.astype(np.float32)
        self.p2 = protos.reshape(len(protos), -1).T.copy()  # (196, n)
        self.ww = (protos.astype(np.float64) ** 2).sum(axis=(1, 2, 3)).astype(np.float32)
        self.kw2 = protos.shape[-1]

    def pyramid(self, img):
        levels = [img]
        h, w = img.shape
        for _ in range(NUM_SCALES - 1):
            nh = max(1, int(math.floor(h / SCALE_FACTOR + 0.5)))
            nw = max(1, int(math.floor(w / SCALE_FACTOR + 0.5)))
            levels.append(scipy.ndimage.zoom(levels[-1], (nh / h, nw / w), order=3))
            h, w = nh, nw
        return levels

    def s1(self, pyr):
        out = []
        k = S1_KWIDTH
        for x in pyr:
            sq = scipy.ndimage.uniform_filter(x.astype(np.float64) ** 2, k, mode="constant")
            c = k // 2
            nrm = sq[c : x.shape[0] - c, c : x.shape[1] - c] * (k * k)
            inv = (1 / np.sqrt(np.maximum(nrm, S1_BIAS))).astype(np.float32)
            maps = [np.abs(scipy.signal.correlate(x, g[0], mode="valid")) * inv
                    for g in self.gabors]
            out.append(np.stack(maps))
        return out

    def c1(self, s1):
        out = []
        k, s = C1_KWIDTH, C1_SAMPLING
        for m in s1:
            f = scipy.ndimage.maximum_filter(m, size=(1, k, k), mode="constant")
            oh, ow = _shape(*m.shape[1:], k, s)
            c = k // 2
            out.append(f[:, c : c + s * oh : s, c : c + s * ow : s])
        return out

    def s2(self, c1):
        out = []
        k = self.kw2
        for c in c1:
            win = sliding_window_view(c, (c.shape[0], k, k))[0]  # (h, w, bands, k, k)
            h, w = win.shape[:2]
            x = win.reshape(h * w, -1)
            xx = np.einsum("ij,ij->i", x, x)
            d = xx[:, None] - 2 * (x @ self.p2) + self.ww
            np.maximum(d, 0, out=d)
            out.append(np.exp(d * -S2_BETA).reshape(h, w, -1))
        return out

    def c2(self, s2):
        return np.max([s.max(axis=(0, 1)) for s in s2], axis=0)


class Style2013(Scipy):
    """A correlation call per kernel and band, a Python loop over prototypes."""

    name = "style2013"

    def __init__(self, gabors, protos):
        super().__init__(gabors, protos)
        self.protos = protos

    def s1(self, pyr):
        out = []
        k = S1_KWIDTH
        ones = np.ones((k, k), np.float32)
        for x in pyr:
            nrm = scipy.signal.correlate(x * x, ones, mode="valid")
            inv = 1 / np.sqrt(np.maximum(nrm, S1_BIAS))
            out.append(np.stack([np.abs(scipy.signal.correlate(x, g[0], mode="valid")) * inv
                                 for g in self.gabors]))
        return out

    def s2(self, c1):
        out = []
        for c in c1:
            k = self.protos.shape[-1]
            ones = np.ones((k, k), np.float32)
            xx = sum(scipy.signal.correlate(band * band, ones, mode="valid") for band in c)
            maps = []
            for p, ww in zip(self.protos, self.ww):
                dot = sum(scipy.signal.correlate(band, pb, mode="valid") for band, pb in zip(c, p))
                maps.append(np.exp(np.maximum(xx - 2 * dot + ww, 0) * -S2_BETA))
            out.append(np.stack(maps))
        return out

    def c2(self, s2):
        return np.max([s.max(axis=(1, 2)) for s in s2], axis=0)


class Matmul:
    """float32 numpy.matmul of the shapes of S2, into preallocated outputs."""

    def __init__(self, protos, c1):
        self.a = np.ascontiguousarray(protos.reshape(len(protos), -1))
        rng = np.random.default_rng(1)
        self.bs, self.outs = [], []
        for c in c1:
            h, w = _shape(*c.shape[1:], protos.shape[-1], 1)
            self.bs.append(rng.random((self.a.shape[1], h * w), dtype=np.float32))
            self.outs.append(np.empty((len(protos), h * w), np.float32))

    def flops(self):
        return sum(2.0 * self.a.shape[0] * self.a.shape[1] * b.shape[1] for b in self.bs)

    def __call__(self):
        for b, o in zip(self.bs, self.outs):
            np.matmul(self.a, b, out=o)


# ----------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------
def stage_functions(impl, img):
    """(stage -> zero-argument function) timing each stage on the previous one's output."""
    pyr = impl.pyramid(img)
    s1 = impl.s1(pyr)
    c1 = impl.c1(s1)
    s2 = impl.s2(c1)
    return {
        "pyramid": lambda: impl.pyramid(img),
        "S1": lambda: impl.s1(pyr),
        "C1": lambda: impl.c1(s1),
        "S2": lambda: impl.s2(c1),
        "C2": lambda: impl.c2(s2),
        "total": lambda: impl.total(img),
    }


def med(xs):
    return statistics.median(xs)


def ratio(times, peer, ref):
    return med([p / r for p, r in zip(times[peer], times[ref])])


def limit_threads():
    if torch is not None:
        torch.set_num_threads(1)
    if threadpoolctl is not None:
        threadpoolctl.threadpool_limits(1)


def blas_info():
    if threadpoolctl is None:
        return "threadpoolctl not installed"
    info = threadpoolctl.threadpool_info()
    return "; ".join("%s %s %s threads=%s" % (i.get("internal_api"), i.get("version"),
                                              i.get("architecture"), i.get("num_threads"))
                     for i in info if i.get("user_api") == "blas")


def check(impls, img):
    """Every implementation's C2 from glimpse's pyramid must match glimpse's C2.

    (The pyramids differ between implementations, so C2 from the image differs too, and
    is only printed.)"""
    pyr = impls[0].pyramid(img)
    ref = np.asarray(impls[0].total(img), np.float64)
    for impl in impls[1:]:
        from_image = np.abs(np.asarray(impl.total(img), np.float64) - ref).max()
        if impl.name == "glimpse-model":
            got = from_image
        else:
            c2 = impl.c2(impl.s2(impl.c1(impl.s1(impl.levels(pyr)))))
            got = np.abs(np.asarray(c2, np.float64) - ref).max()
        print("  check %-14s C2 max |diff| vs glimpse: %.2e from the same pyramid, %.2e "
              "from the image" % (impl.name, got, from_image))
        if not got <= 1e-3:
            raise SystemExit("%s disagrees with glimpse" % impl.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--min-ms", type=float, default=None)
    ap.add_argument("--model", choices=("ml", "standard"), default="ml",
                    help="the ml model (default) or the standard HMAX model's operations")
    ap.add_argument("--torch-onednn", action="store_true",
                    help="standard model: leave torch's oneDNN convolutions on (off by "
                         "default: they are many times slower for S1's one-channel, large "
                         "kernels on some machines, which would flatter glimpse)")
    args = ap.parse_args()
    rounds = args.rounds or (2 if args.quick else 7)
    min_s = (args.min_ms or (20 if args.quick else 150)) / 1000
    limit_threads()
    if args.model == "standard":
        if torch is not None and not args.torch_onednn:
            torch.backends.mkldnn.enabled = False
        return standard_main(rounds, min_s, args.quick)
    rng = np.random.default_rng(0)

    print("glimpse %s, numpy %s, Python %s, %s" % (
        glimpse.__version__, np.__version__, platform.python_version(), platform.machine()))
    print("torch %s, scipy %s" % (torch.__version__ if torch else "-",
                                  scipy.__version__ if scipy else "-"))
    print("BLAS: %s; OPENBLAS_CORETYPE=%s" % (blas_info(), os.environ.get("OPENBLAS_CORETYPE")))
    print("glimpse's vector loops: %s" % hmax.ISA_NAMES[hmax.isa()])
    print("rounds=%d, min %.0f ms per timing, one thread; load average %s"
          % (rounds, min_s * 1000, "%.1f %.1f %.1f" % os.getloadavg()))

    img = prepared()
    gabors = gabor_kernels()
    g0 = Glimpse(gabors, None)
    c1 = g0.c1(g0.s1(g0.pyramid(img)))
    protos = imprint(c1, 1000, rng)
    protos100 = protos[:100].copy()
    print("image %s, %d scales, C1 %s, prototypes %s" % (
        img.shape, NUM_SCALES, [c.shape[1:] for c in c1], protos.shape))

    impls = [Glimpse(gabors, protos)]
    try:
        impls.append(GlimpseModel(gabors, protos))
    except Exception as err:  # the model package is optional here
        print("  (glimpse.models.ml not used: %s: %s)" % (type(err).__name__, err))
    if torch is not None:
        impls.append(Torch(gabors, protos))
    if scipy is not None:
        impls.append(Scipy(gabors, protos))
    check(impls, img)

    fns = {}
    for impl in impls:
        if impl.name == "glimpse-model":
            fns[(impl.name, "total")] = lambda impl=impl: impl.total(img)
            continue
        for stage, f in stage_functions(impl, img).items():
            fns[(impl.name, stage)] = f
    if scipy is not None:
        g100 = Glimpse(gabors, protos100)
        old = Style2013(gabors, protos100)
        check([g100, old], img)
        for stage, f in stage_functions(g100, img).items():
            fns[("glimpse@100", stage)] = f
        for stage, f in stage_functions(old, img).items():
            fns[("style2013@100", stage)] = f
    mm = Matmul(protos, c1)
    fns[("matmul", "S2")] = mm
    outs = [np.empty_like(s) for s in impls[0].s2(c1)]
    fns[("glimpse", "S2-out")] = lambda: impls[0].s2_into(c1, outs)
    times = interleaved_rounds(fns, rounds, min_s)

    names = [n for n in ["glimpse", "glimpse-model", "torch", "scipy", "glimpse@100",
                         "style2013@100"] if any(k[0] == n for k in fns)]
    print("\nms per image (median over %d rounds)" % rounds)
    print("| implementation | total | pyramid | S1 | C1 | S2 | C2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for n in names:
        cells = ["%.2f" % (1e3 * med(times[(n, s)])) if (n, s) in times else "-"
                 for s in ("total",) + STAGES]
        print("| %s | %s |" % (n, " | ".join(cells)))
    print("| glimpse, S2 into preallocated outputs | | | | | %.2f | |"
          % (1e3 * med(times[("glimpse", "S2-out")])))
    print("| matmul (S2 shapes, preallocated outputs) | | | | | %.2f | |"
          % (1e3 * med(times[("matmul", "S2")])))

    print("\nspeed-up of glimpse (median of per-round peer time / glimpse time)")
    print("| peer | total | pyramid | S1 | C1 | S2 | C2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for peer, ref in [("torch", "glimpse"), ("scipy", "glimpse"),
                      ("style2013@100", "glimpse@100"), ("torch", "glimpse-model"),
                      ("scipy", "glimpse-model"), ("glimpse-model", "glimpse")]:
        if not any(k[0] == peer for k in times) or not any(k[0] == ref for k in times):
            continue
        cells = ["%.2fx" % ratio({peer: times[(peer, s)], ref: times[(ref, s)]}, peer, ref)
                 if (peer, s) in times and (ref, s) in times else "-"
                 for s in ("total",) + STAGES]
        print("| %s vs %s | %s |" % (peer, ref, " | ".join(cells)))

    # FLOP rates.
    s2_flops = mm.flops()
    s1_flops = sum(2.0 * len(gabors) * S1_KWIDTH**2 * np.prod(_shape(*p.shape, S1_KWIDTH, 1))
                   for p in g0.pyramid(img))
    mm_rate = s2_flops / med(times[("matmul", "S2")])
    s1_rate = med([s1_flops / t for t in times[("glimpse", "S1")]])
    print("\nFLOP rates (one thread): matmul of the S2 shapes %.1f GFLOP/s (%.2f GFLOP)"
          % (mm_rate / 1e9, s2_flops / 1e9))
    for key, what in [("S2", "S2"), ("S2-out", "S2 into preallocated outputs")]:
        rate = med([s2_flops / t for t in times[("glimpse", key)]])
        print("  %s %.1f GFLOP/s = %.0f%% of matmul (median per-round ratio %.0f%%)"
              % (what, rate / 1e9, 100 * rate / mm_rate,
                 100 * ratio({"m": times[("matmul", "S2")], "g": times[("glimpse", key)]},
                             "m", "g")))
    print("  S1 %.1f GFLOP/s = %.0f%% of the matmul rate (%.3f GFLOP, multiply-adds only)"
          % (s1_rate / 1e9, 100 * s1_rate / mm_rate, s1_flops / 1e9))
    if torch is not None:
        t_rate = med([s1_flops / t for t in times[("torch", "S1")]])
        print("  torch S1 %.1f GFLOP/s = %.0f%% of the matmul rate"
              % (t_rate / 1e9, 100 * t_rate / mm_rate))

    scaling(rng, gabors, rounds, min_s, args.quick)
    peak_memory(rng, gabors, args.quick)
    two_threads(img, gabors, protos, c1, rounds, min_s)
    print("\nload average at the end: %.1f %.1f %.1f (the machine is shared)" % os.getloadavg())


def _work(impl, img):
    """(S2 positions, GFLOP of the S1 and S2 products) of one image."""
    pyr = impl.pyramid(img)
    c1 = impl.c1(impl.s1(pyr))
    k2 = impl.protos.shape[-1]
    s1 = sum(np.prod(_shape(*p.shape, S1_KWIDTH, 1)) for p in pyr)
    s2 = sum(np.prod(_shape(*c.shape[1:], k2, 1)) for c in c1)
    flops = 2.0 * (len(impl.gabors) * S1_KWIDTH**2 * s1 + impl.protos[0].size * len(impl.protos)
                   * s2)
    return int(s2), flops / 1e9


def scaling(rng, gabors, rounds, min_s, quick):
    print("\nscaling of the glimpse total (ms per image, median). The work is not proportional "
          "to the pixels: the valid windows of small maps lose their borders, so S2 positions "
          "grow faster than the area; ms per GFLOP (S1 and S2 products) is the cost per work.")
    fns, info = {}, {}
    img = prepared()
    g = Glimpse(gabors, None)
    c1 = g.c1(g.s1(g.pyramid(img)))
    for n in (100, 1000, 4000):
        impl = Glimpse(gabors, imprint(c1, n, rng))
        fns[("prototypes", n)] = lambda impl=impl: impl.total(img)
        info[("prototypes", n)] = ("%d prototypes, %dx%d image" % ((n,) + img.shape), img.size,
                                   _work(impl, img))
    for side in (128, 256, 512):
        im = prepared(side, side)
        scales = scales_supported(im)
        gi = Glimpse(gabors, None, scales)
        impl = Glimpse(gabors, imprint(gi.c1(gi.s1(gi.pyramid(im))), 1000, rng), scales)
        fns[("side", side)] = lambda impl=impl, im=im: impl.total(im)
        info[("side", side)] = ("1000 prototypes, %dx%d image, %d scales" % (side, side, scales),
                                im.size, _work(impl, im))
    times = interleaved_rounds(fns, max(2, rounds // 2), min_s)
    print("| case | ms | ms per 1000 prototypes | ms per 100k pixels | S2 positions | GFLOP "
          "| ms per GFLOP |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key in fns:
        t = 1e3 * med(times[key])
        label, pixels, (positions, gflop) = info[key]
        per_proto = "%.2f" % (t / (key[1] / 1000)) if key[0] == "prototypes" else "-"
        print("| %s | %.1f | %s | %.2f | %d | %.2f | %.1f |"
              % (label, t, per_proto, t / (pixels / 1e5), positions, gflop, t / gflop))


def scales_supported(img):
    """The number of scales (at most 9) whose C1 maps fit one S2 window, as num_scales=0."""
    levels = MakeScalePyramid(img, NUM_SCALES, 1 / SCALE_FACTOR)
    count = 0
    for level in levels:
        s1 = _shape(*level.shape, S1_KWIDTH, 1)
        if min(s1) < C1_KWIDTH or min(_shape(*s1, C1_KWIDTH, C1_SAMPLING)) < S2_KWIDTH:
            break
        count += 1
    return count


def peak_memory(rng, gabors, quick):
    side, n = (256, 1000) if quick else (512, 4000)
    img = prepared(side, side)
    g = Glimpse(gabors, None)
    c1 = g.c1(g.s1(g.pyramid(img)))
    impl = Glimpse(gabors, imprint(c1, n, rng))
    tracemalloc.start()
    tracemalloc.reset_peak()
    s2 = impl.s2(c1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out_bytes = sum(s.nbytes for s in s2)
    largest = max(s.nbytes for s in s2)
    depth = c1[0].shape[0] * S2_KWIDTH**2
    all_cols = sum(depth * s.shape[1] * s.shape[2] * 4 for s in s2)
    print("\npeak memory of S2, %d prototypes, %dx%d image: %.1f MB traced, of which the S2 "
          "maps themselves %.1f MB (largest scale %.1f MB): %.1f MB of scratch; the im2col "
          "matrices of all scales together would be %.1f MB"
          % (n, side, side, peak / 1e6, out_bytes / 1e6, largest / 1e6,
             (peak - out_bytes) / 1e6, all_cols / 1e6))


def two_threads(img, gabors, protos, c1, rounds, min_s):
    """Two images on two threads against one on one thread, with a control: the same for
    float32 numpy.matmul of the S2 shapes (BLAS releases the GIL), which shows what the
    machine allows."""
    impl = Glimpse(gabors, protos)
    img2 = np.ascontiguousarray(img[::-1])
    mm1, mm2 = Matmul(protos, c1), Matmul(protos, c1)

    def pair(first, second):
        def run():
            t = threading.Thread(target=second)
            t.start()
            first()
            t.join()
        return run

    times = interleaved_rounds({
        "one": lambda: impl.total(img),
        "two": pair(lambda: impl.total(img), lambda: impl.total(img2)),
        "mm one": mm1,
        "mm two": pair(mm1, mm2),
    }, rounds, min_s)
    print("\nthreads (ratio = time of two on two threads / time of one on one thread; 1.0 = "
          "perfect overlap, 2.0 = none; %d cores, shared with other work)" % os.cpu_count())
    print("| work | one (ms) | two (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, one, two in [("glimpse IMAGE to C2", "one", "two"),
                           ("control: matmul of the S2 shapes", "mm one", "mm two")]:
        print("| %s | %.1f | %.1f | %.2f |" % (name, 1e3 * med(times[one]), 1e3 * med(times[two]),
                                               ratio(times, two, one)))


# ----------------------------------------------------------------------------
# The standard HMAX model (--model standard): the backend operations HmaxS1, HmaxC1,
# HmaxS2 and HmaxC2 against a PyTorch peer shaped as pytorch_hmax.
# ----------------------------------------------------------------------------
STD_S1_SIZES = tuple(range(7, 38, 2))
STD_WAVELENGTHS = tuple(4.0 - 0.05 * i for i in range(16))
STD_ORIENTATIONS = (90, -45, 0, 45)
STD_C1_SIZES = tuple(range(8, 23, 2))
STD_S2_SIZES = (4, 8, 12, 16)


def standard_gabor(size, wavelength, orientation, gamma=0.3, ratio=0.8):
    """One S1 filter of the standard model (the formula of the model's description)."""
    lam = 2.0 * size / wavelength
    sigma = ratio * lam
    theta = np.deg2rad(orientation + 90)
    a, b = np.mgrid[:size, :size] - size // 2  # row and column offsets
    u = a * np.cos(theta) + b * np.sin(theta)
    t = -a * np.sin(theta) + b * np.cos(theta)
    g = np.exp(-(u ** 2 + gamma ** 2 * t ** 2) / (2 * sigma ** 2)) * np.cos(2 * np.pi * u / lam)
    g[np.sqrt(a ** 2 + b ** 2) > size / 2] = 0
    g -= g.mean()
    return g / np.sqrt((g ** 2).sum())


def standard_filters():
    """The 16 S1 filter sets, (4, s, s) float32 each."""
    return [np.array([standard_gabor(s, v, o) for o in STD_ORIENTATIONS], np.float32)
            for s, v in zip(STD_S1_SIZES, STD_WAVELENGTHS)]


class StandardGlimpse:
    """The standard model's layers through the compiled backend's operations."""

    name = "glimpse"

    def __init__(self, filters, patches):
        from glimpse.backends import CythonBackend
        self.backend = CythonBackend()
        self.filters, self.patches = filters, patches

    def s1(self, img):
        return self.backend.HmaxS1(img, self.filters)

    def c1(self, s1):
        return [self.backend.HmaxC1(s1[2 * b:2 * b + 2], p) for b, p in enumerate(STD_C1_SIZES)]

    def s2(self, c1):
        return [[self.backend.HmaxS2(c, p) for c in c1] for p in self.patches]

    def c2(self, s2):
        return [np.min([s.reshape(len(s), -1).min(axis=1) for s in per_band], axis=0)
                for per_band in s2]

    def c2_fused(self, c1):
        """C2 without holding S2 (HmaxC2): S2's work and C2's together."""
        return [self.backend.HmaxC2(c1, p) for p in self.patches]

    def total(self, img):
        return self.c2_fused(self.c1(self.s1(img)))


class StandardTorch:
    """PyTorch CPU as pytorch_hmax computes the model: one conv2d per S1 size (with a
    conv2d of ones for the window norms), max_pool2d, and per patch size a conv2d grouped
    by orientation, summed over orientations, for S2; plus the model's S1 border, C1 shift
    and dropped first S2 row and column, so that both compute the same values."""

    name = "torch"

    def __init__(self, filters, patches):
        self.filters = [torch.from_numpy(f[:, None].copy()) for f in filters]
        self.ones = [torch.ones(4, 1, f.shape[1], f.shape[1]) for f in filters]
        self.patches = []
        for p in patches:
            m, n, k, _ = p.shape
            weight = torch.from_numpy(np.ascontiguousarray(p.transpose(1, 0, 2, 3))
                                      .reshape(n * m, 1, k, k))
            self.patches.append((weight, torch.ones(1, 1, k, k),
                                 torch.from_numpy((p.astype(np.float64) ** 2).sum(axis=(1, 2, 3))
                                                  .astype(np.float32)), m, n, k))

    def s1(self, img):
        x = torch.from_numpy(img)[None, None]
        out = []
        with torch.no_grad():
            for f, ones in zip(self.filters, self.ones):
                s = f.shape[-1]
                r = torch.abs(F.conv2d(x, f, padding=s // 2))
                norm = torch.sqrt(F.conv2d(x ** 2, ones, padding=s // 2))
                norm[norm == 0] = 1
                r /= norm
                r[..., :(s + 1) // 2, :] = 0
                r[..., :, :(s + 1) // 2] = 0
                if s // 2:
                    r[..., -(s // 2):, :] = 0
                    r[..., :, -(s // 2):] = 0
                out.append(r)
        return out

    def c1(self, s1):
        out = []
        with torch.no_grad():
            for b, p in enumerate(STD_C1_SIZES):
                m = torch.max(s1[2 * b], s1[2 * b + 1])
                pooled = F.max_pool2d(m, p, stride=p // 2, padding=p // 2)
                shifted = torch.roll(pooled, (-1, -1), dims=(2, 3))
                shifted[..., -1, :] = 0
                shifted[..., :, -1] = 0
                out.append(shifted)
        return out

    def s2(self, c1):
        out = []
        with torch.no_grad():
            for weight, ones, psq, m, n, k in self.patches:
                per_band = []
                for c in c1:
                    conv = F.conv2d(c, weight, padding=k // 2, groups=n)
                    h, w = conv.shape[-2:]
                    conv = conv.view(1, n, m, h, w).sum(dim=1)
                    csq = F.conv2d(torch.sum(c ** 2, dim=1, keepdim=True), ones, padding=k // 2)
                    d = csq - 2 * conv + psq[None, :, None, None]
                    d = d[..., 1:, 1:]
                    d[d < 0] = 0
                    per_band.append(torch.sqrt_(d))
                out.append(per_band)
        return out

    def c2(self, s2):
        with torch.no_grad():
            return [torch.stack([s.amin(dim=(2, 3))[0] for s in per_band]).amin(dim=0)
                    for per_band in s2]

    def total(self, img):
        return self.c2(self.s2(self.c1(self.s1(img))))


def standard_patches(c1, per_size, rng):
    """``per_size`` patches of every S2 size cut from the C1 bands at random (as imprinting
    does)."""
    return [imprint(c1, per_size, rng, width=k) for k in STD_S2_SIZES]


class StandardMatmul:
    """float32 numpy.matmul of the shapes of S2's products: (patches, bands * k * k) times
    (bands * k * k, positions of the band), for every band and patch size."""

    def __init__(self, patches, c1):
        self.jobs = []
        for p in patches:
            m, n, k, _ = p.shape
            a = np.ascontiguousarray(p.reshape(m, -1))
            for c in c1:
                positions = (c.shape[1] + 2 * (k // 2) - k) * (c.shape[2] + 2 * (k // 2) - k)
                b = np.ones((n * k * k, positions), np.float32)
                self.jobs.append((a, b, np.empty((m, positions), np.float32)))

    def flops(self):
        return sum(2.0 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in self.jobs)

    def __call__(self):
        for a, b, o in self.jobs:
            np.matmul(a, b, out=o)


def _standard_setup(side, per_size, seed=0):
    """The image, the S1 filters, patches imprinted from the C1 of another image (the image
    turned a quarter: no patch matches exactly) and the image's C1."""
    img = np.asarray(make_image(side), np.float32) / np.float32(255)
    filters = standard_filters()
    g = StandardGlimpse(filters, None)
    other = g.c1(g.s1(np.ascontiguousarray(np.rot90(img))))
    patches = standard_patches(other, per_size, np.random.default_rng(seed))
    return img, filters, patches, g.c1(g.s1(img))


def standard_main(rounds, min_s, quick):
    print("glimpse %s, numpy %s, torch %s, Python %s, %s" % (
        glimpse.__version__, np.__version__, torch.__version__ if torch else "-",
        platform.python_version(), platform.machine()))
    print("BLAS: %s; glimpse's vector loops: %s" % (blas_info(), hmax.ISA_NAMES[hmax.isa()]))
    if torch is not None:
        print("torch oneDNN (mkldnn) convolutions: %s" % torch.backends.mkldnn.enabled)
    print("standard HMAX model: rounds=%d, min %.0f ms per timing, one thread; load average %s"
          % (rounds, min_s * 1000, "%.1f %.1f %.1f" % os.getloadavg()))
    img, filters, patches, c1 = _standard_setup(256, 400)
    print("image %s, S1 sizes %s, C1 bands %s, patches %s"
          % (img.shape, list(STD_S1_SIZES), [c.shape[1:] for c in c1],
             [p.shape for p in patches]))
    impls = [StandardGlimpse(filters, patches)]
    if torch is not None:
        impls.append(StandardTorch(filters, patches))
    else:
        print("  (torch not installed: no peer)")
    ours = impls[0]
    s1 = ours.s1(img)
    s2 = ours.s2(c1)
    ref = np.concatenate(ours.c2(s2))
    fused = np.concatenate(ours.c2_fused(c1))
    print("  check C2 from S2 against HmaxC2: max |diff| %.2e" % np.abs(fused - ref).max())
    for impl in impls[1:]:
        got = np.concatenate([np.asarray(c) for c in impl.total(img)])
        diff = np.abs(got - ref).max()
        print("  check %s C2 max |diff| vs glimpse: %.2e (C2 up to %.2f)"
              % (impl.name, diff, ref.max()))
        if not diff <= 1e-2 * max(1.0, ref.max()):
            raise SystemExit("%s disagrees with glimpse" % impl.name)

    stages = ("total", "S1", "C1", "S2", "C2")
    fns = {}
    for impl in impls:
        inputs = impl.s1(img), impl.c1(impl.s1(img))
        s2_in = impl.s2(inputs[1])
        fns[(impl.name, "total")] = lambda impl=impl: impl.total(img)
        fns[(impl.name, "S1")] = lambda impl=impl: impl.s1(img)
        fns[(impl.name, "C1")] = lambda impl=impl, x=inputs[0]: impl.c1(x)
        fns[(impl.name, "S2")] = lambda impl=impl, x=inputs[1]: impl.s2(x)
        fns[(impl.name, "C2")] = lambda impl=impl, x=s2_in: impl.c2(x)
    fns[("glimpse", "S2+C2")] = lambda: ours.c2_fused(c1)
    mm = StandardMatmul(patches, c1)
    fns[("matmul", "S2")] = mm
    del s1, s2
    times = interleaved_rounds(fns, rounds, min_s)

    print("\nms per image (median over %d rounds); glimpse's total is IMAGE to C2 without "
          "holding S2 (S1, C1, then S2+C2 by HmaxC2)" % rounds)
    print("| implementation | total | S1 | C1 | S2 | C2 | S2+C2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for n in [i.name for i in impls] + ["matmul"]:
        cells = ["%.1f" % (1e3 * med(times[(n, s)])) if (n, s) in times else "-"
                 for s in stages + ("S2+C2",)]
        print("| %s | %s |" % (n, " | ".join(cells)))
    if torch is not None:
        print("\nspeed-up of glimpse (median of per-round torch time / glimpse time)")
        print("| total | S1 | C1 | S2 | C2 |")
        print("|---:|---:|---:|---:|---:|")
        print("| %s |" % " | ".join(
            "%.2fx" % ratio({"t": times[("torch", s)], "g": times[("glimpse", s)]}, "t", "g")
            for s in stages))
    flops = mm.flops()
    mm_rate = flops / med(times[("matmul", "S2")])
    print("\nS2's products: %.2f GFLOP; float32 matmul of those shapes %.1f GFLOP/s" %
          (flops / 1e9, mm_rate / 1e9))
    for key, what in [("S2", "S2 (HmaxS2, every band and patch size)"),
                      ("S2+C2", "S2+C2 (HmaxC2)")]:
        print("  %s at %.0f%% of the matmul rate (median per-round ratio)"
              % (what, 100 * ratio({"m": times[("matmul", "S2")],
                                    "g": times[("glimpse", key)]}, "m", "g")))

    standard_growth(rounds, min_s, quick)
    standard_threads(img, filters, patches, rounds, min_s)
    print("\nload average at the end: %.1f %.1f %.1f (the machine is shared)" % os.getloadavg())


def standard_growth(rounds, min_s, quick):
    """glimpse's (and torch's) IMAGE to C2 time with the image side and the patch count."""
    cases = [(128, 400), (256, 400), (256, 100)] if quick else \
        [(128, 400), (256, 400), (512, 400), (256, 100)]
    fns, work = {}, {}
    for side, per_size in cases:
        img, filters, patches, c1 = _standard_setup(side, per_size)
        impls = [StandardGlimpse(filters, patches)]
        if torch is not None:
            impls.append(StandardTorch(filters, patches))
        for impl in impls:
            fns[(impl.name, side, per_size)] = lambda impl=impl, img=img: impl.total(img)
        work[(side, per_size)] = StandardMatmul(patches, c1).flops()
    times = interleaved_rounds(fns, max(1, rounds // 2), min_s)
    print("\ngrowth: IMAGE to C2, ms per image (median), by image side and patches "
          "(4 sizes x per size)")
    print("| side | patches | S2 GFLOP | glimpse | torch | torch / glimpse |")
    print("|---:|---:|---:|---:|---:|---:|")
    for side, per_size in cases:
        g = times[("glimpse", side, per_size)]
        t = times.get(("torch", side, per_size))
        print("| %d | %d | %.2f | %.1f | %s | %s |" % (
            side, 4 * per_size, work[(side, per_size)] / 1e9, 1e3 * med(g),
            "%.1f" % (1e3 * med(t)) if t else "-",
            "%.2fx" % med([a / b for a, b in zip(t, g)]) if t else "-"))


def standard_threads(img, filters, patches, rounds, min_s):
    """Two images on two threads against one on one thread (the kernels and the BLAS
    product release the GIL), with float32 numpy.matmul of S2's shapes as the control of
    what the (shared) machine allows."""
    impl = StandardGlimpse(filters, patches)
    img2 = np.ascontiguousarray(img[::-1])
    c1 = impl.c1(impl.s1(img))
    mm1, mm2 = StandardMatmul(patches, c1), StandardMatmul(patches, c1)

    def pair(first, second):
        def run():
            t = threading.Thread(target=second)
            t.start()
            first()
            t.join()
        return run

    times = interleaved_rounds({
        "one": lambda: impl.total(img),
        "two": pair(lambda: impl.total(img), lambda: impl.total(img2)),
        "mm one": mm1,
        "mm two": pair(mm1, mm2),
    }, max(1, rounds // 2), min_s)
    print("\nthreads (ratio = time of two on two threads / time of one on one thread; 1.0 = "
          "perfect overlap, 2.0 = none; %d cores, shared with other work)" % os.cpu_count())
    print("| work | one (ms) | two (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for name, one, two in [("glimpse IMAGE to C2", "one", "two"),
                           ("control: matmul of S2's shapes", "mm one", "mm two")]:
        print("| %s | %.1f | %.1f | %.2f |" % (name, 1e3 * med(times[one]), 1e3 * med(times[two]),
                                               ratio(times, two, one)))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark SamplePatchesFromData against its peers.

Run from the repository root, with glimpse installed::

    python benchmarks/bench_patches.py            # full run, 1-2 minutes
    python benchmarks/bench_patches.py --quick    # smoke run

Cases (all float32 input, one thread):

* A1: one 256x256 map, w = 8, N = 1,000 (per-call time);
* A2: one 256x256 map, w = 8, N = 100,000;
* B: 9 scales (square maps of side 256, 215, 181, 152, 128, 108, 91, 76, 64),
  4 bands, w = 7, N = 10,000;
* C: one 1024x1024 map, w = 16, N = 100,000; C-out is the same with a
  preallocated ``out=`` buffer reused across calls;
* A2-out: case A2 with a reused ``out=`` buffer;
* D-out: one 2048x2048 map, w = 11, N = 100,000, reused ``out=`` buffer (a
  large map: patch rows miss the cache);
* E-out: one 512x512 map (1 MiB), w = 11, N = 100,000, reused ``out=`` buffer.

The machine limit of every case is ``memcpy``: ``np.copyto`` of as many
bytes as the output into a warm buffer (its ratio below 1 says how far glimpse is
from a plain copy of its output).

``--stream-ab`` adds, for the outputs large enough to be written with streaming
stores (``glimpse._patches.STREAM_THRESHOLD``), glimpse with streaming stores forced
on and forced off, whatever the size of the maps: the evidence for the rule that
streams only from maps of at most ``STREAM_SOURCE_LIMIT`` bytes.

Peers, all written here:

* numpy: locations from ``Generator.integers`` (array-valued bounds when there
  are several scales), then per scale ``sliding_window_view`` and fancy
  indexing into a new output;
* sklearn: ``sklearn.feature_extraction.image.extract_patches_2d`` with
  ``max_patches`` (optional: skipped when scikit-learn is not installed). Its
  maps are prepared in its (H, W, bands) layout outside the timing; N is split
  over the scales with a multinomial draw; it silently caps ``max_patches`` at
  the number of positions, so case A2 takes two calls of N/2;
* loop2013: a per-patch Python loop, ``random.randint`` for s, y and x and a
  numpy slice copied into a preallocated output (the 2013 library's style).

Method: every round calls each implementation of a case repeatedly for at
least ``--min-ms`` milliseconds (in an order shuffled every round) and records its mean
time per call; rounds are interleaved round-robin, so peers and glimpse see the
same machine noise. A case reports the median over rounds of each time, and
ratio = the median over rounds of (peer time / glimpse time) in the same round.
Before timing, every implementation's output is checked (shape, dtype, bounds,
patches equal to the slices at their locations).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

import glimpse  # noqa: E402
from glimpse.backends._compiled import _patches  # noqa: E402
from glimpse.models.base.sampling import SamplePatchesFromData  # noqa: E402

from _harness import interleaved_rounds  # noqa: E402

try:
    from sklearn.feature_extraction.image import extract_patches_2d
    import sklearn
except ImportError:  # bench-only extra: pip install 'glimpse-vision[bench]'
    extract_patches_2d = None
    sklearn = None


# ----------------------------------------------------------------------------
# Peers
# ----------------------------------------------------------------------------
def numpy_gather(scales, w, n, rng):
    """Vectorised numpy peer: integers for (s, y, x), then a per-scale gather."""
    nscales = len(scales)
    lead = scales[0].shape[:-2]
    locs = np.empty((n, 3), np.intp)
    if nscales == 1:
        locs[:, 0] = 0
        locs[:, 1] = rng.integers(0, scales[0].shape[-2] - w + 1, size=n)
        locs[:, 2] = rng.integers(0, scales[0].shape[-1] - w + 1, size=n)
    else:
        hy = np.array([d.shape[-2] - w + 1 for d in scales], np.intp)
        hx = np.array([d.shape[-1] - w + 1 for d in scales], np.intp)
        s = rng.integers(0, nscales, size=n)
        locs[:, 0] = s
        locs[:, 1] = rng.integers(0, hy[s])
        locs[:, 2] = rng.integers(0, hx[s])
    if nscales == 1:
        return _window_view(scales[0], w)[locs[:, 1], locs[:, 2]], locs
    out = np.empty((n,) + lead + (w, w), np.float32)
    for k, d in enumerate(scales):
        idx = np.flatnonzero(locs[:, 0] == k)
        out[idx] = _window_view(d, w)[locs[idx, 1], locs[idx, 2]]
    return out, locs


def _window_view(d, w):
    """(Hy, Wx, bands..., w, w) view of every w x w window of one scale."""
    view = sliding_window_view(d, (w, w), axis=(-2, -1))  # (bands..., Hy, Wx, w, w)
    return np.moveaxis(view, (-4, -3), (0, 1))


def loop2013(scales, w, n):
    """The 2013 style: one random.randint per s, y, x and a slice copy per patch."""
    lead = scales[0].shape[:-2]
    out = np.empty((n,) + lead + (w, w), np.float32)
    locs = np.empty((n, 3), np.intp)
    last = len(scales) - 1
    for k in range(n):
        s = random.randint(0, last)
        d = scales[s]
        y = random.randint(0, d.shape[-2] - w)
        x = random.randint(0, d.shape[-1] - w)
        out[k] = d[..., y:y + w, x:x + w]
        locs[k] = s, y, x
    return out, locs


def sklearn_peer(images, w, n, seed_rng):
    """extract_patches_2d on each scale, N split over the scales (no locations)."""
    counts = seed_rng.multinomial(n, [1.0 / len(images)] * len(images))
    result = []
    for img, c in zip(images, counts):
        positions = (img.shape[0] - w + 1) * (img.shape[1] - w + 1)
        while c > 0:  # sklearn caps max_patches at the number of positions
            take = min(c, positions)
            result.append(extract_patches_2d(img, (w, w), max_patches=int(take),
                                             random_state=int(seed_rng.integers(2**31))))
            c -= take
    return result


# ----------------------------------------------------------------------------
# Cases and checks
# ----------------------------------------------------------------------------
def make_cases():
    g = np.random.default_rng(12345)
    a = g.random((256, 256), dtype=np.float32)
    sizes = [256, 215, 181, 152, 128, 108, 91, 76, 64]
    b = [g.random((4, h, h), dtype=np.float32) for h in sizes]
    c = g.random((1024, 1024), dtype=np.float32)
    return [
        dict(name="A1", desc="1 map 256x256, w=8, N=1,000", data=a, w=8, n=1000),
        dict(name="A2", desc="1 map 256x256, w=8, N=100,000", data=a, w=8, n=100000),
        dict(name="B", desc="9 scales 256..64, 4 bands, w=7, N=10,000", data=b, w=7, n=10000),
        dict(name="C", desc="1 map 1024x1024, w=16, N=100,000", data=c, w=16, n=100000),
        dict(name="C-out", desc="case C with a reused out= buffer", data=c, w=16, n=100000,
             reuse_out=True),
        dict(name="A2-out", desc="case A2 with a reused out= buffer", data=a, w=8, n=100000,
             reuse_out=True),
        dict(name="D-out", desc="1 map 2048x2048, w=11, N=100,000, out=",
             data=g.random((2048, 2048), dtype=np.float32), w=11, n=100000, reuse_out=True),
        dict(name="E-out", desc="1 map 512x512, w=11, N=100,000, out=",
             data=g.random((512, 512), dtype=np.float32), w=11, n=100000, reuse_out=True),
    ]


def as_scales(data):
    return [data] if isinstance(data, np.ndarray) else list(data)


def check(name, result, case):
    patches, locs = result
    scales = as_scales(case["data"])
    w, n = case["w"], case["n"]
    lead = scales[0].shape[:-2]
    assert patches.shape == (n,) + lead + (w, w), (name, patches.shape)
    assert patches.dtype == np.float32, (name, patches.dtype)
    assert locs.shape == (n, 3), (name, locs.shape)
    for k, d in enumerate(scales):
        m = locs[:, 0] == k
        if m.any():
            assert locs[m, 1].min() >= 0 and locs[m, 1].max() <= d.shape[-2] - w, name
            assert locs[m, 2].min() >= 0 and locs[m, 2].max() <= d.shape[-1] - w, name
    assert locs[:, 0].min() >= 0 and locs[:, 0].max() < len(scales), name
    for i in np.linspace(0, n - 1, 200).astype(int):
        s, y, x = locs[i]
        assert np.array_equal(patches[i], scales[s][..., y:y + w, x:x + w]), (name, i)


def implementations(case, args):
    data, w, n = case["data"], case["w"], case["n"]
    scales = as_scales(data)
    rng_ours = np.random.default_rng(1)
    rng_np = np.random.default_rng(2)
    fns = {}
    shape = (n,) + scales[0].shape[:-2] + (w, w)
    buf = np.empty(shape, np.float32) if case.get("reuse_out") else None
    fns["glimpse"] = lambda: SamplePatchesFromData(data, w, n, rng_ours, out=buf)
    fns["numpy"] = lambda: numpy_gather(scales, w, n, rng_np)
    src = np.ones(shape, np.float32)
    dst = np.empty_like(src)
    fns["memcpy"] = lambda: np.copyto(dst, src)
    if args.stream_ab and src.nbytes >= _patches.STREAM_THRESHOLD:
        fns["stream-on"] = _forced(data, w, n, buf, True)
        fns["stream-off"] = _forced(data, w, n, buf, False)
    if case["name"] in ("A2", "B") or (case["name"] == "C" and not args.quick):
        if extract_patches_2d is not None:
            images = [d if d.ndim == 2 else np.ascontiguousarray(np.moveaxis(d, 0, -1))
                      for d in scales]
            rng_sk = np.random.default_rng(3)
            fns["sklearn"] = lambda: sklearn_peer(images, w, n, rng_sk)
    if case["name"] == "A2":
        fns["loop2013"] = lambda: loop2013(scales, w, n)
    return fns


def _forced(data, w, n, buf, stream):
    """glimpse with streaming stores forced on or off (restored after every call)."""
    rng = np.random.default_rng(1)
    limit = (1 << 62) if stream else -1

    def call():
        saved = _patches.STREAM_SOURCE_LIMIT
        _patches.STREAM_SOURCE_LIMIT = limit
        try:
            return SamplePatchesFromData(data, w, n, rng, out=buf)
        finally:
            _patches.STREAM_SOURCE_LIMIT = saved
    return call


TARGETS = {  # (case, peer): minimum ratio peer time / glimpse time
    ("A2", "numpy"): 2.5, ("B", "numpy"): 2.5, ("C", "numpy"): 1.25,
    ("A2", "sklearn"): 3.0, ("B", "sklearn"): 3.0,
    ("A2", "loop2013"): 50.0,
}
A1_LIMIT_MS = 0.040  # per-call time of glimpse at N = 1,000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few short rounds (smoke run)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per case (default 21)")
    ap.add_argument("--min-ms", type=float, default=None,
                    help="minimum time per implementation per round (default 60 ms)")
    ap.add_argument("--stream-ab", action="store_true",
                    help="also time glimpse with streaming stores forced on and off")
    ap.add_argument("--cases", default=None,
                    help="comma-separated case names to run (default: all)")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 21)
    min_s = (args.min_ms if args.min_ms is not None else (10 if args.quick else 60)) / 1e3

    random.seed(0)
    print("glimpse %s, python %s, numpy %s, scikit-learn %s, %s, %d cpus, "
          "load average %s" % (glimpse.__version__, platform.python_version(), np.__version__,
                               sklearn.__version__ if sklearn else "not installed",
                               platform.machine(), os.cpu_count(),
                               "/".join("%.2f" % x for x in os.getloadavg())))
    print("%d rounds per case, >= %.0f ms per implementation per round\n"
          % (rounds, min_s * 1e3))
    rows = []
    wanted = None if args.cases is None else set(args.cases.split(","))
    for case in make_cases():
        if wanted is not None and case["name"] not in wanted:
            continue
        fns = implementations(case, args)
        for k, f in fns.items():
            if k not in ("sklearn", "memcpy"):
                check(k, f(), case)
        if "sklearn" in fns:
            got = fns["sklearn"]()
            assert sum(len(p) for p in got) == case["n"]
        times = interleaved_rounds(fns, rounds, min_s)
        ours = times["glimpse"]
        ours_med = statistics.median(ours)
        print("case %-5s %-45s glimpse %9.4f ms" % (case["name"], case["desc"], ours_med * 1e3))
        if case["name"] == "A1":
            rows.append((case["name"], "(per call)", None, ours_med, None,
                         "< %.3f ms" % A1_LIMIT_MS, ours_med * 1e3 < A1_LIMIT_MS))
        for k, ts in times.items():
            if k == "glimpse":
                continue
            ratio = statistics.median(p / o for p, o in zip(ts, ours))
            target = TARGETS.get((case["name"], k))
            rows.append((case["name"], k, statistics.median(ts), ours_med, ratio,
                         ">= %.2fx" % target if target else "-",
                         (ratio >= target) if target else None))
            print("           %-10s %9.4f ms   ratio %.2f"
                  % (k, statistics.median(ts) * 1e3, ratio))
        if "stream-on" in times:
            pairs = zip(times["stream-on"], times["stream-off"])
            ratio = statistics.median(a / b for a, b in pairs)
            rows.append((case["name"], "stream-on / stream-off", None, ours_med, ratio, "-",
                         None))
            print("           stream-on / stream-off     ratio %.2f" % ratio)
        if extract_patches_2d is None and case["name"] in ("A2", "B"):
            rows.append((case["name"], "sklearn", None, ours_med, None, ">= 3.00x", None))
            print("           sklearn    skipped: scikit-learn is not installed")
    print()
    print("| case | peer | peer ms | glimpse ms | ratio | target | met? |")
    print("|---|---|---:|---:|---:|---|---|")
    for case, peer, peer_t, ours_t, ratio, target, met in rows:
        print("| %s | %s | %s | %.4f | %s | %s | %s |" % (
            case, peer if peer_t is not None or peer.startswith(("(", "stream"))
            else peer + " (skipped)",
            "%.4f" % (peer_t * 1e3) if peer_t is not None else "-",
            ours_t * 1e3, "%.2fx" % ratio if ratio is not None else "-", target,
            {True: "yes", False: "**no**", None: "-"}[met]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

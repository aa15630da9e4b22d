#!/usr/bin/env python3
"""Feature extraction throughput of an experiment, by pool.

Run from the repository root, with glimpse installed (the Dask row needs
``pip install '.[dask]'``)::

    python benchmarks/bench_experiment.py            # full run, a few minutes
    python benchmarks/bench_experiment.py --quick    # smoke run
    python benchmarks/bench_experiment.py --part sklearn   # HmaxFeatures only

What is timed: :func:`glimpse.experiment.ComputeFeatures` on a batch of 256x256 greyscale
PNG files (read, prepared by the default params to a short edge of 220, then S1, C1, S2 and
C2 with 1000 imprinted prototypes of width 7), with each pool:

* serial: the calling thread;
* threads: 2 threads (the kernels and Pillow's decoder release the GIL);
* processes: 2 worker processes (the model is pickled to them once per call);
* dask: a LocalCluster on 127.0.0.1 with 2 single-threaded worker processes.

The scikit-learn part (``--part sklearn``) times :class:`glimpse.sklearn.HmaxFeatures` against
the function it stands on, on the same images (a 3D uint8 array of the batch) with the same
prototypes (imprinted by ``fit``): ``transform(Y)`` with ``n_jobs=1`` against
``ComputeFeatures(model_, [Picture(y) for y in Y])`` on the serial pool, ``n_jobs=2`` against
ComputeFeatures on a pool of 2 threads (made once), and ``n_jobs=2`` against ``n_jobs=1``.
Every row's features are checked equal, bit for bit, before timing. Its "ceiling" row is the
BLAS work of the pool table's, on 2 threads against the calling thread.

A last row, "ceiling", measures what the machine gives two workers at the time of the run:
the same number of fixed float32 matrix products (about the work of one image each) run by
the 2-process pool, against the serial pool, in the same rounds. On a quiet 2-core machine it
is near 2.0; on a shared one it says how much of the second core was free.

Pools and the cluster are started once, before timing. BLAS runs one thread per worker
(OMP/OPENBLAS/MKL_NUM_THREADS=1), so 2 workers use the 2 cores. Method: interleaved rounds
(``_harness.interleaved_rounds``): each round times every pool once on the batch, in an order
shuffled every round; the table gives the median images/s over rounds and the median over
rounds of the ratio to serial in the same round. Before timing, every pool's features are
checked equal to the serial ones, bit for bit.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import glimpse  # noqa: E402
from glimpse.experiment import ComputeFeatures, _models  # noqa: E402
from glimpse.experiment._models import sample_patches_from_images  # noqa: E402
from glimpse.images import Picture  # noqa: E402

from _harness import interleaved_rounds  # noqa: E402


def make_images(directory, count, size=256, seed=0):
    """Textured test images: smoothed noise with a few bright strokes."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        noise = rng.normal(0, 1, (size // 8, size // 8))
        img = Image.fromarray(np.uint8(np.clip(128 + 40 * noise, 0, 255)), "L")
        img = img.resize((size, size), Image.BICUBIC)
        path = os.path.join(directory, "img%03d.png" % i)
        img.save(path)
        paths.append(path)
    return paths


def busy(seed):
    """About one image's worth of BLAS work (the ceiling row)."""
    rng = np.random.default_rng(seed)
    a = rng.random((1200, 300), dtype=np.float32)
    b = rng.random((300, 1000), dtype=np.float32)
    for _ in range(4):
        c = a @ b
    return float(c[0, 0])


def make_pool(name, workers):
    from glimpse.pools import MakePool

    if name == "dask":
        from glimpse.pools._dask import DaskPool

        return DaskPool(workers=workers)
    return MakePool(name, workers=workers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--images", type=int, default=16, help="images per timed batch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prototypes", type=int, default=1000)
    parser.add_argument("--pools", nargs="+", default=["serial", "threads", "processes", "dask"])
    parser.add_argument("--part", choices=["pools", "sklearn", "all"], default="all",
                        help="the pool table, the scikit-learn table, or both")
    args = parser.parse_args()
    if args.quick:
        args.images, args.rounds, args.prototypes = 4, 1, 100
    print("glimpse %s, Python %s, numpy %s, %s, %d CPUs, load average %s" % (
        glimpse.__version__, platform.python_version(), np.__version__, platform.machine(),
        os.cpu_count(), " ".join("%.2f" % x for x in os.getloadavg())))
    if args.part in ("pools", "all"):
        pools_table(args)
    if args.part in ("sklearn", "all"):
        sklearn_table(args)


def sklearn_table(args):
    """HmaxFeatures.transform against ComputeFeatures, and n_jobs=2 against n_jobs=1."""
    from glimpse.pools import MakePool
    from glimpse.sklearn import HmaxFeatures

    with tempfile.TemporaryDirectory() as tmp:
        Y = np.stack([np.asarray(Image.open(p)) for p in make_images(tmp, args.images)])
    one = HmaxFeatures(n_prototypes=args.prototypes, random_state=0).fit(Y)
    two = HmaxFeatures(n_prototypes=args.prototypes, random_state=0, n_jobs=2).fit(Y)
    model = one.model_
    serial, threads = MakePool("serial"), MakePool("threads", workers=2)
    try:
        fns = {
            "ComputeFeatures, serial pool": lambda: ComputeFeatures(
                model, [Picture(y) for y in Y], ["C2"], pool=serial)[0],
            "HmaxFeatures.transform, n_jobs=1": lambda: one.transform(Y),
            "ComputeFeatures, 2 threads": lambda: ComputeFeatures(
                model, [Picture(y) for y in Y], ["C2"], pool=threads)[0],
            "HmaxFeatures.transform, n_jobs=2": lambda: two.transform(Y),
        }
        reference = fns["ComputeFeatures, serial pool"]()
        for name, fn in fns.items():
            assert fn().tobytes() == reference.tobytes(), name
        seeds = list(range(args.images))
        fns["ceiling serial"] = lambda: list(serial.map(busy, seeds))
        fns["ceiling"] = lambda: list(threads.map(busy, seeds))
        times = interleaved_rounds(fns, args.rounds, min_seconds=0)
    finally:
        serial.close()
        threads.close()

    def ratio(slow, fast):
        return statistics.median(s / f for s, f in zip(times[slow], times[fast]))

    print("HmaxFeatures: C2, %d prototypes of width 7, %d images of 256x256 (uint8 array), "
          "%d rounds" % (args.prototypes, args.images, args.rounds))
    print("| timed | images/s (median) |")
    print("|---|---:|")
    for name in list(fns)[:4]:
        print("| %s | %.1f |" % (name, statistics.median(args.images / t for t in times[name])))
    print("| transform / ComputeFeatures, one worker (target <= 1.05) | %.3f |"
          % ratio("HmaxFeatures.transform, n_jobs=1", "ComputeFeatures, serial pool"))
    print("| transform / ComputeFeatures, 2 threads (target <= 1.05) | %.3f |"
          % ratio("HmaxFeatures.transform, n_jobs=2", "ComputeFeatures, 2 threads"))
    print("| n_jobs=2 speed-up over n_jobs=1 (target >= 1.6) | %.2f |"
          % ratio("HmaxFeatures.transform, n_jobs=1", "HmaxFeatures.transform, n_jobs=2"))
    print("| ceiling: BLAS work on 2 threads over 1 (what the machine gave a second worker) "
          "| %.2f |" % ratio("ceiling serial", "ceiling"))


def pools_table(args):
    """ComputeFeatures on each pool."""
    model = _models.make_model()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_images(tmp, args.images)
        ((protos, _),) = sample_patches_from_images(
            model, "C1", [7], args.prototypes, paths, rng=0,
            normalize=bool(getattr(model.params, "s2_kernels_are_normed", False)))
        model.s2_kernels = [protos]
        pools = {}
        try:
            for name in args.pools:
                workers = 1 if name == "serial" else 2
                try:
                    pools[name] = make_pool(name, workers)
                except ImportError as err:
                    print("skipping %s: %s" % (name, err))
            reference = None
            for name, pool in pools.items():
                features, kept, _ = ComputeFeatures(model, paths, ["C2"], pool=pool)
                assert kept.all()
                if reference is None:
                    reference = features
                assert features.tobytes() == reference.tobytes(), name
            fns = {name: (lambda p=pool: ComputeFeatures(model, paths, ["C2"], pool=p))
                   for name, pool in pools.items()}
            seeds = list(range(args.images))
            if "serial" in pools and "processes" in pools:
                fns["ceiling serial"] = lambda: list(pools["serial"].map(busy, seeds))
                fns["ceiling"] = lambda: list(pools["processes"].map(busy, seeds))
            times = interleaved_rounds(fns, args.rounds, min_seconds=0)
        finally:
            for pool in pools.values():
                close = getattr(pool, "close", None)
                if close is not None:
                    close()
    print("C2, %d prototypes of width 7, %d images of 256x256 per batch, %d rounds"
          % (args.prototypes, args.images, args.rounds))
    print("| pool | workers | images/s (median) | x serial (median of per-round ratios) |")
    print("|---|---:|---:|---:|")
    for name in pools:
        rate = statistics.median(args.images / t for t in times[name])
        ratio = ("%.2f" % statistics.median(s / t for s, t in zip(times["serial"], times[name]))
                 if "serial" in times else "-")
        print("| %s | %d | %.1f | %s |" % (name, 1 if name == "serial" else 2, rate, ratio))
    if "ceiling" in times:
        ratio = statistics.median(s / t for s, t in zip(times["ceiling serial"], times["ceiling"]))
        print("| ceiling (BLAS work, 2 processes) | 2 | - | %.2f |" % ratio)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How much of an image's computation leaves the GIL free, by stage, and what two threads give.

Run from the repository root, with glimpse installed::

    python benchmarks/bench_gil.py            # a minute or two
    python benchmarks/bench_gil.py --quick    # smoke run

Setting: one 256x256 PNG, the default HMAX model (prepared to a short edge of 220, 9
scales), 1000 imprinted prototypes of width 7, BLAS on one thread.

GIL-free fraction. A probe thread counts in a pure-Python loop (it needs the GIL for every
step) while the main thread repeats one stage of the model for ``--seconds``. The probe's
counting rate during a stage, divided by its rate while the main thread runs float32
matrix products (which hold no GIL and keep one core busy, as the model does), in the same
round, is the fraction of the stage's time during which the GIL was free. The switch
interval is made short (``--interval``, 20 us) while the probe runs: with Python's default
(5 ms), every time the stage wants the GIL back it waits for the probe to give it up, and
the probe counts during that wait, which hides most of the GIL-held time. The stages:

* load: read the PNG and prepare the IMAGE layer (SOURCE -> IMAGE);
* S1: the scale pyramid and the Gabor filtering (IMAGE -> S1, the retina being off);
* C1, S2, C2: each from a state holding the layer below;
* image: SOURCE -> C2, the whole path of one image.

Two images on two threads. Two worker threads live through the run (as a thread pool's
do). Each round times one image (SOURCE -> C2) on one worker, and two images on the two
workers started together; "2 threads / 1" is the median of the per-round
ratios of their wall times (1.0: the second image was free; 2.0: the threads ran one after
the other). The same is measured, in the same rounds, for a pure BLAS control (about an
image's worth of matrix products), which says what the machine gives two threads at the
time of the run. CPU seconds per wall second of the two-thread runs are shown too.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import queue  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import glimpse  # noqa: E402
from glimpse.models import MakeModel  # noqa: E402
from glimpse.models.ml import BuildLayer, Layer  # noqa: E402
from glimpse.prototypes import SamplePatchesFromImages  # noqa: E402


def make_image(directory, name, seed, size=256):
    """A textured test image: smoothed noise."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (size // 8, size // 8))
    img = Image.fromarray(np.uint8(np.clip(128 + 40 * noise, 0, 255)), "L")
    img = img.resize((size, size), Image.BICUBIC)
    path = os.path.join(directory, name)
    img.save(path)
    return path


class _Blas:
    """A fixed amount of float32 matrix products (no GIL held while they run)."""

    def __init__(self, repeats=4):
        rng = np.random.default_rng(0)
        self.a = rng.random((1200, 300), dtype=np.float32)
        self.b = rng.random((300, 1000), dtype=np.float32)
        self.repeats = repeats

    def __call__(self):
        for _ in range(self.repeats):
            c = self.a @ self.b
        return c


def _probe_rate(work, seconds, interval):
    """Counts per second of a pure-Python probe thread while ``work()`` repeats.

    The switch interval is ``interval`` meanwhile: the probe gives the GIL back that soon
    after the main thread asks for it, so the probe slows the main thread little.
    """
    stop = False
    count = [0]

    def probe():
        n = 0
        while not stop:
            n += 1
        count[0] = n

    default = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        thread = threading.Thread(target=probe)
        thread.start()
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            work()
        elapsed = time.perf_counter() - start
        stop = True
        thread.join()
    finally:
        sys.setswitchinterval(default)
    return count[0] / elapsed


class _Workers:
    """Two threads that live as long as the benchmark, as a pool's do (a thread keeps
    buffers from one image to the next)."""

    def __init__(self):
        self.requests = [queue.Queue(), queue.Queue()]
        self.done = queue.Queue()
        self.threads = [threading.Thread(target=self._serve, args=(q,), daemon=True)
                        for q in self.requests]
        for t in self.threads:
            t.start()

    def _serve(self, requests):
        while True:
            work = requests.get()
            if work is None:
                return
            work()
            self.done.put(None)

    def run(self, works):
        """Wall seconds and CPU seconds (whole process) of ``works`` run one per thread."""
        c0 = time.process_time()
        t0 = time.perf_counter()
        for requests, work in zip(self.requests, works):
            requests.put(work)
        for _ in works:
            self.done.get()
        return time.perf_counter() - t0, time.process_time() - c0

    def close(self):
        for requests in self.requests:
            requests.put(None)
        for t in self.threads:
            t.join()


def _two_vs_one(workers, work_a, work_b):
    """(wall seconds of work_a alone on one worker, wall and CPU seconds of both on two)."""
    one, _ = workers.run([work_a])
    two, cpu = workers.run([work_a, work_b])
    return one, two, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="seconds each stage repeats under the probe, per round")
    parser.add_argument("--interval", type=float, default=2e-5,
                        help="switch interval (s) while the probe runs")
    parser.add_argument("--pairs", type=int, default=3, help="two-thread runs per round")
    parser.add_argument("--prototypes", type=int, default=1000)
    parser.add_argument("--stages", nargs="+",
                        default=["load", "S1", "C1", "S2", "C2", "image"])
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.pairs, args.prototypes = 1, 0.3, 1, 100
    model = MakeModel()
    blas = _Blas()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [make_image(tmp, "img%d.png" % i, i) for i in range(2)]
        ((protos, _),) = SamplePatchesFromImages(model, Layer.C1, [7], args.prototypes, paths,
                                                 rng=0)
        model.s2_kernels = [protos]
        states = {}
        state = BuildLayer(model, Layer.C2, paths[0])
        for layer in (Layer.IMAGE, Layer.S1, Layer.C1, Layer.S2):
            states[layer] = {lyr: state[lyr] for lyr in (Layer.SOURCE, layer)}

        def stage(layer, below):
            def work():
                s = model.MakeState(paths[0]) if below is None else model.StateClass(states[below])
                return BuildLayer(model, layer, s, save_all=False)
            return work

        stages = {
            "load": stage(Layer.IMAGE, None),
            "S1": stage(Layer.S1, Layer.IMAGE),
            "C1": stage(Layer.C1, Layer.S1),
            "S2": stage(Layer.S2, Layer.C1),
            "C2": stage(Layer.C2, Layer.S2),
            "image": stage(Layer.C2, None),
        }
        stages = {name: stages[name] for name in args.stages}
        images = [(lambda p=p: BuildLayer(model, Layer.C2, p, save_all=False)) for p in paths]
        for work in list(stages.values()) + images:
            work()
        blas()
        # per-stage CPU time of one call, measured alone
        cpu = {name: [] for name in stages}
        fractions = {name: [] for name in stages}
        ratios = {"model": [], "blas": []}
        usage = {"model": [], "blas": []}
        order = random.Random(0)
        workers = _Workers()
        other_blas = _Blas()
        for _ in range(2):  # warm the workers (and their buffers) up
            _two_vs_one(workers, images[0], images[1])
        for _ in range(args.rounds):
            keys = list(stages) + ["blas"]
            order.shuffle(keys)
            rates = {}
            for key in keys:
                rates[key] = _probe_rate(blas if key == "blas" else stages[key], args.seconds,
                                         args.interval)
            for name in stages:
                fractions[name].append(min(1.0, rates[name] / rates["blas"]))
                c0 = time.thread_time()
                stages[name]()
                cpu[name].append(time.thread_time() - c0)
            for _ in range(args.pairs):
                for key in order.sample(["model", "blas"], 2):
                    if key == "model":
                        one, two, used = _two_vs_one(workers, images[0], images[1])
                    else:
                        one, two, used = _two_vs_one(workers, blas, other_blas)
                    ratios[key].append(two / one)
                    usage[key].append(used / two)
        workers.close()
    print("glimpse %s, Python %s, numpy %s, %s, %d CPUs" % (
        glimpse.__version__, platform.python_version(), np.__version__, platform.machine(),
        os.cpu_count()))
    print("HMAX defaults, C2 with %d prototypes of width 7, one 256x256 PNG; %d rounds"
          % (args.prototypes, args.rounds))
    print()
    print("| stage | CPU ms per call (median) | GIL free (median fraction) |")
    print("|---|---:|---:|")
    for name in stages:
        print("| %s | %.1f | %.2f |" % (name, 1e3 * statistics.median(cpu[name]),
                                        statistics.median(fractions[name])))
    print()
    print("| work | 2 threads / 1 (wall, median) | CPU-s per wall-s on 2 threads (median) |")
    print("|---|---:|---:|")
    for key, label in (("model", "one image each (SOURCE -> C2)"),
                       ("blas", "BLAS control (matrix products)")):
        print("| %s | %.2f | %.2f |" % (label, statistics.median(ratios[key]),
                                        statistics.median(usage[key])))


if __name__ == "__main__":
    main()

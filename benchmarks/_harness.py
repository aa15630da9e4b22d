"""Timing shared by the benchmarks: interleaved rounds on a shared, noisy machine.

Every round calls each function repeatedly for at least ``min_seconds`` and records its
mean time per call; the order of the functions is shuffled every round, so all of them
see the same machine noise. Report medians over rounds, and ratios as the median of
per-round ratios.
"""

from __future__ import annotations

import random
import time


def time_per_call(func, min_seconds):
    """Mean seconds per call of ``func()`` over a loop lasting at least ``min_seconds``."""
    calls = 0
    start = time.perf_counter()
    while True:
        func()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls


def interleaved_rounds(fns, rounds, min_seconds, seed=0):
    """Time every function of the dict ``fns`` in each of ``rounds`` shuffled rounds.

    Returns a dict mapping each key of ``fns`` to its list of per-round times (seconds
    per call). Each function is called once first, untimed, to warm it up.
    """
    for func in fns.values():
        func()
    keys = list(fns)
    times = {key: [] for key in keys}
    order = random.Random(seed)
    for _ in range(rounds):
        order.shuffle(keys)
        for key in keys:
            times[key].append(time_per_call(fns[key], min_seconds))
    return times

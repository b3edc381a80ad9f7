"""Where shenjing's step of a workload spends its time: cProfile, CPU time.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks profile NAME [--steps N] [--top N]

CPU time, not wall time, so that the shares stay meaningful on a busy machine; run it with
``OPENBLAS_NUM_THREADS=1`` so that a GEMM's CPU time is not counted once per thread.
"""

import cProfile
import pstats
import time

from .runner import STEPS, make_step


def profile(name, steps=None, top=25):
    step = make_step("shenjing", name)
    for _ in range(2):
        step()
    steps = steps or max(3, STEPS[name])
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())
    stats.sort_stats("tottime").print_stats(top)
    print(f"{name}: {total / steps * 1e3:.2f} ms per step (CPU time, profiled)")
    return stats

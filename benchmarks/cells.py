"""What the interleaved benchmarks share (vs_pytorch.py, precision_bench.py): each cell is a
process of its own that prints one `RESULT {json}` line; `fit_rate` is ganzoo's steps/s."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time


def fit_rate(recipe_name, overrides, seconds, warmup=4, first=2):
    """Steps/s of `GAN.fit` (no callbacks) on the recipe with `overrides`: after tracing and a
    warm-up call of `warmup` executions, a timed call of `first` executions, grown until it
    lasts `seconds` (an execution is `steps_per_execution` steps)."""
    import ganzoo
    from ganzoo.build import build_gan
    from ganzoo.training import dataset

    recipe = ganzoo.load_recipe(recipe_name, overrides=overrides)
    gan = build_gan(recipe)
    data = dataset(recipe)
    unit = gan.steps_per_execution
    gan.fit(data, epochs=1, steps_per_epoch=warmup * unit, verbose=0)  # trace and warm up
    steps = first * unit
    while True:  # grow the timed run until it lasts `seconds`
        start = time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps / elapsed
        steps = -(-int(steps * max(2.0, 1.2 * seconds / elapsed)) // unit) * unit


def run_child(script, args, seconds):
    """`python SCRIPT --child ARGS... SECONDS` in a fresh process: its RESULT, or {"error"}."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, script, "--child", *args, str(seconds)],
                          capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": tail[:160]}


def report(result):
    """Print a child's result the way `run_child` reads it."""
    print("RESULT " + json.dumps(result), flush=True)


def summary(values):
    """'median (min-max)' of the measurements, '–' for none."""
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def cpu_flags():
    """The CPU's SIMD flags (avx*, amx*, fma) from /proc/cpuinfo."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return "unknown"
    flags = text.split("flags", 2)[1].split("\n")[0].split(":", 1)[-1].split()
    return " ".join(sorted({f for f in flags if f.startswith(("avx", "amx", "fma"))}))

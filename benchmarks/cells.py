"""What the interleaved benchmarks share (vs_pytorch.py, precision_bench.py): each cell is a
process of its own that prints one `RESULT {json}` line; `fit_timing` and `loop_timing` time ganzoo's
`fit` and a PyTorch loop the same way."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time


def fit_timing(recipe_name, overrides, seconds, warmup=4, first=2):
    """`GAN.fit` (no callbacks) on the recipe with `overrides`, timed: after tracing and a
    warm-up call of `warmup` executions, a timed call of `first` executions, grown until it
    lasts `seconds` (an execution is `steps_per_execution` steps). Returns `steps_per_s` inside
    the call (from the first execution's end to the last's, so without the call's own set-up
    and tear-down), `call_steps_per_s` (the whole call), `call_overhead_s` (what the call cost
    beyond its steps at the inside rate) and `cpu_ms_per_step` (process CPU time, all threads,
    over the same span as `steps_per_s`: 2 busy cores give twice the wall time)."""
    import keras

    import ganzoo
    from ganzoo.build import build_gan
    from ganzoo.training import dataset

    class Marks(keras.callbacks.Callback):
        """Wall and CPU clocks at each execution's end. Keras runs batch-end callbacks in a
        thread once the execution's logs are ready (async dispatch), so the call is not slowed."""

        async_safe = True

        def __init__(self):
            super().__init__()
            self.marks = {}

        def on_train_batch_end(self, batch, logs=None):
            self.marks[batch] = (time.perf_counter(), time.process_time())

    recipe = ganzoo.load_recipe(recipe_name, overrides=overrides)
    gan = build_gan(recipe)
    data = dataset(recipe)
    unit = gan.steps_per_execution
    gan.fit(data, epochs=1, steps_per_epoch=warmup * unit, verbose=0)  # trace and warm up
    steps = first * unit
    while True:  # grow the timed run until it lasts `seconds`
        marks = Marks()
        start = time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[marks])
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and len(marks.marks) >= 2:
            (first_batch, (wall0, cpu0)), *_, (last_batch, (wall1, cpu1)) = sorted(marks.marks.items())
            inside = last_batch - first_batch
            rate = inside / (wall1 - wall0)
            return {"steps_per_s": rate, "call_steps_per_s": steps / elapsed,
                    "call_overhead_s": elapsed - steps / rate,
                    "cpu_ms_per_step": 1000 * (cpu1 - cpu0) / inside}
        steps = -(-int(steps * max(2.0, 1.2 * seconds / elapsed)) // unit) * unit


def loop_timing(step, seconds, warmup=30, first=40):
    """The same numbers as `fit_timing` for a Python loop of `step()` (a loop has no call
    around it: `call_steps_per_s` is `steps_per_s`)."""
    for _ in range(warmup):
        step()
    steps = first
    while True:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if elapsed >= seconds:
            return {"steps_per_s": steps / elapsed, "call_steps_per_s": steps / elapsed,
                    "call_overhead_s": 0.0, "cpu_ms_per_step": 1000 * cpu / steps}
        steps = int(steps * max(2.0, 1.2 * seconds / elapsed))


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


def summary(values, digits=1):
    """'median (min-max)' of the measurements, '–' for none."""
    if not values:
        return "–"
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def cpu_flags():
    """The CPU's SIMD flags (avx*, amx*, fma) from /proc/cpuinfo."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return "unknown"
    flags = text.split("flags", 2)[1].split("\n")[0].split(":", 1)[-1].split()
    return " ".join(sorted({f for f in flags if f.startswith(("avx", "amx", "fma"))}))

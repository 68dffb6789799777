"""Training steps/s of ganzoo's `fit` under each `[train].precision`, and TensorFlow's matmul rates.

    GANZOO_DATA_DIR=../shared/data python benchmarks/precision_bench.py [--rounds 3] [--seconds 8]
        [--rows ring8,mnist] [--precisions float32,mixed_bfloat16]

Rows: the recipe as it is (its own networks, losses, optimizer, update rule, batch and automatic
`[train].steps_per_execution`, no XLA), with `[train].precision` set to each column:
  ring8     toy/ring8: G 4 x 400 ReLU, D 3 x 200 maxout (5 pieces), Adam, alternating updates
  mnist     goodfellow2014/mnist: G 1200-1200 ReLU + sigmoid, D maxout 240x5 - 240x5 with
            dropout, SGD with the paper's decay and momentum, simultaneous updates
Every cell is a process of its own (as benchmarks/vs_pytorch.py runs them); all cells are
interleaved over `--rounds` rounds and reported as median (min-max). A step is one generator
update (with its k discriminator updates). Each round also times a TensorFlow matmul in float32
and bfloat16 (1024^3, through a tf.function): mixed precision can only pay where the low dtype's
matmul is faster, which needs AVX512-BF16 or AMX for bfloat16 (and AVX512-FP16 for float16) on
a CPU; the CPU's SIMD flags are printed with the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from cells import cpu_flags, fit_timing, report, run_child, summary

ROWS = {"ring8": "toy/ring8", "mnist": "goodfellow2014/mnist"}
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def measure_fit(recipe_name, precision, seconds):
    """Steps/s inside a `GAN.fit` call (no callbacks) after tracing and one warm-up call."""
    timing = fit_timing(recipe_name, {"train.precision": precision}, seconds, warmup=2, first=1)
    return timing["steps_per_s"]


def measure_matmul(n=1024, seconds=1.5):
    """GFLOP/s of an n^3 matmul in float32 and in bfloat16 (TensorFlow, one tf.function)."""
    import tensorflow as tf

    rates = {}
    for dtype in (tf.float32, tf.bfloat16):
        a = tf.cast(tf.random.normal([n, n]), dtype)
        b = tf.cast(tf.random.normal([n, n]), dtype)
        product = tf.function(lambda a, b: tf.reduce_sum(tf.cast(tf.matmul(a, b), tf.float32)))
        float(product(a, b))
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            float(product(a, b))
            count += 1
        rates[dtype.name] = 2 * n ** 3 * count / (time.perf_counter() - start) / 1e9
    return rates


def child(argv):
    """One measurement in its own process; prints one JSON line."""
    what, precision, seconds = argv[0], argv[1], float(argv[2])
    if what == "matmul":
        result = measure_matmul()
    else:
        result = {"steps_per_s": measure_fit(ROWS[what], precision, seconds)}
    report(result)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="timed length of each measurement")
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    args = parser.parse_args(argv)
    rows = args.rows.split(",")
    precisions = args.precisions.split(",")
    for name in precisions:
        if name not in PRECISIONS:
            parser.error(f"--precisions: {name!r}; choose from: {', '.join(PRECISIONS)}")
    rates = {(row, p): [] for row in rows for p in precisions}
    errors, matmul, loads = {}, {}, []
    for round_ in range(args.rounds):
        for name, value in run_child(__file__, ["matmul", "-"], 0).items():
            matmul.setdefault(name, []).append(value)
        for row in rows:
            for precision in precisions:
                result = run_child(__file__, [row, precision], args.seconds)
                if "error" in result:
                    errors[(row, precision)] = result["error"]
                else:
                    rates[(row, precision)].append(result["steps_per_s"])
                print(f"round {round_ + 1}: {row:6s} {precision:15s} {result}", file=sys.stderr,
                      flush=True)
        loads.append(os.getloadavg()[0])

    print(f"command: python benchmarks/precision_bench.py {' '.join(argv)}")
    print(f"CPU SIMD flags: {cpu_flags()}; {os.cpu_count()} cores")
    print("TensorFlow matmul 1024^3: " + "; ".join(
        f"{name} {summary(values)} GFLOP/s" for name, values in matmul.items())
        + f"; load average after each round: {', '.join(f'{x:.2f}' for x in loads)}\n")
    base = precisions[0]
    print("| row | " + " | ".join(f"{p} steps/s" for p in precisions)
          + "".join(f" | {p} / {base}" for p in precisions[1:]) + " |")
    print("|---" * (1 + 2 * len(precisions) - 1) + "|")
    for row in rows:
        cells = [summary(rates[(row, p)]) if rates[(row, p)] else errors.get((row, p), "–")
                 for p in precisions]
        median = {p: statistics.median(rates[(row, p)]) if rates[(row, p)] else 0.0
                  for p in precisions}
        ratios = [f"{median[p] / median[base]:.2f}x" if median[base] and median[p] else "–"
                  for p in precisions[1:]]
        print(f"| {row} | " + " | ".join(cells + ratios) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

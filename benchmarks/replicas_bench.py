"""Steps/s of the paper's MNIST GAN on one device and on 1 and 2 mirrored replicas of this CPU.

    python benchmarks/replicas_bench.py [--steps 100] [--repeats 3]

What a strategy costs: the same recipe (goodfellow2014/mnist: maxout D with dropout, SGD,
simultaneous updates, global batch 100) trained with `GAN.fit`, no callbacks, on random images
of MNIST's shape. Rows, each in a process of its own (the CPU split is fixed at start-up):

  default, 1 device      no strategy: TensorFlow's default
  mirrored, 1 replica    MirroredStrategy over the one CPU device: the strategy's own overhead
  mirrored, 2 replicas   GANZOO_CPU_DEVICES=2: two logical CPUs, 50 examples each, on the
                         same cores (what the equivalence tests run; not a way to go faster)
  mirrored, 2, XLA       as above with train.jit_compile = true (XLA per replica)

All four processes are started and warmed up first (tracing, XLA, 20 steps); then, in each of
`--repeats` rounds, each process in turn times one fit of `--steps` steps while the others
wait, so a change in the machine's load hits every row alike. The table shows the median and
the range over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from ganzoo.build import build_gan

CONFIGS = {
    "default, 1 device": {"strategy": "default", "cpus": 1, "jit": False},
    "mirrored, 1 replica": {"strategy": "mirrored", "cpus": 1, "jit": False},
    "mirrored, 2 replicas": {"strategy": "mirrored", "cpus": 2, "jit": False},
    "mirrored, 2 replicas, XLA": {"strategy": "mirrored", "cpus": 2, "jit": True},
}
BATCH = 100


def child(strategy_name, jit, steps):
    """One configuration: warm up, say `ready REPLICAS`, then time a fit per `run` line on stdin."""
    from ganzoo import distribute

    strategy = distribute.make_strategy(strategy_name)  # first: the logical CPUs

    import numpy as np

    import ganzoo
    from ganzoo.data.pipeline import train_dataset

    recipe = ganzoo.load_recipe("goodfellow2014/mnist", overrides={
        "model.generator.output_bias": "zero", "train.jit_compile": jit})
    gan = build_gan(recipe, strategy, with_data=False)
    images = np.random.default_rng(0).uniform(size=(10 * BATCH, 28, 28, 1)).astype(np.float32)
    dataset = train_dataset(images, BATCH, 1, seed=0)
    gan.fit(dataset, epochs=1, steps_per_epoch=20, verbose=0)
    print(f"ready {strategy.num_replicas_in_sync}", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        print(steps / (time.perf_counter() - start), flush=True)


def start(config, steps):
    """A child process for `config`, warmed up; returns it and its replica count."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "GANZOO_CPU_DEVICES": str(config["cpus"])}
    errors = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(config), "--steps", str(steps)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
    process.errors = errors
    return process, int(answer(process, config).split()[1])


def answer(process, config):
    line = process.stdout.readline()
    if not line:
        process.errors.seek(0)
        sys.exit(f"{config} failed:\n{process.errors.read()[-3000:]}")
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one configuration's process
    args = parser.parse_args()
    if args.child:
        config = json.loads(args.child)
        child(config["strategy"], config["jit"], args.steps)
        return
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"goodfellow2014/mnist, global batch {BATCH}, {args.steps} steps x {args.repeats} "
          f"rounds; {os.cpu_count()} CPU cores; load average before: {load}")
    children = {name: start(config, args.steps) for name, config in CONFIGS.items()}
    rates = {name: [] for name in CONFIGS}
    for _ in range(args.repeats):
        for name, (process, _) in children.items():
            process.stdin.write("run\n")
            process.stdin.flush()
            rates[name].append(float(answer(process, CONFIGS[name])))
    for process, _ in children.values():
        process.stdin.close()
        process.wait()
    print()
    print("| configuration | replicas | steps/s (median) | min - max | relative |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(rates[next(iter(CONFIGS))])
    for name, (_, replicas) in children.items():
        median = statistics.median(rates[name])
        print(f"| {name} | {replicas} | {median:.1f} | {min(rates[name]):.1f} - "
              f"{max(rates[name]):.1f} | {median / base:.2f} |")
    print()
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

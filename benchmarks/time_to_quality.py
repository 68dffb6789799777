"""Wall-clock from `ganzoo train` to a quality target, under each training configuration.

    GANZOO_DATA_DIR=../shared/data python benchmarks/time_to_quality.py [--rows ring8]
        [--configs before,after,bf16] [--seeds 0,1,2] [--runs-dir DIR]

Each cell is one `ganzoo train` command, a process of its own, timed from its launch (TensorFlow
import, building, tracing and the evaluations included: what a user waits for). The run
evaluates every `eval.every` epochs and prints one `eval at epoch N: ...` line; each line is
timestamped as it arrives, so a cell reports the first evaluation that met the target and the
evaluation at the end of its fixed budget (the quality the configuration reaches there).

Rows:
  ring8   toy/ring8 with 500-step epochs, evaluated each epoch; target 8 of 8 modes; budget the
          recipe's 10,000 steps
  mnist   goodfellow2014/mnist evaluated every 25 epochs; target Parzen 200; budget 875 epochs
          (many hours on 2 cores: run it on its own)
Configurations:
  before  the defaults before issue 11: no XLA, one step per execution
  after   the recipe's defaults (`jit_compile` and `steps_per_execution` "auto")
  bf16    the defaults with `[train].precision = "mixed_bfloat16"`
Cells are interleaved (seed by seed, every configuration in turn) so a change in the machine's
load hits all columns alike. Run folders go under --runs-dir (a temporary folder by default)
and are removed after each cell.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cells import cpu_flags

ROWS = {
    "ring8": {"recipe": "toy/ring8", "metric": "modes", "target": 8.0, "what": "8 of 8 modes",
              "sets": ["train.steps_per_epoch=500", "train.epochs=20", "eval.every=1",
                       'eval.metrics=["modes"]']},
    "mnist": {"recipe": "goodfellow2014/mnist", "metric": "parzen", "target": 200.0,
              "what": "Parzen 200", "sets": ["eval.every=25", 'eval.metrics=["parzen"]']},
}
CONFIGS = {
    "before": ["train.jit_compile=false", "train.steps_per_execution=1"],
    "after": [],
    "bf16": ["train.precision=mixed_bfloat16"],
}
# What the callback prints: "eval at epoch 3: modes 8 modes, 96.6% high quality" or
# "eval at epoch 25: parzen Parzen 118.70 ± 2.10".
EVAL_LINE = re.compile(r"eval at epoch (\d+): (.*)")
VALUES = {"modes": re.compile(r"(\d+) modes, ([\d.]+)% high quality"),
          "parzen": re.compile(r"Parzen (-?[\d.]+) ± ([\d.]+)")}


def run_cell(row, config, seed, runs_dir):
    """One training: [(seconds since launch, epoch, value, detail)] of its evaluations."""
    spec = ROWS[row]
    run_dir = Path(runs_dir) / f"{row}-{config}-s{seed}"
    shutil.rmtree(run_dir, ignore_errors=True)
    command = ["ganzoo", "train", spec["recipe"], "--run-dir", str(run_dir),
               "--set", f"train.seed={seed}"]
    for item in spec["sets"] + CONFIGS[config]:
        command += ["--set", item]
    evaluations = []
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          bufsize=1) as process:
        tail = []
        for line in process.stdout:
            now = time.perf_counter() - start
            tail = (tail + [line.rstrip()])[-3:]
            match = EVAL_LINE.search(line)
            values = match and VALUES[spec["metric"]].search(match.group(2))
            if values:
                evaluations.append((now, int(match.group(1)), float(values.group(1)),
                                    values.group(2)))
    shutil.rmtree(run_dir, ignore_errors=True)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {tail[-1:]}")
    return evaluations, time.perf_counter() - start


def describe(row, evaluations, total):
    """(seconds to target or None, epoch at target, final value text, total seconds)."""
    spec = ROWS[row]
    hit = next((item for item in evaluations if item[2] >= spec["target"]), None)
    last = evaluations[-1] if evaluations else None
    unit = "% high quality" if spec["metric"] == "modes" else " s.e."
    final = f"{last[2]:g} ({last[3]}{unit})" if last else "no evaluation"
    return (hit[0] if hit else None, hit[1] if hit else None, final, total)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="ring8")
    parser.add_argument("--configs", default="before,after,bf16")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--runs-dir", default=None)
    args = parser.parse_args(argv)
    rows, configs = args.rows.split(","), args.configs.split(",")
    seeds = [int(seed) for seed in args.seeds.split(",")]
    for name, chosen, known in (("--rows", rows, ROWS), ("--configs", configs, CONFIGS)):
        unknown = [item for item in chosen if item not in known]
        if unknown:
            raise SystemExit(f"{name}: unknown {', '.join(unknown)}; choose from "
                             f"{', '.join(known)}")
    runs_dir = args.runs_dir or tempfile.mkdtemp(prefix="ganzoo-ttq-")
    print(f"CPU SIMD flags: {cpu_flags()}; {os.cpu_count()} cores; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results = {}
    for row in rows:
        for seed in seeds:
            for config in configs:
                evaluations, total = run_cell(row, config, seed, runs_dir)
                results[row, config, seed] = describe(row, evaluations, total)
                seconds, epoch, final, total = results[row, config, seed]
                print(f"  {row} {config} seed {seed}: "
                      + (f"{ROWS[row]['what']} at {seconds:.0f} s (epoch {epoch})"
                         if seconds is not None else f"{ROWS[row]['what']} not reached")
                      + f"; end {final}; {total:.0f} s in all", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| row | config | seed | s to target (epoch) | at the budget's end | total s |")
    print("|---|---|---|---|---|---|")
    for (row, config, seed), (seconds, epoch, final, total) in results.items():
        reached = f"{seconds:.0f} ({epoch})" if seconds is not None else "not reached"
        print(f"| {row} | {config} | {seed} | {reached} | {final} | {total:.0f} |")
    print()
    for row in rows:
        for config in configs:
            times = [results[row, config, seed][0] for seed in seeds]
            hits = [t for t in times if t is not None]
            median = f"{statistics.median(hits):.0f} s" if hits else "–"
            print(f"{row} {config}: target reached by {len(hits)} of {len(seeds)} seeds, "
                  f"median {median}")
    if not args.runs_dir:
        shutil.rmtree(runs_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

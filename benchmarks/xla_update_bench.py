"""The optimizers' updates inside the step's XLA program, against XLA on the gradients only.

    GANZOO_DATA_DIR=../shared/data python benchmarks/xla_update_bench.py [--rounds 3]
        [--rows ring8,grid25_pacgan2,wgan_gp,bigan] [--seconds 5]

With `[train].jit_compile` on (what `auto` chooses on one device for networks without dropout
or convolutions), `GAN.learn` runs the gradients and the optimizers' updates as one XLA program.
Before, only `GAN.play` (losses and gradients) was compiled and Keras applied each update as its
own graph ops: Adam is about a dozen elementwise passes over every weight and its two moments
(sub, mul, square, sqrt, div, three assigns), which XLA fuses into one. Columns:
  gradients only   the earlier configuration (`learn` run as plain graph code around the XLA `play`)
  with updates     today's default
Every cell a process of its own, interleaved over `--rounds`; each cell reports steps/s of
`GAN.fit` (no callbacks; the recipe's automatic steps_per_execution; timed after a warm-up) and
the process's CPU milliseconds per step (user + system, both threads): the CPU time is steadier
than the wall-clock on a VM whose step times jump between two levels (benchmarks/RESULTS.md,
"Mixed precision").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from cells import cpu_flags, report, run_child, summary

ROWS = {"ring8": "toy/ring8", "grid25_pacgan2": "pacgan2018/grid25_pacgan2",
        "wgan_gp": "wgan_gp2017/ring8", "bigan": "bigan2016/mnist"}
CELLS = ("gradients only", "with updates")


def measure(recipe_name, cell, seconds):
    import ganzoo
    from ganzoo.build import build_gan
    from ganzoo.training import dataset

    recipe = ganzoo.load_recipe(recipe_name, overrides={"train.jit_compile": True})
    gan = build_gan(recipe)
    if cell == "gradients only":
        gan.learn_xla = gan.learn  # the bound method: play stays XLA, the updates do not
    data = dataset(recipe)
    unit = gan.steps_per_execution
    gan.fit(data, epochs=1, steps_per_epoch=4 * unit, verbose=0)  # trace and warm up
    steps = 2 * unit
    while True:
        cpu, start = time.process_time(), time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if elapsed >= seconds:
            return {"rate": steps / elapsed, "cpu_ms": 1000 * cpu / steps}
        steps = -(-int(steps * max(2.0, 1.2 * seconds / elapsed)) // unit) * unit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--child", nargs=3, metavar=("ROW", "CELL", "SECONDS"))
    args = parser.parse_args(argv)
    if args.child:
        row, cell, seconds = args.child
        report(measure(ROWS[row], cell, float(seconds)))
        return 0
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"--rows: {', '.join(unknown)} unknown; rows are {', '.join(ROWS)}")
    found = {(row, cell): [] for row in rows for cell in CELLS}
    for round_ in range(args.rounds):
        for row in rows:
            for cell in CELLS:
                result = run_child(__file__, [row, cell], args.seconds)
                if "error" in result:
                    print(f"{row} / {cell}: {result['error']}", file=sys.stderr)
                    continue
                found[row, cell].append(result)
        print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    print(f"CPU SIMD flags: {cpu_flags()}")
    print("\n| row | recipe | steps/s, gradients only | steps/s, with updates | CPU ms/step, "
          "gradients only | CPU ms/step, with updates | CPU time saved |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        before, after = found[row, CELLS[0]], found[row, CELLS[1]]
        cpu = [[r["cpu_ms"] for r in cell] for cell in (before, after)]
        saved = (f"{100 * (1 - statistics.median(cpu[1]) / statistics.median(cpu[0])):.0f}%"
                 if all(cpu) else "–")
        print(f"| {row} | `{ROWS[row]}` | {summary([r['rate'] for r in before])} | "
              f"{summary([r['rate'] for r in after])} | {summary(cpu[0])} | {summary(cpu[1])} | "
              f"{saved} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

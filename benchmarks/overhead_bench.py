"""What a training step costs besides the step: the input pipeline, ganzoo's callbacks, Keras'
progress bar (issue 11, item 2).

    GANZOO_DATA_DIR=../shared/data python benchmarks/overhead_bench.py [--rounds 2]
        [--rows ring8,mnist] [--epochs 2] [--steps 250]

For each row (the recipe as it is: its nets, update rule, batch, automatic steps_per_execution
and XLA choice), every cell a process of its own, interleaved over `--rounds`:
  data       the recipe's tf.data stream alone, batches drawn per second (what `fit` pulls)
  bare       `GAN.fit` of `--epochs` epochs of `--steps` steps, no callbacks, verbose=0
  callbacks  the same with ganzoo's callbacks (checkpoint and its checksum every epoch,
             TensorBoard scalars every log_every steps and the epoch's images), verbose=2
             (one line an epoch, as `ganzoo train` logs to a file)
  progress   the same with Keras' progress bar (verbose=1, as on a terminal)
Each fit is timed after one warm-up execution (tracing). The table gives steps/s, the callbacks'
cost per epoch in seconds ((1/rate - 1/bare) x steps), and that cost as a share of one of the
recipe's own epochs (its steps_per_epoch at the bare rate): the per-epoch work (checkpoint,
images) is charged once per `--steps` here, more often than the recipe's epochs, so the share is
computed, not timed. The stream's rate against the bare step rate says whether input can be the
bottleneck.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from cells import report, run_child, summary

ROWS = {"ring8": "toy/ring8", "mnist": "goodfellow2014/mnist"}
CELLS = ("data", "bare", "callbacks", "progress")


def measure(row, cell, epochs, steps):
    import ganzoo
    from ganzoo.build import build_gan, steps_per_epoch
    from ganzoo.training import callbacks, dataset

    recipe = ganzoo.load_recipe(ROWS[row], overrides={"train.steps_per_epoch": steps})
    stream = dataset(recipe)
    if cell == "data":
        batches, count = iter(stream), 20 * steps
        next(batches)
        start = time.perf_counter()
        for _ in range(count):
            next(batches)
        return {"rate": count / (time.perf_counter() - start)}
    gan = build_gan(recipe)
    gan.fit(stream, epochs=1, steps_per_epoch=gan.steps_per_execution, verbose=0)  # trace
    with tempfile.TemporaryDirectory() as run_dir:
        hooks = [] if cell == "bare" else callbacks(recipe, run_dir)
        verbose = {"bare": 0, "callbacks": 2, "progress": 1}[cell]
        start = time.perf_counter()
        gan.fit(stream, epochs=epochs, steps_per_epoch=steps, callbacks=hooks, verbose=verbose)
        elapsed = time.perf_counter() - start
    own_epoch = steps_per_epoch(ganzoo.load_recipe(ROWS[row]))
    return {"rate": epochs * steps / elapsed, "recipe_epoch": own_epoch}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        row, cell, epochs, steps, _ = argv[1:]
        sys.stdout, real = sys.stderr, sys.stdout  # Keras' progress output stays out of RESULT
        result = measure(row, cell, int(epochs), int(steps))
        sys.stdout = real
        return report(result)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=250, help="steps per timed epoch")
    args = parser.parse_args(argv)
    rows = args.rows.split(",")
    rates = {(row, cell): [] for row in rows for cell in CELLS}
    own_epoch, errors, loads = {}, {}, []
    for round_ in range(args.rounds):
        for row in rows:
            for cell in CELLS:
                result = run_child(__file__, [row, cell, str(args.epochs), str(args.steps)], 0)
                if "error" in result:
                    errors[(row, cell)] = result["error"]
                else:
                    rates[(row, cell)].append(result["rate"])
                    own_epoch[row] = result.get("recipe_epoch", own_epoch.get(row))
                print(f"round {round_ + 1}: {row:6s} {cell:10s} {result}", file=sys.stderr,
                      flush=True)
        loads.append(os.getloadavg()[0])

    print(f"command: python benchmarks/overhead_bench.py {' '.join(argv)}")
    print(f"{os.cpu_count()} cores; load average after each round: "
          + ", ".join(f"{x:.2f}" for x in loads) + "\n")
    print("| row | stream batches/s | fit steps/s, bare | with callbacks | with progress bar "
          "| callbacks s/epoch | share of the recipe's epoch | with the bar |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cells = [summary(rates[(row, c)]) if rates[(row, c)] else errors.get((row, c), "–")
                 for c in CELLS]
        median = {c: statistics.median(rates[(row, c)]) if rates[(row, c)] else 0.0
                  for c in CELLS}
        shares = []
        for cell in ("callbacks", "progress"):
            if median["bare"] and median[cell] and own_epoch.get(row):
                cost = (1 / median[cell] - 1 / median["bare"]) * args.steps  # s per epoch
                shares.append((cost, cost / (own_epoch[row] / median["bare"])))
        costs = [f"{cost:.2f}" for cost, _ in shares[:1]] or ["–"]
        shown = [f"{share:.1%}" for _, share in shares] or ["–", "–"]
        print(f"| {row} | " + " | ".join(cells + costs + shown) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

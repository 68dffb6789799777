"""PacGAN's Table 1 (Lin et al. 2018, arXiv 1712.04086), its ALI row, and the loss families on its protocol.

    python docs/pacgan_table.py run ~/ganzoo-runs/table1 [--epochs ring8=20,grid25=100] [--seeds 5] [--jobs 2]
    python docs/pacgan_table.py table [--epochs ring8=20,grid25=100]

The recipes hold the paper's protocol, 400 epochs of 1,000 steps; on a 2-core CPU that is about
2 h a run, 160 h for the table, so the table is trained to a stated shorter budget, one per toy
and the same for every row of that toy: `--epochs` (default ring8=20, grid25=100; a bare number
sets both). grid25's rows need the longer one: PacGAN3's D stays at chance for its first 25
epochs there (docs/reproduction.md).

`run` trains every (row, toy, seed) that is not finished yet with `ganzoo train RECIPE --set
train.seed=S --set train.epochs=E --set eval.every=E/2 --run-dir OUT/<recipe>-s<S>`, resuming a
run that stopped part-way or that was trained to a smaller budget (so it can be stopped and
started again across sessions, and the budget raised later), seed by seed so that every row
gains a seed before any gains its next (ring8 first, then grid25). Each finished run's
evaluations are recorded in `docs/pacgan_table.json` (`--results`), with the command and the
ganzoo commit that made them (docs/table_runs.py): the table is rebuilt from that file, which is
committed, so a run folder lost with its machine costs nothing once its run has finished, and a
run recorded there at the budget is not trained again. `--jobs` runs that many trainings at
once, each on one thread: these nets are small, and two one-thread runs train about 1.4x the
steps of one run on both cores. `table` reads the evaluations (at half the budget and at its end) from each run's
record and prints the markdown table of docs/reproduction.md: mean ± standard error
over the finished seeds of modes, high-quality fraction and reverse KL, at both budgets, beside
the paper's numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from table_runs import (Run, at_budgets, command_line, load_results, mean_se,  # noqa: E402
                        plan, save_results as save, train_missing)

RESULTS = Path(__file__).with_name("pacgan_table.json")
ABOUT = "PacGAN Table 1 runs of docs/pacgan_table.py; evaluations by step (1,000 steps an epoch)"

ROWS = (  # (label, recipe with {toy})
    ("GAN", "pacgan2018/{toy}_gan"),
    ("PacGAN2", "pacgan2018/{toy}_pacgan2"),
    ("PacGAN3", "pacgan2018/{toy}_pacgan3"),
    ("PacGAN4", "pacgan2018/{toy}_pacgan4"),
    ("LSGAN", "lsgan2017/{toy}"),
    ("WGAN-GP", "wgan_gp2017/{toy}"),
    ("hinge + SN", "sngan2018/{toy}"),
    ("ALI", "ali2016/{toy}"),  # learned inference (issue 13): PacGAN's own ALI row
)
TOYS = ("ring8", "grid25")
# PacGAN Table 1 (10 trials, mean ± standard error): modes, high-quality %, reverse KL.
PAPER = {
    ("ring8", "GAN"): ("6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09"),
    ("ring8", "PacGAN2"): ("7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03"),
    ("ring8", "PacGAN3"): ("7.8 ± 0.1", "97.7 ± 0.3", "0.10 ± 0.02"),
    ("ring8", "PacGAN4"): ("7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02"),
    ("grid25", "GAN"): ("17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07"),
    ("grid25", "PacGAN2"): ("23.8 ± 0.7", "91.3 ± 0.8", "0.13 ± 0.04"),
    ("grid25", "PacGAN3"): ("24.6 ± 0.4", "94.2 ± 0.4", "0.06 ± 0.02"),
    ("grid25", "PacGAN4"): ("24.8 ± 0.2", "93.6 ± 0.6", "0.04 ± 0.01"),
    ("ring8", "ALI"): ("6.6 ± 0.3", "97.6 ± 0.4", "0.36 ± 0.04"),
    ("grid25", "ALI"): ("24.1 ± 0.4", "95.7 ± 0.6", "0.14 ± 0.03"),
}
# The table's budget per toy, in 1,000-step epochs (the paper's is 400 for both).
EPOCHS = {"ring8": 20, "grid25": 100}
METRICS = ("modes", "high_quality", "reverse_kl")


def budgets(value):
    """{toy: epochs} of `--epochs`: "N" for every toy, or "toy=N,toy=N" (toys not named keep the
    default); a dict passes through."""
    if isinstance(value, dict):
        return {**EPOCHS, **value}
    if isinstance(value, int) or str(value).strip().isdigit():
        return dict.fromkeys(TOYS, int(value))
    found = dict(EPOCHS)
    for part in str(value).split(","):
        toy, _, epochs = part.partition("=")
        if toy.strip() not in TOYS or not epochs.strip().isdigit() or int(epochs) < 2:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not N or toy=N with toy one of {', '.join(TOYS)} and N >= 2")
        found[toy.strip()] = int(epochs)
    return found


def save_results(path, records):
    save(path, records, ABOUT)


def runs(out, seeds, toys, rows, epochs):
    """The table's runs, toy by toy and within a toy seed by seed (every row gains a seed before
    any gains its next), each to its toy's budget in `epochs` (see `budgets`)."""
    every_toy = budgets(epochs)
    for toy in toys:
        for seed in range(seeds):
            for label, pattern in ROWS:
                if rows and label not in rows:
                    continue
                recipe = pattern.format(toy=toy)
                yield Run(Path(out) / f"{recipe.replace('/', '-')}-s{seed}", recipe, seed,
                          every_toy[toy])


def table(results, epochs, finished_only=False):
    """The markdown table of the results file's runs, at half of each toy's budget in `epochs`
    (see `budgets`) and at its end; `finished_only` leaves out the rows no run has reached."""
    records = load_results(results)
    lines = ["| toy | row | paper: modes / HQ % / rev-KL | epochs | seeds | modes | high quality % | "
             "reverse KL |", "|---|---|---|---|---|---|---|---|"]
    every_toy = budgets(epochs)
    for toy in TOYS:
        epochs = every_toy[toy]
        for label, pattern in ROWS:
            recipe = pattern.format(toy=toy)
            paper = " / ".join(PAPER.get((toy, label), ("not published",) * 1))
            runs_of_row = at_budgets(records, (epochs // 2, epochs),
                                     lambda name, entry: entry["recipe"] == recipe)
            for budget, found in runs_of_row.items():
                if finished_only and not found:
                    continue
                values = {m: [r[m] for r in found if m in r] for m in METRICS}
                lines.append(f"| {toy} | {label} | {paper} | {budget} | {len(found)} | "
                             f"{mean_se(values['modes'], digits=1)} | "
                             f"{mean_se(values['high_quality'], 100, 1)} | "
                             f"{mean_se(values['reverse_kl'])} |")
    print("\n".join(lines))


def main(argv=None):
    parser, run, show = command_line(__doc__, RESULTS, 5, "toys", TOYS)
    for command in (run, show):
        command.add_argument("--epochs", type=budgets, default=EPOCHS,
                             help="the budget in 1,000-step epochs: N, or toy=N,... (default: "
                                  + ",".join(f"{t}={e}" for t, e in EPOCHS.items()) + ")")
    args = parser.parse_args(argv)
    if args.command == "run":
        return train_missing(runs(args.out, args.seeds, args.toys, args.rows, args.epochs), args,
                             ABOUT, METRICS)
    table(args.results, args.epochs, args.finished_only)


if __name__ == "__main__":
    sys.exit(main())

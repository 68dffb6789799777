"""PacGAN's Table 1 (Lin et al. 2018, arXiv 1712.04086) and the loss families on its protocol.

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
gains a seed before any gains its next (ring8 first, then grid25). Each finished run's evaluations are recorded in
`docs/pacgan_table.json` (`--results`), with the command and the ganzoo commit that made them:
the table is rebuilt from that file, which is committed, so a run folder lost with its machine
costs nothing once its run has finished, and a run recorded there at the budget is not trained
again. `--jobs` runs that many trainings at once, each on one
thread: these nets are small, and two one-thread runs train about 1.4x the steps of one run on
both cores. `table` reads the evaluations (at half the budget and at its end) from each run's
record and prints the markdown table of docs/reproduction.md: mean ± standard error
over the finished seeds of modes, high-quality fraction and reverse KL, at both budgets, beside
the paper's numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RESULTS = Path(__file__).with_name("pacgan_table.json")

ROWS = (  # (label, recipe with {toy})
    ("GAN", "pacgan2018/{toy}_gan"),
    ("PacGAN2", "pacgan2018/{toy}_pacgan2"),
    ("PacGAN3", "pacgan2018/{toy}_pacgan3"),
    ("PacGAN4", "pacgan2018/{toy}_pacgan4"),
    ("LSGAN", "lsgan2017/{toy}"),
    ("WGAN-GP", "wgan_gp2017/{toy}"),
    ("hinge + SN", "sngan2018/{toy}"),
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


def run_dir(out, recipe, seed):
    return Path(out) / f"{recipe.replace('/', '-')}-s{seed}"


def load_results(path):
    """{run name: record} of the results file (empty if there is none yet)."""
    path = Path(path)
    return json.loads(path.read_text())["runs"] if path.exists() else {}


def save_results(path, records):
    """Write the results file whole (through a temporary file, so it is never half-written)."""
    path = Path(path)
    text = json.dumps({"about": "PacGAN Table 1 runs of docs/pacgan_table.py; evaluations by "
                                "step (1,000 steps an epoch)", "runs": dict(sorted(records.items()))},
                      indent=1) + "\n"
    partial = path.with_suffix(".json.partial")
    partial.write_text(text)
    partial.replace(path)


def record(folder, recipe, seed, epochs, command):
    """What the results file keeps of a finished run: its evaluations and how they were made."""
    return {"recipe": recipe, "seed": seed, "epochs": epochs, "command": " ".join(command),
            "commit": commit(), "evaluations": {str(step): values for step, values in
                                                sorted(evaluations(folder).items())}}


def commit():
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, cwd=Path(__file__).parent)
    return found.stdout.strip() or "unknown"


def recorded_epochs(entry):
    return entry["epochs"] if entry else 0


def commands(out, seeds, toys, rows, epochs, recorded=None):
    """(run folder, recipe, seed, epochs, its `ganzoo train` command) of every run not yet trained
    to its toy's budget in `epochs` (see `budgets`), toy by toy and within a toy seed by seed;
    `recorded` holds the results file's runs, which count as trained."""
    from ganzoo import runs

    recorded = recorded or {}
    every_toy = budgets(epochs)
    for toy in toys:
        epochs = every_toy[toy]
        for seed in range(seeds):
            for label, pattern in ROWS:
                if rows and label not in rows:
                    continue
                recipe = pattern.format(toy=toy)
                folder = run_dir(out, recipe, seed)
                if recorded_epochs(recorded.get(folder.name)) >= epochs:
                    continue
                done = [c.epoch for c in runs.all_checkpoints(folder)]
                budget = ["--set", f"train.epochs={epochs}", "--set", f"eval.every={epochs // 2}"]
                if done and max(done) >= epochs:
                    yield folder, recipe, seed, epochs, None  # trained, not yet recorded
                    continue
                if done:
                    yield folder, recipe, seed, epochs, ["ganzoo", "train", str(folder), "--resume",
                                                         *budget]
                else:
                    yield folder, recipe, seed, epochs, ["ganzoo", "train", recipe, "--run-dir",
                                                         str(folder), "--set", f"train.seed={seed}",
                                                         *budget]


def train_all(out, seeds, toys, rows, epochs, jobs, results=RESULTS):
    # One thread per training when several run side by side (TensorFlow and oneDNN read these).
    threads = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
               "OMP_NUM_THREADS": "1"} if jobs > 1 else {}
    env = {**os.environ, **threads, "TF_CPP_MIN_LOG_LEVEL": "2"}

    records = load_results(results)
    lock = threading.Lock()

    def train(job):
        folder, recipe, seed, epochs, command = job
        code = 0
        if command:
            print(" ".join(command), flush=True)
            folder.parent.mkdir(parents=True, exist_ok=True)
            with open(f"{folder}.log", "a") as log:
                code = subprocess.run(command, env=env, stdout=log,
                                      stderr=subprocess.STDOUT).returncode
            print(f"{'done' if code == 0 else f'FAILED ({code})'}: {folder}", flush=True)
        if code == 0:
            made = ["ganzoo", "train", recipe, "--set", f"train.seed={seed}", "--set",
                    f"train.epochs={epochs}", "--set", f"eval.every={epochs // 2}"]
            entry = record(folder, recipe, seed, epochs, made)
            with lock:
                records[folder.name] = entry
                save_results(results, records)
        return code

    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(train, commands(out, seeds, toys, rows, epochs, records)))
    return 1 if any(codes) else 0


def evaluations(folder):
    """{step: {metric: value}} of a run's eval/* TensorBoard scalars."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from ganzoo.cli import load_tensorflow

    load_tensorflow()  # without TensorFlow's start-up lines in the driver's log
    import tensorflow as tf
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(str(folder / "logs"), size_guidance={"tensors": 0})
    events.Reload()
    found = {}
    for metric in METRICS:
        tag = f"eval/{metric}"
        if tag in events.Tags().get("tensors", []):
            for event in events.Tensors(tag):
                found.setdefault(event.step, {})[metric] = float(tf.make_ndarray(event.tensor_proto))
    return found


def mean_se(values, scale=1.0, digits=2):
    if not values:
        return "–"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean * scale:.{digits}f} (1 seed)"
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return f"{mean * scale:.{digits}f} ± {math.sqrt(var / len(values)) * scale:.{digits}f}"


def table(results, epochs, finished_only=False):
    """The markdown table of the results file's runs, at half of each toy's budget in `epochs`
    (see `budgets`) and at its end; `finished_only` leaves out the rows no run has reached."""
    import ganzoo

    records = load_results(results)
    lines = ["| toy | row | paper: modes / HQ % / rev-KL | epochs | seeds | modes | high quality % | "
             "reverse KL |", "|---|---|---|---|---|---|---|---|"]
    every_toy = budgets(epochs)
    for toy in TOYS:
        epochs = every_toy[toy]
        for label, pattern in ROWS:
            recipe = pattern.format(toy=toy)
            steps = ganzoo.load_recipe(recipe).train.steps_per_epoch
            by_budget = {epochs // 2: [], epochs: []}
            for entry in records.values():
                if entry["recipe"] != recipe:
                    continue
                for budget in by_budget:
                    if str(budget * steps) in entry["evaluations"]:
                        by_budget[budget].append(entry["evaluations"][str(budget * steps)])
            paper = " / ".join(PAPER.get((toy, label), ("not published",) * 1))
            for budget, found in by_budget.items():
                if finished_only and not found:
                    continue
                values = {m: [r[m] for r in found if m in r] for m in METRICS}
                lines.append(f"| {toy} | {label} | {paper} | {budget} | {len(found)} | "
                             f"{mean_se(values['modes'], digits=1)} | "
                             f"{mean_se(values['high_quality'], 100, 1)} | "
                             f"{mean_se(values['reverse_kl'])} |")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="train the missing runs (resumable)")
    run.add_argument("out", type=Path)
    run.add_argument("--epochs", type=budgets, default=EPOCHS,
                     help="the budget in 1,000-step epochs: N, or toy=N,... (default: "
                          + ",".join(f"{t}={e}" for t, e in EPOCHS.items()) + ")")
    run.add_argument("--jobs", type=int, default=2, help="trainings at once, one thread each")
    run.add_argument("--seeds", type=int, default=5)
    run.add_argument("--toys", default=",".join(TOYS))
    run.add_argument("--rows", default="", help="comma-separated row labels (default: all)")
    run.add_argument("--results", type=Path, default=RESULTS,
                     help="where finished runs are recorded (default: docs/pacgan_table.json)")
    show = commands.add_parser("table", help="print the markdown table of the recorded runs")
    show.add_argument("--epochs", type=budgets, default=EPOCHS)
    show.add_argument("--results", type=Path, default=RESULTS)
    show.add_argument("--finished-only", action="store_true",
                      help="leave out the rows no run has reached yet")
    args = parser.parse_args(argv)
    if args.command == "run":
        rows = [r.strip() for r in args.rows.split(",") if r.strip()]
        return train_all(args.out, args.seeds, args.toys.split(","), rows, args.epochs, args.jobs,
                         args.results)
    table(args.results, args.epochs, args.finished_only)


if __name__ == "__main__":
    sys.exit(main())

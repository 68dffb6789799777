"""What the reproduction tables' drivers share (docs/pacgan_table.py, docs/family_table.py).

A table is many `ganzoo train` runs (recipe x seed, each to a stated budget) whose evaluations
are recorded in a committed JSON file, so that the table is rebuilt from that file and a run
folder lost with its machine costs nothing once its run has finished. A driver lists its runs
(`Run`), `plan` turns them into `ganzoo train` commands (new, resumed from a folder that stopped
part-way or was trained to a smaller budget, or none for a finished folder not yet recorded),
and `train_all` runs them a few at a time, one thread each, recording each run as it finishes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One training of a table: `sets` are its `--set KEY=VALUE` overrides beyond the seed and
    the budget (they go into the run's recipe.toml, so a resume needs only the budget); it is
    evaluated every `every` epochs, which must divide half the budget (0: at half and at the
    end)."""

    folder: Path
    recipe: str
    seed: int
    epochs: int
    sets: tuple[str, ...] = ()
    every: int = 0  # epochs between evaluations; 0 = at half the budget and at its end

    def budget(self):
        every = self.every or self.epochs // 2
        return ["--set", f"train.epochs={self.epochs}", "--set", f"eval.every={every}"]

    def command(self):
        """The command that trains this run from nothing (what the results file records)."""
        sets = [arg for key in self.sets for arg in ("--set", key)]
        return ["ganzoo", "train", self.recipe, "--set", f"train.seed={self.seed}", *sets,
                *self.budget()]


def load_results(path):
    """{run name: record} of a results file (empty if there is none yet)."""
    path = Path(path)
    return json.loads(path.read_text())["runs"] if path.exists() else {}


def save_results(path, records, about):
    """Write a results file whole (through a temporary file, so it is never half-written)."""
    path = Path(path)
    text = json.dumps({"about": about, "runs": dict(sorted(records.items()))}, indent=1) + "\n"
    partial = path.with_suffix(".json.partial")
    partial.write_text(text)
    partial.replace(path)


def commit():
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, cwd=Path(__file__).parent)
    return found.stdout.strip() or "unknown"


def record(run, metrics=None):
    """What the results file keeps of a finished run: its evaluations and how they were made."""
    return {"recipe": run.recipe, "seed": run.seed, "epochs": run.epochs,
            "command": " ".join(run.command()), "commit": commit(),
            "evaluations": {str(step): values for step, values in
                            sorted(evaluations(run.folder, metrics).items())}}


def evaluations(folder, metrics=None):
    """{step: {metric: value}} of a run's eval/* TensorBoard scalars (only `metrics`, if given)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from ganzoo.cli import load_tensorflow

    load_tensorflow()  # without TensorFlow's start-up lines in the driver's log
    import tensorflow as tf
    from tensorboard.backend.event_processing import event_accumulator

    events = event_accumulator.EventAccumulator(str(Path(folder) / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    found = {}
    for tag in events.Tags().get("tensors", []):
        metric = tag.removeprefix("eval/")
        if tag.startswith("eval/") and (metrics is None or metric in metrics):
            for event in events.Tensors(tag):
                found.setdefault(event.step, {})[metric] = float(tf.make_ndarray(event.tensor_proto))
    return found


def plan(runs, recorded=None):
    """(run, its `ganzoo train` command, or None when its folder finished but is not recorded)
    of every run not yet recorded at its budget; `recorded` holds the results file's runs."""
    from ganzoo import runs as run_folders

    recorded = recorded or {}
    for run in runs:
        entry = recorded.get(run.folder.name)
        if entry and entry["epochs"] >= run.epochs:
            continue
        done = [c.epoch for c in run_folders.all_checkpoints(run.folder)]
        if done and max(done) >= run.epochs:
            yield run, None
        elif done:
            yield run, ["ganzoo", "train", str(run.folder), "--resume", *run.budget()]
        else:
            new = run.command()
            yield run, [*new[:3], "--run-dir", str(run.folder), *new[3:]]


def train_all(planned, jobs, results, about, metrics=None):
    """Run the planned commands `jobs` at a time (one thread each when several), each logging
    to FOLDER.log, and record each run in `results` as it finishes. Returns the exit status."""
    threads = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
               "OMP_NUM_THREADS": "1"} if jobs > 1 else {}
    env = {**os.environ, **threads, "TF_CPP_MIN_LOG_LEVEL": "2"}
    records = load_results(results)
    lock = threading.Lock()

    def train(job):
        run, command = job
        code = 0
        if command:
            print(" ".join(command), flush=True)
            run.folder.parent.mkdir(parents=True, exist_ok=True)
            with open(f"{run.folder}.log", "a") as log:
                code = subprocess.run(command, env=env, stdout=log,
                                      stderr=subprocess.STDOUT).returncode
            print(f"{'done' if code == 0 else f'FAILED ({code})'}: {run.folder}", flush=True)
        if code == 0:
            entry = record(run, metrics)
            with lock:
                records[run.folder.name] = entry
                save_results(results, records, about)
        return code

    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(train, list(planned)))
    return 1 if any(codes) else 0


def train_missing(wanted, args, about, metrics):
    """`run`: train the `wanted` runs not yet recorded in `--results`, `--jobs` at a time."""
    return train_all(plan(wanted, load_results(args.results)), args.jobs, args.results, about,
                     metrics)


def mean_se(values, scale=1.0, digits=2):
    """"mean ± standard error" of `values` (times `scale`), "(1 seed)" for one, "–" for none."""
    if not values:
        return "–"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean * scale:.{digits}f} (1 seed)"
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return f"{mean * scale:.{digits}f} ± {math.sqrt(var / len(values)) * scale:.{digits}f}"


def at_budgets(records, budgets, match):
    """{epochs: [evaluation after that many epochs, one per recorded run `match(name, entry)`
    accepts]} for each of `budgets`. A run's steps per epoch are read off its record: its last
    evaluation is at its end, `epochs` epochs in."""
    found = {budget: [] for budget in budgets}
    for name, entry in records.items():
        if not match(name, entry) or not entry["evaluations"]:
            continue
        steps = max(map(int, entry["evaluations"])) // entry["epochs"]
        for budget in budgets:
            evaluation = entry["evaluations"].get(str(budget * steps))
            if evaluation:
                found[budget].append(evaluation)
    return found


def command_line(doc, results, seeds, group, groups):
    """The drivers' shared `run` and `table` commands: (parser, run's, table's subparser), for a
    table whose runs come in `groups` (its toys or datasets, chosen by `--GROUP`)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="train the missing runs (resumable)")
    run.add_argument("out", type=Path)
    run.add_argument("--jobs", type=int, default=2, help="trainings at once, one thread each")
    run.add_argument("--seeds", type=int, default=seeds)
    run.add_argument(f"--{group}", type=lambda text: listed(text, groups, f"--{group}"),
                     default=list(groups), help=f"comma-separated, of {', '.join(groups)}")
    run.add_argument("--rows", type=lambda text: [r.strip() for r in text.split(",") if r.strip()],
                     default=[], help="comma-separated row labels (default: all)")
    show = commands.add_parser("table", help="print the markdown table of the recorded runs")
    show.add_argument("--finished-only", action="store_true",
                      help="leave out the rows no run has reached yet")
    for command in (run, show):
        command.add_argument("--results", type=Path, default=results,
                             help=f"where finished runs are recorded (default: {results.name})")
    return parser, run, show


def listed(text, allowed, flag):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{', '.join(unknown) or 'nothing'} given; "
                                         f"{flag} takes names of: {', '.join(allowed)}")
    return names

"""Run directories and their checkpoints.

    RUN_DIR/recipe.toml                       the resolved recipe
    RUN_DIR/checkpoints/epoch-0003.weights.h5 both networks, both optimizers, dropout seeds
    RUN_DIR/checkpoints/epoch-0003.json       {"epoch": 3, "step": ..., "steps_per_epoch": ...}
    RUN_DIR/logs/                             TensorBoard event files

A checkpoint's JSON is written last and each file is renamed into place, so a checkpoint with
a JSON file is complete; an interrupted save leaves only a temporary file that is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ganzoo.errors import RunError

KEEP = 3


@dataclass(frozen=True)
class CheckpointInfo:
    """One complete checkpoint: the epochs and steps done when it was saved."""

    weights: Path
    epoch: int
    step: int
    steps_per_epoch: int


def checkpoint_dir(run_dir):
    return Path(run_dir) / "checkpoints"


def save(gan, run_dir, epoch, step, steps_per_epoch):
    """Save the GAN's full state after `epoch` epochs, keeping the newest KEEP checkpoints."""
    folder = checkpoint_dir(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{epoch:04d}"
    temporary = folder / f".partial-{stem}.weights.h5"
    gan.save_weights(temporary)
    os.replace(temporary, folder / f"{stem}.weights.h5")
    state = {"epoch": epoch, "step": int(step), "steps_per_epoch": steps_per_epoch,
             "random_states": [v.numpy().tolist() for v in random_states(gan)]}
    write_atomically(folder / f"{stem}.json", json.dumps(state, indent=2) + "\n")
    for old in all_checkpoints(run_dir)[:-KEEP]:
        old.weights.unlink(missing_ok=True)
        old.weights.with_name(old.weights.name.replace(".weights.h5", ".json")).unlink(missing_ok=True)


def restore(gan, info):
    """Load a checkpoint into a GAN built from the same recipe, dropout random states included."""
    gan.load_weights(info.weights)
    meta = json.loads(info.weights.with_name(info.weights.name.replace(".weights.h5", ".json")).read_text())
    # In model order: variable names carry per-process counters, so they differ between builds.
    for variable, value in zip(random_states(gan), meta.get("random_states", [])):
        variable.assign(value)


def random_states(gan):
    """The dropout layers' seed-generator states: `save_weights` leaves them out, and a resumed
    run must continue their sequence to match an uninterrupted one."""
    return [v for v in gan.variables if v.name == "seed_generator_state"]


def write_atomically(path, text):
    temporary = path.with_name(f".partial-{path.name}")
    temporary.write_text(text)
    os.replace(temporary, path)


def all_checkpoints(run_dir):
    """The complete checkpoints of a run, oldest first."""
    found = []
    for meta in sorted(checkpoint_dir(run_dir).glob("epoch-*.json")):
        weights = meta.with_name(meta.name.replace(".json", ".weights.h5"))
        if weights.is_file():
            state = json.loads(meta.read_text())
            found.append(CheckpointInfo(weights, state["epoch"], state["step"], state["steps_per_epoch"]))
    return found


def latest(run_dir):
    """The newest complete checkpoint of `run_dir`, or a RunError saying what is missing."""
    run_dir = Path(run_dir)
    if not (run_dir / "recipe.toml").is_file():
        raise RunError(f"{run_dir}: not a ganzoo run directory (no recipe.toml)")
    found = all_checkpoints(run_dir)
    if not found:
        raise RunError(f"{run_dir}: has no checkpoint yet (train at least one epoch)")
    return found[-1]

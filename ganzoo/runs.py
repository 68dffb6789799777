"""Run directories: their recipe, their checkpoints (save, verify, restore), and what may resume.

    RUN_DIR/recipe.toml                       the resolved recipe
    RUN_DIR/checkpoints/epoch-0003.weights.h5 both networks, both optimizers
    RUN_DIR/checkpoints/epoch-0003.json       {"epoch", "step", "steps_per_epoch", "sha256",
                                               "random_states": dropout seed states}
    RUN_DIR/logs/                             TensorBoard event files
    RUN_DIR/eval.json                         the newest `ganzoo eval` report

A checkpoint's JSON is written last and each file is renamed into place, so a checkpoint with
a JSON file is complete; an interrupted save leaves only a temporary file that is ignored. The
JSON records the SHA-256 of its weights file: a checkpoint damaged later (a truncated copy, a
garbled JSON) is named in one line and the newest intact one is used instead.

Training, evaluation and export all open runs here (`open_run`); `ganzoo.build.load_gan` builds
a run's GAN from it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ganzoo.errors import RecipeError, RunError
from ganzoo.recipe import load_recipe, resolve_paths

KEEP = 3
RECIPE_FILE = "recipe.toml"


@dataclass(frozen=True)
class CheckpointInfo:
    """One complete checkpoint: the epochs and steps done when it was saved."""

    weights: Path
    epoch: int
    step: int
    steps_per_epoch: int
    sha256: str | None = None  # None: written before ganzoo recorded checksums
    random_states: tuple = ()

    @property
    def meta(self):
        return meta_path(self.weights)


@dataclass(frozen=True)
class Run:
    """An opened run directory: its path and resolved recipe."""

    path: Path
    recipe: object  # ganzoo.recipe.Recipe

    def checkpoint(self):
        """The newest intact checkpoint (see `latest`)."""
        return latest(self.path)


def open_run(run_dir):
    """The run at `run_dir`, or a RunError naming what is missing or unreadable."""
    run_dir = Path(run_dir)
    if not (run_dir / RECIPE_FILE).is_file():
        raise RunError(f"{run_dir}: not a ganzoo run directory (no {RECIPE_FILE})")
    try:
        recipe = load_recipe(run_dir / RECIPE_FILE)
    except RecipeError as error:
        raise RunError(f"{run_dir}: its {RECIPE_FILE} does not load with this ganzoo "
                       f"({error})") from None
    return Run(run_dir, recipe)


# -- Checkpoints --------------------------------------------------------------------------------


def checkpoint_dir(run_dir):
    return Path(run_dir) / "checkpoints"


def meta_path(weights):
    return weights.with_name(weights.name.replace(".weights.h5", ".json"))


def save(gan, run_dir, epoch, step, steps_per_epoch):
    """Save the GAN's full state after `epoch` epochs, keeping the newest KEEP checkpoints."""
    folder = checkpoint_dir(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{epoch:04d}"
    temporary = folder / f".partial-{stem}.weights.h5"
    gan.save_weights(temporary)
    digest = sha256(temporary)
    os.replace(temporary, folder / f"{stem}.weights.h5")
    state = {"epoch": epoch, "step": int(step), "steps_per_epoch": steps_per_epoch,
             "sha256": digest, "random_states": [v.numpy().tolist() for v in random_states(gan)]}
    write_atomically(folder / f"{stem}.json", json.dumps(state, indent=2) + "\n")
    for old in all_checkpoints(run_dir)[:-KEEP]:
        old.weights.unlink(missing_ok=True)
        old.meta.unlink(missing_ok=True)


def restore(gan, info):
    """Load a checkpoint into a GAN built from the same recipe, dropout random states included."""
    try:
        gan.load_weights(info.weights)
    except (OSError, ValueError) as error:
        raise RunError(f"{info.weights}: does not load into this recipe's GAN: "
                       f"{' '.join(str(error).split())}") from None
    # In model order: variable names carry per-process counters, so they differ between builds.
    for variable, value in zip(random_states(gan), info.random_states):
        variable.assign(value)


def random_states(gan):
    """The dropout layers' seed-generator states: `save_weights` leaves them out, and a resumed
    run must continue their sequence to match an uninterrupted one."""
    return [v for v in gan.variables if v.name == "seed_generator_state"]


def write_atomically(path, text):
    temporary = path.with_name(f".partial-{path.name}")
    temporary.write_text(text)
    os.replace(temporary, path)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def all_checkpoints(run_dir):
    """The complete checkpoints of a run, oldest first (intact or not: see `problem`)."""
    found = []
    for meta in sorted(checkpoint_dir(run_dir).glob("epoch-*.json")):
        weights = meta.with_name(meta.name.replace(".json", ".weights.h5"))
        if weights.is_file():
            found.append(read_meta(meta, weights))
    return found


def read_meta(meta, weights):
    """The CheckpointInfo a JSON file describes; an unreadable one becomes an info whose
    `problem` says so (its epoch taken from the file name)."""
    try:
        state = json.loads(meta.read_text())
        return CheckpointInfo(weights, int(state["epoch"]), int(state["step"]),
                              int(state["steps_per_epoch"]), state.get("sha256"),
                              tuple(state.get("random_states", ())))
    except (OSError, ValueError, KeyError, TypeError):
        epoch = int(meta.stem.split("-")[-1]) if meta.stem.split("-")[-1].isdigit() else 0
        return CheckpointInfo(weights, epoch, -1, 0, sha256="unreadable")


def problem(info):
    """Why a checkpoint cannot be used, or None when it is intact."""
    if info.sha256 == "unreadable":
        return f"{info.meta.name} is not a readable checkpoint record"
    if info.sha256 is None:  # before checksums: at least the HDF5 file must open
        import h5py

        try:
            h5py.File(info.weights, "r").close()
        except OSError:
            return f"{info.weights.name} is not a readable HDF5 file"
        return None
    if sha256(info.weights) != info.sha256:
        return f"{info.weights.name} does not match its recorded SHA-256 (damaged or truncated)"
    return None


def latest(run_dir, report=None):
    """The newest intact checkpoint of `run_dir`, or a RunError saying what is missing.

    A damaged newer checkpoint is skipped with one line each to `report` (default: stderr),
    naming it and the one used instead.
    """
    run_dir = Path(run_dir)
    if not (run_dir / RECIPE_FILE).is_file():
        raise RunError(f"{run_dir}: not a ganzoo run directory (no {RECIPE_FILE})")
    found = all_checkpoints(run_dir)
    if not found:
        raise RunError(f"{run_dir}: has no checkpoint yet (train at least one epoch)")
    damaged = []
    for info in reversed(found):
        why = problem(info)
        if why is None:
            for line in damaged:
                print(f"ganzoo: {checkpoint_dir(run_dir)}: {line}; using epoch {info.epoch} "
                      f"({info.weights.name}) instead", file=report or sys.stderr)
            return info
        damaged.append(why)
    raise RunError(f"{checkpoint_dir(run_dir)}: no intact checkpoint: {'; '.join(damaged)}")


# -- Resuming -----------------------------------------------------------------------------------


def starting_checkpoint(recipe, run_dir, resume):
    """The checkpoint a run continues from (None for a new run), or a RunError if `run_dir`
    cannot take this run: a finished run without `resume`, or another recipe."""
    run_dir = Path(run_dir)
    if not resume:
        if all_checkpoints(run_dir):
            raise RunError(f"{run_dir}: already holds a trained run; pass --resume to continue "
                           "it or choose another --run-dir")
        return None
    start = latest(run_dir)
    check_same_recipe(recipe, run_dir)
    return start


def check_same_recipe(recipe, run_dir):
    """Resuming may extend train.epochs and change how the run is carried out or watched
    (strategy, XLA, logging, evaluation); any other change would make a different run."""
    saved = open_run(run_dir).recipe.config
    if what_decides_the_weights(saved) != what_decides_the_weights(recipe.config):
        raise RunError(f"{run_dir}: the recipe differs from the one this run was trained with "
                       f"({Path(run_dir) / RECIPE_FILE}); --resume may change only train.epochs, "
                       "train.strategy, train.log_every, train.steps_per_execution, [eval] and, "
                       "without dropout or noise layers, "
                       "train.jit_compile")


def has_random_layers(model):
    """Whether the recipe's networks draw at random in training: dropout in G or D, Gaussian
    noise in D (tests/test_training.py checks this against the built networks' layers)."""
    d, g = model.discriminator, model.generator
    return min(d.input_keep, d.hidden_keep, g.hidden_keep) < 1 or d.input_noise > 0 or d.hidden_noise > 0


def what_decides_the_weights(config):
    """The recipe with the keys that cannot change the trained weights set to fixed values."""
    # XLA draws other dropout masks and noise than TensorFlow's kernels (the same on every
    # replica), so with a random layer, switching XLA would change the run; `auto` is off there
    # (ganzoo.build.xla_choice).
    random_layers = has_random_layers(config.model)
    train = dataclasses.replace(config.train, epochs=1, strategy="auto", log_every=1,
                                steps_per_execution=0,
                                jit_compile=config.train.jit_compile is True and random_layers)
    return dataclasses.replace(resolve_paths(config), train=train, eval=type(config.eval)(),
                               name="", description="", paper="", expected="")

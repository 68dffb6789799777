"""Training a recipe into a run directory: its data stream, its callbacks, `fit`.

    recipe = ganzoo.load_recipe("toy/ring8")
    gan = ganzoo.build_gan(recipe)
    gan.fit(ganzoo.dataset(recipe), epochs=recipe.train.epochs,
            callbacks=ganzoo.callbacks(recipe, "runs/ring8"))

`train` is what `ganzoo train` runs: the same, resuming from a run's newest intact checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from ganzoo import distribute, runs
from ganzoo.build import build_gan, steps_per_epoch
from ganzoo.callbacks import default_callbacks
from ganzoo.data import DataError, recipe_examples, stream_dataset, train_dataset
from ganzoo.data.labelled import recipe_labelled
from ganzoo.errors import TrainingDiverged, WorkerLost

# What a collective operation raises when a peer worker dies (its connection resets) or stops
# answering (the coordination service misses its heartbeats and aborts the others).
PEER_FAILURES = (tf.errors.UnavailableError, tf.errors.AbortedError,
                 tf.errors.DeadlineExceededError, tf.errors.CancelledError)


def dataset(recipe, start_step=0):
    """The endless, seeded stream of training batches; `start_step` resumes it."""
    examples = recipe_examples(recipe, "train")
    train = recipe.train
    labelled = recipe_labelled(recipe, examples)  # [data].labelled's subset, or None
    if not examples.in_memory:  # a folder or a TFDS dataset by name: read from disk
        return stream_dataset(examples, train.batch_size, train.k, train.seed, start_step)
    return train_dataset(examples.x, train.batch_size, train.k, train.seed,
                         start_step=start_step, labels=examples.labels, labelled=labelled)


def callbacks(recipe, run_dir):
    """Checkpoints, TensorBoard logging and the recipe's [eval] into `run_dir`."""
    return default_callbacks(recipe, Path(run_dir))


def train(recipe, run_dir, resume=False, verbose="auto", strategy=None, announce=None,
          start=None):
    """Train `recipe` into `run_dir`; with `resume`, continue from its newest intact checkpoint.

    `strategy` defaults to the recipe's [train].strategy (see ganzoo.distribute). `announce`,
    if given, is called with the built GAN before anything is written (the CLI's first line).
    `start` is the checkpoint `runs.starting_checkpoint` already chose, if the caller asked it
    (it verifies every checksum and names a damaged checkpoint: once is enough).

    Returns the Keras History. A resumed run ends with the weights an uninterrupted run with
    the same seed would have (on CPU): data order, noise and dropout depend only on the step.
    """
    run_dir = Path(run_dir)
    if start is None:
        start = runs.starting_checkpoint(recipe, run_dir, resume)
    gan = build_gan(recipe, strategy=strategy)
    initial_epoch = 0
    if start is not None:
        runs.restore(gan, start)
        initial_epoch = start.epoch
    if announce is not None:
        announce(gan)
    stream = dataset(recipe, start_step=initial_epoch * steps_per_epoch(recipe))
    hooks = callbacks(recipe, run_dir)
    try:
        history = gan.fit(stream, epochs=recipe.train.epochs, initial_epoch=initial_epoch,
                          callbacks=hooks, verbose=verbose)
    except PEER_FAILURES as error:
        if not distribute.is_multi_worker(gan.distribute_strategy):
            raise
        for hook in hooks:  # close the logs, remove a non-chief's temporary copies
            hook.on_train_end()
        raise WorkerLost(lost_worker_message(gan, run_dir, error)) from None
    except tf.errors.InvalidArgumentError as error:
        if recipe_examples(recipe, "train").in_memory or "decode" not in str(error).lower():
            raise
        from ganzoo.data.decode import first_line

        # A streamed image whose header looked right (headers are checked before training):
        # the checkpoints of the finished epochs stay, and --resume continues once it is fixed.
        raise DataError(f"{recipe.path}: an image of [data] {recipe.data.name} cannot be "
                        f"decoded during training, at about step {int(gan.steps.numpy())} "
                        f"(a truncated or damaged file?): {first_line(error)}") from None
    diverged = getattr(gan, "diverged", None)
    if diverged:
        raise TrainingDiverged(diverged)
    return history


def lost_worker_message(gan, run_dir, error):
    """One line: what happened, where the run stands, and how to go on."""
    lines = [line.strip() for line in str(getattr(error, "message", error)).splitlines()]
    # TensorFlow's message starts "Graph execution error:" and ends in node names; the cause
    # is the line that says who aborted the collective, or which tasks went quiet.
    cause = next((line for line in lines if "aborted by" in line or "unhealthy" in line
                  or "heartbeat" in line.lower()), lines[0] if lines else type(error).__name__)
    found = runs.all_checkpoints(run_dir)
    kept = (f"the newest checkpoint is epoch {found[-1].epoch}" if found
            else "no checkpoint was saved yet")
    return (f"lost a worker of the cluster at about step {int(gan.steps.numpy())} ({cause[:200]});"
            f" {kept} in {run_dir}: start every worker again with `ganzoo train {run_dir} "
            f"--resume`")

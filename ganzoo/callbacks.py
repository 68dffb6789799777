"""Keras callbacks of a training run: TensorBoard summaries and checkpoints.

One summary mechanism only (tf.summary with our own writer): Keras' TensorBoard callback with a
per-batch update_freq installs a global record_if that silently drops other summaries.
"""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ganzoo import distribute, noise, plots, runs
from ganzoo.data import recipe_examples, resident_examples
from ganzoo.data.images import PIXEL_RANGES
from ganzoo.optimizers import current_momentum

GRID_ROWS, GRID_COLUMNS = 8, 7
INTERPOLATION_ROWS, INTERPOLATION_STEPS = 4, 10
TOY_SAMPLES = 2500


def default_callbacks(recipe, run_dir):
    """Checkpoints first, so a diverged step is flagged before anything else logs it; then the
    recipe's `[eval]` metrics, when `every > 0`, on the checkpoint just saved."""
    callbacks = [Checkpointer(recipe, run_dir), TensorBoardLogger(recipe, run_dir)]
    if recipe.config.eval.every > 0:
        from ganzoo.eval.runner import EvalCallback  # TensorFlow-heavy; only when asked

        callbacks.append(EvalCallback(recipe, run_dir))
    return callbacks


class Checkpointer(keras.callbacks.Callback):
    """Writes the resolved recipe, then a checkpoint after every epoch whose logs are finite.

    A NaN or Inf in any logged value (every loss and penalty term, every observation) stops
    training at once; the GAN's `diverged` attribute holds the message and the last good
    checkpoint stays the newest.
    """

    def __init__(self, recipe, run_dir):
        super().__init__()
        self.recipe = recipe
        self.run_dir = self.chief_dir = Path(run_dir)

    def on_train_begin(self, logs=None):
        self.model.diverged = None
        # D's loss first, as the progress bar; anything else Keras logs after.
        self.rank = {name: i for i, name in enumerate(self.model.log_names())}
        # Only the chief worker writes into the run directory (see ganzoo.distribute).
        self.run_dir = distribute.output_dir(self.chief_dir, self.model.distribute_strategy)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        runs.write_atomically(self.run_dir / runs.RECIPE_FILE, self.recipe.to_toml())

    def on_train_batch_end(self, batch, logs=None):
        # Called after each execution ([train].steps_per_execution steps): "by step N".
        logs = logs or {}
        for name in sorted(logs, key=lambda n: self.rank.get(n, len(self.rank))):
            value = float(np.mean(logs[name]))
            if not math.isfinite(value):
                self.stop(f"{name} became {value} by step {int(self.model.steps.numpy())}")
                return

    def stop(self, what):
        found = runs.all_checkpoints(self.run_dir)
        kept = f"the last good checkpoint is {found[-1].weights}" if found else "no checkpoint was saved"
        self.model.diverged = f"training diverged: {what}; {kept}"
        self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.model.diverged:
            return
        runs.save(self.model, self.run_dir, epoch + 1, self.model.steps.numpy(),
                  self.model.steps_per_epoch)

    def on_train_end(self, logs=None):
        distribute.discard_output_dir(self.run_dir, self.chief_dir)


class TensorBoardLogger(keras.callbacks.Callback):
    """Scalars every `log_every` steps, the recipe's hparams, and pictures every epoch.

    Pictures: for images, Figure 2 (samples from a fixed z with each row's nearest training
    example) and Figure 3 (latent interpolations), laid out by the family's `grid_inputs` (a
    conditional model: one row per class, the same z down each column, and the first
    interpolation path in every class); for 2-D toys, data against samples; for 1-D, Figure 1
    (p_data, p_g and D(x)).
    """

    def __init__(self, recipe, run_dir):
        super().__init__()
        self.recipe = recipe
        self.chief_dir = self.output_dir = Path(run_dir)
        self.log_dir = Path(run_dir) / "logs"
        self.writer = None

    def on_train_begin(self, logs=None):
        from tensorboard.plugins.hparams import api as hparams

        # Only the chief worker writes into the run directory (see ganzoo.distribute).
        self.output_dir = distribute.output_dir(self.chief_dir, self.model.distribute_strategy)
        self.log_dir = self.output_dir / "logs"
        self.writer = tf.summary.create_file_writer(str(self.log_dir))
        self.fixed_z = self.fixed_latents()
        with self.writer.as_default():
            hparams.hparams(flat_hparams(self.recipe.config), trial_id=self.recipe.name)

    def fixed_latents(self):
        """The same z at every epoch, so the pictures show the generator changing."""
        prior = self.model.prior
        count = GRID_ROWS * GRID_COLUMNS
        seed = tf.constant([self.recipe.train.seed, noise.PICTURE_GRID], tf.int64)
        grid = prior.sample(count + 2 * INTERPOLATION_ROWS, seed).numpy()
        ends = grid[count:]
        line = plots.interpolation_latents(ends[:INTERPOLATION_ROWS], ends[INTERPOLATION_ROWS:],
                                           INTERPOLATION_STEPS)
        toy = prior.sample(TOY_SAMPLES, tf.constant([self.recipe.train.seed, noise.PICTURE_TOY],
                                                    tf.int64)).numpy()
        return {"grid": grid[:count], "interpolation": line, "toy": toy}

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.steps.numpy())
        if step % self.recipe.train.log_every == 0:
            self.write_scalars(step, logs)

    def on_epoch_end(self, epoch, logs=None):
        if getattr(self.model, "diverged", None):
            return
        step = int(self.model.steps.numpy())
        self.write_scalars(step, logs)
        with self.writer.as_default(step=step):
            for name, picture in self.pictures().items():
                tf.summary.image(name, picture[None], max_outputs=1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
        distribute.discard_output_dir(self.output_dir, self.chief_dir)

    def write_scalars(self, step, logs):
        optimizer = self.model.g_optimizer
        with self.writer.as_default(step=step):
            for name, value in (logs or {}).items():
                tf.summary.scalar(name, float(np.mean(value)))
            tf.summary.scalar("learning_rate", float(np.asarray(optimizer.learning_rate)))
            tf.summary.scalar("momentum", current_momentum(optimizer))

    def pictures(self):
        generator, inputs = self.model.generator, self.model.inference_inputs
        data = resident_examples(recipe_examples(self.recipe, "train"))
        if self.recipe.dataset.kind == "image":
            # The family lays out the grid (a conditional one: a row per class, a z per column).
            grid_inputs = self.model.grid_inputs
            samples = generator.predict(grid_inputs(self.fixed_z["grid"], GRID_COLUMNS), verbose=0)
            line = generator.predict(grid_inputs(self.fixed_z["interpolation"],
                                                 INTERPOLATION_STEPS), verbose=0)
            value_range = PIXEL_RANGES.get(self.recipe.data.preprocess)  # None: gcn
            return {
                "samples": plots.figure2(samples, data, GRID_COLUMNS, value_range),
                "interpolation": plots.image_grid(line, INTERPOLATION_STEPS,
                                                  value_range=value_range),
                **self.model.family_pictures(data, value_range),  # an inpainting model's
            }
        samples = generator.predict(inputs(self.fixed_z["toy"]), verbose=0)
        if data.shape[-1] == 1 and self.model.discriminator.input_shape == (None, 1):
            grid = np.linspace(data.min() - 1.5, data.max() + 1.5, 200, dtype=np.float32)[:, None]
            d_x = self.discriminator_curve(grid)
            return {"figure1": plots.figure1(data[:TOY_SAMPLES * 4], samples, grid.ravel(), d_x)}
        return {"samples": plots.scatter(data[:TOY_SAMPLES], samples)}


    def discriminator_curve(self, grid):
        """Figure 1's D(x): a probability for losses whose D outputs a logit, else as is."""
        outputs = self.model.discriminator.predict(grid, verbose=0)
        if self.model.loss.logits:
            outputs = tf.sigmoid(outputs).numpy()
        return np.asarray(outputs).ravel()


def flat_hparams(config, prefix=""):
    """The recipe as flat hparams: dotted keys, lists and tables as text."""
    import dataclasses

    flat = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        key = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value):
            flat.update(flat_hparams(value, key + "."))
        else:
            flat[key] = str(value) if isinstance(value, (list, dict)) else value
    return flat

"""Building a recipe's GAN, training it into a run directory, and loading it back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ganzoo import checkpoints
from ganzoo.distribute import check_batch, make_strategy
from ganzoo.errors import RecipeError, RunError, TrainingDiverged
from ganzoo.gan import GAN
from ganzoo.models import ARCHITECTURES, LatentPrior
from ganzoo.optimizers import make_optimizer


def build_gan(recipe, strategy=None, with_data=True):
    """The recipe's compiled GAN, every variable created inside the strategy's scope."""
    strategy = strategy or make_strategy(recipe.train.strategy)
    check_batch(recipe.train.batch_size, strategy)
    model, train = recipe.model, recipe.train
    architecture = ARCHITECTURES[model.architecture]
    output_bias = None
    if with_data and model.generator.output_bias == "marginal":
        output_bias = marginal_logits(recipe.examples("train").x)
    steps_per_epoch = recipe.steps_per_epoch if with_data else 1
    # Outside the scope: loading the stacked run builds a GAN under the default strategy.
    below = stacked_run(recipe, with_weights=with_data) if model.generator.stack_on else None
    with strategy.scope():
        try:
            if below is not None:
                generator = build_stacked_generator(recipe, *below)
            else:
                generator = architecture.build_generator(model, recipe.data_shape, output_bias,
                                                         seed=train.seed)
            discriminator = architecture.build_discriminator(model, recipe.data_shape, seed=train.seed + 1)
        except ValueError as error:
            raise RecipeError(f"{recipe.path}: {error}") from None
        gan = GAN(
            generator, discriminator,
            LatentPrior(model.prior, model.latent_dim, model.prior_scale),
            generator_loss=recipe.loss.generator, k=train.k, update=train.update,
            seed=train.seed, steps_per_epoch=steps_per_epoch, jit_compile=train.jit_compile,
        )
        gan.compile(
            d_optimizer=make_optimizer(train, steps_per_epoch, "d_optimizer"),
            g_optimizer=make_optimizer(train, steps_per_epoch, "g_optimizer"),
        )
    return gan


def stacked_run(recipe, with_weights=True):
    """(recipe, generator weights or None) of the run that [model.generator].stack_on names.

    Without `with_weights` (a GAN built to load a checkpoint into) its weights are not read.
    """
    lower = check_stacked_run(recipe)
    if not with_weights:
        return lower, None
    return lower, load_generator(recipe.model.generator.stack_on).get_weights()


def check_stacked_run(recipe):
    """The recipe of the trained run [model.generator].stack_on names, or a RecipeError unless
    it fits under this recipe: the same dataset, a latent input as wide as the last hidden layer."""
    from ganzoo.recipe import load_recipe

    run = Path(recipe.model.generator.stack_on)
    where = f"{recipe.path}: [model.generator].stack_on = {run}"
    try:
        checkpoints.latest(run)
    except RunError as error:
        raise RecipeError(f"{where}: {error} (train that stage first)") from None
    lower = load_recipe(run / "recipe.toml")
    if lower.data.name != recipe.data.name:
        raise RecipeError(f"{where}: that run trained on {lower.data.name}, this recipe "
                          f"trains on {recipe.data.name}")
    if lower.model.latent_dim != recipe.model.generator.units[-1]:
        raise RecipeError(f"{where}: that generator takes {lower.model.latent_dim} inputs, "
                          f"so [model.generator].units must end with {lower.model.latent_dim}, "
                          f"not {recipe.model.generator.units[-1]}")
    return lower


def build_stacked_generator(recipe, lower, weights):
    """The stacked run's generator, rebuilt in the current scope with its trained weights (when
    given), under this recipe's hidden layers."""
    from ganzoo.models.mlp import build_stacked_generator as stack

    upper = ARCHITECTURES[lower.model.architecture].build_generator(
        lower.model, lower.data_shape, seed=lower.train.seed)
    if weights is not None:
        upper.set_weights(weights)
    return stack(recipe.model, upper, seed=recipe.train.seed)


def marginal_logits(x, eps=1e-7):
    """The logit of each pixel's mean: pylearn2's init_bias_from_marginals for sigmoid outputs."""
    mean = np.clip(x.reshape(len(x), -1).mean(axis=0, dtype=np.float64), eps, 1 - eps)
    return np.log(mean / (1 - mean)).astype(np.float32)


def train(recipe, run_dir, resume=False, verbose="auto", strategy=None):
    """Train `recipe` into `run_dir`; with `resume`, continue from its newest checkpoint.

    `strategy` defaults to the recipe's [train].strategy (see ganzoo.distribute).

    Returns the Keras History. A resumed run ends with the weights an uninterrupted run with
    the same seed would have (on CPU): data order, noise and dropout depend only on the step.
    """
    run_dir = Path(run_dir)
    start = starting_checkpoint(recipe, run_dir, resume)
    gan = recipe.build(strategy=strategy)
    initial_epoch = 0
    if start is not None:
        checkpoints.restore(gan, start)
        initial_epoch = start.epoch
    history = gan.fit(
        recipe.dataset(start_step=initial_epoch * recipe.steps_per_epoch),
        epochs=recipe.train.epochs,
        initial_epoch=initial_epoch,
        callbacks=recipe.callbacks(run_dir),
        verbose=verbose,
    )
    diverged = getattr(gan, "diverged", None)
    if diverged:
        raise TrainingDiverged(diverged)
    return history


def starting_checkpoint(recipe, run_dir, resume):
    """The checkpoint a run continues from (None for a new run), or a RunError if `run_dir`
    cannot take this run: a finished run without `resume`, or another recipe."""
    run_dir = Path(run_dir)
    if not resume:
        if checkpoints.all_checkpoints(run_dir):
            raise RunError(f"{run_dir}: already holds a trained run; pass --resume to continue "
                           "it or choose another --run-dir")
        return None
    start = checkpoints.latest(run_dir)
    check_same_recipe(recipe, run_dir)
    return start


def check_same_recipe(recipe, run_dir):
    """Resuming may extend train.epochs and change how the run is carried out or watched
    (strategy, XLA, logging, evaluation); any other change would make a different run."""
    from ganzoo.recipe import load_recipe

    saved = load_recipe(Path(run_dir) / "recipe.toml").config
    if what_decides_the_weights(saved) != what_decides_the_weights(recipe.config):
        raise RunError(f"{run_dir}: the recipe differs from the one this run was trained with "
                       f"({run_dir / 'recipe.toml'}); --resume may change only train.epochs, "
                       "train.strategy, train.log_every, [eval] and, without dropout, "
                       "train.jit_compile")


def what_decides_the_weights(config):
    """The recipe with the keys that cannot change the trained weights set to fixed values."""
    from ganzoo.recipe import resolve_paths

    # XLA draws other dropout masks than TensorFlow's kernels (the same on every replica), so
    # with dropout on, switching XLA would change the run.
    dropout = min(config.model.discriminator.input_keep, config.model.discriminator.hidden_keep) < 1
    train = dataclasses.replace(config.train, epochs=1, strategy="auto", log_every=1,
                                jit_compile=config.train.jit_compile if dropout else False)
    return dataclasses.replace(resolve_paths(config), train=train, eval=type(config.eval)(),
                               name="", description="")


def load_gan(run_dir, strategy=None):
    """The GAN of a run with the weights of its newest checkpoint, and that checkpoint."""
    from ganzoo.recipe import load_recipe

    info = checkpoints.latest(run_dir)
    recipe = load_recipe(Path(run_dir) / "recipe.toml")
    # Sampling and export need one device, not the cluster or the GPUs the run trained on.
    gan = build_gan(recipe, strategy=strategy or make_strategy("default"), with_data=False)
    checkpoints.restore(gan, info)
    return gan, recipe, info


def load_generator(run_dir):
    """The trained Keras generator of a run (newest checkpoint)."""
    gan, _, _ = load_gan(run_dir)
    return gan.generator


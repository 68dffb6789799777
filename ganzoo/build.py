"""A recipe's GAN: its family, networks, losses and optimizers, built inside a strategy scope;
and a run's GAN, rebuilt and loaded from its newest intact checkpoint.

    gan = build_gan(recipe)                  # compiled, every variable in the strategy's scope
    gan, run, checkpoint = load_gan("runs/ring8")
"""

from __future__ import annotations

import math

import numpy as np

from ganzoo import distribute, precision, registry, runs
from ganzoo.data import recipe_examples, resident_examples
from ganzoo.distribute import check_batch, make_strategy
from ganzoo.errors import RecipeError, RunError
from ganzoo.models import LatentPrior
from ganzoo.optimizers import make_optimizer


def steps_per_epoch(recipe):
    """Training steps per epoch: one pass over the examples unless the recipe says."""
    if recipe.train.steps_per_epoch:
        return recipe.train.steps_per_epoch
    count = len(recipe_examples(recipe, "train"))
    return max(count // (recipe.train.batch_size * recipe.train.k), 1)


def build_gan(recipe, strategy=None, with_data=True):
    """The recipe's compiled GAN, every variable created inside the strategy's scope.

    `with_data=False` skips what needs the training data (the generator's output bias from the
    pixel marginals, the epoch length) and the weights of a stacked run (`stack_on`): for
    loading trained weights.
    """
    strategy = strategy or make_strategy(recipe.train.strategy)
    model, train = recipe.model, recipe.train
    check_batch(train.batch_size, strategy, multiple=model.pack)
    family = registry.FAMILIES.get(model.family)
    architecture = registry.ARCHITECTURES.get(model.architecture)
    output_bias = None
    if with_data and model.generator.output_bias == "marginal":
        output_bias = marginal_logits(resident_examples(recipe_examples(recipe, "train")))
    epoch_steps = steps_per_epoch(recipe) if with_data else 1
    # Outside the scope: loading the stacked run builds a GAN under the default strategy.
    below = stacked_run(recipe, with_weights=with_data) if model.generator.stack_on else None
    options = family.network_options(recipe)
    with strategy.scope():
        # Every network (a BiGAN's encoder too) computes in [train].precision; the GAN, its
        # metrics and optimizers stay float32, and so do the networks' outputs.
        with precision.policy_scope(train.precision):
            try:
                if below is not None:
                    generator = build_stacked_generator(recipe, *below)
                else:
                    generator = architecture.build_generator(model, recipe.data_shape,
                                                             output_bias, seed=train.seed,
                                                             **options)
                discriminator = architecture.build_discriminator(
                    model, family.discriminator_input_shape(recipe.data_shape, recipe),
                    seed=train.seed + 1, **family.discriminator_options(recipe))
            except ValueError as error:
                raise RecipeError(f"{recipe.path}: {error}") from None
            extra = family.recipe_options(recipe)
        jit_compile = xla_choice(recipe, strategy, generator, discriminator, *extra.values())
        gan = family(
            precision.float32_outputs(generator), precision.float32_outputs(discriminator),
            LatentPrior(model.prior, model.latent_dim, model.prior_scale),
            loss=recipe.loss.name, penalties=recipe.loss.penalties, k=train.k,
            update=train.update, seed=train.seed, steps_per_epoch=epoch_steps,
            jit_compile=jit_compile, l2_regularization=train.l2_regularization,
            **{name: precision.float32_outputs(value) for name, value in extra.items()},
        )
        # Per-epoch schedules count each optimizer's own updates: D makes k a step.
        optimizers = {name: precision.loss_scaled(
            make_optimizer(train, settings, epoch_steps * updates, name), train.precision)
            for name, settings, updates in (("d_optimizer", train.discriminator, train.k),
                                            ("g_optimizer", train.generator, 1))}
        gan.compile(
            **optimizers,
            steps_per_execution=steps_per_execution(recipe, epoch_steps, strategy) if with_data else 1,
        )
        if with_data:
            gan.initialize_from_data(recipe_examples(recipe, "train"))
    return gan


def xla_choice(recipe, strategy, *networks):
    """Whether the step runs under XLA: [train].jit_compile as given, or for `auto` on where it
    is exact and pays on this project's CPUs (benchmarks/RESULTS.md, "ganzoo against PyTorch"):
    on one device, for networks without an active random layer (dropout, Gaussian noise: XLA
    draws other values than TensorFlow's kernels, and the same on every replica, so N replicas
    would no longer equal one device) and without convolutions (XLA was slower on DCGAN here);
    there it gave 1.2-1.7x. Off under replicas: it measured no faster there ("Replicas"), and
    spectral norm's power-iteration update is a cross-replica sync XLA cannot compile. The
    GAN's own draws (z, labels, penalty weights) are made outside XLA, so switching it changes
    a run only by float rounding."""
    import keras

    from ganzoo.models.spectral import SpectralNormalization

    setting, replicas = recipe.train.jit_compile, distribute.is_mirrored(strategy)
    layers = [layer for network in networks if isinstance(network, keras.Model)
              for layer in network._flatten_layers(include_self=False, recursive=True)]
    if setting is True and replicas and any(isinstance(layer, SpectralNormalization)
                                            for layer in layers):
        raise RecipeError(f"{recipe.path}: [train].jit_compile = true cannot run spectral "
                          f"normalisation under {strategy.num_replicas_in_sync} replicas (its "
                          "power-iteration update is a cross-replica sync XLA cannot compile); "
                          "use 'auto' or false")
    if setting != "auto":
        return bool(setting)
    if replicas:
        return False
    random_layers = (keras.layers.Dropout, keras.layers.GaussianNoise,
                     keras.layers.GaussianDropout, keras.layers.AlphaDropout)
    conv_layers = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
                   keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose,
                   keras.layers.Conv3DTranspose, keras.layers.DepthwiseConv2D,
                   keras.layers.SeparableConv2D)
    for layer in layers:
        if isinstance(layer, random_layers) and getattr(layer, "rate", getattr(layer, "stddev", 1)):
            return False
        if isinstance(layer, conv_layers):
            return False
    return True


AUTO_STEPS_PER_EXECUTION = 25  # the most [train].steps_per_execution = 0 chooses


def steps_per_execution(recipe, epoch_steps, strategy=None):
    """[train].steps_per_execution, or for 0 the largest divisor of the epoch's steps and
    log_every up to AUTO_STEPS_PER_EXECUTION. Keras runs whole executions, so one that does not
    divide the epoch would train past its end (and log_every would skip points).

    Under a mirrored or multi-worker strategy it is 1: Keras 3.15's multi-step loop fails there
    ("You must feed a value for placeholder tensor ... multi_step_on_iterator",
    keras-team/keras#19246), so auto gives 1 and a larger value is refused.
    """
    train = recipe.train
    every = math.gcd(epoch_steps, train.log_every)
    if strategy is not None and distribute.is_mirrored(strategy):
        if train.steps_per_execution > 1:
            raise RecipeError(f"{recipe.path}: [train].steps_per_execution = "
                              f"{train.steps_per_execution} needs a single-device strategy: "
                              "Keras cannot run several steps per call under mirrored or "
                              "multi_worker (keras-team/keras#19246); use 0 or 1")
        return 1
    if train.steps_per_execution == 0:
        return max(d for d in range(1, min(every, AUTO_STEPS_PER_EXECUTION) + 1) if every % d == 0)
    if every % train.steps_per_execution:
        raise RecipeError(f"{recipe.path}: [train].steps_per_execution = "
                          f"{train.steps_per_execution} must divide the epoch's {epoch_steps} steps "
                          f"and log_every = {train.log_every} (0 chooses one)")
    return train.steps_per_execution


def load_gan(run_dir, strategy=None):
    """(GAN with the weights of the run's newest intact checkpoint, the Run, that checkpoint)."""
    run = runs.open_run(run_dir)
    info = run.checkpoint()
    # Sampling and export need one device, not the cluster or the GPUs the run trained on.
    gan = build_gan(run.recipe, strategy=strategy or make_strategy("default"), with_data=False)
    runs.restore(gan, info)
    return gan, run, info


def load_generator(run_dir):
    """The trained Keras generator of a run (newest intact checkpoint)."""
    gan, _, _ = load_gan(run_dir)
    return gan.generator


# -- The paper's greedy TFD stage 2: a new generator under a trained one --------------------------


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
    where = f"{recipe.path}: [model.generator].stack_on = {recipe.model.generator.stack_on}"
    try:
        run = runs.open_run(recipe.model.generator.stack_on)
        run.checkpoint()
    except RunError as error:
        raise RecipeError(f"{where}: {error} (train that stage first)") from None
    lower = run.recipe
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

    upper = registry.ARCHITECTURES.get(lower.model.architecture).build_generator(
        lower.model, lower.data_shape, seed=lower.train.seed)
    if weights is not None:
        upper.set_weights(weights)
    return stack(recipe.model, upper, seed=recipe.train.seed)


def marginal_logits(x, eps=1e-7):
    """The logit of each pixel's mean: pylearn2's init_bias_from_marginals for sigmoid outputs."""
    mean = np.clip(x.reshape(len(x), -1).mean(axis=0, dtype=np.float64), eps, 1 - eps)
    return np.log(mean / (1 - mean)).astype(np.float32)

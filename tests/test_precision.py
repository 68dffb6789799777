"""`[train].precision`: networks computing in bfloat16 or float16 on float32 weights.

Each precision trains the tiny ring8 recipe with finite losses; the layers compute in the low
dtype while every variable is float32; losses, penalties, gradients and the served samples are
float32; mixed_float16 scales each player's loss and unscales its gradients; resume is bit-exact
and 2 mirrored replicas equal one device (up to the low dtype's rounding); a bad value is a
one-line recipe error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import export, runs
from ganzoo.build import build_gan, load_gan
from ganzoo.errors import RecipeError, RunError
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise
from ganzoo.registry import PRECISIONS
from ganzoo.training import dataset
from tests.helpers import contract_recipe, same, weights

HERE = Path(__file__).resolve().parent
LOW = {"float32": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}
MIXED = ("mixed_bfloat16", "mixed_float16")
SEED = np.array([0, 3], np.int64)


def recipe(precision, case="vanilla"):
    return contract_recipe(case, **{"train.precision": precision})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """precision -> (run directory trained 2 epochs of 3 steps, its Keras History)."""
    base = tmp_path_factory.mktemp("precision")
    return {precision: (base / precision, ganzoo.train(recipe(precision), base / precision,
                                                       verbose=0))
            for precision in PRECISIONS}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_each_precision_trains_with_finite_losses(precision, trained):
    run, history = trained[precision]
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(history.history[name]) == 2 and np.all(np.isfinite(history.history[name]))
    gan, _, _ = load_gan(run)
    assert int(gan.steps.numpy()) == 6  # no update skipped, mixed_float16's included


@pytest.mark.parametrize("precision", PRECISIONS)
def test_layers_compute_in_the_low_dtype_on_float32_weights(precision):
    gan = build_gan(recipe(precision, "wgan_gp"), with_data=False)
    for network in (gan.generator, gan.discriminator):
        layers = [layer for layer in network.layers if layer.trainable_weights]
        assert layers and {layer.compute_dtype for layer in layers} == {LOW[precision]}
        assert {layer.variable_dtype for layer in layers} == {"float32"}
        assert {v.dtype for v in network.weights} == {"float32"}
    z = np.zeros((4, gan.prior.dim), np.float32)
    samples = gan.generator(z)
    assert samples.dtype == tf.float32
    assert gan.discriminator(samples).dtype == tf.float32
    # The policy was the networks' only: a model built after (an evaluation classifier) is not.
    assert keras.config.dtype_policy().name == "float32"
    assert keras.layers.Dense(1).compute_dtype == "float32"


@pytest.mark.parametrize("precision", MIXED)
def test_losses_penalty_and_gradients_are_float32(precision):
    r = recipe(precision, "wgan_gp")
    gan = build_gan(r)
    batch = next(iter(dataset(r)))[0]
    names = (DISCRIMINATOR, GENERATOR)
    draws = gan.draws(batch, Noise(SEED), names)
    terms, logs = gan.terms(batch, draws, names)
    assert "gradient_penalty" in terms[DISCRIMINATOR]
    for value in [*terms[DISCRIMINATOR].values(), *terms[GENERATOR].values(), *logs.values()]:
        assert value.dtype == tf.float32 and np.isfinite(value.numpy())
    gradients, _ = gan.play(batch, draws, names)
    for name in names:
        assert {g.dtype for g in gradients[name]} == {tf.float32}
        assert all(np.all(np.isfinite(g.numpy())) for g in gradients[name])


def test_mixed_float16_scales_the_loss_and_apply_unscales():
    r = recipe("mixed_float16")  # plain SGD: an update is -learning_rate * gradient
    gan = build_gan(r)
    optimizer = gan.d_optimizer
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    batch = next(iter(dataset(r)))[0]
    names = (DISCRIMINATOR,)
    draws = gan.draws(batch, Noise(SEED), names)
    scale = float(optimizer.dynamic_scale.numpy())
    assert scale == 2.0 ** 15
    scaled = [g.numpy() for g in gan.play(batch, draws, names)[0][DISCRIMINATOR]]
    optimizer.dynamic_scale.assign(1.0)
    plain = [g.numpy() for g in gan.play(batch, draws, names)[0][DISCRIMINATOR]]
    optimizer.dynamic_scale.assign(scale)
    for big, small in zip(scaled, plain):  # float16's rounding differs between the two passes
        np.testing.assert_allclose(big / scale, small, rtol=2e-2, atol=2e-3 * np.abs(small).max())
    before = [v.numpy() for v in gan.discriminator.trainable_variables]
    gan.update_players(names, batch, SEED)
    rate = r.train.discriminator.learning_rate
    for start, variable, gradient in zip(before, gan.discriminator.trainable_variables, scaled):
        np.testing.assert_allclose(variable.numpy(), start - rate * gradient / scale,
                                   rtol=1e-5, atol=1e-7)


def test_the_export_serves_float32_samples_of_the_keras_generator(trained, tmp_path):
    run, _ = trained["mixed_bfloat16"]
    version = export.export_run(run, to=tmp_path / "exported")
    served = tf.saved_model.load(str(version))
    gan = load_gan(run)[0]
    generator = gan.generator
    z = np.random.default_rng(1).normal(size=(5, gan.prior.dim)).astype(np.float32)
    outputs = served.signatures["serving_default"](z=tf.constant(z))
    assert outputs["points"].dtype == tf.float32
    # Equal to bfloat16's rounding, not bit for bit: on a CPU with AVX512-BF16 the export's graph
    # runs oneDNN's fused bfloat16 kernels where eager Keras runs them one by one, and they round
    # differently (measured: up to 2e-3 on points of size ~1, one bfloat16 step there).
    np.testing.assert_allclose(outputs["points"].numpy(), generator(z).numpy(), rtol=0, atol=2e-2)
    sampled = served.signatures["sample"](seed=tf.constant([1, 2], tf.int64))
    assert sampled["points"].dtype == tf.float32


@pytest.mark.parametrize("precision", MIXED)
def test_stop_and_resume_is_bit_exact(precision, trained, tmp_path):
    whole_run, _ = trained[precision]
    run = shutil.copytree(whole_run, tmp_path / "resumed")
    for path in (run / "checkpoints").glob("epoch-0002.*"):
        path.unlink()
    ganzoo.train(recipe(precision), run, resume=True, verbose=0)
    whole, _, _ = load_gan(whole_run)
    resumed, _, _ = load_gan(run)
    assert same(weights(whole), weights(resumed))
    # The optimizers' state too: mixed_float16's loss scale and its step counter.
    assert same([np.asarray(v) for v in whole.g_optimizer.variables],
                [np.asarray(v) for v in resumed.g_optimizer.variables])


def test_resume_keeps_the_run_precision(trained):
    with pytest.raises(RunError, match="recipe differs"):
        runs.starting_checkpoint(recipe("float32"), trained["mixed_bfloat16"][0], resume=True)


def test_a_bad_precision_is_a_one_line_error(tmp_path):
    with pytest.raises(RecipeError) as error:
        recipe("float8")
    message = str(error.value)
    assert "\n" not in message and "[train].precision = 'float8'" in message
    assert "choose from: float32, mixed_bfloat16, mixed_float16" in message
    path = tmp_path / "bad.toml"
    path.write_text('[data]\nname = "ring8"\n\n[train]\nprecision = "half"\n')
    with pytest.raises(RecipeError, match=r"bad.toml: \[train\].precision = 'half' is not "
                                          r"allowed; choose from: float32, mixed_bfloat16"):
        ganzoo.load_recipe(path)


@pytest.mark.slow  # ~27 s on 2 shared cores: a process of its own, 4 GANs traced
def test_two_replicas_equal_one_device_in_mixed_precision(tmp_path):
    runs_ = [f"vanilla:{precision}" for precision in MIXED]
    subprocess.run([sys.executable, str(HERE / "precision_worker.py"), str(tmp_path), *runs_],
                   check=True, timeout=600, env={**os.environ, "GANZOO_CPU_DEVICES": "2",
                                                 "TF_CPP_MIN_LOG_LEVEL": "2"})
    for precision in MIXED:
        one, two, initial = (np.load(tmp_path / f"vanilla-{precision}-{name}.npz")
                             for name in ("one_device", "mirrored", "initial"))
        moved = max(np.abs(one[key] - initial[key]).max() for key in one.files)
        apart = max(np.abs(two[key] - one[key]).max() for key in one.files)
        # Each replica rounds its half batch's activations and gradients to the low dtype:
        # measured 0.5% of how far the weights moved (bfloat16), 0.05% (float16), 1.5e-6
        # (float32). A replica-scaling error would put them apart by about the whole move.
        assert apart < 0.03 * moved, (precision, apart, moved)

"""The minimax game: which step moves which network, k, and the two update orders."""

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import losses
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise, step_seed
from tests.helpers import same, tiny_gan, weights

REAL = tf.constant(np.random.default_rng(0).normal(size=(16, 2)), tf.float32)
BATCH = {"x": REAL}
SEED = tf.constant([0, 7], tf.int64)


def batches(*xs):
    return tuple({"x": x} for x in xs)


def test_discriminator_step_leaves_generator_untouched():
    gan = tiny_gan()
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    gan.update_players((DISCRIMINATOR,), BATCH, SEED)
    assert same(weights(gan.generator), g_before)
    assert not same(weights(gan.discriminator), d_before)


def test_generator_step_leaves_discriminator_untouched():
    gan = tiny_gan()
    g_before, d_before = weights(gan.generator), weights(gan.discriminator)
    gan.update_players((GENERATOR,), BATCH, SEED)
    assert same(weights(gan.discriminator), d_before)
    assert not same(weights(gan.generator), g_before)


def test_k_discriminator_steps_per_generator_step():
    gan = tiny_gan(k=3)
    logs = gan.train_step(batches(*(REAL + i for i in range(3))))
    assert int(gan.d_optimizer.iterations) == 3
    assert int(gan.g_optimizer.iterations) == 1
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_k_steps_each_use_their_own_minibatch():
    # Three identical minibatches or three different ones must give different discriminators.
    first, second = tiny_gan(k=3), tiny_gan(k=3)
    first.train_step(batches(REAL, REAL, REAL))
    second.train_step(batches(REAL, REAL + 1.0, REAL - 1.0))
    assert not same(weights(first.discriminator), weights(second.discriminator))


def manual_simultaneous_update(gan, real, z, learning_rate):
    """Both gradients at the starting weights, from one D(G(z)), applied as plain SGD."""
    g_vars, d_vars = gan.generator.trainable_variables, gan.discriminator.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        real_logits = gan.discriminator(real, training=True)
        fake_logits = gan.discriminator(gan.generator(z, training=True), training=True)
        d_loss = losses.minimax_discriminator_loss(real_logits, fake_logits)
        g_loss = losses.non_saturating_generator_loss(fake_logits)
    d_new = [v.numpy() - learning_rate * g.numpy() for v, g in zip(d_vars, tape.gradient(d_loss, d_vars))]
    g_new = [v.numpy() - learning_rate * g.numpy() for v, g in zip(g_vars, tape.gradient(g_loss, g_vars))]
    return g_new, d_new


def test_simultaneous_update_takes_both_gradients_from_the_same_weights():
    gan = tiny_gan(update="simultaneous")
    z = Noise(step_seed(0, 0, 0, 2)).latent(gan.prior, 16)
    expected_g, expected_d = manual_simultaneous_update(gan, REAL, z, 0.05)
    gan.train_step(batches(REAL))
    for got, want in zip(gan.generator.trainable_variables, expected_g):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-7)
    for got, want in zip(gan.discriminator.trainable_variables, expected_d):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-7)


def test_alternating_update_moves_generator_through_the_updated_discriminator():
    simultaneous, alternating = tiny_gan(update="simultaneous"), tiny_gan(update="alternating")
    simultaneous.train_step(batches(REAL))
    alternating.train_step(batches(REAL))
    # Same D step in both (same data, same noise stream 0)...
    assert all(np.allclose(a, b, atol=1e-6) for a, b in
               zip(weights(simultaneous.discriminator), weights(alternating.discriminator)))
    # ...but G follows the new D (and fresh noise) only when alternating.
    assert not same(weights(simultaneous.generator), weights(alternating.generator))


def test_simultaneous_needs_k_of_one():
    with pytest.raises(ValueError, match="k must be 1"):
        tiny_gan(update="simultaneous", k=2)


def test_noise_depends_on_step_phase_and_purpose_only():
    gan = tiny_gan()

    def z(step, phase):
        return Noise(step_seed(0, step, phase, 2)).latent(gan.prior, 4)

    a, b, c, d = z(5, 0), z(5, 0), z(5, 1), z(6, 0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c) and not np.allclose(a, d)
    # Each purpose has its own stream: the penalty's weights are not the latent's draws.
    noise = Noise(step_seed(0, 5, 0, 2))
    first = noise.uniform("penalty", 4)
    np.testing.assert_array_equal(first, Noise(step_seed(0, 5, 0, 2)).uniform("penalty", 4))
    assert not np.allclose(first, noise.uniform("labels", 4))
    assert not np.allclose(first, tf.random.stateless_uniform([4], noise.seed))


def test_metrics_report_losses_and_discriminator_outputs():
    gan = tiny_gan()
    logs = {name: float(value) for name, value in gan.train_step(batches(REAL)).items()}
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0.0 < logs["d_real"] < 1.0 and 0.0 < logs["d_fake"] < 1.0
    # An untrained D sits near 1/2: the D loss near log 2.
    assert logs["d_loss"] == pytest.approx(np.log(2), abs=0.1)

"""WGAN-GP's gradient penalty against a hand-computed gradient norm, and its interpolation
weights: one per example, uniform on [0, 1) (keras-io's wgan_gp draws them from a normal
distribution, and several zoos draw one per pixel)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import penalties
from ganzoo.noise import Noise, step_seed


def test_penalty_of_a_linear_critic_is_worked_out_by_hand():
    # D(x) = w . x with w = (3, 4): grad D = w everywhere, ||w|| = 5, penalty (5 - 1)^2 = 16
    # whatever the interpolation weights.
    w = tf.constant([[3.0], [4.0]])
    real = tf.random.normal([6, 2], seed=1)
    fake = tf.random.normal([6, 2], seed=2)
    eps = tf.random.uniform([6], seed=3)
    value = penalties.gradient_penalty(lambda x: x @ w, real, fake, eps)
    assert float(value) == pytest.approx(16.0)


def test_penalty_of_a_quadratic_critic_uses_the_interpolates():
    # D(x) = 1/2 ||x||^2: grad D(x_hat) = x_hat = eps x + (1 - eps) x', penalty
    # mean((||x_hat|| - 1)^2), here with eps = (0, 1, 0.5) for three examples:
    real = tf.constant([[3.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    fake = tf.constant([[0.0, 1.0], [5.0, 5.0], [0.0, 0.0]])
    eps = tf.constant([0.0, 1.0, 0.5])
    # x_hat = (0, 1), (0, 2), (1, 1): norms 1, 2, sqrt 2 -> (0 + 1 + (sqrt 2 - 1)^2) / 3
    expected = (0.0 + 1.0 + (np.sqrt(2) - 1) ** 2) / 3
    value = penalties.gradient_penalty(lambda x: 0.5 * tf.reduce_sum(x * x, axis=1), real, fake,
                                       eps)
    assert float(value) == pytest.approx(expected, rel=1e-6)


def test_images_take_one_weight_per_example_and_the_norm_over_all_pixels():
    # D(x) = sum of pixels: grad = ones, its norm over a 2x2x1 image is 2: penalty (2 - 1)^2.
    real, fake = tf.ones([3, 2, 2, 1]), tf.zeros([3, 2, 2, 1])
    eps = tf.constant([0.1, 0.5, 0.9])
    seen = {}

    def critic(x):
        seen["x_hat"] = x
        return tf.reduce_sum(x, axis=[1, 2, 3])

    assert float(penalties.gradient_penalty(critic, real, fake, eps)) == pytest.approx(1.0)
    # Every pixel of example i is eps_i * 1 + (1 - eps_i) * 0: one weight per example.
    np.testing.assert_allclose(seen["x_hat"].numpy().reshape(3, -1),
                               np.repeat([[0.1], [0.5], [0.9]], 4, axis=1), rtol=1e-6)


def test_interpolation_weights_are_uniform_on_zero_one_one_per_input():
    eps = penalties.interpolation_weights(Noise(step_seed(0, 3, 0, 2)), 20_000).numpy()
    assert eps.shape == (20_000,)
    assert eps.min() >= 0.0 and eps.max() < 1.0
    # U[0, 1): mean 1/2, variance 1/12; a normal draw would leave [0, 1) and fail both.
    assert eps.mean() == pytest.approx(0.5, abs=0.01)
    assert eps.var() == pytest.approx(1 / 12, abs=0.003)
    # Its own stream: not the latent draw's numbers.
    latent = tf.random.stateless_uniform([20_000], step_seed(0, 3, 0, 2)).numpy()
    assert not np.allclose(eps, latent)

"""The losses on fixed logits, against values worked out by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import losses


def test_discriminator_loss_is_mean_of_the_two_cross_entropies():
    # D(x) = sigmoid(0) = 0.5 -> BCE(1) = log 2; D(G(z)) = sigmoid(0) -> BCE(0) = log 2.
    zero = tf.zeros([4, 1])
    assert float(losses.minimax_discriminator_loss(zero, zero)) == pytest.approx(math.log(2), abs=1e-7)
    # real logit log(3): D = 0.75, BCE(1) = -log 0.75; fake logit log(1/3): D = 0.25, BCE(0) = -log 0.75.
    real = tf.fill([2, 1], math.log(3.0))
    fake = tf.fill([2, 1], math.log(1 / 3))
    assert float(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(-math.log(0.75), rel=1e-6)


def test_discriminator_loss_averages_real_and_fake_halves():
    # real: BCE(1, sigmoid(2)) = softplus(-2) = 0.126928; fake: BCE(0, sigmoid(-1)) = softplus(-1) = 0.313262.
    real = tf.constant([[2.0]])
    fake = tf.constant([[-1.0]])
    expected = 0.5 * (math.log1p(math.exp(-2)) + math.log1p(math.exp(-1)))
    assert float(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_is_log_one_minus_d():
    # D(G(z)) = 0.25 -> log(1 - 0.25) = log 0.75 = -0.287682.
    fake = tf.fill([3, 1], math.log(1 / 3))
    assert float(losses.minimax_generator_loss(fake)) == pytest.approx(math.log(0.75), rel=1e-6)


def test_non_saturating_generator_loss_is_minus_log_d():
    # D(G(z)) = 0.25 -> -log 0.25 = 1.386294.
    fake = tf.fill([3, 1], math.log(1 / 3))
    assert float(losses.non_saturating_generator_loss(fake)) == pytest.approx(-math.log(0.25), rel=1e-6)


def test_saturation_the_paper_describes():
    # When D confidently rejects samples (D(G(z)) ~ 0), log(1 - D) has a vanishing gradient while
    # -log D keeps a strong one: the reason the paper trains G with the non-saturating loss.
    fake = tf.Variable([[-10.0]])
    grads = {}
    for name, loss in (("minimax", losses.minimax_generator_loss),
                       ("non_saturating", losses.non_saturating_generator_loss)):
        with tf.GradientTape() as tape:
            value = loss(fake)
        grads[name] = abs(float(tape.gradient(value, fake)[0, 0]))
    assert grads["minimax"] < 1e-4
    assert grads["non_saturating"] > 0.99


def test_losses_stay_finite_for_extreme_logits():
    logits = tf.constant([[-500.0], [500.0]])
    for value in (losses.minimax_discriminator_loss(logits, logits),
                  losses.minimax_generator_loss(logits),
                  losses.non_saturating_generator_loss(logits)):
        assert np.isfinite(float(value))

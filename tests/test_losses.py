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


# -- LSGAN, WGAN, hinge ------------------------------------------------------------------------

REAL = tf.constant([[2.0], [0.5]])
FAKE = tf.constant([[-1.0], [0.5]])


def test_least_squares_pair():
    # D: 1/2 mean((D(x) - 1)^2) + 1/2 mean(D(G(z))^2)
    #    = 1/2 * (1 + 0.25) / 2 + 1/2 * (1 + 0.25) / 2 = 0.3125 + 0.3125 = 0.625
    assert float(losses.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(0.625)
    # G: 1/2 mean((D(G(z)) - 1)^2) = 1/2 * (4 + 0.25) / 2 = 1.0625
    assert float(losses.least_squares_generator_loss(FAKE)) == pytest.approx(1.0625)


def test_wasserstein_pair():
    # D: mean(D(G(z))) - mean(D(x)) = (-1 + 0.5) / 2 - (2 + 0.5) / 2 = -0.25 - 1.25 = -1.5
    assert float(losses.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(-1.5)
    # G: -mean(D(G(z))) = 0.25
    assert float(losses.wasserstein_generator_loss(FAKE)) == pytest.approx(0.25)


def test_hinge_pair():
    # D: mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))
    #    = (0 + 0.5) / 2 + (0 + 1.5) / 2 = 0.25 + 0.75 = 1.0
    assert float(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(1.0)
    # G: -mean(D(G(z))), as WGAN's (Miyato et al. 2018, equation 17)
    assert float(losses.hinge_generator_loss(FAKE)) == pytest.approx(0.25)


def test_observations_follow_what_d_outputs():
    # A logit: mean sigmoid; LSGAN's raw score: its mean; a critic: E[D(x)] - E[D(G(z))] = 1.5.
    probabilities = losses.NON_SATURATING.observations(REAL, FAKE)
    assert float(probabilities["d_real"]) == pytest.approx(
        (1 / (1 + math.exp(-2)) + 1 / (1 + math.exp(-0.5))) / 2)
    assert float(losses.LEAST_SQUARES.observations(REAL, FAKE)["d_real"]) == pytest.approx(1.25)
    for critic in (losses.WASSERSTEIN, losses.HINGE):
        assert set(critic.observed) == {"wasserstein_estimate"}
        assert float(critic.observations(REAL, FAKE)["wasserstein_estimate"]) == pytest.approx(1.5)


def test_every_registered_loss_is_a_pair_named_as_tf_gan_names_them():
    from ganzoo import registry

    for name in registry.LOSSES.names():
        loss = registry.LOSSES.get(name)
        assert loss.name == name
        assert loss.generator is getattr(losses, f"{name}_generator_loss")
        assert loss.discriminator is getattr(losses, f"{name}_discriminator_loss")
        values = [loss.generator(FAKE), loss.discriminator(REAL, FAKE)]
        assert all(np.isfinite(float(v)) for v in values)

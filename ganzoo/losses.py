"""GAN losses as pairs of pure functions of the discriminator's outputs.

Each pair is `<name>_generator_loss(fake_outputs)` and `<name>_discriminator_loss(real_outputs,
fake_outputs)`, named as TF-GAN names them (its `modified_*` is `non_saturating_*` here, the name
the recipes use), and returns the mean over the examples it is given; `ganzoo.gan` scales it
for distribution strategies. A `Loss` bundles a pair with what D's outputs mean, which decides
what is logged: a probability's logit logs mean D(x) and D(G(z)), a critic its Wasserstein
estimate.

- minimax / non_saturating: Goodfellow et al. 2014 (arXiv 1406.2661), equation 1. With
  D(x) = sigmoid(l), log D = -softplus(-l) and log(1 - D) = -softplus(l), finite for any logit.
- least_squares: Mao et al. 2017 (arXiv 1611.04076), equation 2 with a, b, c = 0, 1, 1.
- wasserstein: Arjovsky et al. 2017 (arXiv 1701.07875); with the `gradient` penalty, WGAN-GP
  (Gulrajani et al. 2017, arXiv 1704.00028).
- hinge: Miyato et al. 2018 (arXiv 1802.05957), equation 17 (and Lim & Ye 2017).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import tensorflow as tf


def minimax_discriminator_loss(real_logits, fake_logits):
    """Mean of BCE(1, D(x)) and BCE(0, D(G(z))): half the negated value function (the paper's
    code halves it: its cost averages the two halves of a doubled batch)."""
    real = tf.reduce_mean(tf.nn.softplus(-real_logits))
    fake = tf.reduce_mean(tf.nn.softplus(fake_logits))
    return 0.5 * (real + fake)


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))], descended: the saturating generator loss of equation 1."""
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(fake_logits):
    """-E[log D(G(z))]: the generator loss the paper trained with (section 3)."""
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


def least_squares_discriminator_loss(real_outputs, fake_outputs):
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]: LSGAN's D with b = 1 (real), a = 0 (fake)."""
    return 0.5 * (tf.reduce_mean(tf.square(real_outputs - 1.0))
                  + tf.reduce_mean(tf.square(fake_outputs)))


def least_squares_generator_loss(fake_outputs):
    """1/2 E[(D(G(z)) - 1)^2]: LSGAN's G with c = 1."""
    return 0.5 * tf.reduce_mean(tf.square(fake_outputs - 1.0))


def wasserstein_discriminator_loss(real_outputs, fake_outputs):
    """E[D(G(z))] - E[D(x)]: the critic descends the negated Wasserstein estimate."""
    return tf.reduce_mean(fake_outputs) - tf.reduce_mean(real_outputs)


def wasserstein_generator_loss(fake_outputs):
    """-E[D(G(z))]."""
    return -tf.reduce_mean(fake_outputs)


def hinge_discriminator_loss(real_outputs, fake_outputs):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return (tf.reduce_mean(tf.nn.relu(1.0 - real_outputs))
            + tf.reduce_mean(tf.nn.relu(1.0 + fake_outputs)))


hinge_generator_loss = wasserstein_generator_loss  # Miyato et al.: G descends -E[D(G(z))]


def probability_observations(real_logits, fake_logits):
    """Mean D(x) and D(G(z)) as probabilities."""
    return {"d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
            "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}


def output_observations(real_outputs, fake_outputs):
    """Mean D(x) and D(G(z)) as they are (LSGAN's targets are 1 and 0)."""
    return {"d_real": tf.reduce_mean(real_outputs), "d_fake": tf.reduce_mean(fake_outputs)}


def critic_observations(real_outputs, fake_outputs):
    """The critic's Wasserstein estimate E[D(x)] - E[D(G(z))]."""
    return {"wasserstein_estimate": tf.reduce_mean(real_outputs) - tf.reduce_mean(fake_outputs)}


@dataclass(frozen=True)
class Loss:
    """A loss pair and what D's outputs mean (`observe` names the logged quantities; `logits`:
    D outputs the logit of "real", so sigmoid(D) is a probability)."""

    name: str
    generator: Callable
    discriminator: Callable
    observe: Callable
    observed: tuple  # the names `observe` returns, known before tracing
    logits: bool = False

    def observations(self, real_outputs, fake_outputs):
        return self.observe(real_outputs, fake_outputs)


PROBABILITY, OUTPUTS, CRITIC = ("d_real", "d_fake"), ("d_real", "d_fake"), ("wasserstein_estimate",)

MINIMAX = Loss("minimax", minimax_generator_loss, minimax_discriminator_loss,
               probability_observations, PROBABILITY, logits=True)
NON_SATURATING = Loss("non_saturating", non_saturating_generator_loss,
                      non_saturating_discriminator_loss, probability_observations, PROBABILITY,
                      logits=True)
LEAST_SQUARES = Loss("least_squares", least_squares_generator_loss,
                     least_squares_discriminator_loss, output_observations, OUTPUTS)
WASSERSTEIN = Loss("wasserstein", wasserstein_generator_loss, wasserstein_discriminator_loss,
                   critic_observations, CRITIC)
HINGE = Loss("hinge", hinge_generator_loss, hinge_discriminator_loss, critic_observations, CRITIC)

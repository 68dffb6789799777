"""GAN losses as pure functions of the discriminator's logits.

Goodfellow et al. 2014 (arXiv 1406.2661), equation 1: D maximises
E[log D(x)] + E[log(1 - D(G(z)))]; G minimises log(1 - D(G(z))) (`minimax`), or, as the paper
suggests early in training, maximises log D(G(z)) (`non_saturating`). With D(x) = sigmoid(l),
log D = -softplus(-l) and log(1 - D) = -softplus(l), which stay finite for any logit.

Each function returns the mean over the examples it is given; `ganzoo.gan` scales it for
distribution strategies.
"""

from __future__ import annotations

import tensorflow as tf


def minimax_discriminator_loss(real_logits, fake_logits):
    """Mean of BCE(1, D(x)) and BCE(0, D(G(z))): half the negated value function."""
    real = tf.reduce_mean(tf.nn.softplus(-real_logits))
    fake = tf.reduce_mean(tf.nn.softplus(fake_logits))
    return 0.5 * (real + fake)


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))], descended: the saturating generator loss of equation 1."""
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """-E[log D(G(z))]: the generator loss the paper trained with (section 3)."""
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}

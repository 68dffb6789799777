"""Penalties on the discriminator, each a pure function with a weight in the recipe.

    [loss.penalties]
    gradient = 10.0      # WGAN-GP's lambda

A penalty is a `Penalty`: `fn(discriminator_fn, real_inputs, fake_inputs, draws)` with D as a
function of what it is shown (`GAN.discriminator_inputs`: a PacGAN pack, a conditional pair),
the real and fake inputs of this update and the random tensor `draw(noise, rows)` made for it
(from its own stream of `ganzoo.noise`, outside the XLA-compiled step). It returns a scalar that
the GAN multiplies by the weight and adds to D's loss, logged as `<name>_penalty`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import tensorflow as tf

PENALTY_STREAM = "penalty"


@dataclass(frozen=True)
class Penalty:
    """A penalty's formula and the random tensor it needs for `rows` inputs of D."""

    fn: Callable
    draw: Callable

    def __call__(self, discriminator_fn, real_inputs, fake_inputs, draws):
        return self.fn(discriminator_fn, real_inputs, fake_inputs, draws)


def interpolation_weights(noise, rows):
    """One U[0, 1) weight per input of D, from the `penalty` stream."""
    return noise.uniform(PENALTY_STREAM, rows)


def gradient_penalty(discriminator_fn, real_inputs, fake_inputs, eps):
    """E[(||grad D(x_hat)||_2 - 1)^2] at x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1), one per
    example (Gulrajani et al. 2017, arXiv 1704.00028, Algorithm 1 lines 4-8).

    One eps per example of D's input, uniform, as the paper's Algorithm 1 and its code
    (`alpha = tf.random_uniform(shape=[BATCH_SIZE, 1], minval=0., maxval=1.)`); not a normal
    draw (keras-io's wgan_gp) nor one per pixel. The norm is over all of one input's
    coordinates. Where D is shown a dict (a conditional pair), only `x` is interpolated.
    """
    real, fake = x_of(real_inputs), x_of(fake_inputs)
    rows = tf.shape(real)[0]
    eps = tf.reshape(eps, tf.concat([[rows], tf.ones([tf.rank(real) - 1], tf.int32)], 0))
    mixed = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        outputs = discriminator_fn(with_x(real_inputs, mixed))
    gradients = tape.gradient(outputs, mixed)
    norms = tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(gradients, [rows, -1])), axis=1))
    return tf.reduce_mean(tf.square(norms - 1.0))


def x_of(inputs):
    return inputs["x"] if isinstance(inputs, dict) else inputs


def with_x(inputs, x):
    return {**inputs, "x": x} if isinstance(inputs, dict) else x


GRADIENT = Penalty(gradient_penalty, interpolation_weights)

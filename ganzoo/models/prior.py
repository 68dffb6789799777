"""The latent prior p(z), drawn with stateless random ops so a seed always gives the same z."""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf


@dataclass(frozen=True)
class LatentPrior:
    """p(z): `uniform` is U(-scale, scale) per coordinate, `normal` is N(0, scale^2).

    The paper's MNIST generator drew z from U(-sqrt(3), sqrt(3)) (unit variance); its TFD and
    CIFAR-10 generators from N(0, 1).
    """

    kind: str
    dim: int
    scale: float = 1.0

    def sample(self, batch_size, seed):
        """`batch_size` draws for a stateless `seed` (an int32/int64 tensor of shape [2])."""
        shape = tf.stack([batch_size, self.dim])
        if self.kind == "uniform":
            return tf.random.stateless_uniform(shape, seed, -self.scale, self.scale)
        return self.scale * tf.random.stateless_normal(shape, seed)

    def sample_per_seed(self, seeds):
        """One draw per int64 seed in `seeds` [batch]: row i depends on seeds[i] alone."""
        def one(seed):
            pair = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
            return self.sample(1, pair)[0]

        return tf.map_fn(one, seeds, fn_output_signature=tf.TensorSpec([self.dim], tf.float32))

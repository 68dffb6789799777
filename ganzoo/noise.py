"""Named stateless random streams: every random draw of a run is a function of its seed and step.

One `Noise` per player update (step t, phase i: the i-th discriminator minibatch, or the
generator's update after them) gives each purpose its own stream: `latent` (z), `penalty`
(WGAN-GP's interpolation weights), and any a family adds (fake labels, latent codes) by name.
Every draw is made for the whole global batch and each replica keeps its rows, as the data is
split, so N replicas draw what one device draws and a resumed run draws what an uninterrupted
one would.

The latent stream keeps the seed ganzoo 0.1 drew z from, [seed, t * (k + 1) + i], so runs made
before named streams continue with the same noise; other purposes fold their name into it.
"""

from __future__ import annotations

import zlib

import tensorflow as tf

LATENT = "latent"

# Fixed draws outside training, one stateless seed [run or --seed, stream] each.
PICTURE_GRID, PICTURE_TOY = -1, -2  # TensorBoard's pictures: the same z at every epoch
EVALUATION = 7919  # `ganzoo eval`'s generator samples


def replicas():
    """Replicas in sync: 1 outside any strategy."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_index():
    """This replica's index within the sync group (0 outside any strategy)."""
    context = tf.distribute.get_replica_context()
    return 0 if context is None else context.replica_id_in_sync_group


def step_seed(seed, step, phase, phases):
    """The stateless seed of one player update: step `step`'s `phase`-th of `phases`."""
    return tf.stack([tf.constant(seed, tf.int64), tf.cast(step, tf.int64) * phases + phase])


class Noise:
    """The random streams of one player update, each a slice of a global-batch draw."""

    def __init__(self, seed):
        self.seed = seed  # int64 [2], from `step_seed`

    def seed_of(self, purpose):
        """The stream's own seed: the update's seed for z, folded with the purpose's name else."""
        if purpose == LATENT:
            return self.seed
        return tf.random.experimental.stateless_fold_in(self.seed, zlib.crc32(purpose.encode()) >> 1)

    def rows(self, draw, purpose, rows):
        """This replica's `rows` rows of `draw(global rows, seed)`."""
        count, index = replicas(), replica_index()
        whole = draw(rows * count, self.seed_of(purpose))
        return whole[index * rows:(index + 1) * rows]

    def latent(self, prior, rows):
        """z for this replica's `rows` examples."""
        return self.rows(prior.sample, LATENT, rows)

    def uniform(self, purpose, rows, shape=(), minval=0.0, maxval=1.0, dtype=tf.float32):
        """U[minval, maxval) of shape [rows, *shape] from the stream `purpose`."""
        def draw(total, seed):
            return tf.random.stateless_uniform(tf.stack([total, *shape]), seed, minval, maxval,
                                               dtype=dtype)

        return self.rows(draw, purpose, rows)

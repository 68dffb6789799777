"""The minimax game of Goodfellow et al. 2014 (arXiv 1406.2661) as a Keras model.

`GAN.train_step` is Algorithm 1 of the paper: k discriminator steps, each on its own minibatch
of data and noise, then one generator step on fresh noise (`update = "alternating"`). The
paper's own code instead took both gradients from one minibatch and applied them together
(`update = "simultaneous"`), which is what its recipes reproduce.

Distribution: `train_step` runs once per replica. Each replica's loss is divided by the number
of replicas because `apply_gradients` sums gradients across replicas, so an update equals the
single-device update on the global batch. Noise is drawn for the whole global batch from a
stateless seed and each replica takes its own slice: replicas see different noise, and the
noise of a step does not depend on how many replicas share it.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganzoo import distribute, losses


class GAN(keras.Model):
    """A generator and a discriminator playing the minimax game.

    Args:
      generator: a built Keras model z -> x.
      discriminator: a built Keras model x -> [batch, 1] logit of "x is real".
      prior: a `ganzoo.models.LatentPrior`.
      generator_loss: a key of `ganzoo.losses.GENERATOR_LOSSES`.
      k: discriminator steps per generator step; the dataset then yields a tuple of k batches.
      update: `alternating` (Algorithm 1) or `simultaneous` (the paper's code; needs k = 1).
      seed: the noise seed; step t's noise depends on (seed, t) only, so a resumed run draws
        the noise an uninterrupted one would.
      steps_per_epoch: the default for `fit` (the recipe's dataset is an endless stream).
      jit_compile: XLA-compile the per-replica loss and gradient functions.
    """

    def __init__(self, generator, discriminator, prior, generator_loss="non_saturating", k=1,
                 update="alternating", seed=0, steps_per_epoch=None, jit_compile=False, **kwargs):
        super().__init__(**kwargs)
        if update == "simultaneous" and k != 1:
            raise ValueError("simultaneous updates take one minibatch per step: k must be 1")
        self.generator = generator
        self.discriminator = discriminator
        self.prior = prior
        self.generator_loss_name = generator_loss
        self.generator_loss = losses.GENERATOR_LOSSES[generator_loss]
        self.discriminator_loss = losses.minimax_discriminator_loss
        self.k = k
        self.update = update
        self.seed = seed
        self.steps_per_epoch = steps_per_epoch
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        if jit_compile:
            # XLA on the per-replica work only: Keras' jit_compile=True fails with mirrored
            # replicas (see the notes on distribution in README.md).
            for name in ("discriminator_gradients", "generator_gradients", "joint_gradients"):
                setattr(self, name, tf.function(getattr(self, name), jit_compile=True))
        # Both networks are built functional models; under a strategy scope `fit` would
        # otherwise try to build the GAN by calling it on a batch of images.
        self.built = True

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Set the two optimizers and build them now, inside the current strategy scope.

        Slot variables created lazily inside the traced step fail with several replicas
        (keras-team/keras#23085).
        """
        super().compile(jit_compile=False, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        """d_loss, g_loss, mean D(x) and mean D(G(z)); Keras resets them each epoch."""
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, z, training=False):
        """Samples for latent codes `z`."""
        return self.generator(z, training=training)

    def fit(self, *args, steps_per_epoch=None, **kwargs):
        """`keras.Model.fit`, with steps_per_epoch defaulting to the recipe's epoch length.

        The recipe's dataset is already shuffled, deterministically by step, so Keras' own
        shuffle is off.
        """
        kwargs.setdefault("shuffle", False)
        return super().fit(*args, steps_per_epoch=steps_per_epoch or self.steps_per_epoch, **kwargs)

    # -- Algorithm 1 ---------------------------------------------------------------------

    def train_step(self, data):
        """k discriminator steps, each on its own minibatch, then one generator step."""
        batches = data if isinstance(data, tuple) else (data,)
        step = self.g_optimizer.iterations
        if self.update == "simultaneous":
            self.simultaneous_step(batches[0], self.noise_seed(step, 0))
        else:
            for i, real in enumerate(batches):
                self.discriminator_step(real, self.noise_seed(step, i))
            self.generator_step(tf.shape(batches[0])[0], self.noise_seed(step, len(batches)))
        return self.logs()

    def discriminator_step(self, real, seed):
        """One SGD step on D: ascend log D(x) + log(1 - D(G(z)))."""
        z = self.sample_latent(tf.shape(real)[0], seed)
        fake = self.generator(z, training=True)
        grads, loss, real_logits, fake_logits = self.discriminator_gradients(real, fake)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        self.track_discriminator(loss, real_logits, fake_logits)

    def generator_step(self, batch_size, seed):
        """One SGD step on G through the (dropped-out) discriminator."""
        z = self.sample_latent(batch_size, seed)
        grads, loss = self.generator_gradients(z)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        self.g_loss_tracker.update_state(loss)

    def simultaneous_step(self, real, seed):
        """Both gradients from one minibatch and one D(G(z)), applied together."""
        z = self.sample_latent(tf.shape(real)[0], seed)
        d_grads, g_grads, d_loss, g_loss, real_logits, fake_logits = self.joint_gradients(real, z)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))
        self.track_discriminator(d_loss, real_logits, fake_logits)
        self.g_loss_tracker.update_state(g_loss)

    # -- Per-replica losses and gradients (XLA-compiled when asked) -------------------------

    def discriminator_gradients(self, real, fake):
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            loss = self.discriminator_loss(real_logits, fake_logits)
            scaled = self.scale_loss(loss)
        grads = tape.gradient(scaled, self.discriminator.trainable_variables)
        return grads, loss, real_logits, fake_logits

    def generator_gradients(self, z):
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            loss = self.generator_loss(fake_logits)
            scaled = self.scale_loss(loss)
        return tape.gradient(scaled, self.generator.trainable_variables), loss

    def joint_gradients(self, real, z):
        with tf.GradientTape(persistent=True) as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            g_loss = self.generator_loss(fake_logits)
            d_scaled, g_scaled = self.scale_loss(d_loss), self.scale_loss(g_loss)
        d_grads = tape.gradient(d_scaled, self.discriminator.trainable_variables)
        g_grads = tape.gradient(g_scaled, self.generator.trainable_variables)
        del tape
        return d_grads, g_grads, d_loss, g_loss, real_logits, fake_logits

    # -- Small hooks ---------------------------------------------------------------------

    def scale_loss(self, loss):
        """This replica's share of the global-batch loss.

        `apply_gradients` sums the replicas' gradients, so the per-replica mean is divided by
        the number of replicas: the update then equals one device's on the global batch.
        """
        return loss / replicas()

    def logs(self):
        """The metrics' results: each replica's mean, which `fit` averages over replicas.

        Rank 1 across several workers: Keras' final reduction there fails on scalars
        (tensorflow/tensorflow#72388) and averages the [1] values back into scalars.
        """
        logs = {m.name: m.result() for m in self.metrics}
        if distribute.is_multi_worker(tf.distribute.get_strategy()):
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def noise_seed(self, step, stream):
        """The stateless seed of one noise draw: step t's i-th draw, the same on every replica."""
        return tf.stack([tf.constant(self.seed, tf.int64),
                         tf.cast(step, tf.int64) * (self.k + 1) + stream])

    def sample_latent(self, batch_size, seed):
        """This replica's slice of the global batch's noise."""
        count, index = replicas(), replica_index()
        z = self.prior.sample(batch_size * count, seed)
        return z[index * batch_size:(index + 1) * batch_size]

    def track_discriminator(self, loss, real_logits, fake_logits):
        self.d_loss_tracker.update_state(loss)
        self.d_real_tracker.update_state(tf.sigmoid(real_logits))
        self.d_fake_tracker.update_state(tf.sigmoid(fake_logits))


def replicas():
    """Replicas in sync: 1 outside any strategy."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_index():
    """This replica's index within the sync group (0 outside any strategy)."""
    context = tf.distribute.get_replica_context()
    return 0 if context is None else context.replica_id_in_sync_group

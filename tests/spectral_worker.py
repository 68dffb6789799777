"""A spectrally normalised model trained on one device and on 2 mirrored logical CPUs.

TensorFlow fixes its logical devices when it initialises, so tests/test_spectral.py runs this
in a process of its own: `python tests/spectral_worker.py`. It prints one JSON line:
{"initial": weights, "one_device": weights, "mirrored": weights}, each {weight path: values}.
"""

from __future__ import annotations

import json

import tensorflow as tf

# Before anything else touches TensorFlow: two logical CPUs for the two replicas.
CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganzoo.models.spectral import SpectralNormalization  # noqa: E402

BATCH, STEPS = 8, 3


def build_model():
    """Dense -> SN(Dense), every initial value fixed by a seed."""
    return keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(4, activation="tanh", name="hidden",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
        SpectralNormalization(keras.layers.Dense(
            2, name="out", kernel_initializer=keras.initializers.GlorotUniform(seed=2),
            bias_initializer=keras.initializers.RandomNormal(seed=3)), seed=4, name="sn"),
    ])


def weights(model):
    """{path below the model's name: values}: each new model gets a new name."""
    return {weight.path.split("/", 1)[1]: np.asarray(weight).tolist() for weight in model.weights}


def train(strategy):
    """STEPS SGD steps, the model called twice per step, as a discriminator on real and fake."""
    with strategy.scope():
        model = build_model()
        optimizer = keras.optimizers.SGD(0.5)
        optimizer.build(model.trainable_variables)
    data = np.random.default_rng(0).normal(size=(STEPS, 2, BATCH, 5)).astype("float32")

    def replica_step(real, fake):
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        rows = BATCH // replicas
        start = context.replica_id_in_sync_group * rows
        real, fake = real[start:start + rows], fake[start:start + rows]
        with tf.GradientTape() as tape:
            real_loss = keras.ops.mean(keras.ops.square(model(real, training=True) - 1))
            fake_loss = keras.ops.mean(keras.ops.square(model(fake, training=True) + 1))
            # Per-replica mean / replicas: apply_gradients sums across replicas.
            loss = (real_loss + fake_loss) / replicas
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

    @tf.function
    def step(real, fake):
        strategy.run(replica_step, args=(real, fake))

    for real, fake in data:
        step(tf.constant(real), tf.constant(fake))
    return weights(model)


def main():
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    result = {
        "initial": weights(build_model()),
        "one_device": train(tf.distribute.get_strategy()),
        "mirrored": train(mirrored),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

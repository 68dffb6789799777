"""Layers the paper's networks need and Keras lacks: maxout (dense and convolutional), a bias
per output position, and dropout that draws the same masks on N replicas as on one device."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="ganzoo")
class Maxout(keras.layers.Layer):
    """Maxout units (Goodfellow et al. 2013, arXiv 1302.4389): the max over `pieces` linear maps.

    One Dense of `units * pieces` outputs, reshaped to [..., units, pieces] and max-reduced, so
    a max-norm constraint on the kernel bounds each piece's weight column, as pylearn2's
    `max_col_norm` did.
    """

    def __init__(self, units, pieces, kernel_initializer="glorot_uniform",
                 kernel_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.pieces = pieces
        self.linear = keras.layers.Dense(
            units * pieces,
            kernel_initializer=kernel_initializer,
            kernel_constraint=kernel_constraint,
            name="linear",
        )

    def build(self, input_shape):
        self.linear.build(input_shape)

    def call(self, inputs):
        pieces = ops.reshape(self.linear(inputs), (-1, self.units, self.pieces))
        return ops.max(pieces, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "kernel_initializer": keras.initializers.serialize(self.linear.kernel_initializer),
            "kernel_constraint": keras.constraints.serialize(self.linear.kernel_constraint),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_kernel_options(config))


@keras.saving.register_keras_serializable(package="ganzoo")
class MaxoutConv2D(keras.layers.Layer):
    """Convolutional maxout: `filters * pieces` channels max-reduced over groups of `pieces`.

    As the paper's CIFAR-10 discriminator (pylearn2's MaxoutConvC01B): zero padding, a valid
    convolution, the channel maxout, then max pooling.
    """

    def __init__(self, filters, pieces, kernel_size, padding, pool_size, pool_strides,
                 kernel_initializer="glorot_uniform", kernel_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.pieces = pieces
        self.kernel_size = kernel_size
        self.padding = padding
        self.pool_size = pool_size
        self.pool_strides = pool_strides
        self.pad = keras.layers.ZeroPadding2D(padding)
        self.conv = keras.layers.Conv2D(
            filters * pieces, kernel_size,
            kernel_initializer=kernel_initializer,
            kernel_constraint=kernel_constraint,
            name="conv",
        )
        self.pool = keras.layers.MaxPooling2D(pool_size, pool_strides)

    def build(self, input_shape):
        padded = self.pad.compute_output_shape(input_shape)
        self.conv.build(padded)

    def call(self, inputs):
        features = self.conv(self.pad(inputs))
        height, width = ops.shape(features)[1], ops.shape(features)[2]
        grouped = ops.reshape(features, (-1, height, width, self.filters, self.pieces))
        return self.pool(ops.max(grouped, axis=-1))

    def compute_output_shape(self, input_shape):
        conv_shape = self.conv.compute_output_shape(self.pad.compute_output_shape(input_shape))
        return self.pool.compute_output_shape(conv_shape[:-1] + (self.filters,))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "pieces": self.pieces,
            "kernel_size": self.kernel_size,
            "padding": self.padding,
            "pool_size": self.pool_size,
            "pool_strides": self.pool_strides,
            "kernel_initializer": keras.initializers.serialize(self.conv.kernel_initializer),
            "kernel_constraint": keras.constraints.serialize(self.conv.kernel_constraint),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_kernel_options(config))


@keras.saving.register_keras_serializable(package="ganzoo")
class UntiedBias(keras.layers.Layer):
    """Adds a bias per position and channel, not one per channel: pylearn2's `tied_b: 0`, as
    the paper's CIFAR-10 transposed convolution has. Starts at zero, as there."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=tuple(input_shape[1:]), initializer="zeros",
                                    name="bias")

    def call(self, inputs):
        return inputs + self.bias


@keras.saving.register_keras_serializable(package="ganzoo")
class CheckLabels(keras.layers.Layer):
    """Passes integer class labels through; outside training, a label outside [0, classes) fails
    with a message saying so. Without it a one-hot code of such a label is all zeros, and a
    served conditional generator would answer a bad request with a meaningless sample.

    Not in training: the labels come from the dataset there, and XLA compiles no assertions.
    """

    def __init__(self, classes, **kwargs):
        super().__init__(**kwargs)
        self.classes = int(classes)

    def call(self, labels, training=False):
        if training:
            return labels
        message = f"label must be in [0, {self.classes}): the generator has {self.classes} classes"
        checks = [tf.debugging.assert_non_negative(labels, message=message),
                  tf.debugging.assert_less(labels, tf.cast(self.classes, labels.dtype),
                                           message=message)]
        with tf.control_dependencies(checks):
            return tf.identity(labels)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "classes": self.classes}


def deserialize_kernel_options(config):
    """A layer config with its kernel initializer and constraint turned back into objects."""
    config = dict(config)
    config["kernel_initializer"] = keras.initializers.deserialize(config["kernel_initializer"])
    if config.get("kernel_constraint") is not None:
        config["kernel_constraint"] = keras.constraints.deserialize(config["kernel_constraint"])
    return config


@keras.saving.register_keras_serializable(package="ganzoo")
class Dropout(keras.layers.Dropout):
    """Keras' Dropout, but under a strategy with N replicas each replica takes its rows of the
    mask one device would draw for the global batch.

    Keras' Dropout draws from a SeedGenerator whose state is mirrored, so every replica would
    draw the same mask for its own slice of the batch: replica 1's examples would get replica
    0's masks, and the run would differ from one device's. Here every replica draws the
    global-batch mask from the same seed and keeps rows [r * b, (r + 1) * b), as the data and
    the noise are split, so N replicas train exactly as one device does. One device takes
    Keras' own path. (The class keeps Keras' name so that weight files keep their layout.)
    """

    def call(self, inputs, training=False):
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        if not training or self.rate == 0 or replicas == 1 or self.noise_shape is not None:
            return super().call(inputs, training=training)
        rows = tf.shape(inputs)[0]
        whole = tf.concat([[rows * replicas], tf.shape(inputs)[1:]], axis=0)
        # 0 or 1 / (1 - rate) per element: stateless_dropout of ones, from the same seed draw.
        scale = keras.random.dropout(tf.ones(whole, inputs.dtype), self.rate,
                                     seed=self.seed_generator)
        start = rows * tf.cast(context.replica_id_in_sync_group, rows.dtype)
        return inputs * scale[start:start + rows]


def replica_rows(draw, inputs):
    """This replica's rows of `draw(global_shape)`: every replica draws the global batch's
    numbers from the same (mirrored) seed state and keeps rows [r * b, (r + 1) * b), so N
    replicas see what one device would (see `Dropout`)."""
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(tf.shape(inputs))
    rows = tf.shape(inputs)[0]
    whole = draw(tf.concat([[rows * replicas], tf.shape(inputs)[1:]], axis=0))
    start = rows * tf.cast(context.replica_id_in_sync_group, rows.dtype)
    return whole[start:start + rows]


@keras.saving.register_keras_serializable(package="ganzoo")
class GaussianNoise(keras.layers.GaussianNoise):
    """Keras' GaussianNoise (x + N(0, stddev^2) in training), replica-exact as `Dropout` is:
    the Improved GAN's discriminator puts it on every layer's input (Salimans et al. 2016,
    arXiv 1606.03498; openai/improved-gan, `nn.GaussianNoiseLayer`)."""

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return inputs + replica_rows(lambda shape: keras.random.normal(
            shape, stddev=self.stddev, dtype=inputs.dtype, seed=self.seed_generator), inputs)


@keras.saving.register_keras_serializable(package="ganzoo")
class WeightNormDense(keras.layers.Layer):
    """A dense layer with weight normalisation (Salimans & Kingma 2016, arXiv 1602.07868):
    w_j = g_j v_j / ||v_j|| for each output unit j, so a unit's scale g is trained apart from
    its direction v. v starts N(0, 0.05^2) and g at 1, as openai/improved-gan's `nn.DenseLayer`;
    `initialize(inputs)` is that layer's data-dependent initialisation of g and b. With
    `trainable_scale=False` g stays where that initialisation put it (the code's hidden layers:
    `train_scale=False`)."""

    def __init__(self, units, activation=None, seed=None, trainable_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = int(units), seed
        self.trainable_scale = bool(trainable_scale)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.direction = self.add_weight(
            shape=(input_shape[-1], self.units), name="direction",
            initializer=keras.initializers.RandomNormal(0.0, 0.05, seed=self.seed))
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale",
                                     trainable=self.trainable_scale)
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def initialize(self, inputs):
        """Set g and b so that this layer's pre-activations on the batch `inputs` have mean 0
        and standard deviation 1 per unit (g <- g / std, b <- -mean / std, as openai/improved-gan
        `nn.DenseLayer(init=True)`); returns the layer's output on `inputs` after it."""
        pre = ops.matmul(inputs, self.direction) * self.unit_scales()
        mean = ops.mean(pre, axis=0)
        std = ops.sqrt(ops.mean(ops.square(pre - mean), axis=0))
        self.scale.assign(self.scale / std)
        self.bias.assign(-mean / std)
        return self(inputs)

    def unit_scales(self):
        """g / ||v||, one per output unit."""
        return self.scale / ops.sqrt(ops.sum(ops.square(self.direction), axis=0))

    def kernel(self):
        """g v / ||v||, column by column: the dense kernel the layer applies."""
        return self.direction * self.unit_scales()

    def call(self, inputs):
        # (x v) * g / ||v||, as openai/improved-gan's nn.DenseLayer: the scales multiply the
        # [batch, units] product, not the [inputs, units] kernel (x (v * s) is the same map;
        # scaling the kernel cost the Improved GAN's step a third of its time in multiplies
        # the size of D's weights, forward and backward, in each of its five D passes).
        return self.activation(ops.matmul(inputs, self.direction) * self.unit_scales()
                               + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed,
                "trainable_scale": self.trainable_scale,
                "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package="ganzoo")
class Composite(keras.layers.Layer):
    """An inpainting generator's output: the observed pixels where mask = 1, the generated
    ones where mask = 0 (x_hat = M * x + (1 - M) * G(...), as a select, so observed pixels
    come back bit for bit and no gradient reaches G through them)."""

    def call(self, inputs):
        generated, observed, mask = inputs
        return ops.where(mask > 0.5, observed, generated)

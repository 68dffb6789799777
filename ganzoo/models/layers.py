"""Layers the paper's networks need and Keras lacks: maxout (dense and convolutional)."""

from __future__ import annotations

import keras
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


def deserialize_kernel_options(config):
    """A layer config with its kernel initializer and constraint turned back into objects."""
    config = dict(config)
    config["kernel_initializer"] = keras.initializers.deserialize(config["kernel_initializer"])
    if config.get("kernel_constraint") is not None:
        config["kernel_constraint"] = keras.constraints.deserialize(config["kernel_constraint"])
    return config

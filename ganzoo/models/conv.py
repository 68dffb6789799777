"""The convolutional CIFAR-10 networks of Goodfellow et al. 2014 (arXiv 1406.2661).

From the paper's code (goodfeli/adversarial, cifar10_convolutional): the generator is two
fully connected layers, a reshape to 10x10x80 and a 5x5 stride-3 transposed convolution to
32x32x3 with a bias per output pixel and channel (its `tied_b: 0`); the discriminator is three
maxout convolution layers, a maxout layer of 500 units x 5 pieces, and a sigmoid unit. The
fully connected sizes come from the recipe's `[model.generator]` / `[model.discriminator]`;
the convolution stack is fixed by the paper.
"""

from __future__ import annotations

import math

import keras

from ganzoo.models.layers import Dropout, Maxout, MaxoutConv2D, UntiedBias
from ganzoo.models.mlp import column_norm, hidden_layers, uniform_init
from ganzoo.models.normalization import SpectralNormSelection

# (filters, pieces, kernel, padding, pool, pool stride) of the paper's discriminator.
CONV_LAYERS = (
    (32, 2, 8, 4, 4, 2),
    (32, 2, 8, 3, 4, 2),
    (192, 2, 5, 3, 2, 2),
)
FEATURE_MAP = (10, 10, 80)


def build_generator(model, data_shape, output_bias=None, seed=0, classes=0):
    """Dense layers, reshape to 10x10x80, then a 5x5 stride-3 transposed convolution whose
    bias is one per output pixel and channel."""
    check_unconditional(classes)
    config = model.generator
    z = keras.Input((model.latent_dim,), name="z")
    h = hidden_layers(config, z, seed)
    if config.units[-1] != math.prod(FEATURE_MAP):
        raise ValueError(f"[model.generator].units must end with {math.prod(FEATURE_MAP)} "
                         f"(reshaped to {FEATURE_MAP}), not {config.units[-1]}")
    h = keras.layers.Reshape(FEATURE_MAP)(h)
    h = keras.layers.Conv2DTranspose(
        data_shape[-1], 5, strides=3, use_bias=False,
        kernel_initializer=uniform_init(config.output_init_range or config.init_range, seed + 100,
                                        config.init_std),
        name="deconv",
    )(h)
    h = UntiedBias(name="untied_bias")(h)
    out = keras.layers.Activation(config.output, name="sample")(h)
    return keras.Model(z, out, name="generator")


def build_discriminator(model, input_shape, seed=0, classes=0):
    """Three maxout convolution layers, a maxout layer and a logit, with dropout as in mlp."""
    check_unconditional(classes)
    config = model.discriminator
    init = lambda offset: uniform_init(config.init_range, seed + offset, config.init_std)  # noqa: E731
    constraint = column_norm(config.max_column_norm)
    normalize = SpectralNormSelection(config.spectral_norm)
    x = keras.Input(tuple(input_shape), name="x")
    h = Dropout(1.0 - config.input_keep, seed=seed, name="input_dropout")(x)
    for i, (filters, pieces, kernel, pad, pool, stride) in enumerate(CONV_LAYERS):
        h = normalize(MaxoutConv2D(filters, pieces, kernel, pad, pool, stride,
                                   kernel_initializer=init(1 + i), name=f"maxout_conv_{i}"))(h)
        h = Dropout(1.0 - config.hidden_keep, seed=seed + 10 + i)(h)
    h = keras.layers.Flatten()(h)
    for i, units in enumerate(config.units):
        h = normalize(Maxout(units, config.pieces, kernel_initializer=init(20 + i),
                             kernel_constraint=constraint, name=f"maxout_{i}"))(h)
        h = Dropout(1.0 - config.hidden_keep, seed=seed + 30 + i)(h)
    logit = normalize(keras.layers.Dense(1, kernel_initializer=init(100),
                                         kernel_constraint=constraint, name="logit"))(h)
    discriminator = keras.Model(x, logit, name="discriminator")
    normalize.check(discriminator)
    return discriminator


def check_unconditional(classes):
    if classes:
        raise ValueError("[model].architecture = 'goodfellow2014_cifar10_conv' takes no label: "
                         "a conditional family needs the 'mlp' architecture")

"""The permutation-invariant MNIST networks of the Improved GAN (Salimans et al. 2016,
arXiv 1606.03498; openai/improved-gan, mnist_svhn_cifar10/train_mnist_feature_matching.py).

Generator: z -> fully connected layers ([model.generator].units and activations: the paper's
500-500 softplus, with batch norm) -> a weight-normalised output layer -> the data's shape.
Discriminator: Gaussian noise on the input ([model.discriminator].input_noise, the paper's 0.3)
and on every later layer's input (hidden_noise, 0.5), weight-normalised ReLU layers
([model.discriminator].units, the paper's 1000-500-250-250-250) whose scales are not trained
(the code's `train_scale=False`: `initialize_discriminator` sets them from data), then a
weight-normalised head with a trained scale: one logit, or with `classifier_classes` K class logits, the semi-supervised family's
K + 1-class classifier whose fake class is implicit. That D returns {"class_logits": [batch, K],
"features": [batch, last units]}: the last hidden layer, which G's feature matching reads.
"""

from __future__ import annotations

import math

import keras

from ganzoo.models.layers import GaussianNoise, WeightNormDense
from ganzoo.models.mlp import hidden_layers


def build_generator(model, data_shape, output_bias=None, seed=0):
    """z -> the recipe's hidden layers -> a weight-normalised output layer ([model.generator]
    .output: the paper's sigmoid) reshaped to `data_shape`. `output_bias` is not used (the
    paper's output bias starts at 0)."""
    config = model.generator
    z = keras.Input((model.latent_dim,), name="z")
    h = hidden_layers(config, z, seed)
    out = WeightNormDense(math.prod(data_shape), config.output, seed=seed + 100,
                          name="output")(h)
    out = keras.layers.Reshape(tuple(data_shape), name="sample")(out)
    return keras.Model(z, out, name="generator")


def build_discriminator(model, input_shape, seed=0, classifier_classes=0):
    """Noise, then a weight-normalised ReLU layer, for each of [model.discriminator].units;
    noise and the head. Returns a [batch, 1] logit, or with `classifier_classes` (K >= 2)
    {"class_logits": [batch, K], "features": [batch, units[-1]]}."""
    config = model.discriminator
    if classifier_classes == 1 or classifier_classes < 0:
        raise ValueError(f"a classifier needs at least 2 classes, not {classifier_classes}")
    x = keras.Input(tuple(input_shape), name="x")
    h = keras.layers.Flatten()(x)
    for i, units in enumerate(config.units):
        stddev = config.input_noise if i == 0 else config.hidden_noise
        h = GaussianNoise(stddev, seed=seed + 50 + i, name=f"noise_{i}")(h)
        h = WeightNormDense(units, "relu", seed=seed + 1 + i, trainable_scale=False,
                            name=f"hidden_{i}")(h)
    features = h
    h = GaussianNoise(config.hidden_noise, seed=seed + 50 + len(config.units),
                      name=f"noise_{len(config.units)}")(h)
    head = WeightNormDense(classifier_classes or 1, seed=seed + 100,
                           name="class_logits" if classifier_classes else "logit")(h)
    outputs = {"class_logits": head, "features": features} if classifier_classes else head
    return keras.Model(x, outputs, name="discriminator")


def initialize_discriminator(discriminator, x, training=True):
    """openai/improved-gan's data-dependent initialisation of D (`init_param(trainx[:500])`):
    through the layers in order on the batch `x`, each weight-normalised layer's scale and bias
    are set so that its pre-activations have mean 0 and unit variance per unit, the next layer
    seeing the initialised outputs; the Gaussian noise is on (`training`), as in the code's
    pass. Returns D's class logits (or logit) on `x` after it."""
    h = x
    for layer in discriminator.layers:  # a chain: Flatten, (noise, dense) ..., noise, head
        if isinstance(layer, WeightNormDense):
            h = layer.initialize(h)
        elif isinstance(layer, GaussianNoise):
            h = layer(h, training=training)
        elif isinstance(layer, keras.layers.Flatten):
            h = layer(h)
    return h

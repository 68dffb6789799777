"""BiGAN's permutation-invariant MNIST networks as its official code builds them (Donahue et al.
2016, arXiv 1605.09782; jeffdonahue/bigan: net.py `deconvnet_mnist_mlp` and `convnet`'s
`mnist_mlp`, gan.py's output layers, train_mnist.sh's --nogain --nobias).

No layer has a bias, and batch norm has neither scale nor offset (the code's --nogain
--nobias): it only standardises, with the code's epsilon 1e-8. z enters a later layer as the code's `apply_cond` adds it: a
linear map of z (N(0, 0.02^2) weights) added to that layer's pre-activation, before batch norm.

- G ([model.generator]): z -> Dense -> batch norm -> activation, then for every later hidden
  layer Dense(h) + Dense(z) -> batch norm -> activation, then the output layer (the code's
  sigmoid) reshaped to the data's shape.
- E ([model.encoder]): x flattened -> Dense -> activation (no batch norm on the first layer),
  then Dense -> batch norm -> activation for every later layer ("features", what the official
  README's 97.35% 1-NN reads), then a linear layer of latent_dim "codes" (the code's
  `Encoder.preds`, N(0, 0.02^2), its 92.10% 1-NN) and z = 2 sigmoid(codes) - 1 for the uniform
  prior on [-1, 1] (dist.py `UniformDistribution.logits_to_sample`), scaled to
  [-prior_scale, prior_scale]; the codes themselves for a normal prior.
- D ([model.discriminator]): x flattened -> Dense -> activation, then Dense(h) + Dense(z) ->
  batch norm -> activation for every later layer, then one logit whose weights start at zero
  (gan.py `BinaryClassifier`: a `LinearPredictor` with stddev 0).

Widths, activations, the weights' N(0, init_std^2) start and the batch norm mode and momentum
come from the recipe's sections; the code's are 1024-1024, ReLU in G and leaky ReLU (0.2) in E
and D, 0.02, and (single device) per-batch statistics.
"""

from __future__ import annotations

import math

import keras

from ganzoo.models.mlp import uniform_init

FEATURES = "features"  # E's last hidden layer
CODES = "latent"  # E's linear outputs, before z's squashing


# net.py `BatchNorm`'s epsilon (Keras' default is 1e-3: against these nets' small
# pre-activation variances, about 0.004 at the start, it would shrink the outputs by ~10%).
EPSILON = 1e-8


def standardize(config, name):
    """Batch norm without scale or offset (the code's --nogain --nobias), `sync` or `batch`
    as the section's batch_norm asks (`ganzoo.models.mlp.batch_norm`), epsilon the code's."""
    return keras.layers.BatchNormalization(momentum=config.batch_norm_momentum, center=False,
                                           scale=False, epsilon=EPSILON,
                                           synchronized=config.batch_norm == "sync", name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class UniformFromCodes(keras.layers.Layer):
    """z = scale * (2 sigmoid(codes) - 1): codes onto the uniform prior's (-scale, scale)."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, codes):
        return self.scale * (2.0 * keras.ops.sigmoid(codes) - 1.0)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def dense(units, config, seed, name, std=None):
    """A bias-free fully connected layer starting N(0, std^2) (the recipe's init_std)."""
    std = config.init_std if std is None else std
    return keras.layers.Dense(units, use_bias=False, name=name,
                              kernel_initializer=uniform_init(config.init_range, seed, std))


def chain(config, h, seed, z=None, first_normalized=False, prefix="hidden", activations=None):
    """The hidden layers: the first without z and (unless `first_normalized`) without batch
    norm, as the code's first layer of E and D; every later one with z added (when given)
    and batch norm. Returns the last hidden layer's output."""
    for i, (units, activation) in enumerate(zip(config.units,
                                                activations or config.activations)):
        h = dense(units, config, seed + i, f"{prefix}_{i}")(h)
        if i > 0 and z is not None:
            joined = dense(units, config, seed + 20 + i, f"{prefix}_{i}_latent", std=0.02)(z)
            h = keras.layers.Add(name=f"{prefix}_{i}_with_latent")([h, joined])
        if (i > 0 or first_normalized) and config.batch_norm != "none":
            h = standardize(config, f"batch_norm_{i}")(h)
        h = keras.layers.Activation(activation, name=f"activation_{i}")(h)
    return h


def build_generator(model, data_shape, output_bias=None, seed=0):
    """G: z -> the hidden layers (z added to every one after the first) -> the data's shape.
    `output_bias` is not used: the code's output layer has no bias."""
    config = model.generator
    z = keras.Input((model.latent_dim,), name="z")
    h = chain(config, z, seed, z=z, first_normalized=True)
    out = dense(math.prod(data_shape), config, seed + 100, "output")(h)
    out = keras.layers.Activation(config.output, name="output_activation")(out)
    out = keras.layers.Reshape(tuple(data_shape), name="sample")(out)
    return keras.Model(z, out, name="generator")


def build_encoder(model, data_shape, seed=0):
    """E: x -> features -> codes -> z in the prior's range (see the module doc)."""
    config = model.encoder
    x = keras.Input(tuple(data_shape), name="x")
    # Seeds apart from D's (seed + 1 + i for the same shapes: E's `seed` is D's + 1).
    h = chain(config, keras.layers.Flatten()(x), seed + 200)
    h = keras.layers.Identity(name=FEATURES)(h)
    codes = dense(model.latent_dim, config, seed + 300, CODES)(h)
    if model.prior == "uniform":
        z = UniformFromCodes(model.prior_scale, name="z")(codes)
    else:
        z = keras.layers.Identity(name="z")(codes)
    return keras.Model(x, z, name="encoder")


def build_discriminator(model, input_shape, seed=0, latent=0):
    """D: a logit of "the pair {x, z} is real"; without `latent`, of x alone."""
    config = model.discriminator
    x = keras.Input(tuple(input_shape), name="x")
    z = keras.Input((latent,), name="z") if latent else None
    # Leaky ReLU (slope 0.2) throughout: the code's conv nets' LReLU; D's section has no
    # activations key.
    h = chain(config, keras.layers.Flatten()(x), seed + 1, z=z,
              activations=["leaky_relu"] * len(config.units))
    logit = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="logit")(h)
    inputs = {"x": x, "z": z} if latent else x
    return keras.Model(inputs, logit, name="discriminator")


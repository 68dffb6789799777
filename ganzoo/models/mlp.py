"""The fully connected networks of Goodfellow et al. 2014 (arXiv 1406.2661).

As in the paper's code (goodfeli/adversarial, pylearn2): the generator is a stack of ReLU /
sigmoid layers; the discriminator is maxout layers with dropout on every layer's input and a
single sigmoid unit (here: a logit; the losses apply the sigmoid).
"""

from __future__ import annotations

import math

import keras
import numpy as np

from ganzoo.config import GeneratorConfig
from ganzoo.models.layers import CheckLabels, Composite, Dropout, Maxout
from ganzoo.models.normalization import SpectralNormSelection


def uniform_init(init_range, seed, std=0.0):
    """pylearn2's `irange`: U(-r, r); or N(0, std^2) with `std` (blocks' IsotropicGaussian, as
    PacGAN's and DCGAN's nets start); neither falls back to Keras' Glorot default."""
    if std > 0:
        return keras.initializers.RandomNormal(0.0, std, seed=seed)
    if init_range <= 0:
        return keras.initializers.GlorotUniform(seed=seed)
    return keras.initializers.RandomUniform(-init_range, init_range, seed=seed)


@keras.saving.register_keras_serializable(package="ganzoo")
class SparseInit(keras.initializers.Initializer):
    """pylearn2's `sparse_init`: each column of a [inputs, units] kernel gets `count` nonzero
    N(0, 1) weights on distinct, randomly chosen inputs; every other weight is 0."""

    def __init__(self, count, seed=0):
        self.count, self.seed = int(count), int(seed)

    def __call__(self, shape, dtype=None):
        inputs, units = shape
        if self.count > inputs:
            raise ValueError(f"sparse init of {self.count} weights per unit needs at least "
                             f"{self.count} inputs, not {inputs}")
        rng = np.random.default_rng(self.seed)
        kernel = np.zeros((inputs, units), np.float32)
        for unit in range(units):
            rows = rng.choice(inputs, self.count, replace=False)
            kernel[rows, unit] = rng.standard_normal(self.count)
        return keras.ops.convert_to_tensor(kernel, dtype=dtype)

    def get_config(self):
        return {"count": self.count, "seed": self.seed}


def column_norm(max_norm):
    """pylearn2's `max_col_norm` on a [inputs, units] kernel; 0 = no constraint."""
    return keras.constraints.MaxNorm(max_norm, axis=0) if max_norm > 0 else None


def build_generator(model, data_shape, output_bias=None, seed=0, classes=0, inpainting=False):
    """The paper's MLP generator: z -> hidden layers -> output layer reshaped to `data_shape`.

    `output_bias` (an array of prod(data_shape) values) starts the output layer's bias, e.g. at
    the logit of the data's mean pixel (`output_bias = "marginal"` in a recipe). With `classes`,
    the generator also takes an int64 `label` input, one-hot and joined to z (a conditional
    family's; Mirza & Osindero 2014). With `inpainting`, G also takes `observed` (x * mask) and
    `mask` (1 = observed), both of `data_shape`, flattened and joined to z, and returns the
    composite (`Composite`): the observed pixels kept, its own elsewhere (the `inpainting`
    family's).
    """
    config = model.generator
    z = keras.Input((model.latent_dim,), name="z")
    label, h = with_label(z, classes)
    known, h = with_observed(h, data_shape, inpainting)
    inputs = {"z": z, **label, **known} if label or known else z
    h = hidden_layers(config, h, seed)
    size = math.prod(data_shape)
    bias_init = "zeros" if output_bias is None else keras.initializers.Constant(np.asarray(output_bias).reshape(size))
    if config.output_sparse_init:
        kernel_init = SparseInit(config.output_sparse_init, seed + 100)
    else:
        kernel_init = uniform_init(config.output_init_range or config.init_range, seed + 100,
                                   config.init_std)
    out = keras.layers.Dense(
        size, config.output,
        kernel_initializer=kernel_init,
        bias_initializer=bias_init,
        kernel_constraint=column_norm(config.max_column_norm),
        name="output",
    )(h)
    out = keras.layers.Reshape(tuple(data_shape), name="sample")(out)
    if known:
        out = Composite(name="composite")([out, known["observed"], known["mask"]])
    return keras.Model(inputs, out, name="generator")


def with_observed(tensor, data_shape, inpainting):
    """({"observed", "mask"}: new inputs of `data_shape`, `tensor` joined to both flattened),
    or ({}, `tensor`) without `inpainting`."""
    if not inpainting:
        return {}, tensor
    known = {name: keras.Input(tuple(data_shape), name=name) for name in ("observed", "mask")}
    flat = [keras.layers.Flatten(name=f"{name}_flat")(known[name]) for name in known]
    return known, keras.layers.Concatenate(name="with_observed")([tensor, *flat])


def build_encoder(model, data_shape, seed=0):
    """BiGAN's encoder E: x -> z (Donahue et al. 2016, arXiv 1605.09782; ALI's inference
    network, Dumoulin et al. 2016, arXiv 1606.00704): x flattened, the hidden layers of
    `[model.encoder]` built as the generator's are, then latent_dim units with its `output`
    activation (linear: jeffdonahue/bigan's encoder ends in a linear layer)."""
    config = model.encoder
    layers = GeneratorConfig(units=config.units, activations=config.activations,
                             init_range=config.init_range, init_std=config.init_std,
                             batch_norm=config.batch_norm,
                             batch_norm_momentum=config.batch_norm_momentum)
    x = keras.Input(tuple(data_shape), name="x")
    h = hidden_layers(layers, keras.layers.Flatten()(x), seed)
    z = keras.layers.Dense(model.latent_dim, config.output,
                           kernel_initializer=uniform_init(config.init_range, seed + 100,
                                                           config.init_std),
                           name="latent")(h)
    return keras.Model(x, z, name="encoder")


def with_label(tensor, classes):
    """({"label": a new int64 input}, `tensor` joined to its one-hot code), or ({}, `tensor`)
    without `classes`. Conditioning lives in the network, so an export sees the label."""
    if not classes:
        return {}, tensor
    label = keras.Input((), dtype="int64", name="label")
    checked = CheckLabels(classes, name="label_range")(label)
    one_hot = keras.layers.CategoryEncoding(classes, output_mode="one_hot", name="label_one_hot")
    joined = keras.layers.Concatenate(name="with_label")([tensor, one_hot(checked)])
    return {"label": label}, joined


def build_stacked_generator(model, upper, seed=0):
    """z -> the recipe's hidden layers -> `upper`, a trained generator whose latent input they
    now feed: the paper's greedy second stage for TFD (tfd_pretrain/train.yaml)."""
    z = keras.Input((model.latent_dim,), name="z")
    h = hidden_layers(model.generator, z, seed)
    upper = keras.Model(upper.inputs, upper.outputs, name="stacked")  # unique among the layers
    return keras.Model(z, upper(h), name="generator")


def hidden_layers(config, z, seed):
    """The generator's fully connected hidden layers, each with its activation and start bias;
    with `batch_norm`, Dense (no bias: the normalisation's offset takes its place), batch norm,
    then the activation, as PacGAN's and DCGAN's generators; then dropout when `hidden_keep`
    < 1 (none in the paper's nets; Mirza & Osindero's generator: 0.5)."""
    h = z
    normalized = config.batch_norm != "none"
    for i, (units, activation) in enumerate(zip(config.units, config.activations)):
        bias = config.hidden_bias[i] if config.hidden_bias else 0.0
        h = keras.layers.Dense(
            units, None if normalized else activation,
            use_bias=not normalized,
            kernel_initializer=uniform_init(config.init_range, seed + i, config.init_std),
            bias_initializer=keras.initializers.Constant(bias),
            kernel_constraint=column_norm(config.max_column_norm),
            name=f"hidden_{i}",
        )(h)
        if normalized:
            h = batch_norm(config, f"batch_norm_{i}")(h)
            h = keras.layers.Activation(activation, name=f"activation_{i}")(h)
        if config.hidden_keep < 1:
            h = Dropout(1.0 - config.hidden_keep, seed=seed + 50 + i, name=f"dropout_{i}")(h)
    return h


def batch_norm(config, name):
    """Batch normalisation as `[model.generator].batch_norm` asks: `batch` normalises each
    replica's part of the batch alone (so N replicas differ from one device); `sync` all-reduces
    the statistics across replicas, and N replicas equal one device."""
    return keras.layers.BatchNormalization(momentum=config.batch_norm_momentum,
                                           synchronized=config.batch_norm == "sync", name=name)


def build_discriminator(model, input_shape, seed=0, classes=0, auxiliary_classes=0, latent=0):
    """The paper's maxout discriminator; returns a [batch, 1] logit of "x is real" (or a
    critic's value). `input_shape` is one input's (a PacGAN pack's, for packed families); with
    `classes`, D also takes the int64 `label`, one-hot and joined to x after its dropout; with
    `auxiliary_classes` (AC-GAN), D returns {"logit", "class_logits"}; with `latent` (BiGAN),
    D judges pairs {"x", "z"}: z ([batch, latent]) is concatenated to the input of hidden layer
    `[model.discriminator].join_latent` (0: beside x, after its dropout)."""
    config = model.discriminator
    normalize = SpectralNormSelection(config.spectral_norm)
    x = keras.Input(tuple(input_shape), name="x")
    h = keras.layers.Flatten()(x)
    h = Dropout(1.0 - config.input_keep, seed=seed, name="input_dropout")(h)
    label, h = with_label(h, classes)
    z = {"z": keras.Input((latent,), name="z")} if latent else {}
    inputs = {"x": x, **label, **z} if label or z else x
    for i, units in enumerate(config.units):
        if z and i == config.join_latent:
            h = keras.layers.Concatenate(name="with_latent")([h, z["z"]])
        h = normalize(hidden_layer(config, units, seed + 1 + i, f"maxout_{i}"))(h)
        h = Dropout(1.0 - config.hidden_keep, seed=seed + 50 + i, name=f"dropout_{i}")(h)
    logit = normalize(keras.layers.Dense(
        1,
        kernel_initializer=uniform_init(config.init_range, seed + 100, config.init_std),
        kernel_constraint=column_norm(config.max_column_norm),
        name="logit",
    ))(h)
    outputs = outputs_with_class_head(
        logit, h, auxiliary_classes, normalize,
        uniform_init(config.init_range, seed + 101, config.init_std))
    discriminator = keras.Model(inputs, outputs, name="discriminator")
    normalize.check(discriminator)
    return discriminator


def outputs_with_class_head(logit, features, classes, normalize, kernel_initializer):
    """D's outputs: the `logit` alone, or with `classes` also an auxiliary classifier on the
    same features, {"logit": [batch, 1], "class_logits": [batch, classes]} (AC-GAN's D, Odena
    et al. 2017, arXiv 1610.09585: one trunk, a source head and a class head)."""
    if not classes:
        return logit
    if classes < 2:
        raise ValueError(f"an auxiliary classifier needs at least 2 classes, not {classes}")
    class_logits = normalize(keras.layers.Dense(classes, kernel_initializer=kernel_initializer,
                                                name="class_logits"))(features)
    return {"logit": logit, "class_logits": class_logits}


def hidden_layer(config, units, seed, name):
    """A maxout layer, or a plain ReLU layer when a unit has a single piece."""
    init = uniform_init(config.init_range, seed, config.init_std)
    constraint = column_norm(config.max_column_norm)
    if config.pieces == 1:
        return keras.layers.Dense(units, "relu", kernel_initializer=init,
                                  kernel_constraint=constraint, name=name)
    return Maxout(units, config.pieces, kernel_initializer=init, kernel_constraint=constraint, name=name)

"""The MNIST networks of Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"
(arXiv 1411.1784), section 4.1: `[model].architecture = "mirza2014"`.

Both nets take the label y as its own branch, joined to the other input's branch in a hidden
layer, as the paper's Figure 1 draws it:

    G: z -> 200 ReLU, y one-hot -> 1000 ReLU; joined -> 1200 ReLU -> sigmoid output (784 on MNIST)
    D: x -> maxout 240 x 5 pieces, y one-hot -> maxout 50 x 5; joined -> maxout 240 x 4 -> logit

The widths are the paper's and fixed here (the recipe loader refuses `units`, `pieces`, ... for
this architecture); the recipe gives what the paper leaves open or shares with the other nets:
initial weights (`init_range` / `init_std`), the output activation and start bias, max column
norms, D's spectral norm, and dropout. The paper applies dropout 0.5 "to both the generator and
discriminator" without saying where: here on every hidden layer's output
(`[model.generator].hidden_keep`, `[model.discriminator].hidden_keep`) and, in D, on the pixels
(`input_keep`, as the Goodfellow et al. code this paper builds on); the label's one-hot code is
never dropped. D outputs a logit (the losses apply the sigmoid).

The label is an int64 `label` input, checked against [0, classes) outside training, exactly as
`ganzoo.models.mlp.with_label` nets take it, so exports and `ganzoo sample --label` work alike.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from ganzoo.models.layers import CheckLabels, Dropout, Maxout
from ganzoo.models.mlp import column_norm, uniform_init
from ganzoo.models.normalization import SpectralNormSelection

# Section 4.1's widths: the generator's ReLU layers, and the discriminator's (units, pieces).
GENERATOR_UNITS = {"z": 200, "label": 1000, "joint": 1200}
DISCRIMINATOR_MAXOUT = {"x": (240, 5), "label": (50, 5), "joint": (240, 4)}


def build_generator(model, data_shape, output_bias=None, seed=0, classes=0):
    """{"z", "label"} -> an example of `data_shape` through `[model.generator].output` (the
    paper's sigmoid). `output_bias` starts the output layer's bias (pylearn2's marginals)."""
    check_conditional(classes)
    config = model.generator
    init = lambda offset: uniform_init(config.init_range, seed + offset, config.init_std)  # noqa: E731
    constraint = column_norm(config.max_column_norm)
    dense = lambda units, name, offset: keras.layers.Dense(  # noqa: E731
        units, "relu", kernel_initializer=init(offset), kernel_constraint=constraint, name=name)
    z = keras.Input((model.latent_dim,), name="z")
    label, one_hot = label_input(classes)
    h = keras.layers.Concatenate(name="joined")([
        dense(GENERATOR_UNITS["z"], "hidden_z", 0)(z),
        dense(GENERATOR_UNITS["label"], "hidden_label", 1)(one_hot)])
    h = Dropout(1.0 - config.hidden_keep, seed=seed + 50, name="dropout_branches")(h)
    h = dense(GENERATOR_UNITS["joint"], "hidden_joint", 2)(h)
    h = Dropout(1.0 - config.hidden_keep, seed=seed + 51, name="dropout_joint")(h)
    size = math.prod(data_shape)
    bias = "zeros" if output_bias is None else keras.initializers.Constant(
        np.asarray(output_bias).reshape(size))
    out = keras.layers.Dense(
        size, config.output,
        kernel_initializer=uniform_init(config.output_init_range or config.init_range,
                                        seed + 100, config.init_std),
        bias_initializer=bias, kernel_constraint=constraint, name="output")(h)
    out = keras.layers.Reshape(tuple(data_shape), name="sample")(out)
    return keras.Model({"z": z, "label": label}, out, name="generator")


def build_discriminator(model, input_shape, seed=0, classes=0):
    """{"x", "label"} -> a [batch, 1] logit of "x is a real example of this class"."""
    check_conditional(classes)
    config = model.discriminator
    normalize = SpectralNormSelection(config.spectral_norm)
    constraint = column_norm(config.max_column_norm)
    init = lambda offset: uniform_init(config.init_range, seed + offset, config.init_std)  # noqa: E731

    def maxout(part, offset):
        units, pieces = DISCRIMINATOR_MAXOUT[part]
        return normalize(Maxout(units, pieces, kernel_initializer=init(offset),
                                kernel_constraint=constraint, name=f"maxout_{part}"))

    x = keras.Input(tuple(input_shape), name="x")
    label, one_hot = label_input(classes)
    pixels = keras.layers.Flatten(name="flatten")(x)
    pixels = Dropout(1.0 - config.input_keep, seed=seed, name="input_dropout")(pixels)
    h = keras.layers.Concatenate(name="joined")([maxout("x", 1)(pixels),
                                                 maxout("label", 2)(one_hot)])
    h = Dropout(1.0 - config.hidden_keep, seed=seed + 50, name="dropout_branches")(h)
    h = maxout("joint", 3)(h)
    h = Dropout(1.0 - config.hidden_keep, seed=seed + 51, name="dropout_joint")(h)
    logit = normalize(keras.layers.Dense(1, kernel_initializer=init(100),
                                         kernel_constraint=constraint, name="logit"))(h)
    discriminator = keras.Model({"x": x, "label": label}, logit, name="discriminator")
    normalize.check(discriminator)
    return discriminator


def label_input(classes):
    """(a new int64 `label` input, its one-hot code): the label checked against [0, classes)
    outside training (`CheckLabels`), as every conditional ganzoo net takes it."""
    label = keras.Input((), dtype="int64", name="label")
    checked = CheckLabels(classes, name="label_range")(label)
    one_hot = keras.layers.CategoryEncoding(classes, output_mode="one_hot",
                                            name="label_one_hot")(checked)
    return label, one_hot


def check_conditional(classes):
    """A ValueError (a recipe error once built) unless the family gives the nets a label."""
    if not classes:
        raise ValueError("[model].architecture = 'mirza2014' takes a class label in both nets: "
                         "use [model].family = 'conditional' with a labelled dataset")

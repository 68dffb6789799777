"""The DCGAN networks of Radford, Metz and Chintala 2015 (arXiv 1511.06434), for 28x28, 32x32
and 64x64 images.

The paper's rules (section 3): strided convolutions instead of pooling, batch norm in both nets,
no fully connected hidden layers; G uses ReLU on every layer and tanh on its output, D
LeakyReLU(0.2); weights start N(0, 0.02) (`init_std`, from the recipe). G projects z to a small
feature map (7x7 for 28x28 images, the common DCGAN-for-MNIST layout; 4x4 for 32 and 64) and
doubles it with 5x5 stride-2 transposed convolutions (the paper code's 5x5, Newmu/dcgan_code),
halving the channels each time down to `[model.generator].filters`; D mirrors it with 5x5
stride-2 convolutions from `[model.discriminator].filters` channels, doubling each time, then
one logit (the losses apply the sigmoid). Batch norm follows `batch_norm` ("sync" all-reduces
the statistics across replicas, see `ganzoo.models.mlp.batch_norm`) on every layer of G but
its output and every layer of D but its first and its logit; a normalised layer has no bias.

With `classes` (a conditional family) G joins the one-hot label to z, and D joins it to the
image as `classes` constant feature maps, as conditional DCGANs do. With `auxiliary_classes`
(AC-GAN, Odena et al. 2017) D takes no label and outputs a dict: the real/fake `logit` and K
`class_logits` (`ganzoo.models.mlp.outputs_with_class_head`).
"""

from __future__ import annotations

import keras

from ganzoo.models.layers import CheckLabels
from ganzoo.models.mlp import batch_norm, outputs_with_class_head, uniform_init, with_label
from ganzoo.models.normalization import SpectralNormSelection

# Image size -> side of G's first feature map (and of D's last); each layer between doubles it.
FIRST_MAP = {28: 7, 32: 4, 64: 4}
KERNEL = 5
LEAKY_SLOPE = 0.2


def build_generator(model, data_shape, output_bias=None, seed=0, classes=0):
    """z (and a label) -> dense projection to a small map -> stride-2 transposed convolutions
    -> an image of `data_shape` through `[model.generator].output` (tanh in DCGAN's recipes).
    `output_bias` is not used: the recipe loader refuses `output_bias = "marginal"` here."""
    config = model.generator
    side, doublings = layout(data_shape)
    normalized = config.batch_norm != "none"
    init = lambda offset: uniform_init(config.init_range, seed + offset, config.init_std)  # noqa: E731
    z = keras.Input((model.latent_dim,), name="z")
    label, h = with_label(z, classes)
    inputs = {"z": z, **label} if label else z
    width = config.filters * 2 ** (doublings - 1)
    h = keras.layers.Dense(side * side * width, use_bias=not normalized, kernel_initializer=init(0),
                           name="project")(h)
    h = keras.layers.Reshape((side, side, width), name="feature_map")(h)
    h = relu_block(config, h, normalized, 0)
    for i in range(1, doublings):
        h = keras.layers.Conv2DTranspose(config.filters * 2 ** (doublings - 1 - i), KERNEL,
                                         strides=2, padding="same", use_bias=not normalized,
                                         kernel_initializer=init(i), name=f"deconv_{i}")(h)
        h = relu_block(config, h, normalized, i)
    h = keras.layers.Conv2DTranspose(data_shape[-1], KERNEL, strides=2, padding="same",
                                     kernel_initializer=init(100), name="output")(h)
    out = keras.layers.Activation(config.output, name="sample")(h)
    return keras.Model(inputs, out, name="generator")


def relu_block(config, h, normalized, i):
    """Batch norm (when the recipe asks) and ReLU after G's layer i."""
    if normalized:
        h = batch_norm(config, f"batch_norm_{i}")(h)
    return keras.layers.ReLU(name=f"relu_{i}")(h)


def build_discriminator(model, input_shape, seed=0, classes=0, auxiliary_classes=0):
    """x (and a label) -> stride-2 convolutions, LeakyReLU(0.2), batch norm on all but the
    first -> a [batch, 1] logit; with `auxiliary_classes`, {"logit", "class_logits": [batch,
    K]} from the same features. `input_shape` is one input's (a PacGAN pack has m * C
    channels); the layers named `conv_i`, `logit` and `class_logits` can be spectrally
    normalised."""
    config = model.discriminator
    side, doublings = layout(input_shape)
    normalized = config.batch_norm != "none"
    normalize = SpectralNormSelection(config.spectral_norm)
    init = lambda offset: uniform_init(config.init_range, seed + offset, config.init_std)  # noqa: E731
    x = keras.Input(tuple(input_shape), name="x")
    label, h = with_label_maps(x, classes)
    inputs = {"x": x, **label} if label else x
    for i in range(doublings):
        first = i == 0  # DCGAN: no batch norm on D's input layer
        h = normalize(keras.layers.Conv2D(
            config.filters * 2 ** i, KERNEL, strides=2, padding="same",
            use_bias=first or not normalized, kernel_initializer=init(i), name=f"conv_{i}"))(h)
        if normalized and not first:
            h = batch_norm(config, f"batch_norm_{i}")(h)
        h = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"leaky_relu_{i}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    logit = normalize(keras.layers.Dense(1, kernel_initializer=init(100), name="logit"))(h)
    outputs = outputs_with_class_head(logit, h, auxiliary_classes, normalize, init(101))
    discriminator = keras.Model(inputs, outputs, name="discriminator")
    normalize.check(discriminator)
    return discriminator


def layout(shape):
    """(side of the first feature map, stride-2 layers) for square images of an allowed size,
    else a ValueError naming the key and the sizes (the builder's errors become recipe errors)."""
    shape = tuple(shape)
    if len(shape) != 3 or shape[0] != shape[1] or shape[0] not in FIRST_MAP:
        *others, last = [f"{size}x{size}" for size in FIRST_MAP]
        raise ValueError(f"[model].architecture = 'dcgan' makes {', '.join(others)} or {last} "
                         f"images, not examples of shape {'x'.join(map(str, shape))} ([data].name); "
                         f"choose another dataset or architecture")
    side, doublings = FIRST_MAP[shape[0]], 0
    while side << doublings < shape[0]:
        doublings += 1
    return side, doublings


def with_label_maps(x, classes):
    """({"label": a new int64 input}, `x` with the label's one-hot code joined as `classes`
    constant feature maps), or ({}, `x`) without `classes`."""
    if not classes:
        return {}, x
    label = keras.Input((), dtype="int64", name="label")
    checked = CheckLabels(classes, name="label_range")(label)
    one_hot = keras.layers.CategoryEncoding(classes, output_mode="one_hot",
                                            name="label_one_hot")(checked)
    maps = keras.layers.Reshape((1, 1, classes), name="label_pixel")(one_hot)
    maps = keras.layers.UpSampling2D(tuple(x.shape[1:3]), name="label_maps")(maps)
    return {"label": label}, keras.layers.Concatenate(name="with_label")([x, maps])

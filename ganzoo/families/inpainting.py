"""Inpainting: conditionals of any subset of pixels (Goodfellow et al. 2014, arXiv 1406.2661,
section 7, future-work item 3: "learned approximate inference ... conditionals p(x_S | x_not S)
... by training a family of conditional models that share parameters").

One model of p(x_S | x_rest) shared over random masks. Each training example gets a mask M
(1 = observed, 0 = to fill) from its own named noise stream (`mask`), drawn for the global batch
from (seed, step) and sliced per replica as z is, so a resumed run and N replicas draw what an
uninterrupted single device draws. `[model].mask` sets the kind (`MASK_KINDS`).

- G takes {"z", "observed" = x * M, "mask" = M} (`inpainting` in the network builder) and
  returns the composite x_hat = M * x + (1 - M) * G(z, x * M, M) (a select inside the network,
  `ganzoo.models.layers.Composite`): the observed pixels are kept exactly, in training, at
  evaluation and in the export alike.
- D judges an image together with its mask, concatenated along the channels: the real x with
  M against the completion x_hat with the same M. Both agree on the observed pixels, so D can
  only judge the hole and how it joins the rest. This follows the conditional inpainting GANs
  whose discriminator is given the mask with the image (Yu et al. 2019, "Free-Form Image
  Inpainting with Gated Convolution", arXiv 1806.03589, SN-PatchGAN's input of image and mask;
  Demir & Unal 2018, arXiv 1803.07422), with the recipe's loss pair in place of their hinge.
- At inference without data (`inference_inputs`: Parzen, `ganzoo sample`, the export's
  `ServedGenerator`) nothing is observed (M = 0), so G draws whole images; completions go
  through `complete`, the family's metrics (`ganzoo.eval.inpainting`) and TensorBoard's
  `completions` picture (observed with the hole grey, completion, original).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ganzoo import registry
from ganzoo.errors import RecipeError
from ganzoo.gan import GAN
from ganzoo.noise import LATENT, Noise

MASK = "mask"  # the noise stream of the masks, and the batch key of each example's mask
MASK_KINDS = ("random_pixels", "square", "half")
COMPLETION_COLUMNS = 8  # TensorBoard's completions picture: this many training images


@dataclass(frozen=True)
class Masks:
    """Random masks of one kind for images of `shape` (H, W, C); 1 = observed, 0 = to fill.

    kind: `random_pixels` (each pixel hidden with probability `fraction`), `square` (a
      `size` x `size` hole at a uniform place) or `half` (one of the four halves, uniform).
    """

    kind: str
    shape: tuple
    fraction: float = 0.5
    size: int = 14

    def draw(self, noise, rows):
        """float32 [rows, H, W, C] masks from the `mask` stream of `noise` (this replica's rows
        of a global-batch draw, as every stream)."""
        height, width, channels = self.shape
        ys = tf.range(height, dtype=tf.int32)[None, :, None]
        xs = tf.range(width, dtype=tf.int32)[None, None, :]
        if self.kind == "random_pixels":
            hidden = noise.uniform(MASK, rows, (height, width)) < self.fraction
        elif self.kind == "square":
            corner = noise.uniform(MASK, rows, (2,))
            top = tf.cast(corner[:, 0] * (height - self.size + 1), tf.int32)[:, None, None]
            left = tf.cast(corner[:, 1] * (width - self.size + 1), tf.int32)[:, None, None]
            hidden = ((ys >= top) & (ys < top + self.size)
                      & (xs >= left) & (xs < left + self.size))
        else:  # half: 0 top, 1 bottom, 2 left, 3 right
            which = tf.cast(noise.uniform(MASK, rows) * 4, tf.int32)[:, None, None]
            hidden = (((which == 0) & (ys < height // 2)) | ((which == 1) & (ys >= height // 2))
                      | ((which == 2) & (xs < width // 2)) | ((which == 3) & (xs >= width // 2)))
        mask = 1.0 - tf.cast(hidden, tf.float32)
        return tf.tile(mask[..., None], [1, 1, 1, channels])

    def fixed(self, count, seed):
        """`count` masks as a NumPy array from the stateless seed `seed` (int64 [2]): evaluation
        and pictures, the same at every call."""
        return self.draw(Noise(tf.constant(seed, tf.int64)), count).numpy()


def masks_of(recipe):
    """The recipe's Masks; a RecipeError for data that are not images or a hole too large."""
    model, shape = recipe.model, tuple(recipe.data_shape)
    where = f"{recipe.path}: [model].family = 'inpainting'"
    if len(shape) != 3:
        raise RecipeError(f"{where} needs image data (height, width, channels), and "
                          f"[data].name = {recipe.data.name!r} has examples of shape {shape}")
    if model.mask == "square" and model.mask_size > min(shape[:2]):
        raise RecipeError(f"{recipe.path}: [model].mask_size = {model.mask_size} does not fit "
                          f"the {shape[0]}x{shape[1]} images of [data].name = "
                          f"{recipe.data.name!r}; choose from 1 to {min(shape[:2])}")
    if model.mask not in MASK_KINDS:  # the loader checks it too; here for built recipes
        raise RecipeError(f"{recipe.path}: [model].mask = {model.mask!r} is not allowed; "
                          f"choose from: {', '.join(MASK_KINDS)}")
    return Masks(model.mask, shape, model.mask_fraction, model.mask_size)


def takes_observed(architecture):
    """Whether an architecture's generator builder takes the observed pixels and the mask."""
    builder = registry.ARCHITECTURES.get(architecture).build_generator
    return "inpainting" in inspect.signature(builder).parameters


class InpaintingGAN(GAN):
    """A generator of the hidden pixels given the observed ones and the mask; a discriminator
    of (image, mask) pairs.

    Args (beside GAN's):
      masks: the `Masks` every training example draws one of.
    """

    family_metrics = ("inpainting_accuracy", "inpainting_fid")
    # Both need ganzoo's MNIST classifier (`ganzoo classifier train`): only when asked.
    requested_metrics = family_metrics

    def __init__(self, *args, masks, **kwargs):
        self.masks = masks
        super().__init__(*args, **kwargs)

    @classmethod
    def recipe_options(cls, recipe):
        return {"masks": masks_of(recipe)}

    @classmethod
    def network_options(cls, recipe):
        masks_of(recipe)  # a bad mask fails before any network is built
        architecture = recipe.model.architecture
        if not takes_observed(architecture):
            allowed = [name for name in registry.ARCHITECTURES.names() if takes_observed(name)]
            raise RecipeError(f"{recipe.path}: [model].family = 'inpainting' needs a generator "
                              f"that takes the observed pixels and the mask, and "
                              f"[model].architecture = {architecture!r} has none; choose from: "
                              f"{', '.join(allowed)}")
        return {"inpainting": True}

    @classmethod
    def discriminator_options(cls, recipe):
        return {}

    @classmethod
    def discriminator_input_shape(cls, data_shape, recipe):
        """An image with its mask as as many channels again."""
        *spatial, channels = data_shape
        return (*spatial, 2 * channels)

    def draws(self, batch, noise, names):
        """Each example's mask, z, and the penalties' draws (on the masked batch)."""
        mask = self.masks.draw(noise, tf.shape(batch["x"])[0])
        found = super().draws({**batch, MASK: mask}, noise, names)
        found[MASK] = mask
        return found

    def terms(self, batch, draws, names):
        """The core's terms on the batch with each example's mask beside it, so the real and
        the completed image are both shown to D with the same mask."""
        return super().terms({**batch, MASK: draws[MASK]}, draws, names)

    def infer(self, batch):
        """The real batch, with its mask; one outside training (none drawn) sees all of x."""
        return batch if MASK in batch else {**batch, MASK: tf.ones_like(batch["x"])}

    def generator_inputs(self, batch, draws):
        mask = batch[MASK]
        return {"z": draws[LATENT], "observed": batch["x"] * mask, "mask": mask}

    def generate(self, batch, draws):
        """The completion of `batch` (the generator composites it), with the same mask."""
        x = self.generator(self.generator_inputs(batch, draws), training=True)
        return {"x": x, MASK: batch[MASK]}

    def discriminator_inputs(self, batch):
        return tf.concat([batch["x"], tf.cast(batch[MASK], batch["x"].dtype)], axis=-1)

    def inference_inputs(self, z, label=None):
        """z with nothing observed (mask 0): whole images drawn from p(x)."""
        super().inference_inputs(z, label)  # a --label is an error, as for any unlabelled G
        return nothing_observed(z, self.masks.shape)

    def complete(self, x, z, mask, batch_size=1000):
        """Completions of images `x` under `mask` (1 = observed) with codes `z`, in inference
        mode, as NumPy: observed pixels are x's exactly."""
        return completions(self.generator, x, z, mask, batch_size)

    def family_pictures(self, data, value_range):
        """`completions`: the first 8 images of `data` (training images) with the hole grey,
        completed, and as they are, one row each, from a fixed mask and z (the same picture
        every epoch, so it shows G changing)."""
        from ganzoo import noise, plots

        x = np.asarray(data[:COMPLETION_COLUMNS], np.float32)
        count = len(x)
        mask = self.masks.fixed(count, [self.seed, noise.PICTURE_GRID])
        z = self.prior.sample(count, tf.constant([self.seed, noise.PICTURE_GRID], tf.int64))
        completed = self.complete(x, np.asarray(z), mask)
        low, high = value_range or (float(x.min()), float(x.max()))
        holed = np.where(mask > 0.5, x, np.float32((low + high) / 2))
        rows = np.concatenate([holed, completed, x])
        return {"completions": plots.image_grid(rows, count, value_range=value_range)}


def nothing_observed(z, shape):
    """G's inputs with nothing observed: zero pixels, zero mask."""
    zeros = np.zeros((len(z), *shape), np.float32)
    return {"z": np.asarray(z), "observed": zeros, "mask": zeros}


def completions(generator, x, z, mask, batch_size=1000):
    """`generator` (a Keras model, or an export's `ServedGenerator`) on x * mask and mask."""
    x, mask = np.asarray(x, np.float32), np.asarray(mask, np.float32)
    inputs = {"z": np.asarray(z, np.float32), "observed": x * mask, "mask": mask}
    return np.asarray(generator.predict(inputs, batch_size=batch_size, verbose=0))

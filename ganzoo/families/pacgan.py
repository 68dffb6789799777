"""PacGAN (Lin et al. 2018, arXiv 1712.04086): the discriminator judges packs of m samples.

D sees m samples of one kind concatenated into one input (real packs, fake packs), which
penalises a generator that covers few modes: a pack of fakes from a collapsed G looks alike.
Only D's input layer grows; its loss is the base loss over packs. Vectors are concatenated
along their features ([B, d] -> [B / m, m * d]) and images along their channels
([B, H, W, C] -> [B / m, H, W, m * C]), as the paper's code does for its MLP and DCGAN nets.

Packs are m consecutive rows of a replica's batch, so each replica's batch must divide by m:
the global batch by m times the replicas (checked when the GAN is built).
"""

from __future__ import annotations

import tensorflow as tf

from ganzoo.gan import GAN


class PacGAN(GAN):
    """A GAN whose discriminator is shown packs of `pack` samples."""

    def __init__(self, *args, pack=2, **kwargs):
        if pack < 2:
            raise ValueError(f"PacGAN packs at least 2 samples, not {pack}")
        self.pack = pack
        super().__init__(*args, **kwargs)

    @classmethod
    def recipe_options(cls, recipe):
        return {"pack": recipe.model.pack}

    @classmethod
    def discriminator_input_shape(cls, data_shape, recipe):
        *rest, last = data_shape
        return (*rest, last * recipe.model.pack)

    def discriminator_inputs(self, batch):
        x = batch["x"]
        shape = tf.shape(x)
        packs = shape[0] // self.pack
        # [B, ..., C] -> [B/m, m, ..., C] -> [B/m, ..., m, C] -> [B/m, ..., m * C]: the pack's
        # samples side by side in the last axis, sample 0 first.
        grouped = tf.reshape(x, tf.concat([[packs, self.pack], shape[1:]], 0))
        rank = len(x.shape)
        order = [0] + list(range(2, rank)) + [1, rank]
        moved = tf.transpose(grouped, order)
        return tf.reshape(moved, tf.concat([[packs], shape[1:-1], [shape[-1] * self.pack]], 0))

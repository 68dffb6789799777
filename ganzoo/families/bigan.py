"""BiGAN / ALI: learned approximate inference (Donahue et al. 2016, "Adversarial Feature
Learning", arXiv 1605.09782; Dumoulin et al. 2016, "Adversarially Learned Inference",
arXiv 1606.00704).

An encoder E: x -> z is trained beside G: z -> x, and D judges pairs: real pairs (x, E(x))
against fake pairs (G(z), z). At the optimum the two joint distributions match, so E inverts
G. Here:

- E is `[model.encoder]` (`ganzoo.models.mlp.build_encoder`), built with the GAN inside the
  strategy scope; D is the recipe's D taking {"x", "z"} (`latent` in the network builder), z
  joined at hidden layer `[model.discriminator].join_latent`.
- E trains with G: one optimizer (G's) over G's and E's variables (`players`).
- D's loss is the recipe's loss pair on (real pairs, fake pairs). G and E minimise D's loss
  with the two kinds of pair swapped: the official code's inverted labels (its `opp_loss`,
  each half weighted 1/2, as ganzoo's D losses halve theirs), for any [loss].name.
- The export serves G as every family does, plus an `encode` signature x -> z (with E's
  last hidden features, and its linear codes where z squashes them: `encoder_views`).

Logged as the vanilla GAN: d_loss, g_loss (G's and E's together) and D's observations; on
images TensorBoard also shows `reconstructions` (x above G(E(x))).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganzoo import registry
from ganzoo.errors import RecipeError
from ganzoo.gan import GAN, GENERATOR
from ganzoo.noise import LATENT
from ganzoo.precision import float32_outputs


RECONSTRUCTION_COLUMNS = 10


class BiGAN(GAN):
    """A generator, an encoder and a discriminator of (x, z) pairs.

    Args (beside GAN's):
      encoder: a built Keras model x -> z [batch, latent_dim].
    """

    family_metrics = ("inference",)  # E's 1-NN accuracy and reconstruction error

    def __init__(self, *args, encoder, **kwargs):
        super().__init__(*args, **kwargs)
        self.encoder = encoder

    @classmethod
    def recipe_options(cls, recipe):
        """The encoder, built here: `build_gan` calls this inside the strategy scope."""
        architecture = registry.ARCHITECTURES.get(recipe.model.architecture)
        try:
            encoder = architecture.build_encoder(recipe.model, recipe.data_shape,
                                                 seed=recipe.train.seed + 2)
        except ValueError as error:
            raise RecipeError(f"{recipe.path}: [model.encoder]: {error}") from None
        return {"encoder": encoder}

    @classmethod
    def discriminator_options(cls, recipe):
        return {"latent": recipe.model.latent_dim}

    def players(self):
        """D's; and G's optimizer over G's and E's variables (the encoder joins G)."""
        players = super().players()
        optimizer, variables = players[GENERATOR]
        players[GENERATOR] = (optimizer, [*variables, *self.encoder.trainable_variables])
        return players

    def generate(self, batch, draws):
        """A fake pair: (G(z), z)."""
        z = draws[LATENT]
        return {"x": self.generator(self.generator_inputs(batch, draws), training=True), "z": z}

    def infer(self, batch):
        """A real pair: (x, E(x))."""
        return {**batch, "z": self.encoder(batch["x"], training=True)}

    def discriminator_inputs(self, batch):
        return {"x": batch["x"], "z": batch["z"]}

    def generator_terms(self, real, fake, fake_outputs):
        """G's and E's loss: D's, with the real and the fake pairs' roles swapped. The core
        runs D on the real pairs for D's update only, so this runs it for E's gradient."""
        real_outputs = self.discriminate(real)
        return {"g_loss": self.loss.discriminator(fake_outputs, real_outputs)}

    def family_pictures(self, data, value_range):
        """`reconstructions`: the first 10 training images above G(E(x)), both in inference
        mode (the official code's `real_regen` picture), the same images every epoch."""
        from ganzoo import plots

        x = np.asarray(data[:RECONSTRUCTION_COLUMNS], np.float32)
        z = self.encoder.predict(x, verbose=0)
        again = np.asarray(self.generator.predict(z, verbose=0), np.float32)
        return {"reconstructions": plots.image_grid(np.concatenate([x, again]), len(x),
                                                    value_range=value_range)}

    def encode(self, x, batch_size=1000):
        """E(x) in inference mode, as a NumPy array."""
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)

    def encoder_views(self):
        """E as a model x -> {"z": E(x)} and, where E has a layer named `latent` (its output
        layer), "codes" (that layer's output where it is not z itself: the linear outputs
        that the `donahue2016` encoder squashes into z) and "features" (that layer's input,
        E's last hidden layer: what BiGAN's official 97.35% 1-NN reads)."""
        views = {"z": self.encoder.outputs[0]}
        try:
            latent = self.encoder.get_layer("latent")
        except ValueError:
            latent = None
        if latent is not None:
            if latent.output is not self.encoder.outputs[0]:
                views["codes"] = latent.output
            views["features"] = latent.input
        return float32_outputs(keras.Model(self.encoder.inputs, views, name="encoder_views"),
                               prefix="float32_view")  # E's own z cast is float32_output_0

    def encode_views(self, x, batch_size=1000):
        """`encoder_views` on `x` in inference mode: {name: NumPy array}."""
        return self.encoder_views().predict(x, batch_size=batch_size, verbose=0)

    def serving_signatures(self):
        """`encode`: x float32 [batch, *data shape], in the data's range -> {"z"}, and "codes"
        and "features" where E has them (`encoder_views`)."""
        spec = tf.TensorSpec([None, *self.encoder.inputs[0].shape[1:]], tf.float32, name="x")
        views = self.encoder_views()

        def encode(x):
            return views(x, training=False)

        return {"encode": (encode, [spec])}

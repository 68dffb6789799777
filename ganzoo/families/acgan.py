"""Auxiliary classifier GANs (Odena, Olah & Shlens 2017, arXiv 1610.09585): G takes a class
label, D does not; D says whether x is real and, through an auxiliary head, which class it is.

Section 3 of the paper: every fake has a class c ~ p_c beside its noise z, X_fake = G(c, z);
D returns P(S | X) and P(C | X); with L_S the log-likelihood of the right source and L_C of
the right class, D maximises L_S + L_C and G maximises L_C - L_S. Here:

- A fake's class is drawn uniformly from the K classes through its own named stream
  (`fake_label`), as the paper samples c ~ p_c (uniform for the balanced datasets it and the
  recipes use), not copied from the real batch as the conditional family does.
- L_S is the recipe's [loss].name (the paper's is the minimax/non-saturating pair); the class
  terms are softmax cross-entropies. D's class term averages real and fake, 1/2 (CE(x, y) +
  CE(G(z, c), c)), in the same proportion as ganzoo's D losses halve their two halves (see
  `ganzoo.losses.minimax_discriminator_loss`), so source and class weigh 1 : 1 as in L_S + L_C;
  G's is CE(G(z, c), c), beside its adversarial term, as in L_C - L_S.
- D (`auxiliary_classes` in the network builders) returns {"logit", "class_logits"}; the
  loss pair and any penalty see only the logit.

Logged: `d_class_loss`, `g_class_loss`, and D's class accuracy on the real and on the fake
batch (`d_real_class_accuracy`, `d_fake_class_accuracy`: the second is a training-time look at
whether G draws the class it is asked for). At inference G takes labels as the conditional
family's does (cycling through the classes, or `ganzoo sample --label`), and the export's
signatures take an int64 `label`.
"""

from __future__ import annotations

import inspect

import tensorflow as tf

from ganzoo import registry
from ganzoo.errors import RecipeError
from ganzoo.families.conditional import ConditionalGAN, labelled_classes
from ganzoo.noise import LATENT

FAKE_LABEL = "fake_label"  # the noise stream of the fakes' classes
CLASS_TERMS = ("d_class_loss", "g_class_loss")
CLASS_ACCURACIES = ("d_real_class_accuracy", "d_fake_class_accuracy")


def class_loss(class_logits, labels):
    """Mean softmax cross-entropy of `labels` (int, [batch]) under `class_logits` [batch, K]:
    -E[log P(C = c | X)], the negated L_C of one batch."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int64), logits=class_logits))


def class_accuracy(class_logits, labels):
    """The fraction of the batch whose most likely class is its label."""
    predicted = tf.argmax(class_logits, axis=-1, output_type=tf.int64)
    return tf.reduce_mean(tf.cast(tf.equal(predicted, tf.cast(labels, tf.int64)), tf.float32))


class ACGAN(ConditionalGAN):
    """A conditional generator and an unconditional discriminator with an auxiliary classifier.

    The discriminator is a built Keras model x -> {"logit": [batch, 1], "class_logits":
    [batch, classes]}; the generator takes {"z", "label"}.
    """

    @classmethod
    def network_options(cls, recipe):
        return {"classes": labelled_classes(recipe)}

    @classmethod
    def discriminator_options(cls, recipe):
        classes = labelled_classes(recipe)
        check_class_head(recipe)
        return {"auxiliary_classes": classes}

    def log_names(self):
        names = super().log_names()
        g_at = names.index("g_loss")
        d_terms, g_terms, observed = names[:g_at], names[g_at:g_at + 1], names[g_at + 1:]
        return [*d_terms, CLASS_TERMS[0], *g_terms, CLASS_TERMS[1], *observed, *CLASS_ACCURACIES]

    def draws(self, batch, noise, names):
        """z and the penalties' draws, and each fake's class, uniform over the classes."""
        found = super().draws(batch, noise, names)
        found[FAKE_LABEL] = noise.uniform(FAKE_LABEL, tf.shape(batch["x"])[0], minval=0,
                                          maxval=self.classes, dtype=tf.int64)
        return found

    def generator_inputs(self, batch, draws):
        return {"z": draws[LATENT], "label": draws[FAKE_LABEL]}

    def generate(self, batch, draws):
        x = self.generator(self.generator_inputs(batch, draws), training=True)
        return {"x": x, "label": draws[FAKE_LABEL]}

    def discriminator_inputs(self, batch):
        return batch["x"]  # AC-GAN's D is not told the class: it has to find it

    def discriminator_fn(self, inputs):
        """D's real/fake logit, what the loss pair and the penalties read."""
        return self.discriminator(inputs, training=True)["logit"]

    def discriminate(self, batch):
        """D's two heads on a batch, with the labels its class head is judged against."""
        outputs = self.discriminator(self.discriminator_inputs(batch), training=True)
        return {**outputs, "label": batch["label"]}

    def discriminator_terms(self, real, fake, real_outputs, fake_outputs, draws):
        terms = super().discriminator_terms(real, fake, real_outputs["logit"],
                                            fake_outputs["logit"], draws)
        terms["d_class_loss"] = 0.5 * (
            class_loss(real_outputs["class_logits"], real_outputs["label"])
            + class_loss(fake_outputs["class_logits"], fake_outputs["label"]))
        return terms

    def generator_terms(self, real, fake, fake_outputs):
        terms = super().generator_terms(real, fake, fake_outputs["logit"])
        terms["g_class_loss"] = class_loss(fake_outputs["class_logits"], fake_outputs["label"])
        return terms

    def observations(self, real_outputs, fake_outputs):
        found = super().observations(real_outputs["logit"], fake_outputs["logit"])
        for name, outputs in zip(CLASS_ACCURACIES, (real_outputs, fake_outputs)):
            found[name] = class_accuracy(outputs["class_logits"], outputs["label"])
        return found


def has_class_head(architecture):
    """Whether an architecture's discriminator builder can add the auxiliary class head."""
    builder = registry.ARCHITECTURES.get(architecture).build_discriminator
    return "auxiliary_classes" in inspect.signature(builder).parameters


def check_class_head(recipe):
    """A RecipeError unless [model].architecture's D can carry AC-GAN's class head."""
    architecture = recipe.model.architecture
    if not has_class_head(architecture):
        allowed = [name for name in registry.ARCHITECTURES.names() if has_class_head(name)]
        raise RecipeError(f"{recipe.path}: [model].family = {recipe.model.family!r} needs a "
                          f"discriminator with an auxiliary class head, and [model].architecture "
                          f"= {architecture!r} has none; choose from: {', '.join(allowed)}")

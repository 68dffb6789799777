"""Conditional adversarial nets (Mirza & Osindero 2014, arXiv 1411.1784): G and D both see the
class label, so G learns p(x | y) and can be asked for a class.

The label of a fake example is the label of the real example it stands beside in the batch, so
the classes of G's samples follow the data's; both networks take the label as an int64 input
(`ganzoo.models.mlp.with_label`), which the export's signatures then take too. At inference
(TensorBoard's pictures, `ganzoo eval`) the labels cycle through the classes.
"""

from __future__ import annotations

import numpy as np

from ganzoo.errors import GanzooError, RecipeError
from ganzoo.gan import GAN
from ganzoo.noise import LATENT


class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both take the label of each example."""

    conditional = True

    def __init__(self, *args, classes, **kwargs):
        if classes < 2:
            raise ValueError(f"a conditional GAN needs at least 2 classes, not {classes}")
        self.classes = classes
        super().__init__(*args, **kwargs)

    @classmethod
    def recipe_options(cls, recipe):
        return {"classes": labelled_classes(recipe)}

    @classmethod
    def network_options(cls, recipe):
        return {"classes": labelled_classes(recipe)}

    def generator_inputs(self, batch, draws):
        return {"z": draws[LATENT], "label": batch["label"]}

    def generate(self, batch, draws):
        x = self.generator(self.generator_inputs(batch, draws), training=True)
        return {"x": x, "label": batch["label"]}

    def discriminator_inputs(self, batch):
        return {"x": batch["x"], "label": batch["label"]}

    def inference_inputs(self, z, label=None):
        """z with labels cycling through the classes, or all of class `label`."""
        if label is None:
            return {"z": z, "label": cycling_labels(len(z), self.classes)}
        if not 0 <= label < self.classes:
            raise GanzooError(f"--label {label}: must be in [0, {self.classes}), the classes "
                              f"this model was trained on")
        return {"z": z, "label": np.full(len(z), label, np.int64)}


def cycling_labels(count, classes):
    """The labels of `count` samples at inference: 0, 1, ..., classes - 1, 0, 1, ..."""
    return np.arange(count, dtype=np.int64) % classes


def labelled_classes(recipe):
    """The dataset's number of classes, or a RecipeError for a dataset without labels."""
    classes = recipe.dataset.classes
    if classes < 2:
        raise RecipeError(f"{recipe.path}: [model].family = {recipe.model.family!r} needs a "
                          f"labelled dataset, and [data].name = {recipe.data.name!r} has no "
                          f"classes to condition on")
    return classes

"""Conditional adversarial nets (Mirza & Osindero 2014, arXiv 1411.1784): G and D both see the
class label, so G learns p(x | y) and can be asked for a class.

The label of a fake example is the label of the real example it stands beside in the batch, so
the classes of G's samples follow the data's; both networks take the label as an int64 input
(`ganzoo.models.mlp.with_label`, `ganzoo.models.mirza`), which the export's signatures then take
too. At inference (`ganzoo eval`, sampling) the labels cycle through the classes; TensorBoard's
pictures show one row per class with the same z down each column (`grid_inputs`).
"""

from __future__ import annotations

import numpy as np

from ganzoo import registry
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

    def grid_inputs(self, z, columns):
        """One row per class, one code per column (`class_grid`), as the paper's Figure 2."""
        return class_grid(z, self.classes, columns)


def class_grid(z, classes, columns):
    """G's inputs for a picture of `classes` rows and `columns` columns, row by row: row r asks
    for class r, and every sample of column j takes the code z[j], so a row shows what the label
    does and a column what the code does (Mirza & Osindero's Figure 2: "each row is conditioned
    on one label and each column is a different generated sample"). Uses z[:columns]."""
    z = np.asarray(z)
    if len(z) < columns:
        raise ValueError(f"a grid {columns} columns wide needs {columns} latent codes, "
                         f"not {len(z)}")
    return {"z": np.tile(z[:columns], (classes, 1)),
            "label": np.repeat(np.arange(classes, dtype=np.int64), columns)}


def cycling_labels(count, classes):
    """The labels of `count` samples at inference: 0, 1, ..., classes - 1, 0, 1, ..."""
    return np.arange(count, dtype=np.int64) % classes


def labelled_classes(recipe):
    """The dataset's number of classes, or a RecipeError for a dataset without labels naming
    the labelled ones (every family that reads labels checks its recipe with this)."""
    classes = recipe.dataset.classes
    if classes < 2:
        labelled = [name for name, spec in registry.DATASETS.items() if spec.classes >= 2]
        raise RecipeError(f"{recipe.path}: [model].family = {recipe.model.family!r} needs a "
                          f"labelled dataset, and [data].name = {recipe.data.name!r} has no "
                          f"classes; choose a labelled dataset: {', '.join(labelled)}, a folder "
                          f"with [data].labels = \"subfolders\" or a tfds:NAME with class labels")
    return classes

"""The labelled subset of a semi-supervised run: `[data].labelled = N` training examples,
N / K of each of the K classes, the rest used without their labels.

The subset is a pure function of ([train].seed, N) and the training split, drawn once with
NumPy's PCG64 from the seed [seed, N, LABELLED_STREAM]: the run's recorded recipe fixes it, a
resumed run draws the same, and another seed another subset. Within each class the examples
are chosen without replacement; the indices (into the training split) come back sorted.
"""

from __future__ import annotations

import numpy as np

from ganzoo.errors import RecipeError

LABELLED_STREAM = 0x5A1  # keeps this draw apart from every other use of the run's seed


def labelled_subset(labels, count, classes, seed):
    """Sorted indices of `count` rows of `labels` [N], `count // classes` of each class."""
    labels = np.asarray(labels).reshape(-1)
    if count > len(labels) or count % classes:
        raise ValueError(f"{count} labelled examples of {classes} classes from {len(labels)}")
    rng = np.random.default_rng([seed, count, LABELLED_STREAM])
    chosen = []
    for label in range(classes):
        members = np.flatnonzero(labels == label)
        if len(members) < count // classes:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than "
                             f"{count // classes}")
        chosen.append(rng.choice(members, count // classes, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def recipe_labelled(recipe, examples):
    """The labelled subset of `examples` (the recipe's training split) for [data].labelled,
    or None when it is 0; a one-line RecipeError when the split cannot give it."""
    count, classes = recipe.data.labelled, recipe.dataset.classes
    if not count:
        return None
    where = f"{recipe.path}: [data].labelled = {count}"
    if not examples.in_memory:
        raise RecipeError(f"{where} needs a dataset held in memory, not the streamed "
                          f"{recipe.data.name!r}; use mnist, fashion_mnist or cifar10")
    if examples.labels is None or classes < 2:
        raise RecipeError(f"{where}: [data].name = {recipe.data.name!r} has no labels here; "
                          f"use a labelled dataset (mnist, fashion_mnist, cifar10, ring8, ...)")
    if count % classes:
        raise RecipeError(f"{where} must be a multiple of the {classes} classes (as many "
                          f"labels of each class)")
    if count > len(examples):
        raise RecipeError(f"{where} is more than the {len(examples)} examples of the training "
                          f"split ([data].train = {list(recipe.data.train)}); use at most "
                          f"{len(examples) - len(examples) % classes}")
    try:
        return labelled_subset(examples.labels, count, classes, recipe.train.seed)
    except ValueError as error:
        raise RecipeError(f"{where}: {error} in the training split") from None

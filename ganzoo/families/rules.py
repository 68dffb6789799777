"""Each family's own recipe rules, checked when a recipe is loaded, without TensorFlow.

`ganzoo.registry.FAMILY_RULES` names, for a family, the recipe keys only it reads (another
family's recipe must leave them at their defaults; `ganzoo.recipe` checks that for every family
alike) and the function here with the rest of its rules. Each function takes the parsed
`RecipeConfig` and `where` (the file or flag to name) and raises a one-line RecipeError.
"""

from __future__ import annotations

from ganzoo import registry
from ganzoo.errors import RecipeError


def pacgan(config, where):
    """PacGAN's D judges packs of m >= 2 samples (m = 1 is the vanilla family)."""
    if config.model.pack < 2:
        raise RecipeError(f"{where}: [model].family = 'pacgan' needs [model].pack >= 2 "
                          f"(PacGAN's m), not {config.model.pack}")


def bigan(config, where):
    """An encoder and a pair discriminator on MLPs; no penalties (D judges (x, z) pairs)."""
    model = config.model
    encoder = model.encoder
    if model.architecture not in ("mlp", "donahue2016"):
        raise RecipeError(f"{where}: [model].family = 'bigan' needs [model].architecture = 'mlp' "
                          f"or 'donahue2016' (its encoder and pair discriminator), not "
                          f"{model.architecture!r}")
    if not encoder.units or len(encoder.activations) != len(encoder.units):
        raise RecipeError(f"{where}: [model.encoder].activations needs one entry per layer of "
                          f"units ({len(encoder.units)}, at least 1), not {len(encoder.activations)}")
    if encoder.init_range > 0 and encoder.init_std > 0:
        raise RecipeError(f"{where}: [model.encoder] sets both init_range and init_std; choose one")
    layers = len(model.discriminator.units)
    if model.architecture == "donahue2016" and layers < 2:
        raise RecipeError(f"{where}: [model.discriminator].units needs at least 2 layers for "
                          f"the 'donahue2016' pair discriminator (z joins every layer after the "
                          f"first), not {layers}")
    if model.discriminator.join_latent > layers - 1:
        raise RecipeError(f"{where}: [model.discriminator].join_latent = "
                          f"{model.discriminator.join_latent} is impossible; it must be in "
                          f"0..{layers - 1} (a hidden layer of D's {layers})")
    if config.loss.penalties:
        raise RecipeError(f"{where}: [loss.penalties] are not defined for [model].family = "
                          f"'bigan' (D judges (x, z) pairs); leave them out")


def semi_supervised(config, where):
    """A labelled subset of as many labels of each class (where the dataset's classes are
    known without reading it; a folder's are checked when its files are), an average of D's
    weights that moves (ema_momentum < 1), and no penalties:
    D is a classifier. Its nets and a folder's classes: `ganzoo.families.semi_supervised`."""
    spec = registry.DATASETS.get(registry.dataset_key(config.data.name))
    check_labelled(config.data.labelled, spec.classes if spec and not spec.resolve else 0,
                   f"{where}: [model].family = 'semi_supervised'")
    if config.model.discriminator.ema_momentum >= 1:
        raise RecipeError(f"{where}: [model.discriminator].ema_momentum = "
                          f"{config.model.discriminator.ema_momentum} would not average D's "
                          f"weights (1 never moves from the initial ones); it must be >= 0 and < 1 "
                          f"(0.9999 in openai/improved-gan, 0 = off)")
    if config.loss.penalties:
        raise RecipeError(f"{where}: [model].family = 'semi_supervised' takes no "
                          f"[loss.penalties] (D is a classifier); remove "
                          f"{', '.join(config.loss.penalties)}")


def check_labelled(labelled, classes, where):
    """[data].labelled as a positive multiple of `classes` (0: not known yet, then only
    positive), else a one-line RecipeError prefixed by `where`."""
    if labelled < max(classes, 1) or (classes and labelled % classes):
        of = f"the {classes} classes" if classes else "the dataset's classes"
        example = f", e.g. {10 * classes}" if classes else ""
        raise RecipeError(f"{where}: [data].labelled = {labelled} must be a positive multiple "
                          f"of {of} (as many labels of each class){example}")

"""Each family's own recipe rules, checked when a recipe is loaded, without TensorFlow.

`ganzoo.registry.FAMILY_RULES` names, for a family, the recipe keys only it reads (another
family's recipe must leave them at their defaults; `ganzoo.recipe` checks that for every family
alike) and the function here with the rest of its rules. Each function takes the parsed
`RecipeConfig` and `where` (the file or flag to name) and raises a one-line RecipeError.
"""

from __future__ import annotations

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
    if model.architecture != "mlp":
        raise RecipeError(f"{where}: [model].family = 'bigan' needs [model].architecture = 'mlp' "
                          f"(its encoder and pair discriminator), not {model.architecture!r}")
    if not encoder.units or len(encoder.activations) != len(encoder.units):
        raise RecipeError(f"{where}: [model.encoder].activations needs one entry per layer of "
                          f"units ({len(encoder.units)}, at least 1), not {len(encoder.activations)}")
    if encoder.init_range > 0 and encoder.init_std > 0:
        raise RecipeError(f"{where}: [model.encoder] sets both init_range and init_std; choose one")
    layers = len(model.discriminator.units)
    if model.discriminator.join_latent > layers - 1:
        raise RecipeError(f"{where}: [model.discriminator].join_latent = "
                          f"{model.discriminator.join_latent} is impossible; it must be in "
                          f"0..{layers - 1} (a hidden layer of D's {layers})")
    if config.loss.penalties:
        raise RecipeError(f"{where}: [loss.penalties] are not defined for [model].family = "
                          f"'bigan' (D judges (x, z) pairs); leave them out")

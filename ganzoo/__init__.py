"""ganzoo: a Keras 3 / TensorFlow zoo of generative adversarial networks.

    import ganzoo
    recipe = ganzoo.load_recipe("toy/ring8", overrides={"train.epochs": 1})
    gan = recipe.build()
    gan.fit(recipe.dataset(), epochs=recipe.train.epochs, callbacks=recipe.callbacks("runs/ring8"))
    generator = ganzoo.load_generator("runs/ring8")
"""

from ganzoo.errors import GanzooError, RecipeError, RunError, TrainingDiverged
from ganzoo.recipe import Recipe, load_recipe

__version__ = "0.1.0"


def load_generator(run_dir):
    """The trained Keras generator of a run directory (its newest checkpoint)."""
    from ganzoo.training import load_generator as load

    return load(run_dir)


def train(recipe, run_dir, resume=False, verbose="auto"):
    """Train a recipe into `run_dir` (resuming from its newest checkpoint with `resume`)."""
    from ganzoo.training import train as run

    return run(recipe, run_dir, resume=resume, verbose=verbose)


__all__ = ["GanzooError", "Recipe", "RecipeError", "RunError", "TrainingDiverged",
           "load_generator", "load_recipe", "train"]

"""ganzoo: a Keras 3 / TensorFlow zoo of generative adversarial networks.

    import ganzoo
    recipe = ganzoo.load_recipe("toy/ring8", overrides={"train.epochs": 1})
    gan = ganzoo.build_gan(recipe)
    gan.fit(ganzoo.dataset(recipe), epochs=recipe.train.epochs,
            callbacks=ganzoo.callbacks(recipe, "runs/ring8"))
    generator = ganzoo.load_generator("runs/ring8")

Only the recipe loader is imported eagerly; the rest imports TensorFlow on first use.
"""

from ganzoo.errors import GanzooError, RecipeError, RunError, TrainingDiverged
from ganzoo.recipe import Recipe, load_recipe
from ganzoo.version import __version__


def build_gan(recipe, strategy=None):
    """The recipe's compiled GAN (see `ganzoo.build.build_gan`)."""
    from ganzoo.build import build_gan as build

    return build(recipe, strategy=strategy)


def dataset(recipe, start_step=0):
    """The recipe's endless, seeded stream of training batches (`ganzoo.training.dataset`)."""
    from ganzoo.training import dataset as stream

    return stream(recipe, start_step=start_step)


def callbacks(recipe, run_dir):
    """Checkpoints, TensorBoard and [eval] callbacks writing into `run_dir`."""
    from ganzoo.training import callbacks as make

    return make(recipe, run_dir)


def load_generator(run_dir):
    """The trained Keras generator of a run directory (its newest intact checkpoint)."""
    from ganzoo.build import load_generator as load

    return load(run_dir)


def train(recipe, run_dir, resume=False, verbose="auto"):
    """Train a recipe into `run_dir` (resuming from its newest checkpoint with `resume`)."""
    from ganzoo.training import train as run

    return run(recipe, run_dir, resume=resume, verbose=verbose)


__all__ = ["GanzooError", "Recipe", "RecipeError", "RunError", "TrainingDiverged", "__version__",
           "build_gan", "callbacks", "dataset", "load_generator", "load_recipe", "train"]

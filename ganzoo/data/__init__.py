"""Training data: toy distributions, image datasets, and the one training-stream builder.

    examples = load_examples(recipe.data, "train", seed=recipe.train.seed)
    examples = recipe_examples(recipe, "train")     # the same, loaded once per process
    dataset = train_dataset(examples.x, batch_size, k, seed, start_step, labels=examples.labels)

`load_examples` and `resolve_data_dir` need no TensorFlow; `train_dataset` imports it on first
use. Every user-fixable problem (missing or corrupt files, bad ranges) is a `DataError` with a
one-line message.
"""

from __future__ import annotations

from ganzoo import registry
from ganzoo.config import DataConfig
from ganzoo.data.examples import SPLITS, DataError, Examples
from ganzoo.data.images import load_images
from ganzoo.data.local import resolve_data_dir
from ganzoo.data.toy import load_toy

__all__ = ["DataError", "Examples", "SPLITS", "load_examples", "recipe_examples",
           "resolve_data_dir", "train_dataset"]


def load_examples(config: DataConfig, split: str, seed: int) -> Examples:
    """One split ("train", "validation" or "test") of the dataset `config` names.

    Toy distributions are drawn from `seed`; image datasets are read from local files or a
    prepared TFDS copy (see `ganzoo.data.images`) and do not depend on it.
    """
    spec = registry.DATASETS.get(config.name)
    if spec is None:
        raise DataError(f"unknown dataset {config.name!r} in [data].name; choose from: "
                        f"{', '.join(registry.DATASETS)}")
    if spec.kind == "toy":
        return load_toy(config, split, seed)
    return load_images(config, split)


_CACHE: dict = {}
_CACHE_SIZE = 8


def recipe_examples(recipe, split="train"):
    """One split of a recipe's dataset, loaded once per process for equal [data] and seed."""
    key = (repr(recipe.data), split, recipe.train.seed)  # frozen dataclasses with lists: no hash
    if key not in _CACHE:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = load_examples(recipe.data, split, recipe.train.seed)
    return _CACHE[key]


def train_dataset(x, batch_size: int, k: int, seed: int, start_step: int = 0, labels=None):
    """See `ganzoo.data.pipeline.train_dataset` (imported lazily: it needs TensorFlow)."""
    from ganzoo.data.pipeline import train_dataset as build

    return build(x, batch_size, k, seed, start_step, labels=labels)

"""Training data: toy distributions, image datasets, and the one training-stream builder.

    examples = load_examples(recipe.data, "train", seed=recipe.train.seed)
    examples = recipe_examples(recipe, "train")     # the same, loaded once per process
    dataset = train_dataset(examples.x, batch_size, k, seed, start_step, labels=examples.labels)
    dataset = stream_dataset(examples, batch_size, k, seed, start_step)  # StreamedExamples

A `folder` or `tfds:NAME` dataset loads as `StreamedExamples` (`examples.in_memory` is False):
its file list or record index, decoded as the stream reads it (`ganzoo.data.folder`,
`ganzoo.data.tfds_named`, `ganzoo.data.decode`); `examples.subset(count)` decodes the first
`count`.

`load_examples` and `resolve_data_dir` need no TensorFlow; `train_dataset` imports it on first
use. Every user-fixable problem (missing or corrupt files, bad ranges) is a `DataError` with a
one-line message.
"""

from __future__ import annotations

import functools

from ganzoo import registry
from ganzoo.config import DataConfig
from ganzoo.data.examples import SPLITS, DataError, Examples, StreamedExamples
from ganzoo.data.folder import load_folder
from ganzoo.data.images import load_images
from ganzoo.data import tfds_named
from ganzoo.data.local import resolve_data_dir
from ganzoo.data.stacked import load_stacked
from ganzoo.data.toy import load_toy

__all__ = ["DataError", "Examples", "SPLITS", "StreamedExamples", "load_examples",
           "recipe_examples", "resident_examples", "resolve_data_dir", "stream_dataset",
           "train_dataset"]

# How many examples of a streamed dataset stand in where all of an in-memory one are used (the
# marginal output bias, Figure 2's nearest neighbours): decoding more would cost memory and time.
STREAMED_SUBSET = 2_000


def load_examples(config: DataConfig, split: str, seed: int) -> Examples | StreamedExamples:
    """One split ("train", "validation" or "test") of the dataset `config` names.

    Toy distributions are drawn from `seed`; image datasets are read from local files or a
    prepared TFDS copy (see `ganzoo.data.images`) and do not depend on it; a folder or a
    TFDS dataset by name is streamed (`StreamedExamples`).
    """
    key = registry.dataset_key(config.name)
    spec = registry.DATASETS.get(key)
    if spec is None:
        raise DataError(f"unknown dataset {config.name!r} in [data].name; choose from: "
                        f"{', '.join(registry.DATASETS)}")
    if spec.kind == "toy":
        return load_toy(config, split, seed)
    if key == "folder":
        return load_folder(config, split)
    if key == "tfds:NAME":
        return tfds_named.load_named(config, split)
    if key == "stacked_mnist":  # three MNIST digits per image, drawn from `seed`
        return load_stacked(config, split, seed)
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


@functools.lru_cache(maxsize=2)  # the training split's, read again after every epoch
def resident_examples(examples):
    """All the examples of an in-memory split, as one array; the first STREAMED_SUBSET of a
    streamed one, decoded."""
    return examples.x if examples.in_memory else examples.subset(STREAMED_SUBSET)


def train_dataset(x, batch_size: int, k: int, seed: int, start_step: int = 0, labels=None,
                  labelled=None):
    """See `ganzoo.data.pipeline.train_dataset` (imported lazily: it needs TensorFlow)."""
    from ganzoo.data.pipeline import train_dataset as build

    return build(x, batch_size, k, seed, start_step, labels=labels, labelled=labelled)


def stream_dataset(examples, batch_size: int, k: int, seed: int, start_step: int = 0,
                   **options):
    """See `ganzoo.data.pipeline.stream_dataset` (imported lazily: it needs TensorFlow)."""
    from ganzoo.data.pipeline import stream_dataset as build

    return build(examples, batch_size, k, seed, start_step, **options)

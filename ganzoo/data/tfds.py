"""Reading an already-prepared TensorFlow Datasets copy, never downloading one.

`tfds.load` without a network retries for minutes; here a dataset is read only when
`builder.is_prepared()`, and the TFDS data dir is looked at first so that a missing copy is
reported without importing tensorflow_datasets at all.

Here mnist, fashion_mnist and cifar10 as a second source of those datasets, held in memory;
`ganzoo.data.tfds_named` streams any prepared TFDS image dataset by name.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

TFDS_NAMES = {"mnist": "mnist", "fashion_mnist": "fashion_mnist", "cifar10": "cifar10"}


def tfds_data_dir() -> str:
    """Where TFDS keeps prepared datasets: $TFDS_DATA_DIR, else ~/tensorflow_datasets."""
    default = pathlib.Path("~/tensorflow_datasets").expanduser()
    return os.environ.get("TFDS_DATA_DIR") or str(default)


def has_prepared_copy(name: str) -> bool:
    """Whether TFDS holds a prepared `name` (False at once when its folder is absent)."""
    if name not in TFDS_NAMES:
        return False
    data_dir = tfds_data_dir()
    if "://" not in data_dir and not (pathlib.Path(data_dir) / TFDS_NAMES[name]).is_dir():
        return False
    return _builder(name).is_prepared()


def read_split(name: str, split: str):
    """(images uint8 [N, H, W, C], labels int64 [N]) of TFDS split `train` or `test`.

    The same uint8 pixels as the local files, so both sources share one preprocessing.
    """
    import tensorflow_datasets as tfds

    dataset = _builder(name).as_dataset(split=split, as_supervised=True, shuffle_files=False)
    # Batches, not batch_size=-1: that needs the split sizes in the dataset info.
    batches = list(tfds.as_numpy(dataset.batch(10_000)))
    images = np.concatenate([b[0] for b in batches]).astype(np.uint8, copy=False)
    labels = np.concatenate([b[1] for b in batches]).astype(np.int64, copy=False)
    return images, labels


def _builder(name: str):
    import tensorflow_datasets as tfds

    return tfds.builder(TFDS_NAMES[name], data_dir=tfds_data_dir())

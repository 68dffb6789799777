"""What every data source returns (`Examples` in memory, `StreamedExamples` read from disk) and
the one error it raises (`DataError`).

Kept free of TensorFlow so the toy distributions and local readers import quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ganzoo.errors import DataError  # noqa: F401  (re-exported: the data sources' one error)

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True, eq=False)
class Examples:
    """One split of one dataset, in memory.

    x: float32 [N, ...]; images are channels-last ([N, 28, 28, 1] for MNIST).
    labels: int64 [N] (class or mixture-mode index), or None where the split has none
      (TFD's unlabeled images).
    name: the dataset name (`DataConfig.name`).
    value_range: the interval the values lie in: (0, 1) for `unit` images, the observed
      (min, max) for `gcn` images and toy distributions.
    shape: x.shape without N.
    """

    x: np.ndarray
    labels: np.ndarray | None
    name: str
    value_range: tuple[float, float]
    shape: tuple
    in_memory: ClassVar[bool] = True

    @classmethod
    def build(cls, x, labels, name, value_range=None) -> "Examples":
        """Freeze x and labels (read-only views) and fill in the shape and, if None, the range."""
        x = np.asarray(x, dtype=np.float32)
        if labels is not None:
            labels = np.asarray(labels, dtype=np.int64).reshape(-1)
            labels.setflags(write=False)
        x.setflags(write=False)
        if value_range is None:
            value_range = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        return cls(x=x, labels=labels, name=name, value_range=value_range, shape=x.shape[1:])

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, count: int) -> np.ndarray:
        """The first `count` examples (all if fewer), float32."""
        return self.x[:count]


@dataclass(frozen=True, eq=False)
class StreamedExamples:
    """One split of a dataset read from disk as it is used (`folder`, `tfds:NAME`): only where
    each example lies, and its label, is held in memory, never the pixels.

    source: reads example i: `len(source)`, `source.labelled`, and in TensorFlow
      `source.read(index)` -> (encoded PNG/JPEG bytes, int64 label or None)
      (`ganzoo.data.folder.FolderFiles`, `ganzoo.data.tfds_named.RecordIndex`).
    shape: (image_size, image_size, channels) after resizing and cropping (`ganzoo.data.decode`).
    preprocess, value_range: `unit` [0, 1] or `symmetric` [-1, 1], as in-memory images.
    """

    source: object
    name: str
    shape: tuple
    preprocess: str
    value_range: tuple[float, float]
    in_memory: ClassVar[bool] = False

    def __len__(self) -> int:
        return len(self.source)

    @property
    def labelled(self) -> bool:
        return self.source.labelled

    def subset(self, count: int) -> np.ndarray:
        """The first `count` examples (all if fewer), decoded: float32 [count, *shape]."""
        from ganzoo.data.decode import decode_subset

        return decode_subset(self, count)


def check_split(name: str, split: str) -> None:
    """Raise DataError unless `split` is one of SPLITS."""
    if split not in SPLITS:
        raise DataError(f"{name}: unknown split {split!r}; choose from: {', '.join(SPLITS)}")

"""What every data source returns (`Examples`) and the one error it raises (`DataError`).

Kept free of TensorFlow so the toy distributions and local readers import quickly.
"""

from __future__ import annotations

from ganzoo.errors import GanzooError

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "validation", "test")


class DataError(GanzooError):
    """A data problem the user can fix: a missing, corrupt or mismatched file, or a bad range.

    `str()` is one line naming the file or directory, the recipe key, and what to do.
    """

    def __init__(self, message: str):
        # One line, so a CLI can print it after "error: " and logs stay greppable.
        super().__init__(" ".join(message.split("\n")))


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


def check_split(name: str, split: str) -> None:
    """Raise DataError unless `split` is one of SPLITS."""
    if split not in SPLITS:
        raise DataError(f"{name}: unknown split {split!r}; choose from: {', '.join(SPLITS)}")

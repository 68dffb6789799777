"""Stacked MNIST (1,000 modes): three MNIST digits as the colour channels of one 28x28x3 image.

The benchmark of VEEGAN (Srivastava et al. 2017, arXiv 1705.07761) and PacGAN Table 2 (Lin et
al. 2018, arXiv 1712.04086): a mode is one of the 1,000 digit triples, so a generator's mode
coverage can be read by an MNIST classifier on each channel (`ganzoo.eval.stacked`).

Each split is a pure function of ([train].seed, [data].num_examples, the split): the three
digit indices of every example are drawn with replacement (as PacGAN's code's `randint`) by
NumPy's PCG64 from the seed [seed, STACKED_STREAM, split number], from

- train: the [data].train range of MNIST's training images (all 60,000 by default),
  `num_examples` stacked images (PacGAN's code: 128,000);
- validation: the [data].validation range of the training images (an error when there is
  none), `num_examples // 10` images;
- test: MNIST's test images, `num_examples // 10` images.

A split is held as its MNIST digits and the [N, 3] digit indices (`StackedExamples`), never as
the stacked images: 128,000 of them would be 1.2 GB of float32 (the digits of the default 60,000
training images are 188 MB). Training gathers each step's images from the two
(`ganzoo.data.pipeline.stream_dataset`), the same batches as the stacked images in memory gave
(tests/test_stacked_mnist.py); `subset` stacks the first few for evaluation. Measured on
`ganzoo train pacgan2018/stacked_mnist_dcgan --set train.epochs=1 --set train.steps_per_epoch=20
--set eval.every=0` (/usr/bin/time): peak RSS 1.33 GB and 11 s, against 4.47 GB and 21 s
when the split was stacked in memory, with bit-identical weights after the 20 steps.

Channel c holds digit c; the label of an example is its triple as one int,
100 * d0 + 10 * d1 + d2 in [0, 1000). Pixels are preprocessed as MNIST's (`unit` or
`symmetric`, per pixel, so stacking before or after gives the same values); `gcn` (per image)
is refused. PacGAN's code draws from MNIST's train and test images together (70,000); here the
test images stay held out.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from ganzoo.data.examples import SPLITS, DataError, check_split
from ganzoo.data.images import load_images

NAME = "stacked_mnist"
DIGITS = 3  # channels, one digit each
STACKED_STREAM = 0x57AC  # keeps these draws apart from every other use of the run's seed


def load_stacked(config, split: str, seed: int) -> "StackedExamples":
    """The `split` of Stacked MNIST for a DataConfig naming `stacked_mnist` (see the module doc)."""
    check_split(NAME, split)
    if config.preprocess == "gcn":
        raise DataError(f"{NAME}: [data].preprocess = 'gcn' normalises whole images, not the "
                        "digits stacked in them; choose 'unit' or 'symmetric'")
    try:
        digits = load_images(dataclasses.replace(config, name="mnist"), split)
    except DataError as error:
        raise DataError(f"{NAME} is built from MNIST: {error}") from None
    count = config.num_examples if split == "train" else max(1, config.num_examples // 10)
    indices = stacking_indices(len(digits), count, seed, split)
    return StackedExamples(digits=digits.x, indices=indices,
                           labels=triple_labels(digits.labels, indices),
                           value_range=digits.value_range)


@dataclasses.dataclass(frozen=True, eq=False)
class StackedExamples:
    """One split of Stacked MNIST: image i is digits[indices[i, c]] in channel c.

    digits: float32 [M, 28, 28, 1], MNIST's images of the split, preprocessed.
    indices: int64 [N, 3]; labels: int64 [N], each example's triple as 100 d0 + 10 d1 + d2.
    Not `in_memory` in `Examples`' sense (there is no x to slice): the training stream
    gathers it (`gather_columns`), evaluation reads `subset`."""

    digits: np.ndarray
    indices: np.ndarray
    labels: np.ndarray
    value_range: tuple[float, float]
    name: str = NAME
    in_memory: ClassVar[bool] = False

    def __post_init__(self):
        for array in (self.digits, self.indices, self.labels):
            array.setflags(write=False)

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def shape(self) -> tuple:
        return (*self.digits.shape[1:3], DIGITS)

    @property
    def labelled(self) -> bool:
        return True

    def subset(self, count: int) -> np.ndarray:
        """The first `count` stacked images (all if fewer), float32 [n, 28, 28, 3]."""
        return stack(self.digits, self.indices[:count])

    def gather_columns(self):
        """(columns, finish) for `ganzoo.data.pipeline.gathered`: the rows gathered each step
        are indices and labels; `finish` stacks the indexed digits into images (TensorFlow)."""
        import tensorflow as tf

        digits = tf.constant(self.digits[..., 0])  # [M, 28, 28]

        def finish(rows):
            images = tf.gather(digits, rows.pop("indices"))  # [batch, 3, 28, 28]
            return {"x": tf.transpose(images, [0, 2, 3, 1]), **rows}

        return {"indices": tf.constant(self.indices), "label": tf.constant(self.labels)}, finish


def stacking_indices(available: int, count: int, seed: int, split: str) -> np.ndarray:
    """int64 [count, 3]: the MNIST image of each channel of each example, drawn with
    replacement from `available` images by the seed [seed, STACKED_STREAM, split number]."""
    rng = np.random.default_rng([seed, STACKED_STREAM, SPLITS.index(split)])
    return rng.integers(0, available, size=(count, DIGITS), dtype=np.int64)


def stack(images: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """float32 [count, H, W, 3] from grey images [N, H, W, 1]; channel c: images[indices[:, c]]."""
    out = np.empty((len(indices), *images.shape[1:3], DIGITS), np.float32)
    for channel in range(DIGITS):
        out[..., channel] = images[indices[:, channel], ..., 0]
    return out


def triple_labels(labels: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """int64 [count]: 100 * d0 + 10 * d1 + d2 of each example's three digit labels."""
    digits = np.asarray(labels, np.int64)[indices]
    return digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]

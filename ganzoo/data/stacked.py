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

Channel c holds digit c; the label of an example is its triple as one int,
100 * d0 + 10 * d1 + d2 in [0, 1000). Pixels are preprocessed as MNIST's (`unit` or
`symmetric`, per pixel, so stacking before or after gives the same values); `gcn` (per image)
is refused. PacGAN's code draws from MNIST's train and test images together (70,000); here the
test images stay held out.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganzoo.data.examples import SPLITS, DataError, Examples, check_split
from ganzoo.data.images import load_images

NAME = "stacked_mnist"
DIGITS = 3  # channels, one digit each
STACKED_STREAM = 0x57AC  # keeps these draws apart from every other use of the run's seed


def load_stacked(config, split: str, seed: int) -> Examples:
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
    return Examples.build(stack(digits.x, indices), triple_labels(digits.labels, indices), NAME,
                          digits.value_range)


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

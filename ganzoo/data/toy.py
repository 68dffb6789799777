"""Low-dimensional distributions generated in-process: the standard mode-collapse benchmarks.

- `ring8`: 8 Gaussians, centres on the unit circle at angles 2*pi*i/8, std 0.01
  (VEEGAN, https://arxiv.org/abs/1705.07761; PacGAN, https://arxiv.org/abs/1712.04086).
- `grid25`: 25 Gaussians, centres {-4, -2, 0, 2, 4}^2, std 0.05 (same papers).
- `gaussian1d`: N(1, 0.5^2), the 1-D data of Figure 1 of the GAN paper
  (https://arxiv.org/abs/1406.2661); its mean sits away from 0 so that a generator which starts
  near 0 draws the figure's offset p_g.

Every distribution is an equal-weight mixture of isotropic Gaussians, so `mode_centres`,
`standard_std` and `density` describe all three, and evaluation (modes covered, high-quality
samples, JSD against p_data) reuses them.
"""

from __future__ import annotations

import math

import numpy as np

from ganzoo.data.examples import DataError, Examples, check_split

_STANDARD_STD = {"ring8": 0.01, "grid25": 0.05, "gaussian1d": 0.5}
GAUSSIAN1D_MEAN = 1.0

# The split's number in the seed sequence: train, validation and test are independent streams
# (seeding validation with seed + 1 would make it a prefix of the seed + 1 run's training set).
_SPLIT_STREAM = {"train": 0, "validation": 1, "test": 2}


def mode_centres(name: str) -> np.ndarray:
    """The mixture's centres, float64 [modes, dims]; the label of a point is its row here."""
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if name == "grid25":
        axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        return np.array([(a, b) for a in axis for b in axis])
    if name == "gaussian1d":
        return np.array([[GAUSSIAN1D_MEAN]])
    raise DataError(f"unknown toy distribution {name!r} in [data].name; choose from: "
                    f"{', '.join(_STANDARD_STD)}")


def standard_std(name: str) -> float:
    """The standard deviation of each mode when `[data].std` is 0."""
    mode_centres(name)  # rejects an unknown name with the usual message
    return _STANDARD_STD[name]


def density(name: str, x: np.ndarray, std: float = 0.0) -> np.ndarray:
    """p_data(x), float64 [N], for points x [N, dims] (or [N] for gaussian1d).

    The equal-weight mixture of N(centre, std^2 I); std = 0 means `standard_std(name)`.
    Used to draw p_data in Figure 1 and to compute divergences against p_g.
    """
    centres = mode_centres(name)
    std = std or standard_std(name)
    x = np.asarray(x, dtype=np.float64).reshape(-1, centres.shape[1])
    squared = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
    norm = (2 * math.pi * std**2) ** (centres.shape[1] / 2)
    return np.exp(-squared / (2 * std**2)).mean(axis=1) / norm


def sample(name: str, n: int, std: float,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw n points: (float32 [n, dims], int64 mode index [n])."""
    centres = mode_centres(name)
    modes = rng.integers(0, len(centres), size=n)
    noise = rng.standard_normal((n, centres.shape[1]))
    x = centres[modes] + (std or standard_std(name)) * noise
    return x.astype(np.float32), modes.astype(np.int64)


def load_toy(config, split: str, seed: int) -> Examples:
    """The `split` of toy distribution `config.name` (a DataConfig), drawn from `seed`.

    train: `config.num_examples` points; validation and test: `num_examples // 10` fresh points
    each (at least 1). Each split has its own stream, `np.random.default_rng([seed, split])`.
    """
    check_split(config.name, split)
    if config.preprocess != "unit":
        raise DataError(f"{config.name}: [data].preprocess = {config.preprocess!r} applies to "
                        "image datasets only; leave it at 'unit' for a toy distribution")
    n = config.num_examples if split == "train" else max(1, config.num_examples // 10)
    rng = np.random.default_rng([seed, _SPLIT_STREAM[split]])
    x, labels = sample(config.name, n, config.std, rng)
    return Examples.build(x, labels, config.name)

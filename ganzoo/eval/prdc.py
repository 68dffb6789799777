"""Precision, recall, density and coverage of generated features against real ones.

- Precision and recall: Kynkaanniemi et al. 2019, "Improved precision and recall metric for
  assessing generative models", https://arxiv.org/abs/1904.06991 (k = 3).
- Density and coverage: Naeem et al. 2020, "Reliable fidelity and diversity metrics for
  generative models", https://arxiv.org/abs/2002.09797 (k = 5).

Definitions follow the reference `prdc` package (github.com/clovaai/generative-evaluation-prdc):
each point's radius is the distance to its k-th nearest neighbour within its own set, itself
excluded, and "inside a ball" is a strict `<`.
"""

import numpy as np


def pairwise_distances(x, y):
    """Euclidean distances between the rows of x (N, d) and y (M, d), float64, (N, M)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    squared = (x * x).sum(1)[:, None] - 2.0 * x @ y.T + (y * y).sum(1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0))  # rounding can dip below zero


def nearest_neighbour_radii(features, nearest_k):
    """Distance from each row to its k-th nearest other row (the row itself is left out)."""
    distances = pairwise_distances(features, features)
    # Position k of the sorted row is the k-th neighbour, position 0 being the row itself.
    return np.partition(distances, nearest_k, axis=1)[:, nearest_k]


def prdc(real_features, fake_features, nearest_k=5):
    """Precision, recall, density and coverage with one k for all four, as `prdc.compute_prdc`.

    - precision: fraction of fake points inside some real point's k-NN ball;
    - recall: fraction of real points inside some fake point's k-NN ball;
    - density: mean over fake points of (number of real balls containing it) / k;
    - coverage: fraction of real points whose ball contains at least one fake point.

    Returns a dict of floats with those four keys.
    """
    real_features = _as_matrix(real_features)
    fake_features = _as_matrix(fake_features)
    real_radii = nearest_neighbour_radii(real_features, nearest_k)
    fake_radii = nearest_neighbour_radii(fake_features, nearest_k)
    real_fake = pairwise_distances(real_features, fake_features)
    in_real_balls = real_fake < real_radii[:, None]
    return {
        "precision": float(in_real_balls.any(axis=0).mean()),
        "recall": float((real_fake < fake_radii[None, :]).any(axis=1).mean()),
        "density": float(in_real_balls.sum(axis=0).mean() / nearest_k),
        "coverage": float((real_fake.min(axis=1) < real_radii).mean()),
    }


def precision_recall(real_features, fake_features, nearest_k=3):
    """Kynkaanniemi et al.'s precision and recall (default k = 3) as a dict."""
    result = prdc(real_features, fake_features, nearest_k)
    return {"precision": result["precision"], "recall": result["recall"]}


def density_coverage(real_features, fake_features, nearest_k=5):
    """Naeem et al.'s density and coverage (default k = 5) as a dict."""
    result = prdc(real_features, fake_features, nearest_k)
    return {"density": result["density"], "coverage": result["coverage"]}


def _as_matrix(features):
    features = np.asarray(features, np.float64)
    return features.reshape(len(features), -1)

"""Mode-collapse metrics for toy mixtures, and a histogram Jensen-Shannon divergence for 1-D.

Mode metrics as defined by VEEGAN (Srivastava et al. 2017, https://arxiv.org/abs/1705.07761,
section 5.1) and reused by PacGAN (Lin et al. 2018, https://arxiv.org/abs/1712.04086, section 5):
2,500 generator samples; a sample is *high quality* if it lies within 3 standard deviations
(Euclidean distance) of its nearest mode centre; a mode is *captured* if at least one
high-quality sample is nearest to it; *reverse KL* is KL(q || uniform) where q is the histogram
of high-quality samples over the modes.
"""

import numpy as np

from ganzoo.data.toy import mode_centres

DEFAULT_NUM_SAMPLES = 2_500


def ring8_modes(radius=1.0, std=0.01):
    """8 Gaussian modes evenly spaced on a circle, std 0.01 (VEEGAN / PacGAN 2D-ring).

    Returns (centres of shape (8, 2), std): the centres `ganzoo.data.toy` draws from.
    """
    return radius * mode_centres("ring8"), std


def grid25_modes(std=0.05):
    """25 Gaussian modes at {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN / PacGAN 2D-grid).

    Returns (centres of shape (25, 2), std): the centres `ganzoo.data.toy` draws from.
    """
    return mode_centres("grid25"), std


def mode_metrics(samples, centres, std):
    """Modes captured, fraction of high-quality samples and reverse KL to uniform over modes.

    Args:
      samples: generator samples, shape (N, d).
      centres: mode centres, shape (K, d); the true mixture is uniform over them.
      std: the modes' standard deviation; "high quality" means within 3 * std of a centre.

    Returns:
      dict `{"modes": int, "high_quality": float, "reverse_kl": float}`. With no high-quality
      sample at all, q is undefined; `reverse_kl` is then log K, the largest value KL(q || uniform)
      can take (all mass on one mode), so a generator that misses everything never scores better
      than one that collapses onto a single mode.
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= 3.0 * std
    counts = np.bincount(nearest[high_quality], minlength=len(centres))
    return {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": float(high_quality.mean()) if len(samples) else 0.0,
        "reverse_kl": _kl_to_uniform(counts),
    }


def _kl_to_uniform(counts):
    """KL(q || uniform) in nats for q = counts / sum, with 0 log 0 = 0."""
    num_modes = len(counts)
    if counts.sum() == 0:
        return float(np.log(num_modes))
    q = counts[counts > 0] / counts.sum()
    return float(np.sum(q * np.log(q * num_modes)))


def jensen_shannon_1d(data, generated_samples, bins=200, value_range=(-8.0, 8.0)):
    """Jensen-Shannon divergence (nats, in [0, log 2]) between p_data and a 1-D generator.

    Both distributions are reduced to probability masses on the same fixed grid of `bins` equal
    bins over `value_range`, plus one overflow bin on each side so mass outside the range still
    counts; JS is then computed between the two discrete distributions. Used for the 1-D
    Gaussian of Figure 1 in https://arxiv.org/abs/1406.2661.

    Args:
      data: samples from p_data (array), or p_data's density as a callable on a NumPy array;
        a density's bin masses are its values at bin centres times the width, renormalised
        (so its mass outside `value_range` is ignored).
      generated_samples: generator samples, any shape (flattened).
      bins, value_range: the histogram grid.
    """
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    if callable(data):
        centres = 0.5 * (edges[:-1] + edges[1:])
        p = np.concatenate([[0.0], np.asarray(data(centres), np.float64) * np.diff(edges), [0.0]])
    else:
        p = _histogram_with_overflow(data, edges)
    q = _histogram_with_overflow(generated_samples, edges)
    return jensen_shannon(p, q)


def jensen_shannon(p, q):
    """JS divergence (nats) between two discrete distributions given as non-negative weights."""
    p = np.asarray(p, np.float64) / np.sum(p)
    q = np.asarray(q, np.float64) / np.sum(q)
    mixture = 0.5 * (p + q)
    return float(0.5 * _kl(p, mixture) + 0.5 * _kl(q, mixture))


def _kl(p, q):
    support = p > 0  # 0 log 0 = 0; q > 0 wherever p > 0 because q is a mixture containing p
    return np.sum(p[support] * np.log(p[support] / q[support]))


def _histogram_with_overflow(values, edges):
    values = np.asarray(values, np.float64).ravel()
    inside, _ = np.histogram(values, bins=edges)
    return np.concatenate([[np.sum(values < edges[0])], inside, [np.sum(values > edges[-1])]])

"""Feature-statistics metrics: Frechet distance (FID), kernel inception distance, inception score.

All take features or class probabilities already computed by some network (Inception-v3 for the
standard numbers); they are pure NumPy/SciPy in float64.

- FID: Heusel et al. 2017, https://arxiv.org/abs/1706.08500; this follows the reference TTUR code
  and pytorch-fid's `calculate_frechet_distance`.
- KID: Binkowski et al. 2018, https://arxiv.org/abs/1801.01401.
- Inception score: Salimans et al. 2016, https://arxiv.org/abs/1606.03498.
"""

import warnings

import numpy as np


def feature_statistics(features):
    """Mean and covariance (rows are observations, ddof=1 as in the reference) of (N, d)
    features, in float64."""
    features = np.asarray(features, np.float64).reshape(len(features), -1)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2):

        ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))

    As in the reference code, when the matrix square root is not finite (singular product)
    `eps` is added to both diagonals and the root retaken; a small imaginary part from rounding
    is dropped, a large one (diagonal beyond 1e-3) raises ValueError.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1 = np.atleast_2d(sigma1).astype(np.float64)
    sigma2 = np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError("the two sets of statistics have different dimensions")
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sigma1)) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"imaginary component {np.max(np.abs(covmean.imag))} in sqrtm")
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def _sqrtm(matrix):
    """scipy.linalg.sqrtm without its singular-matrix warning: the reference code silences it
    too (disp=False, deprecated in SciPy 1.16) and checks the result for finiteness instead."""
    from scipy import linalg  # only the Frechet distance needs SciPy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        return linalg.sqrtm(matrix)


def kernel_inception_distance(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """Unbiased MMD^2 with the cubic kernel k(x, y) = (x.y / d + 1)^3, averaged over subsets.

    Each of `num_subsets` rounds draws `min(subset_size, N1, N2)` rows from each set without
    replacement (as the reference implementation does). Returns (mean, std) over the rounds.
    """
    features1 = np.asarray(features1, np.float64).reshape(len(features1), -1)
    features2 = np.asarray(features2, np.float64).reshape(len(features2), -1)
    size = min(subset_size, len(features1), len(features2))
    if size < 2:
        raise ValueError("KID needs at least 2 rows in each set")
    rng = np.random.default_rng(seed)
    estimates = [
        _polynomial_mmd2(features1[rng.choice(len(features1), size, replace=False)],
                         features2[rng.choice(len(features2), size, replace=False)])
        for _ in range(num_subsets)
    ]
    return float(np.mean(estimates)), float(np.std(estimates))


def _polynomial_mmd2(x, y):
    """Unbiased MMD^2 between equal-size sets: within-set sums leave out the diagonal."""
    dim, m = x.shape[1], len(x)
    k_xx = (x @ x.T / dim + 1.0) ** 3
    k_yy = (y @ y.T / dim + 1.0) ** 3
    k_xy = (x @ y.T / dim + 1.0) ** 3
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2.0 * k_xy.mean()


def inception_score(probs, splits=10):
    """exp(E_x KL(p(y|x) || p(y))) from (N, classes) class probabilities, per split.

    Returns (mean, std) over `splits` consecutive chunks, p(y) being each chunk's mean.
    """
    probs = np.asarray(probs, np.float64)
    scores = []
    for chunk in np.array_split(probs, splits):
        marginal = chunk.mean(axis=0, keepdims=True)
        # 0 log 0 = 0 where a class has zero probability
        terms = np.where(chunk > 0, chunk * (np.log(np.where(chunk > 0, chunk, 1.0))
                                             - np.log(np.where(chunk > 0, marginal, 1.0))), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))

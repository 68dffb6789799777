"""Numerical checks of the theory in Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661.

Proposition 1: for a fixed generator the optimal discriminator is
D*(x) = p_data(x) / (p_data(x) + p_g(x)).
Theorem 1: the virtual training criterion C(G) = max_D V(G, D) equals
-log 4 + 2 JSD(p_data || p_g), so its global minimum -log 4 is reached only at p_g = p_data.

Here for 1-D densities given as values on a grid and integrated with the trapezoid rule.
"""

import numpy as np


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g) (Proposition 1), elementwise.

    Where both densities are 0 the value does not enter any expectation; 1/2 is returned there.
    """
    p_data = np.asarray(p_data, np.float64)
    p_g = np.asarray(p_g, np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def virtual_training_criterion(p_data, p_g, grid):
    """C(G) = E_pdata[log D*(x)] + E_pg[log(1 - D*(x))], by the trapezoid rule on `grid`.

    Args:
      p_data, p_g: the two densities evaluated at `grid`.
      grid: increasing 1-D array of points covering both supports.
    """
    p_data = np.asarray(p_data, np.float64)
    p_g = np.asarray(p_g, np.float64)
    # 1 - D* is D* with the roles swapped; taking it that way keeps it from rounding to 0 in
    # the tails where p_g is tiny but positive (1.0 - D* would give log 0 there).
    integrand = (_weighted_log(p_data, optimal_discriminator(p_data, p_g))
                 + _weighted_log(p_g, optimal_discriminator(p_g, p_data)))
    return _trapezoid(integrand, grid)


def jensen_shannon_divergence(p_data, p_g, grid):
    """JSD(p_data || p_g) in nats, by the trapezoid rule on `grid`."""
    p_data = np.asarray(p_data, np.float64)
    p_g = np.asarray(p_g, np.float64)
    mixture = 0.5 * (p_data + p_g)
    integrand = 0.5 * (_weighted_log(p_data, _ratio(p_data, mixture))
                       + _weighted_log(p_g, _ratio(p_g, mixture)))
    return _trapezoid(integrand, grid)


def _trapezoid(values, grid):
    # Written out: numpy 1.26 (allowed by pyproject) has trapz, numpy 2 renamed it trapezoid.
    return float(np.sum(0.5 * (values[1:] + values[:-1]) * np.diff(grid)))


def _weighted_log(weight, value):
    """weight * log(value), with 0 log 0 = 0 (value is 0 only where weight is 0 here)."""
    return np.where(weight > 0, weight * np.log(np.where(weight > 0, value, 1.0)), 0.0)


def _ratio(numerator, denominator):
    return np.divide(numerator, denominator, out=np.ones_like(numerator), where=denominator > 0)

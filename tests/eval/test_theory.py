import numpy as np
import pytest

from ganzoo.eval import theory

# Wide enough that the densities' tails beyond it are below 1e-12: the identity
# C(G) = 2 JSD - log 4 needs both densities to integrate to 1.
GRID = np.linspace(-20.0, 20.0, 40001)


def normal(mean, std):
    return np.exp(-0.5 * ((GRID - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def test_optimal_discriminator_values():
    got = theory.optimal_discriminator([1.0, 0.0, 3.0, 0.0], [1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(got, [0.5, 0.0, 0.75, 0.5])


def test_optimal_discriminator_maximises_the_value_function():
    # Proposition 1: V(G, D) = integral p_data log D + p_g log(1 - D) is largest at D*.
    p_data, p_g = normal(0.0, 1.0), normal(1.0, 2.0)
    best = theory.optimal_discriminator(p_data, p_g)

    def value(d):
        return np.sum(p_data * np.log(d) + p_g * np.log(1 - d)) * (GRID[1] - GRID[0])

    for bump in (0.05, -0.05):
        nudged = np.clip(best + bump * np.exp(-GRID**2), 1e-12, 1 - 1e-12)
        assert value(nudged) < value(best)


def test_criterion_is_minus_log_4_at_the_optimum():
    p = normal(0.0, 1.0)
    assert theory.virtual_training_criterion(p, p, GRID) == pytest.approx(-np.log(4), abs=1e-9)
    assert theory.jensen_shannon_divergence(p, p, GRID) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("mean, std", [(1.0, 1.0), (0.0, 2.0), (3.0, 0.5)])
def test_theorem_1_criterion_equals_2_jsd_minus_log_4(mean, std):
    p_data, p_g = normal(0.0, 1.0), normal(mean, std)
    criterion = theory.virtual_training_criterion(p_data, p_g, GRID)
    jsd = theory.jensen_shannon_divergence(p_data, p_g, GRID)
    assert criterion > -np.log(4) + 1e-3
    assert 0 < jsd < np.log(2)
    assert criterion == pytest.approx(2 * jsd - np.log(4), abs=1e-9)


def test_disjoint_supports_give_the_maximum():
    # D* is 1 on p_data's support and 0 on p_g's, so C(G) = 0 and JSD = log 2.
    p_data = ((GRID > -3) & (GRID < -1)) / 2.0
    p_g = ((GRID > 1) & (GRID < 3)) / 2.0
    assert theory.virtual_training_criterion(p_data, p_g, GRID) == 0.0
    assert theory.jensen_shannon_divergence(p_data, p_g, GRID) == pytest.approx(np.log(2), rel=1e-3)

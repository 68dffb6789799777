import numpy as np
import pytest

from ganzoo.eval import frechet


def rotation(angle):
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def test_diagonal_gaussians_match_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 1.0])
    # ||mu1 - mu2||^2 + sum(s1 + s2 - 2 sqrt(s1 s2)) = 5 + (4 + 1 + 0.25) = 10.25
    got = frechet.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2))
    assert got == pytest.approx(10.25, rel=1e-10)


def test_rotating_both_gaussians_changes_nothing():
    # Same rotation of both: a non-diagonal, non-commuting-looking product with the same answer.
    r = rotation(0.7)
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    got = frechet.frechet_distance(r @ [1.0, 0.0], r @ s1 @ r.T, [0.0, 0.0], r @ s2 @ r.T)
    # 1 + (1 + 9 - 6) + (4 + 1 - 4) = 6
    assert got == pytest.approx(6.0, rel=1e-9)


def test_identical_statistics_give_zero():
    features = np.random.default_rng(0).normal(size=(200, 8))
    mu, sigma = frechet.feature_statistics(features)
    np.testing.assert_allclose(mu, features.mean(0))
    np.testing.assert_allclose(sigma, np.cov(features, rowvar=False))
    assert frechet.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_singular_covariances_stay_finite():
    # More dimensions than rows: rank-deficient covariances, as with few samples of 2048-d features.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 12)), rng.normal(size=(5, 12)) + 0.5
    got = frechet.frechet_distance(*frechet.feature_statistics(a), *frechet.feature_statistics(b))
    assert np.isfinite(got) and got > 0
    zero = np.zeros((3, 3))
    got = frechet.frechet_distance([0, 0, 0], zero, [1, 2, 2], zero)
    assert got == pytest.approx(9.0, abs=1e-4)  # ||(1, 2, 2)||^2, both covariances 0


def test_mmd_matches_the_definition_written_as_loops():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))

    def k(a, b):
        return (a @ b / 3 + 1) ** 3

    m = 4
    expected = (sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
                / (m * (m - 1)) - 2 * sum(k(xi, yj) for xi in x for yj in y) / m**2)
    assert frechet._polynomial_mmd2(x, y) == pytest.approx(expected, rel=1e-12)


def test_kid_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    same_mean, same_std = frechet.kernel_inception_distance(a, b, num_subsets=10, subset_size=200)
    shifted, _ = frechet.kernel_inception_distance(a, b + 1.0, num_subsets=10, subset_size=200)
    assert abs(same_mean) < 3 * same_std + 0.02
    assert shifted > 1.0 and shifted > 50 * abs(same_mean)


def test_inception_score_extremes():
    # One-hot, every class equally often in each split: p(y) uniform, KL = log 10, IS = 10.
    one_hot = np.tile(np.eye(10), (5, 1))
    mean, std = frechet.inception_score(one_hot, splits=5)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-12)
    # Every image gets the same prediction: KL = 0, IS = 1.
    same = np.tile([0.5, 0.3, 0.2], (20, 1))
    assert frechet.inception_score(same, splits=2)[0] == pytest.approx(1.0)

import numpy as np
import pytest

from ganzoo.eval import prdc


def test_identical_sets_are_perfect():
    features = np.random.default_rng(0).normal(size=(60, 4))
    result = prdc.prdc(features, features.copy(), nearest_k=5)
    assert result["precision"] == result["recall"] == result["coverage"] == 1.0
    assert result["density"] > 0.5


def test_far_apart_sets_score_zero():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(40, 3)), rng.normal(size=(40, 3)) + 100.0
    assert prdc.prdc(real, fake, nearest_k=3) == {
        "precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_one_dimensional_case_by_hand():
    # k = 1. Real 0..5: every radius is 1. Fake radii: 0.5 -> 9.5 (nearest other fake is 10),
    # 10, 10.5, 11 -> 0.5.
    real = np.arange(6.0)[:, None]
    fake = np.array([0.5, 10.0, 10.5, 11.0])[:, None]
    result = prdc.prdc(real, fake, nearest_k=1)
    assert result["precision"] == pytest.approx(1 / 4)  # only 0.5 is inside a real ball
    assert result["recall"] == 1.0  # 0.5's ball (radius 9.5) holds every real point
    assert result["density"] == pytest.approx(2 / 4)  # 0.5 lies in the balls of 0 and 1
    assert result["coverage"] == pytest.approx(2 / 6)  # reals 0 and 1 have a fake within 1


def test_radius_leaves_the_point_itself_out():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(prdc.nearest_neighbour_radii(points, 1), [1, 1, 2, 4])
    np.testing.assert_allclose(prdc.nearest_neighbour_radii(points, 2), [3, 2, 3, 6])


def test_split_helpers_use_the_papers_k():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(50, 3)), rng.normal(size=(50, 3)) + 0.5
    assert prdc.precision_recall(real, fake) == {
        key: prdc.prdc(real, fake, 3)[key] for key in ("precision", "recall")}
    assert prdc.density_coverage(real, fake) == {
        key: prdc.prdc(real, fake, 5)[key] for key in ("density", "coverage")}

import numpy as np
import pytest

from ganzoo.eval import modes


def test_ring_and_grid_layouts():
    ring, ring_std = modes.ring8_modes()
    assert ring.shape == (8, 2) and ring_std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    grid, grid_std = modes.grid25_modes()
    assert grid.shape == (25, 2) and grid_std == 0.05
    assert sorted(set(grid[:, 0])) == [-4, -2, 0, 2, 4] == sorted(set(grid[:, 1]))
    assert len({tuple(c) for c in grid}) == 25


def test_five_of_eight_ring_modes():
    centres, std = modes.ring8_modes()
    counts = [4, 2, 2, 1, 1]  # samples on modes 0..4; modes 5..7 empty
    on_modes = np.repeat(centres[:5], counts, axis=0)
    on_modes[0] += [2.9 * std, 0.0]  # just inside the 3-sigma ball: still high quality
    far = np.array([[0.0, 0.0], [5.0, 5.0], centres[5] + [3.1 * std, 0.0]])  # last: just outside
    result = modes.mode_metrics(np.concatenate([on_modes, far]), centres, std)
    assert result["modes"] == 5
    assert result["high_quality"] == pytest.approx(10 / 13)
    # q = (.4, .2, .2, .1, .1) over 8 modes: sum q log(8 q)
    #   = .4 log 3.2 + 2 (.2 log 1.6) + 2 (.1 log .8) = .46526 + .18800 - .04463 = .60863
    assert result["reverse_kl"] == pytest.approx(0.608633, abs=1e-6)


def test_one_sample_per_grid_mode_is_uniform():
    centres, std = modes.grid25_modes()
    result = modes.mode_metrics(centres, centres, std)
    assert result == {"modes": 25, "high_quality": 1.0, "reverse_kl": 0.0}


def test_single_mode_collapse_and_no_high_quality_samples():
    centres, std = modes.ring8_modes()
    collapsed = modes.mode_metrics(np.repeat(centres[:1], 7, axis=0), centres, std)
    assert collapsed["modes"] == 1 and collapsed["reverse_kl"] == pytest.approx(np.log(8))
    missed = modes.mode_metrics(np.zeros((4, 2)), centres, std)
    assert missed == {"modes": 0, "high_quality": 0.0, "reverse_kl": pytest.approx(np.log(8))}


def test_jensen_shannon_extremes():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=5000)
    assert modes.jensen_shannon_1d(samples, samples) == pytest.approx(0.0, abs=1e-12)
    # Disjoint supports: JS = log 2, also when the generator is wholly outside the grid.
    assert modes.jensen_shannon_1d(samples, samples + 100.0) == pytest.approx(np.log(2))
    assert modes.jensen_shannon_1d(samples - 1000.0, samples + 1000.0) == pytest.approx(np.log(2))


def test_jensen_shannon_with_a_known_density():
    rng = np.random.default_rng(1)
    density = lambda x: np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi)  # noqa: E731
    matched = modes.jensen_shannon_1d(density, rng.normal(size=20000), bins=50)
    shifted = modes.jensen_shannon_1d(density, rng.normal(2.0, size=20000), bins=50)
    assert matched < 0.005
    # Two unit Gaussians 2 apart: JS = 0.3368 nats (theory.jensen_shannon_divergence on a fine
    # grid); binning and sampling noise are far smaller than the tolerance.
    assert shifted == pytest.approx(0.3368, abs=0.01)


def test_jensen_shannon_discrete_by_hand():
    # p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4):
    # JS = 1/2 log(4/3) + 1/2 (1/2 log(2/3) + 1/2 log 2) = 0.21576
    assert modes.jensen_shannon([1, 0], [1, 1]) == pytest.approx(0.215762, abs=1e-6)

import numpy as np
import pytest

from ganzoo.config import DataConfig
from ganzoo.data import DataError, load_examples
from ganzoo.data.toy import density, mode_centres, standard_std


@pytest.mark.parametrize("name, dims, modes", [("ring8", 2, 8), ("grid25", 2, 25),
                                               ("gaussian1d", 1, 1)])
def test_splits_have_the_documented_sizes_and_labels(name, dims, modes):
    config = DataConfig(name=name, num_examples=2000)
    train = load_examples(config, "train", seed=0)
    validation = load_examples(config, "validation", seed=0)
    test = load_examples(config, "test", seed=0)
    assert train.x.shape == (2000, dims) and train.x.dtype == np.float32
    assert train.shape == (dims,) and train.name == name
    assert len(validation) == len(test) == 200
    assert train.labels.dtype == np.int64 and set(train.labels) == set(range(modes))
    assert train.value_range == (train.x.min(), train.x.max())


@pytest.mark.parametrize("name", ["ring8", "grid25", "gaussian1d"])
def test_points_lie_around_their_mode_with_the_standard_std(name):
    examples = load_examples(DataConfig(name=name, num_examples=20_000), "train", seed=1)
    offsets = examples.x - mode_centres(name)[examples.labels]
    # The sample std of 20000 (x 2 dims) normal draws is within 2% of the true one.
    assert np.std(offsets) == pytest.approx(standard_std(name), rel=0.02)
    assert np.abs(offsets).max() < 6 * standard_std(name)


def test_std_overrides_the_standard_value():
    examples = load_examples(DataConfig(name="ring8", std=0.1, num_examples=20_000), "train", 0)
    offsets = examples.x - mode_centres("ring8")[examples.labels]
    assert np.std(offsets) == pytest.approx(0.1, rel=0.02)


def test_draws_depend_on_seed_and_split_only():
    config = DataConfig(name="grid25", num_examples=100)
    first = load_examples(config, "train", seed=3)
    np.testing.assert_array_equal(first.x, load_examples(config, "train", seed=3).x)
    assert not np.array_equal(first.x, load_examples(config, "train", seed=4).x)
    # Validation is its own stream, not a prefix of train (for this seed or the next).
    validation = load_examples(config, "validation", seed=3).x
    assert not np.array_equal(validation, first.x[:10])
    assert not np.array_equal(validation, load_examples(config, "train", seed=4).x[:10])


def test_mode_centres():
    ring = mode_centres("ring8")
    np.testing.assert_allclose(np.hypot(ring[:, 0], ring[:, 1]), 1.0)
    np.testing.assert_allclose(ring[2], [0.0, 1.0], atol=1e-12)  # angle 2*pi*2/8 = pi/2
    grid = mode_centres("grid25")
    assert len({tuple(c) for c in grid}) == 25 and set(grid.ravel()) == {-4, -2, 0, 2, 4}
    assert (standard_std("ring8"), standard_std("grid25"), standard_std("gaussian1d")) == (
        0.01, 0.05, 0.5)


def test_density_of_gaussian1d_is_a_normalised_pdf():
    grid = np.linspace(-4, 6, 20_001)
    values = density("gaussian1d", grid)
    assert np.trapezoid(values, grid) == pytest.approx(1.0, abs=1e-6)
    # Peak at the mean 1.0: 1 / (sqrt(2 pi) * 0.5) = 0.7978845608.
    assert density("gaussian1d", np.array([1.0]))[0] == pytest.approx(0.7978845608)
    assert grid[np.argmax(values)] == pytest.approx(1.0)


def test_density_of_ring8_at_a_centre():
    # Only the nearest of the 8 modes contributes: (1/8) / (2 pi 0.01^2) = 198.94368.
    value = density("ring8", mode_centres("ring8")[:1])[0]
    assert value == pytest.approx(198.94368, rel=1e-6)


def test_bad_requests_are_data_errors():
    with pytest.raises(DataError, match="unknown split 'valid'"):
        load_examples(DataConfig(name="ring8"), "valid", 0)
    with pytest.raises(DataError, match=r"\[data\].preprocess"):
        load_examples(DataConfig(name="ring8", preprocess="gcn"), "train", 0)
    with pytest.raises(DataError, match="unknown dataset 'ring9'"):
        load_examples(DataConfig(name="ring9"), "train", 0)

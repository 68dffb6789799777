import numpy as np
import pytest

from ganzoo.eval import parzen


def direct_parzen(samples, data, sigma):
    """The formula written out in float64 NumPy, no expansion of the squared distance."""
    squared = ((data[:, None, :] - samples[None, :, :]) ** 2).sum(-1)
    exponents = -squared / (2 * sigma**2)
    top = exponents.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(exponents - top).sum(axis=1))
    dim = samples.shape[1]
    return log_sum - np.log(len(samples)) - 0.5 * dim * np.log(2 * np.pi * sigma**2)


@pytest.fixture
def small_case():
    rng = np.random.default_rng(0)
    return rng.random((50, 5)), rng.random((20, 5))


def test_matches_direct_formula_for_each_sigma(small_case):
    samples, data = small_case
    sigmas = np.array([0.1, 0.4])
    # Small blocks on both axes exercise the block loop and the running log-add-exp.
    got = parzen.parzen_log_likelihood(samples, data, sigmas, batch_size=7, sample_batch_size=16)
    assert got.shape == (20, 2) and got.dtype == np.float64
    for column, sigma in enumerate(sigmas):
        np.testing.assert_allclose(got[:, column], direct_parzen(samples, data, sigma), rtol=1e-9)


def test_scalar_sigma_gives_vector_and_images_are_flattened(small_case):
    samples, data = small_case
    images = parzen.parzen_log_likelihood(samples.reshape(50, 5, 1), data.reshape(20, 5, 1), 0.2)
    assert images.shape == (20,)
    np.testing.assert_allclose(images, direct_parzen(samples, data, 0.2), rtol=1e-9)


def test_far_point_does_not_underflow():
    # Squared distance 100 at sigma 0.01 puts exp(-5e5) far below float64's range; the log must
    # still be exact: -100 / (2 * 1e-4) - log 1 - 1/2 log(2 pi 1e-4).
    got = parzen.parzen_log_likelihood(np.zeros((1, 1)), np.full((1, 1), 10.0), 0.01)
    np.testing.assert_allclose(got, [-5e5 - 0.5 * np.log(2 * np.pi * 1e-4)], rtol=1e-12)


def test_select_sigma_finds_the_known_best_width():
    # One sample at the origin, validation points at distance r in D dims:
    # LL(sigma) = -r^2 / (2 sigma^2) - D/2 log(2 pi sigma^2) peaks at sigma = r / sqrt(D).
    dim, best = 4, parzen.DEFAULT_SIGMAS[6]
    radius = best * np.sqrt(dim)
    validation = radius * np.eye(dim)
    assert parzen.select_sigma(np.zeros((1, dim)), validation) == pytest.approx(best)


def test_evaluate_reports_mean_standard_error_and_sigma(small_case):
    samples, data = small_case
    validation, test = data[:10], data[10:]
    result = parzen.parzen_evaluate(samples, validation, test, sigmas=[0.05, 0.2, 0.8])
    sigma = result["parzen_sigma"]
    assert sigma == parzen.select_sigma(samples, validation, [0.05, 0.2, 0.8])
    expected = direct_parzen(samples, test, sigma)
    assert result["parzen_ll"] == pytest.approx(expected.mean(), rel=1e-9)
    assert result["parzen_se"] == pytest.approx(expected.std() / np.sqrt(10), rel=1e-9)
    assert (result["n_samples"], result["n_test"]) == (50, 10)


def test_standard_error_uses_population_std():
    # std of [1, 3] with ddof=0 is 1, so the standard error is 1 / sqrt(2).
    assert parzen.standard_error([1.0, 3.0]) == pytest.approx(1 / np.sqrt(2))


def test_progress_reaches_the_total(small_case):
    samples, data = small_case
    calls = []
    parzen.parzen_log_likelihood(samples, data, 0.2, batch_size=8,
                                 progress=lambda done, total: calls.append((done, total)))
    assert calls == [(8, 20), (16, 20), (20, 20)]


def test_bad_inputs_raise(small_case):
    samples, data = small_case
    with pytest.raises(ValueError, match="values each"):
        parzen.parzen_log_likelihood(samples, data[:, :4], 0.2)
    with pytest.raises(ValueError, match="positive"):
        parzen.parzen_log_likelihood(samples, data, [0.2, 0.0])

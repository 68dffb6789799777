"""Parzen-window log-likelihood, the protocol of Table 1 in Goodfellow et al. 2014.

Generative Adversarial Networks, https://arxiv.org/abs/1406.2661 (section 5, Table 1), following
the original evaluation script `parzen_ll.py` in https://github.com/goodfeli/adversarial:

1. draw 10,000 generator samples (pixels in [0, 1], flattened);
2. fit a Gaussian kernel density with isotropic width sigma centred on the samples;
3. pick sigma from 10 values log-spaced over [0.1, 1] by the mean log-likelihood of a validation
   set (MNIST: the first 1,000 images of train[50000:60000]);
4. report the mean log-likelihood of the whole test set and its standard error std / sqrt(N).

Known criticism: Theis, van den Oord and Bethge 2016, "A note on the evaluation of generative
models" (https://arxiv.org/abs/1511.01844) show that Parzen estimates are unreliable in high
dimension: they rank models differently from the true log-likelihood, and a sample set can score
well without modelling the data (10,000 real MNIST training images score about 241 under this
protocol, more than the GANs in Table 1). Use the number to compare with the paper, not as a
likelihood.
"""

import math

import numpy as np
import tensorflow as tf

# np.logspace(-1, 0, 10): the original script's --sigma_start -1 --sigma_end 0 --cross_val 10.
DEFAULT_SIGMAS = np.logspace(-1.0, 0.0, 10)


def parzen_log_likelihood(samples, data, sigma, batch_size=250, sample_batch_size=10_000,
                          progress=None):
    """Per-example log-likelihood of `data` under a Parzen window fitted on `samples`.

        log p(x) = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log N - D/2 log(2 pi sigma^2)

    Args:
      samples: generator samples, shape (N, ...); flattened to (N, D).
      data: points to score, shape (M, ...); flattened to (M, D).
      sigma: one kernel width, or a 1-D array of widths (all scored from the same distances).
      batch_size: data points per block; memory is about batch_size * sample_batch_size * 8 bytes
        times a few.
      sample_batch_size: samples per block; blocks are merged with a running log-add-exp.
      progress: optional callable(points_done, points_total), called after each data block.

    Returns:
      float64 array of shape (M,) for a scalar sigma, (M, len(sigma)) for an array.
    """
    samples, data = _flatten_pair(samples, data)
    sigmas = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if np.any(sigmas <= 0):
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    # Centring on the samples' mean leaves every distance unchanged but shrinks the norms that
    # the ||x||^2 - 2 x.s + ||s||^2 expansion subtracts from each other.
    centre = samples.mean(axis=0)
    samples, data = samples - centre, data - centre
    log_kernel_sums = np.concatenate(list(_data_blocks(samples, data, sigmas, batch_size,
                                                       sample_batch_size, progress)))
    dim = samples.shape[1]
    normaliser = math.log(len(samples)) + 0.5 * dim * np.log(2.0 * np.pi * sigmas ** 2)
    log_likelihoods = log_kernel_sums - normaliser
    return log_likelihoods if np.ndim(sigma) else log_likelihoods[:, 0]


def select_sigma(samples, validation, sigmas=DEFAULT_SIGMAS, batch_size=250):
    """The kernel width with the best mean validation log-likelihood (the original script's
    cross-validation; a tie goes to the first width listed, as with numpy.argmax)."""
    sigmas = np.asarray(sigmas, dtype=np.float64)
    mean_lls = parzen_log_likelihood(samples, validation, sigmas, batch_size).mean(axis=0)
    return float(sigmas[int(np.argmax(mean_lls))])


def parzen_evaluate(samples, validation, test, sigmas=DEFAULT_SIGMAS, batch_size=250,
                    verbose=False):
    """The full Table 1 protocol: choose sigma on `validation`, then score `test`.

    Returns a dict with `parzen_ll` (mean test log-likelihood, nats), `parzen_se` (its standard
    error, std / sqrt(N) with the population std as in `parzen_ll.py`), `parzen_sigma`,
    `n_samples` and `n_test`. With `verbose`, a Keras progress bar follows the test set.
    """
    sigma = select_sigma(samples, validation, sigmas, batch_size)
    progress = _progbar(len(test)) if verbose else None
    lls = parzen_log_likelihood(samples, test, sigma, batch_size, progress=progress)
    return {
        "parzen_ll": float(lls.mean()),
        "parzen_se": standard_error(lls),
        "parzen_sigma": sigma,
        "n_samples": int(len(samples)),
        "n_test": int(len(test)),
    }


def standard_error(values):
    """std / sqrt(N) with the population std (ddof=0), as `parzen_ll.py` reports it."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.std() / np.sqrt(len(values)))


def _flatten_pair(samples, data):
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    data = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
    if samples.shape[1] != data.shape[1]:
        raise ValueError(f"samples have {samples.shape[1]} values each, data {data.shape[1]}")
    if len(samples) == 0 or len(data) == 0:
        raise ValueError("need at least one sample and one data point")
    return samples, data


def _data_blocks(samples, data, sigmas, batch_size, sample_batch_size, progress):
    """Yields logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) for each block of data points."""
    half_precisions = tf.constant(0.5 / sigmas ** 2)
    sample_blocks = [_with_squared_norms(samples[start:start + sample_batch_size])
                     for start in range(0, len(samples), sample_batch_size)]
    for start in range(0, len(data), batch_size):
        points = tf.constant(data[start:start + batch_size])
        total = None
        for block, squared_norms in sample_blocks:
            partial = _block_log_kernel_sums(points, block, squared_norms, half_precisions).numpy()
            total = partial if total is None else np.logaddexp(total, partial)
        if progress is not None:
            progress(min(start + batch_size, len(data)), len(data))
        yield total


def _with_squared_norms(block):
    block = tf.constant(block)
    return block, tf.reduce_sum(tf.square(block), axis=1)


_MATRIX = tf.TensorSpec([None, None], tf.float64)
_VECTOR = tf.TensorSpec([None], tf.float64)


@tf.function(input_signature=[_MATRIX, _MATRIX, _VECTOR, _VECTOR], reduce_retracing=True)
def _block_log_kernel_sums(points, samples, sample_squared_norms, half_precisions):
    """(points, widths) matrix of logsumexp over this block of samples.

    float64 throughout: float32 distances err by up to ~1e-3 nats on single MNIST points at
    sigma ~0.2 (the float32 row of benchmarks/parzen_bench.py), which breaks 1e-6 agreement with
    the direct formula; float64 costs about twice the time and still runs the whole protocol in
    seconds on 2 cores.
    """
    squared_distances = (tf.reduce_sum(tf.square(points), axis=1, keepdims=True)
                         - 2.0 * tf.matmul(points, samples, transpose_b=True)
                         + sample_squared_norms[tf.newaxis, :])
    squared_distances = tf.maximum(squared_distances, 0.0)  # rounding can dip below zero
    # The nearest sample gives the largest term for every width, so one min serves as the
    # logsumexp shift for all widths and exp never overflows.
    nearest = tf.reduce_min(squared_distances, axis=1)
    excess = squared_distances - nearest[:, tf.newaxis]

    def one_width(half_precision):
        return -nearest * half_precision + tf.math.log(
            tf.reduce_sum(tf.exp(-excess * half_precision), axis=1))

    # parallel_iterations=1: one (points x samples) temporary at a time bounds memory.
    per_width = tf.map_fn(one_width, half_precisions, parallel_iterations=1)
    return tf.transpose(per_width)


def _progbar(total):
    import keras  # only for the progress bar; keeps `import ganzoo.eval.parzen` light

    bar = keras.utils.Progbar(total, unit_name="point")
    return lambda done, _total: bar.update(done)

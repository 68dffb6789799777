"""Mode coverage on Stacked MNIST (`ganzoo.data.stacked`): PacGAN Table 2's two numbers.

Protocol of PacGAN's code (Lin et al. 2018, arXiv 1712.04086; fjxmlzn/PacGAN,
stacked_MNIST_experiments, `log_metrics`), after VEEGAN (Srivastava et al. 2017): 26,000
generator samples; each of a sample's three channels is classified by an MNIST classifier
(here ganzoo's, `ganzoo classifier train --dataset mnist`), giving its digit triple, one of
1,000 modes;

    stacked_modes   how many distinct triples the samples have (at most 1,000)
    stacked_kl      KL(p || uniform) in nats, p the samples' histogram over the 1,000 triples
                    (triples never generated have p = 0 and add nothing):
                    sum over seen t of p_t log(1000 p_t); 0 for a generator that covers all
                    triples equally, log 1000 = 6.91 for one that makes a single triple.

Every sample counts: unlike the toy `modes` metric there is no high-quality filter (PacGAN
keeps whatever the classifier reads). The numbers depend on the classifier, which is reported
beside them with its test accuracy.
"""

from __future__ import annotations

import numpy as np

from ganzoo.eval.classifier import default_path, load_classifier
from ganzoo.eval.metrics import Result, unit_range
from ganzoo.eval.modes import _kl_to_uniform

DEFAULT_NUM_SAMPLES = 26_000  # PacGAN's code's num_test_sample
NUM_MODES = 1_000
DIGITS = 3

_CLASSIFIERS: dict = {}


def mnist_classifier():
    """ganzoo's MNIST classifier (loaded once per file version), or a one-line
    ClassifierMissing saying how to train it."""
    path = default_path("mnist")
    key = (str(path), path.stat().st_mtime_ns if path.is_file() else None)
    if key not in _CLASSIFIERS:
        _CLASSIFIERS.clear()
        _CLASSIFIERS[key] = load_classifier("mnist", path)
    return _CLASSIFIERS[key]


def channel_triples(images, classify):
    """int64 [N]: 100 * d0 + 10 * d1 + d2, d_c the digit `classify` reads in channel c.

    images: [N, 28, 28, 3] with pixels in [0, 1]; classify: [n, 28, 28, 1] -> probabilities
    [n, 10] (a classifier's `features_and_probabilities(x)[1]`).
    """
    images = np.asarray(images, np.float32)
    digits = [np.asarray(classify(images[..., c:c + 1])).argmax(axis=1) for c in range(DIGITS)]
    return (digits[0] * 100 + digits[1] * 10 + digits[2]).astype(np.int64)


def triple_metrics(triples):
    """{"stacked_modes": distinct triples, "stacked_kl": KL(histogram || uniform over 1,000)}.

    As PacGAN's code: the histogram p of the triples, padded with zeros to 1,000 bins, against
    q = 1/1000 each: KL = sum_t p_t log(p_t / q_t), 0 log 0 = 0, natural log.
    """
    counts = np.bincount(np.asarray(triples, np.int64).reshape(-1), minlength=NUM_MODES)
    if len(counts) != NUM_MODES:
        raise ValueError(f"digit triples lie in [0, {NUM_MODES}), got {len(counts) - 1}")
    return {"stacked_modes": int(np.count_nonzero(counts)), "stacked_kl": _kl_to_uniform(counts)}


def stacked_modes_metric(evaluation):
    """PacGAN Table 2's modes (of 1,000) and KL to uniform on `--samples` (default 26,000)."""
    classifier = mnist_classifier()  # before any sample is drawn: a missing one fails at once
    count = evaluation.count(DEFAULT_NUM_SAMPLES)
    images = unit_range(evaluation.generate(count), evaluation.recipe)
    triples = channel_triples(
        images, lambda x: classifier.features_and_probabilities(x, batch_size=1000)[1])
    return Result(triple_metrics(triples), {
        "samples": count, "reference": f"{NUM_MODES} digit triples, uniform",
        "extractor": f"{classifier.name}, on each channel",
        "details": "modes = distinct triples; KL(sample histogram || uniform), nats"})

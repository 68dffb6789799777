"""Evaluation metrics: Parzen-window log-likelihood, toy mode metrics, Frechet/KID, PRDC.

parzen.py   Table 1 protocol of Goodfellow et al. 2014 (parzen_evaluate)
modes.py    VEEGAN/PacGAN mode counts and reverse KL; 1-D Jensen-Shannon
frechet.py  FID, KID and inception score from features / class probabilities
prdc.py     precision, recall, density, coverage
theory.py   Proposition 1 / Theorem 1 of Goodfellow et al. 2014, numerically
features.py feature extractors (the ganzoo classifier, Keras InceptionV3 with local weights)
classifier.py the small MNIST / Fashion-MNIST classifier ganzoo trains itself
metrics.py  the metric registry of `ganzoo eval` (METRICS) and what each computes
runner.py   evaluating a run: report, TensorBoard, eval.json, the [eval] training callback
"""

"""How well a BiGAN's encoder inverts its generator (`ganzoo eval --metrics inference`).

Donahue et al. 2016 (arXiv 1605.09782) and the official code's evaluation (jeffdonahue/bigan,
lib/metrics.py, README; numbers in docs/zoo-anchors):

- `nn_accuracy`: 1-nearest-neighbour classification of the test images by their codes, the
  codes of the training split as the reference, Euclidean distance (the code's `nnc_score`
  default), in percent: E's linear outputs where z squashes them (the `donahue2016` encoder;
  the code's `NNC_e` reads `l2distable`, those outputs), else E(x). Official, epoch 400 on
  permutation-invariant MNIST: 92.10%.
- `feature_nn_accuracy`: the same on E's last hidden layer (the code's `NNC_e-`), where E
  has one before its `latent` output layer. Official: 97.35%.
- `reconstruction_error`: mean over test images of ||x - G(E(x))||_2, pixels in [0, 1];
  `random_pair_error`: the distance between each reconstruction G(E(x_i)) and another test
  image x_j (a fixed derangement), the scale to read it against, as the code's `EGr_b`
  (`image_recon_error`: the inputs shifted by one against the reconstructions). Official: 5.95
  against 9.60.

Both encode in inference mode. For an export, `encode` is its `encode` signature and G its
`serving_default`, as TF Serving runs them.
"""

from __future__ import annotations

import numpy as np

from ganzoo.data import recipe_examples
from ganzoo.eval.metrics import EvalError, Result, fixed_to_unit

TEST_IMAGES = 10_000  # the MNIST test split
CHUNK = 500  # test codes per distance block: 500 x 60,000 float32 is 120 MB


def nearest_neighbour_labels(reference, reference_labels, queries):
    """The label of each query's nearest reference row (Euclidean; ties: the first)."""
    reference = np.asarray(reference, np.float64)
    squared = np.sum(reference ** 2, axis=1)
    found = []
    for start in range(0, len(queries), CHUNK):
        block = np.asarray(queries[start:start + CHUNK], np.float64)
        # |q - r|^2 = |q|^2 - 2 q.r + |r|^2; |q|^2 is the same along a row, so left out.
        distances = squared[None, :] - 2.0 * block @ reference.T
        found.append(np.asarray(reference_labels)[np.argmin(distances, axis=1)])
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def pair_distances(a, b):
    """||a_i - b_i||_2 for each row pair of two image batches."""
    a = np.asarray(a, np.float64).reshape(len(a), -1)
    b = np.asarray(b, np.float64).reshape(len(b), -1)
    return np.sqrt(np.sum((a - b) ** 2, axis=1))


def derangement(count):
    """A fixed permutation moving every index (a shift by half the count)."""
    return (np.arange(count) + max(count // 2, 1)) % count


def inference_metric(evaluation):
    """1-NN accuracy of E(x) and reconstruction error ||x - G(E(x))|| (see the module)."""
    gan, recipe = evaluation.gan, evaluation.recipe
    encode = getattr(gan, "encode", None)
    if encode is None:
        raise EvalError("inference needs the encoder: evaluate the run, or an export with an "
                        "`encode` signature")
    train, test = recipe_examples(recipe, "train"), recipe_examples(recipe, "test")
    if getattr(train, "labels", None) is None or getattr(test, "labels", None) is None:
        raise EvalError(f"inference needs labelled {recipe.data.name} train and test images")
    count = evaluation.count(TEST_IMAGES)
    x = test.subset(count)
    if len(x) < 2:
        raise EvalError(f"inference needs at least 2 test images, not {len(x)}")
    views = getattr(gan, "encode_views", None) or (lambda images: {"z": encode(images)})
    reference, queried = views(train.subset(len(train))), views(x)
    labels, truth = train.labels[:len(train)], np.asarray(test.labels[:len(x)])

    def accuracy(view):
        predicted = nearest_neighbour_labels(reference[view], labels, queried[view])
        return 100.0 * float(np.mean(predicted == truth))

    codes = "codes" if "codes" in queried else "z"
    values = {"nn_accuracy": accuracy(codes)}
    if "features" in queried:
        values["feature_nn_accuracy"] = accuracy("features")
    reconstructions = gan.generator.predict(np.asarray(queried["z"], np.float32),
                                            batch_size=1000, verbose=0)
    unit = lambda images: fixed_to_unit(np.asarray(images, np.float32), recipe)  # noqa: E731
    reconstruction = pair_distances(unit(x), unit(reconstructions))
    # The code's base error: each reconstruction against another image (its `shifted_inputs`).
    random_pairs = pair_distances(unit(x)[derangement(len(x))], unit(reconstructions))
    values.update({"reconstruction_error": float(np.mean(reconstruction)),
                   "random_pair_error": float(np.mean(random_pairs))})
    read = "E's codes" if codes == "codes" else "E(x)"
    return Result(values, {
        "samples": len(x), "reference": f"{len(train)} train images' encodings",
        "details": f"1-NN (Euclidean) on {read}"
                   + (" and on E's last hidden features" if "features" in queried else "")
                   + "; mean ||x - G(E(x))||_2, pixels in [0, 1]"})

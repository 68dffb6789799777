"""An inpainting model's metrics (`ganzoo.families.inpainting`): how good its completions of
held-out digits are, read by ganzoo's MNIST (or Fashion-MNIST) classifier.

Protocol: the first N test images (10,000: the whole test split), one mask each from the
recipe's `[model].mask` drawn from the fixed evaluation seed, one z each from the prior; the
generator (a run's, or an export's `serving_default`) completes x * mask.

    inpainting_accuracy     the classifier's accuracy on the completions against the true labels;
                            beside it `inpainting_observed_accuracy`, on the observed pixels
                            alone (hole at 0): what the completion adds is the difference
    inpainting_fid          FID of the completions against the same test images, on the
                            classifier's features (the observed pixels are shared, so it is
                            lower than an unconditional FID: compare inpainting runs only)

No paper reports these numbers: a ganzoo run is the reference.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ganzoo import noise, registry
from ganzoo.data import recipe_examples
from ganzoo.eval.metrics import EvalError, Result, fid_values
from ganzoo.families.inpainting import completions, masks_of

DEFAULT_COUNT = 10_000


def require_inpainting(recipe, name):
    """A one-line EvalError unless the run is of the inpainting family."""
    if name not in registry.FAMILIES.get(recipe.model.family).family_metrics:
        raise EvalError(f"metric {name!r} needs [model].family = 'inpainting', not "
                        f"{recipe.model.family!r}: its generator must take observed pixels "
                        f"and a mask")


def completed_test_images(evaluation, name):
    """(completions, observed-only images, originals, labels) of the first N test images, and
    the protocol note (cached on the evaluation)."""
    recipe = evaluation.recipe
    require_inpainting(recipe, name)
    cached = getattr(evaluation, "_completions", None)
    count = evaluation.count(DEFAULT_COUNT)
    if cached is not None and cached[0] == count:
        return cached[1]
    test = recipe_examples(recipe, "test")
    if getattr(test, "labels", None) is None:
        raise EvalError(f"{name} needs the labels of the {recipe.data.name} test images; "
                        "this split has none")
    x = np.asarray(test.subset(count), np.float32)
    labels = np.asarray(test.labels[:len(x)])
    masks = masks_of(recipe)
    mask = masks.fixed(len(x), [evaluation.seed, noise.EVALUATION])
    z = evaluation.gan.prior.sample(len(x), tf.constant([evaluation.seed, noise.EVALUATION],
                                                        tf.int64))
    completed = completions(evaluation.gan.generator, x, np.asarray(z), mask)
    protocol = {"samples": len(x), "reference": f"{len(x)} test images",
                "details": f"one [model].mask = {masks.kind!r} mask per test image "
                           f"({mask_parameter(masks)}), seed "
                           f"[{evaluation.seed}, {noise.EVALUATION}]"}
    found = (completed, x * mask, x, labels, protocol)
    evaluation._completions = (count, found)
    return found


def mask_parameter(masks):
    """What sets a mask of its kind: a square's size, the hidden fraction of random pixels."""
    if masks.kind == "square":
        return f"a {masks.size}x{masks.size} hole"
    if masks.kind == "random_pixels":
        return f"{masks.fraction:g} of the pixels hidden"
    return "one half hidden"


def inpainting_accuracy_metric(evaluation):
    """The classifier's accuracy on completed test images against their labels."""
    completed, observed, _, labels, protocol = completed_test_images(evaluation,
                                                                     "inpainting_accuracy")
    extractor = evaluation.extractor
    if not extractor.has_probabilities:
        raise EvalError(f"inpainting_accuracy needs class probabilities; {extractor.name} has "
                        "none (use --extractor classifier)")
    values = {}
    for key, which, images in (("inpainting_accuracy", "completed", completed),
                               ("inpainting_observed_accuracy", "observed", observed)):
        probabilities = evaluation.extract(which, images)[1]
        values[key] = float(np.mean(probabilities.argmax(axis=1) == labels))
    return Result(values, {**protocol, "extractor": f"{extractor.name}'s predicted class"})


def inpainting_fid_metric(evaluation):
    """FID of the completed test images against the test images themselves."""
    completed, _, x, _, protocol = completed_test_images(evaluation, "inpainting_fid")
    fake = evaluation.extract("completed", completed)[0]
    real = evaluation.extract("test", x)[0]
    values = {"inpainting_fid": fid_values(fake, real)["fid"]}  # beside any plain `fid`
    return Result(values, {**protocol, "extractor": evaluation.extractor.name})

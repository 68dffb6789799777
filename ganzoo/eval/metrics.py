"""The metric registry: what each metric of `ganzoo eval` computes and on which datasets.

Each metric is a function in METRICS taking an `Evaluation` (the GAN, the recipe, the options,
and what the metrics share: generator samples and features) and returning a `Result`: its values
(the JSON keys of `ganzoo eval --json`) and its protocol (sample counts, reference split,
extractor), since numbers measured under different protocols are not comparable. The formulas
live in parzen.py, modes.py, frechet.py and prdc.py; `ganzoo.eval.runner` evaluates whole runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from ganzoo import noise, registry
from ganzoo.data import recipe_examples
from ganzoo.data.images import PIXEL_RANGES
from ganzoo.data.toy import density, mode_centres, standard_std
from ganzoo.errors import GanzooError
from ganzoo.eval import floors, frechet, modes, parzen, prdc
from ganzoo.eval.features import make_extractor
from ganzoo.families.conditional import cycling_labels

PARZEN_VALIDATION = 1_000  # the paper's protocol: the first 1,000 validation images choose sigma
PARZEN_TEST = 10_000  # the whole test split of MNIST, CIFAR-10 and TFD; the first 10,000 of others
SAMPLE_SEED = noise.EVALUATION  # the second half of the stateless seed of evaluation samples


class EvalError(GanzooError):
    """An evaluation that cannot run as asked: an unknown or inapplicable metric."""


@dataclass
class Result:
    """One metric's values (flat JSON keys -> numbers) and how they were measured."""

    values: dict
    protocol: dict = field(default_factory=dict)


class Evaluation:
    """One evaluation of one generator: options, and the samples and features metrics share."""

    def __init__(self, gan, recipe, samples=0, seed=0, extractor=None, verbose=False):
        self.gan, self.recipe = gan, recipe
        self.samples, self.seed, self.verbose = samples, seed, verbose
        self.extractor = extractor  # built by `prepare_extractor` (it may be missing)
        self._generated, self._features = {}, {}

    def count(self, default):
        """`--samples` when given, else the metric's protocol default."""
        return self.samples or default

    def generate(self, count):
        """`count` generator samples in inference mode, from a fixed seed (cached)."""
        if count not in self._generated:
            seed = tf.constant([self.seed, SAMPLE_SEED], tf.int64)
            z = self.gan.prior.sample(count, seed)
            inputs = self.gan.inference_inputs(np.asarray(z))
            self._generated[count] = self.gan.generator.predict(inputs, batch_size=1000, verbose=0)
        return self._generated[count]

    def feature_pair(self, default_count):
        """Features (and probabilities) of `count` samples and of up to `count` test images."""
        count = self.count(default_count)
        real = recipe_examples(self.recipe, "test").subset(count)
        fake = self.extract("generated", self.generate(count))
        reference = self.extract("test", real)
        protocol = {"samples": count, "reference": f"{len(real)} test images",
                    "extractor": self.extractor.name}
        return fake, reference, protocol

    def extract(self, which, images):
        """(features, probabilities) of `images` (cached by which set and how many)."""
        key = (which, len(images))
        if key not in self._features:
            if self.verbose:
                print(f"features of {len(images)} {which} images", file=sys.stderr)
            self._features[key] = self.extractor.features_and_probabilities(
                unit_range(images, self.recipe), verbose=self.verbose)
        return self._features[key]


def unit_range(images, recipe):
    """Pixels in [0, 1] for an extractor: `unit` images as they are (clipped), `symmetric` ones
    mapped from [-1, 1] (clipped), others (gcn) rescaled per image by their own min and max, the
    same for real and generated images."""
    images = np.asarray(images, np.float32)
    if recipe.data.preprocess in PIXEL_RANGES:
        return np.clip(fixed_to_unit(images, recipe), 0.0, 1.0)
    flat = images.reshape(len(images), -1)
    low, high = flat.min(axis=1, keepdims=True), flat.max(axis=1, keepdims=True)
    return ((flat - low) / np.maximum(high - low, 1e-12)).reshape(images.shape)


def fixed_to_unit(images, recipe):
    """Pixels of a fixed range (`[data].preprocess` unit or symmetric) mapped affinely onto
    [0, 1], not clipped; gcn pixels as they are. `unit` pixels come back unchanged."""
    if recipe.data.preprocess not in PIXEL_RANGES:
        return images
    low, high = PIXEL_RANGES[recipe.data.preprocess]
    return (images - np.float32(low)) / np.float32(high - low)


# -- The metrics ------------------------------------------------------------------------------


def parzen_metric(evaluation):
    """Table 1 of Goodfellow et al. 2014: see `ganzoo.eval.parzen`."""
    recipe = evaluation.recipe
    # On [0, 1] pixels, as the paper measured: a tanh generator's number ([-1, 1] data) is
    # then comparable with a sigmoid one's, not 784 log 2 lower.
    validation = fixed_to_unit(recipe_examples(recipe, "validation").subset(PARZEN_VALIDATION),
                               recipe)
    test = fixed_to_unit(recipe_examples(recipe, "test").subset(PARZEN_TEST), recipe)
    count = evaluation.count(10_000)
    result = parzen.parzen_evaluate(fixed_to_unit(evaluation.generate(count), recipe), validation,
                                    test, verbose=evaluation.verbose)
    values = {key: result[key] for key in ("parzen_ll", "parzen_se", "parzen_sigma")}
    details = (f"sigma from 10 log-spaced in [0.1, 1] by the first {len(validation)} "
               f"validation images ([data].validation = {list(recipe.data.validation)})")
    if recipe.data.preprocess == "symmetric":
        details += "; pixels mapped from [-1, 1] to [0, 1]"
    return Result(values, {"samples": count, "reference": f"{len(test)} test images",
                           "details": details})


def modes_metric(evaluation):
    """Modes captured, high-quality fraction and reverse KL (VEEGAN / PacGAN): `modes.py`."""
    name = evaluation.recipe.data.name
    centres, std = mode_centres(name), evaluation.recipe.data.std or standard_std(name)
    count = evaluation.count(modes.DEFAULT_NUM_SAMPLES)
    samples = evaluation.generate(count).reshape(count, -1)
    return Result(modes.mode_metrics(samples, centres, std), {
        "samples": count, "reference": f"{len(centres)} mode centres, std {std:g}",
        "details": "high quality = within 3 std of the nearest centre"})


def jsd_metric(evaluation):
    """Jensen-Shannon divergence between p_data's density and the samples' histogram (1-D)."""
    name = evaluation.recipe.data.name
    std = evaluation.recipe.data.std or standard_std(name)
    count = evaluation.count(100_000)
    value = modes.jensen_shannon_1d(lambda x: density(name, x, std), evaluation.generate(count))
    return Result({"jsd": value}, {
        "samples": count, "reference": f"the density of p_data (std {std:g})",
        "details": "200 bins on [-8, 8] plus two overflow bins; nats, at most log 2"})


def fid_metric(evaluation):
    """Frechet distance between Gaussians fitted to the two feature sets (Heusel et al. 2017)."""
    fake, real, protocol = evaluation.feature_pair(10_000)
    return with_floor(evaluation, "fid", Result(fid_values(fake[0], real[0]), protocol), fid_values)


def fid_values(fake, real):
    """{"fid": the Frechet distance} of two feature sets."""
    return {"fid": frechet.frechet_distance(*frechet.feature_statistics(fake),
                                            *frechet.feature_statistics(real))}


def kid_metric(evaluation):
    """Kernel inception distance (Binkowski et al. 2018): mean and std over 100 subsets."""
    fake, real, protocol = evaluation.feature_pair(10_000)
    protocol["details"] = "100 subsets of min(1000, counts) rows, cubic kernel"
    return with_floor(evaluation, "kid", Result(kid_values(fake[0], real[0]), protocol),
                      kid_values)


def kid_values(fake, real):
    """{"kid": mean, "kid_std": std over the subsets} of two feature sets."""
    mean, std = frechet.kernel_inception_distance(fake, real)
    return {"kid": mean, "kid_std": std}


def is_metric(evaluation):
    """Inception score from the extractor's class probabilities (Salimans et al. 2016)."""
    count = evaluation.count(10_000)
    if not evaluation.extractor.has_probabilities:
        raise EvalError(f"is needs class probabilities; {evaluation.extractor.name} has none "
                        "(use the full InceptionV3 weights, not the notop file)")
    probabilities = evaluation.extract("generated", evaluation.generate(count))[1]
    mean, std = frechet.inception_score(probabilities, splits=10)
    return Result({"is": mean, "is_std": std}, {
        "samples": count, "reference": None,  # the samples' class probabilities only
        "extractor": evaluation.extractor.name, "details": "mean and std over 10 splits"})


def prdc_metric(evaluation):
    """Precision and recall (k = 3) and density and coverage (k = 5): `prdc.py`."""
    fake, real, protocol = evaluation.feature_pair(5_000)
    protocol["details"] = "precision/recall k = 3, density/coverage k = 5"
    return with_floor(evaluation, "prdc", Result(prdc_values(fake[0], real[0]), protocol),
                      prdc_values)


def prdc_values(fake, real):
    """Precision, recall (k = 3), density and coverage (k = 5) of `fake` against `real`."""
    values = prdc.precision_recall(real, fake, nearest_k=3)
    values.update(prdc.density_coverage(real, fake, nearest_k=5))
    return values


# The values of each feature metric that get a real-vs-real floor (`ganzoo.eval.floors`).
FLOOR_KEYS = {"fid": ("fid",), "kid": ("kid",),
              "prdc": ("precision", "recall", "density", "coverage")}


def with_floor(evaluation, metric, result, values_of):
    """`result` with `<key>_floor` values beside its own: `values_of` on real training images
    against the same test images, same count and extractor (cached: `ganzoo.eval.floors`)."""
    values, note = floors.real_floor(evaluation, metric, result.protocol["samples"], values_of,
                                     FLOOR_KEYS[metric])
    result.values.update(values)
    result.protocol["floor"] = note
    return result


def class_accuracy_metric(evaluation):
    """How often a conditional generator's sample is of the class it was asked for: per class
    and the mean over classes. The class of a toy sample is its nearest mode when it is of high
    quality (within 3 std), else none; of an image, ganzoo's classifier's prediction."""
    recipe = evaluation.recipe
    classes = recipe.dataset.classes
    count = evaluation.count(1_000 * classes if recipe.dataset.kind == "image" else 2_500)
    samples = evaluation.generate(count)
    asked = cycling_labels(count, classes)  # what `inference_inputs` asked for
    if recipe.dataset.kind == "toy":
        std = recipe.data.std or standard_std(recipe.data.name)
        predicted = toy_classes(samples.reshape(count, -1), mode_centres(recipe.data.name), std)
        how = f"nearest of {classes} mode centres within 3 std {std:g} (else wrong)"
    else:
        if not evaluation.extractor.has_probabilities:
            raise EvalError(f"class_accuracy needs class probabilities; "
                            f"{evaluation.extractor.name} has none")
        predicted = evaluation.extract("generated", samples)[1].argmax(axis=1)
        how = f"{evaluation.extractor.name}'s predicted class"
    values = per_class_accuracy(predicted, asked, classes)
    return Result(values, {"samples": count, "reference": None, "extractor": how,
                           "details": f"{count // classes} samples per class, labels cycling"})


def class_balance_metric(evaluation):
    """Which classes an image generator makes, read by ganzoo's classifier: the share of each
    class in `--samples` (default 10,000) samples, the KL divergence of those shares from the
    test images' (their predicted classes, so the classifier's own bias cancels), and the
    classifier's mean confidence (its top probability). Beside each, the real-vs-real floor:
    the first as many training images in the samples' place. A generator that drops or
    favours classes shows it here before FID says why (the MODE score of Che et al. 2017,
    arXiv 1612.02136, compares the same histograms)."""
    if not evaluation.extractor.has_probabilities:
        raise EvalError(f"class_balance needs class probabilities; {evaluation.extractor.name} "
                        f"has none")
    recipe, count = evaluation.recipe, evaluation.count(10_000)
    classes = recipe.dataset.classes
    test = recipe_examples(recipe, "test").subset(count)
    train = recipe_examples(recipe, "train").subset(count)
    reference = evaluation.extract("test", test)[1]
    fake = evaluation.extract("generated", evaluation.generate(count))[1]
    values = class_balance_values(fake, reference, classes)
    floor = class_balance_values(evaluation.extract("train", train)[1], reference, classes)
    values.update({f"{key}_floor": floor[key] for key in ("class_kl", "class_confidence")})
    return Result(values, {
        "samples": count, "reference": f"{len(test)} test images' predicted classes",
        "extractor": evaluation.extractor.name,
        "details": "class_kl = KL(sample class shares || test class shares), nats; "
                   "class_confidence = mean top probability",
        "floor": f"floor: {len(train)} training images ([data].train = "
                 f"{list(recipe.data.train)}) vs {len(test)} test images"})


def class_balance_values(probabilities, reference, classes):
    """{"class_kl", "class_confidence", "class_share_<c>"} of class probabilities [N, K]
    against a reference set's [M, K]; shares from the most likely class, the reference's
    smoothed by half a count so a class it lacks cannot make KL infinite."""
    shares = np.bincount(probabilities.argmax(axis=1), minlength=classes) / len(probabilities)
    expected = np.bincount(reference.argmax(axis=1), minlength=classes) + 0.5
    expected = expected / expected.sum()
    seen = shares > 0
    kl = float(np.sum(shares[seen] * np.log(shares[seen] / expected[seen])))
    return {"class_kl": kl, "class_confidence": float(probabilities.max(axis=1).mean()),
            **{f"class_share_{c}": float(shares[c]) for c in range(classes)}}


def toy_classes(samples, centres, std):
    """Each sample's nearest mode, or -1 when it lies farther than 3 std from every mode."""
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    return np.where(distances.min(axis=1) <= 3.0 * std, nearest, -1)


def per_class_accuracy(predicted, asked, classes):
    """{"class_accuracy": mean over classes, "class_accuracy_<c>": each class's}."""
    per_class = {f"class_accuracy_{c}": float(np.mean(predicted[asked == c] == c))
                 for c in range(classes)}
    return {"class_accuracy": float(np.mean(list(per_class.values()))), **per_class}


def intra_fid_metric(evaluation):
    """Intra-class FID (Miyato & Koyama 2018, arXiv 1802.05637): for each class c, the Frechet
    distance between the samples asked for class c and the test images of class c, on the
    extractor's features; the mean over classes and each class's. Labels cycle as for
    class_accuracy, so a run and its export draw the same samples."""
    recipe = evaluation.recipe
    require_conditional(recipe, "intra_fid")
    classes = recipe.dataset.classes
    count = evaluation.count(1_000 * classes)
    fake = evaluation.extract("generated", evaluation.generate(count))[0]
    test = recipe_examples(recipe, "test")
    if getattr(test, "labels", None) is None:
        raise EvalError(f"intra_fid needs the labels of the {recipe.data.name} test images; "
                        "this split has none")
    real = evaluation.extract("test", test.subset(len(test)))[0]
    values = intra_class_fid(fake, cycling_labels(count, classes), real,
                             np.asarray(test.labels[:len(real)]), classes)
    return Result(values, {"samples": count, "reference": f"{len(real)} test images, by class",
                           "extractor": evaluation.extractor.name,
                           "details": f"{count // classes} samples per class, labels cycling; "
                                      f"FID within each class, then the mean"})


def intra_class_fid(fake, fake_labels, real, real_labels, classes):
    """{"intra_fid": mean over classes, "intra_fid_<c>": the FID between the rows of `fake` and
    of `real` (features) whose labels are c}."""
    per_class = {}
    for c in range(classes):
        ours, theirs = fake[fake_labels == c], real[real_labels == c]
        if min(len(ours), len(theirs)) < 2:
            raise EvalError(f"intra_fid needs at least 2 samples and 2 test images of each class; "
                            f"class {c} has {len(ours)} and {len(theirs)} (raise --samples)")
        per_class[f"intra_fid_{c}"] = frechet.frechet_distance(
            *frechet.feature_statistics(ours), *frechet.feature_statistics(theirs))
    return {"intra_fid": float(np.mean(list(per_class.values()))), **per_class}


def test_errors_metric(evaluation):
    """The semi-supervised family's number (Salimans et al. 2016, Table 1): how many of the
    test images D, as a K-class classifier in inference mode (no noise), puts in another class
    than their label, per 10,000 test images."""
    recipe = evaluation.recipe
    classify = getattr(evaluation.gan, "classify", None)
    if classify is None:
        raise EvalError("test_errors needs the discriminator as a classifier: evaluate the run, "
                        "or an export with a `classify` signature")
    test = recipe_examples(recipe, "test")
    if getattr(test, "labels", None) is None:
        raise EvalError(f"test_errors needs the labels of the {recipe.data.name} test images; "
                        "this split has none")
    x, labels = test.subset(len(test)), np.asarray(test.labels)
    predicted = np.concatenate([np.argmax(np.asarray(classify(x[i:i + 1000])), axis=-1)
                                for i in range(0, len(x), 1000)])
    errors = int(np.sum(predicted != labels[:len(x)]))
    return Result({"test_errors": errors * 10_000 / len(x), "test_error_count": errors}, {
        "samples": len(x), "reference": f"{len(x)} labelled test images",
        "details": "D's most likely class in inference mode; errors per 10,000 test images"})


def require_conditional(recipe, name):
    """A one-line EvalError unless the recipe's family gives G a label (a conditional one)."""
    if not registry.FAMILIES.get(recipe.model.family).conditional:
        raise EvalError(f"metric {name!r} needs a conditional family, not "
                        f"{recipe.model.family!r}: G must take a class label")


# The metric names are ganzoo.registry.METRICS. APPLIES_TO: the datasets each is defined for.
METRICS = registry.METRICS
FEATURE_METRICS = ("fid", "kid", "is", "prdc")
IMAGE_DATASETS = registry.datasets_of("image")
APPLIES_TO = {
    "parzen": IMAGE_DATASETS,
    "modes": ("ring8", "grid25"),
    "jsd": ("gaussian1d",),
    **{name: IMAGE_DATASETS for name in FEATURE_METRICS},
    # A conditional family's: datasets with classes a sample can be checked against.
    "class_accuracy": ("ring8", "grid25", "mnist", "fashion_mnist"),
    # Labelled test images to compare each class's samples with.
    "intra_fid": ("mnist", "fashion_mnist", "cifar10"),
    # Any generator's class shares, read by ganzoo's classifier (it has one for these).
    "class_balance": ("mnist", "fashion_mnist"),
}
CONDITIONAL_METRICS = ("class_accuracy", "intra_fid")
# A family's own metrics (`GAN.family_metrics`): D as a classifier, on labelled test images.
APPLIES_TO["test_errors"] = ("mnist", "fashion_mnist", "cifar10")
# A BiGAN's encoder (`ganzoo.eval.inference`): labelled train and test images.
APPLIES_TO["inference"] = ("mnist", "fashion_mnist")
# An inpainting model's completions of test images, scored by ganzoo's classifier.
INPAINTING_METRICS = ("inpainting_accuracy", "inpainting_fid")
APPLIES_TO.update({name: ("mnist", "fashion_mnist") for name in INPAINTING_METRICS})
# Digit triples read by ganzoo's MNIST classifier on each channel (`ganzoo.eval.stacked`).
APPLIES_TO["stacked_modes"] = ("stacked_mnist",)
FAMILY_METRICS = ("test_errors", "inference", *INPAINTING_METRICS)


def applicable_metrics(dataset, conditional=False, family_metrics=()):
    """The metrics defined for `dataset` (and a conditional generator, and the family's own
    metrics), in registry order."""
    dataset = registry.dataset_key(dataset)  # any tfds:celeb_a is tfds:NAME
    return [name for name in METRICS.names() if dataset in APPLIES_TO[name]
            and (conditional or name not in CONDITIONAL_METRICS)
            and (name in family_metrics or name not in FAMILY_METRICS)]


def check_metrics(recipe, names):
    """`names` (a list or 'a,b' text; empty: the dataset's defaults), each checked to apply."""
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    dataset = recipe.data.name
    family = registry.FAMILIES.get(recipe.model.family)
    allowed = applicable_metrics(dataset, family.conditional, family.family_metrics)
    for name in names or ():
        if name not in allowed:
            what = "unknown metric" if name not in METRICS else "metric"
            why = "" if name not in METRICS else f" does not apply to {dataset} runs"
            if name in CONDITIONAL_METRICS and registry.dataset_key(dataset) in APPLIES_TO[name]:
                why = f" needs a conditional family, not {recipe.model.family!r}"
            if name in FAMILY_METRICS and registry.dataset_key(dataset) in APPLIES_TO[name]:
                why = f" is not a metric of family {recipe.model.family!r}"
            raise EvalError(f"{what} {name!r}{why}; for {dataset} choose from: {', '.join(allowed)}")
    defaults = registry.DATASETS[registry.dataset_key(dataset)].metrics
    # The family's own metrics join the dataset's defaults (test_errors: a classifier's number).
    defaults = [*defaults, *(name for name in family.family_metrics if name in allowed
                             and name not in family.requested_metrics)]
    return list(dict.fromkeys(names or defaults))


def prepare_extractor(recipe, names, extractor=None, inception_weights=None):
    """The feature extractor the metrics need (None when none does): fails before any work."""
    if "stacked_modes" in names:  # its own MNIST classifier (ganzoo.eval.stacked), beside any
        from ganzoo.eval.classifier import classifier_path

        classifier_path("mnist")  # a one-line ClassifierMissing now, before any work
    images = recipe.dataset.kind == "image"
    if not any(name in FEATURE_METRICS or name in INPAINTING_METRICS or name == "class_balance"
               or (images and name in CONDITIONAL_METRICS) for name in names):
        return None
    return make_extractor(extractor, recipe.data.name, inception_weights)


def evaluate(gan, recipe, names, samples=0, seed=0, extractor=None, verbose=False):
    """Run the metrics `names` (already checked) on `gan`: {metric name: Result}."""
    evaluation = Evaluation(gan, recipe, samples, seed, extractor, verbose)
    return {name: METRICS.get(name)(evaluation) for name in names}


def needed_splits(names):
    """The data splits the metrics `names` read, so a missing file is reported before work."""
    splits = {"validation", "test"} if "parzen" in names else set()
    if "intra_fid" in names or "test_errors" in names or set(names) & set(INPAINTING_METRICS):
        splits.add("test")
    if "inference" in names or "class_balance" in names:
        splits |= {"train", "test"}
    if set(names) & set(FEATURE_METRICS):
        splits |= {"test", "train"} if set(names) & set(FLOOR_KEYS) else {"test"}
    return sorted(splits)

"""Every name a recipe, a flag or the CLI can give, in one place, without importing TensorFlow.

Each registry maps a name to where its implementation lives ("module:attribute"), imported only
when asked for, so the recipe loader can list the allowed names in its errors and stay light.
A new loss, penalty, family, architecture or metric is one entry here and its code there:

    LOSSES.names()            -> ("minimax", "non_saturating", ...)
    LOSSES.get("hinge")       -> ganzoo.losses.HINGE (imports ganzoo.losses)

Datasets are described here as data (`DATASETS`): kind, example shape and classes, so nothing
else decides a dataset's kind by its name. A dataset whose shape and classes come from the
recipe (a folder of images, a TFDS dataset by name) names a `resolve` function instead, and
`dataset_spec(data_config)` asks it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


class Registry:
    """Names -> lazily imported objects, in the order they were declared."""

    def __init__(self, what, entries):
        self.what = what  # "loss", "family", ...: the noun the errors use
        self._targets = dict(entries)

    def names(self):
        return tuple(self._targets)

    def __contains__(self, name):
        return name in self._targets

    def get(self, name):
        """The object registered as `name`; a KeyError listing the names otherwise."""
        if name not in self._targets:
            raise KeyError(f"unknown {self.what} {name!r}; choose from: {', '.join(self._targets)}")
        return load(self._targets[name])


def load(target):
    """The object a "module:attribute" target names ("module" alone: the module itself)."""
    module, _, attribute = target.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found


# Loss pairs (`<name>_generator_loss`, `<name>_discriminator_loss`): [loss].name.
LOSSES = Registry("loss", {
    "minimax": "ganzoo.losses:MINIMAX",
    "non_saturating": "ganzoo.losses:NON_SATURATING",
    "least_squares": "ganzoo.losses:LEAST_SQUARES",
    "wasserstein": "ganzoo.losses:WASSERSTEIN",
    "hinge": "ganzoo.losses:HINGE",
})

# Penalties on the discriminator, each with a weight: [loss.penalties] NAME = weight.
PENALTIES = Registry("penalty", {
    "gradient": "ganzoo.penalties:GRADIENT",
})

# GAN subclasses, each overriding the core's hooks: [model].family.
FAMILIES = Registry("family", {
    "vanilla": "ganzoo.gan:GAN",
    "pacgan": "ganzoo.families.pacgan:PacGAN",
    "conditional": "ganzoo.families.conditional:ConditionalGAN",
    "acgan": "ganzoo.families.acgan:ACGAN",
    "bigan": "ganzoo.families.bigan:BiGAN",
    "semi_supervised": "ganzoo.families.semi_supervised:SemiSupervisedGAN",
    "inpainting": "ganzoo.families.inpainting:InpaintingGAN",
})



@dataclass(frozen=True)
class FamilyRules:
    """What the recipe loader checks of a family without importing it (or TensorFlow).

    keys: the recipe keys (dotted, or whole sections) only this family reads; a recipe of any
      other family must leave them at their defaults.
    check: "module:function" with the family's other rules (`ganzoo.families.rules`), called
      with (RecipeConfig, where); that module must not import TensorFlow.
    """

    keys: tuple = ()
    check: str = ""


FAMILY_RULES = {
    "pacgan": FamilyRules(keys=("model.pack",), check="ganzoo.families.rules:pacgan"),
    "bigan": FamilyRules(keys=("model.encoder", "model.discriminator.join_latent"),
                         check="ganzoo.families.rules:bigan"),
    "semi_supervised": FamilyRules(keys=("data.labelled", "model.discriminator.ema_momentum"),
                                   check="ganzoo.families.rules:semi_supervised"),
}


def family_check(name):
    """The family's rules function, or None."""
    rules = FAMILY_RULES.get(name)
    return load(rules.check) if rules is not None and rules.check else None


# Network builders (`build_generator`, `build_discriminator`): [model].architecture.
ARCHITECTURES = Registry("architecture", {
    "mlp": "ganzoo.models.mlp",
    "goodfellow2014_cifar10_conv": "ganzoo.models.conv",
    "dcgan": "ganzoo.models.dcgan",
    "mirza2014": "ganzoo.models.mirza",
    "salimans2016": "ganzoo.models.salimans2016",
    "donahue2016": "ganzoo.models.donahue2016",
})

# Evaluation metrics (`ganzoo eval --metrics`, [eval].metrics).
METRICS = Registry("metric", {
    "parzen": "ganzoo.eval.metrics:parzen_metric",
    "modes": "ganzoo.eval.metrics:modes_metric",
    "jsd": "ganzoo.eval.metrics:jsd_metric",
    "fid": "ganzoo.eval.metrics:fid_metric",
    "kid": "ganzoo.eval.metrics:kid_metric",
    "is": "ganzoo.eval.metrics:is_metric",
    "prdc": "ganzoo.eval.metrics:prdc_metric",
    "class_accuracy": "ganzoo.eval.metrics:class_accuracy_metric",
    "intra_fid": "ganzoo.eval.metrics:intra_fid_metric",
    "class_balance": "ganzoo.eval.metrics:class_balance_metric",
    "test_errors": "ganzoo.eval.metrics:test_errors_metric",
    "inference": "ganzoo.eval.inference:inference_metric",
    "inpainting_accuracy": "ganzoo.eval.inpainting:inpainting_accuracy_metric",
    "inpainting_fid": "ganzoo.eval.inpainting:inpainting_fid_metric",
    "stacked_modes": "ganzoo.eval.stacked:stacked_modes_metric",
})

STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker")
OPTIMIZERS = ("sgd", "adam")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")  # [train].precision: ganzoo.precision
PRIORS = ("uniform", "normal")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "leaky_relu", "softplus")
EXTRACTORS = ("auto", "classifier", "inception")


@dataclass(frozen=True)
class DatasetSpec:
    """What is known of a dataset without loading it.

    kind: `toy` (points drawn in-process from the seed) or `image` (files or TFDS).
    shape: one example, channels last.
    classes: label values are 0..classes-1 (a toy's label is its mixture mode); 0 = unlabelled.
    metrics: what `ganzoo eval` measures by default.
    resolve: "module:function" taking (DataConfig, this spec) and returning the spec with the
      shape and classes a recipe's own data has; empty for a dataset fixed here.
    """

    kind: str
    shape: tuple
    classes: int
    metrics: tuple
    resolve: str = ""


DATASETS = {
    "ring8": DatasetSpec("toy", (2,), 8, ("modes",)),
    "grid25": DatasetSpec("toy", (2,), 25, ("modes",)),
    "gaussian1d": DatasetSpec("toy", (1,), 1, ("jsd",)),
    "mnist": DatasetSpec("image", (28, 28, 1), 10, ("parzen",)),
    "fashion_mnist": DatasetSpec("image", (28, 28, 1), 10, ("parzen",)),
    "cifar10": DatasetSpec("image", (32, 32, 3), 10, ("parzen",)),
    "tfd": DatasetSpec("image", (48, 48, 1), 0, ("parzen",)),
    # Three MNIST digits as the channels of one image; its label (and mode) is the digit triple
    # 100 d0 + 10 d1 + d2 (VEEGAN, PacGAN Table 2; ganzoo/data/stacked.py).
    "stacked_mnist": DatasetSpec("image", (28, 28, 3), 1000, ("stacked_modes",)),
    # The recipe's own images: FID by default (Parzen windows in pixel space mean little on
    # natural images); shape and classes from [data] and the files.
    "folder": DatasetSpec("image", (), 0, ("fid",), resolve="ganzoo.data.folder:folder_spec"),
    "tfds:NAME": DatasetSpec("image", (), 0, ("fid",), resolve="ganzoo.data.tfds_named:named_spec"),
}
TFDS_PREFIX = "tfds:"


def dataset_key(name):
    """The DATASETS entry of a [data].name: `tfds:NAME` for any `tfds:celeb_a`, else the name."""
    return "tfds:NAME" if name.startswith(TFDS_PREFIX) and name != TFDS_PREFIX else name


def dataset_spec(config):
    """The DatasetSpec of a DataConfig, resolved from the recipe (and its files) if it must be."""
    spec = DATASETS[dataset_key(config.name)]
    if not spec.resolve:
        return spec
    return load(spec.resolve)(config, spec)


def datasets_of(kind):
    """The dataset names of one kind (`toy` or `image`), in declaration order."""
    return tuple(name for name, spec in DATASETS.items() if spec.kind == kind)

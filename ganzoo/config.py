"""The typed sections of a recipe: what each key means, its type, default and allowed values.

A recipe file (TOML) holds the tables `[data]`, `[model]` (with `[model.generator]` and
`[model.discriminator]`), `[loss]`, `[train]` and `[eval]`; each maps onto one dataclass here. Loading and
validation live in `ganzoo.recipe`; this module is only the schema, so every part of the package
can import it without importing TensorFlow.

`CHOICES` lists the allowed values of the keys that take a name, and `BOUNDS` the numeric limits;
the loader reports both in its error messages.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataConfig:
    """Where the training examples come from.

    name: a toy distribution generated in-process (ring8, grid25, gaussian1d) or an image
      dataset (mnist, fashion_mnist, cifar10, tfd).
    source: `auto` reads the local files when present, else a prepared TFDS dataset;
      `local` insists on the files under `dir`; `tfds` on TensorFlow Datasets.
    dir: the directory laid out like `mnist/`, `fashion_mnist/`, `cifar10/`, `tfd/`; empty means
      the environment variable GANZOO_DATA_DIR.
    train, validation: [start, stop) example ranges of the dataset's training split (the paper
      holds out train[50000:60000] of MNIST for validation). stop = 0 means "to the end".
    preprocess: `unit` scales pixels to [0, 1]; `gcn` applies global contrast normalisation
      with `gcn_scale` (the paper's CIFAR-10 preprocessing).
    num_examples: how many points a toy distribution draws once (seeded) to form its
      training set.
    std: the toy distribution's standard deviation; 0 means its standard value
      (ring8 0.01, grid25 0.05, gaussian1d 0.5).
    """

    name: str = "ring8"
    source: str = "auto"
    dir: str = ""
    train: list[int] = field(default_factory=lambda: [0, 0])
    validation: list[int] = field(default_factory=lambda: [0, 0])
    preprocess: str = "unit"
    gcn_scale: float = 55.0
    num_examples: int = 100_000
    std: float = 0.0


@dataclass(frozen=True)
class GeneratorConfig:
    """The generator network (see `ganzoo.models`).

    units / activations: one entry per hidden layer.
    hidden_bias: initial bias of each hidden layer (the paper's TFD and CIFAR-10 nets start
      their sigmoid layers at -2); empty means zeros.
    init_range: weights start uniform in [-init_range, init_range]; 0 means Keras' default.
    output: activation of the output layer.
    output_init_range: like init_range, for the output layer only; 0 means init_range.
    output_bias: `marginal` starts the output bias at the logit of the data's mean pixel (as
      pylearn2's init_bias_from_marginals did); `zero` at 0.
    output_sparse_init: each output unit starts with this many nonzero N(0, 1) input weights,
      the others 0 (pylearn2's sparse_init; the paper's TFD generator used 100); 0 = off.
      Only for the `mlp` architecture.
    max_column_norm: max norm of each weight column of the hidden layers, and of the output
      layer of an `mlp` generator (pylearn2's max_col_norm); 0 = off.
    stack_on: a run directory whose trained generator goes on top of this recipe's hidden
      layers, z -> hidden layers -> that generator, all trained on (the paper's greedy TFD
      stage 2); its latent_dim must equal the last hidden layer's units, and this recipe's
      output keys stay at their defaults. A run records it as an absolute path, and that run
      must stay there for this one to load (its export is self-contained). "" = off.
    """

    units: list[int] = field(default_factory=lambda: [128, 128])
    activations: list[str] = field(default_factory=lambda: ["relu", "relu"])
    hidden_bias: list[float] = field(default_factory=list)
    init_range: float = 0.0
    output: str = "linear"
    output_init_range: float = 0.0
    output_bias: str = "zero"
    output_sparse_init: int = 0
    max_column_norm: float = 0.0
    stack_on: str = ""


@dataclass(frozen=True)
class DiscriminatorConfig:
    """The discriminator network: maxout layers and a sigmoid unit (see `ganzoo.models`).

    units / pieces: maxout units per hidden layer and linear pieces per unit; pieces = 1
      gives plain ReLU layers.
    init_range: weights start uniform in [-init_range, init_range]; 0 means Keras' default.
    input_keep / hidden_keep: dropout keep probabilities (the paper: 0.8 and 0.5); 1 = off.
    max_column_norm: max norm of each weight column (pylearn2's max_col_norm); 0 = off.
    """

    units: list[int] = field(default_factory=lambda: [128, 128])
    pieces: int = 1
    init_range: float = 0.0
    input_keep: float = 1.0
    hidden_keep: float = 1.0
    max_column_norm: float = 0.0


@dataclass(frozen=True)
class ModelConfig:
    """Which architecture, and the latent prior p(z).

    architecture: a key of `ganzoo.models.ARCHITECTURES`.
    prior: `uniform` draws z from U(-prior_scale, prior_scale) (the paper's MNIST net used
      +-sqrt(3), unit variance); `normal` from N(0, prior_scale^2).
    """

    architecture: str = "mlp"
    latent_dim: int = 100
    prior: str = "normal"
    prior_scale: float = 1.0
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)


@dataclass(frozen=True)
class LossConfig:
    """The generator's objective (see `ganzoo.losses`).

    generator: `minimax` descends log(1 - D(G(z))) (the saturating form of the paper's value
      function); `non_saturating` ascends log D(G(z)) (what the paper trained with).
    """

    generator: str = "non_saturating"


@dataclass(frozen=True)
class TrainConfig:
    """How the minimax game is played.

    batch_size: the global batch (split over replicas under a distribution strategy).
    k: discriminator steps per generator step (Algorithm 1), each on its own minibatch.
    update: `alternating` (Algorithm 1) or `simultaneous` (both gradients from one minibatch,
      applied together, as the paper's code did; needs k = 1).
    optimizer: `sgd` or `adam`, one each for D and G with the same settings.
    learning_rate: lr0; under SGD it decays as lr0 / lr_decay^step, floored at min_learning_rate.
    momentum / final_momentum: SGD momentum rises linearly from `momentum` at
      momentum_start_epoch to `final_momentum` at momentum_saturate_epoch.
    steps_per_epoch: 0 means one pass over the training examples (N // (batch_size * k)).
    log_every: steps between TensorBoard scalar points.
    strategy: `auto`, `default`, `one_device`, `mirrored` or `multi_worker`.
    jit_compile: XLA-compile the per-replica loss and gradient computation.
    """

    epochs: int = 10
    batch_size: int = 100
    seed: int = 0
    k: int = 1
    update: str = "alternating"
    optimizer: str = "adam"
    learning_rate: float = 2e-4
    lr_decay: float = 1.0
    min_learning_rate: float = 0.0
    momentum: float = 0.0
    final_momentum: float = 0.0
    momentum_start_epoch: int = 1
    momentum_saturate_epoch: int = 1
    beta_1: float = 0.5
    beta_2: float = 0.999
    steps_per_epoch: int = 0
    log_every: int = 50
    strategy: str = "auto"
    jit_compile: bool = False


@dataclass(frozen=True)
class EvalConfig:
    """Metrics computed during training (`ganzoo.eval.runner`; see docs/evaluation.md).

    metrics: names as `ganzoo eval --metrics` takes them (parzen, modes, jsd, fid, kid, is,
      prdc); empty means the dataset's defaults (images: parzen; ring8, grid25: modes;
      gaussian1d: jsd).
    every: evaluate after every this many epochs (after that epoch's checkpoint); 0 = never.
    samples: generator samples per metric; 0 = each metric's protocol (parzen, fid, kid, is:
      10,000; modes: 2,500; prdc: 5,000; jsd: 100,000).
    extractor: features for fid, kid, is and prdc: `auto` (the ganzoo classifier for MNIST and
      Fashion-MNIST, else inception), `classifier` or `inception`.
    """

    metrics: list[str] = field(default_factory=list)
    every: int = 0
    samples: int = 0
    extractor: str = "auto"


@dataclass(frozen=True)
class RecipeConfig:
    """A whole recipe: its name, description line and sections.

    name: the recipe's name under recipes/ ("toy/ring8"); recipe files leave it out and a run's
      resolved recipe records it, so an export knows where its generator came from.
    """

    name: str = ""
    description: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)


TOY_DATASETS = ("ring8", "grid25", "gaussian1d")
IMAGE_DATASETS = ("mnist", "fashion_mnist", "cifar10", "tfd")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "leaky_relu")

# Allowed values of the keys that take a name, by dotted key.
CHOICES: dict[str, tuple[str, ...]] = {
    "data.name": TOY_DATASETS + IMAGE_DATASETS,
    "data.source": ("auto", "local", "tfds"),
    "data.preprocess": ("unit", "gcn"),
    "model.architecture": ("mlp", "goodfellow2014_cifar10_conv"),
    "model.prior": ("uniform", "normal"),
    "model.generator.activations": ACTIVATIONS,
    "model.generator.output": ACTIVATIONS,
    "model.generator.output_bias": ("zero", "marginal"),
    "loss.generator": ("minimax", "non_saturating"),
    "train.update": ("alternating", "simultaneous"),
    "train.optimizer": ("sgd", "adam"),
    "train.strategy": ("auto", "default", "one_device", "mirrored", "multi_worker"),
    "eval.metrics": ("parzen", "modes", "jsd", "fid", "kid", "is", "prdc"),
    "eval.extractor": ("auto", "classifier", "inception"),
}

# Numeric limits by dotted key: (lowest, highest, whether the lowest is allowed).
BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "data.gcn_scale": (0, None, False),
    "data.num_examples": (1, None, True),
    "data.std": (0, None, True),
    "model.latent_dim": (1, None, True),
    "model.prior_scale": (0, None, False),
    "model.generator.units": (1, None, True),
    "model.generator.init_range": (0, None, True),
    "model.generator.output_init_range": (0, None, True),
    "model.generator.output_sparse_init": (0, None, True),
    "model.generator.max_column_norm": (0, None, True),
    "model.discriminator.units": (1, None, True),
    "model.discriminator.pieces": (1, None, True),
    "model.discriminator.init_range": (0, None, True),
    "model.discriminator.input_keep": (0, 1, False),
    "model.discriminator.hidden_keep": (0, 1, False),
    "model.discriminator.max_column_norm": (0, None, True),
    "train.epochs": (1, None, True),
    "train.batch_size": (1, None, True),
    "train.seed": (0, None, True),
    "train.k": (1, None, True),
    "train.learning_rate": (0, None, False),
    "train.lr_decay": (1, None, True),
    "train.min_learning_rate": (0, None, True),
    "train.momentum": (0, 1, True),
    "train.final_momentum": (0, 1, True),
    "train.momentum_start_epoch": (0, None, True),
    "train.momentum_saturate_epoch": (0, None, True),
    "train.beta_1": (0, 1, True),
    "train.beta_2": (0, 1, True),
    "train.steps_per_epoch": (0, None, True),
    "train.log_every": (1, None, True),
    "eval.every": (0, None, True),
    "eval.samples": (0, None, True),
}


def sections(cls) -> dict[str, dataclasses.Field]:
    """The fields of a config dataclass by name."""
    return {f.name: f for f in dataclasses.fields(cls)}


# The shape of one example of each dataset (channels last), known without loading it.
DATA_SHAPES: dict[str, tuple[int, ...]] = {
    "ring8": (2,),
    "grid25": (2,),
    "gaussian1d": (1,),
    "mnist": (28, 28, 1),
    "fashion_mnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
    "tfd": (48, 48, 1),
}

"""The typed sections of a recipe: what each key means, its type, default and allowed values.

A recipe file (TOML) holds the tables `[data]`, `[model]` (with `[model.generator]` and
`[model.discriminator]`), `[loss]` (with `[loss.penalties]`), `[train]` (with `[train.generator]`
and `[train.discriminator]`) and `[eval]`; each maps onto one dataclass here. Loading and
validation live in `ganzoo.recipe`; this module is only the schema, so every part of the package
can import it without importing TensorFlow.

`CHOICES` lists the allowed values of the keys that take a name (from `ganzoo.registry`), and
`BOUNDS` the numeric limits; the loader reports both in its error messages.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ganzoo import registry


@dataclass(frozen=True)
class DataConfig:
    """Where the training examples come from.

    name: a toy distribution generated in-process (ring8, grid25, gaussian1d), an image
      dataset (mnist, fashion_mnist, cifar10, tfd; stacked_mnist, three MNIST digits as
      the channels of one image, `ganzoo.data.stacked`), `folder` (the images under `path`) or
      `tfds:NAME` (any prepared TFDS image dataset, e.g. `tfds:celeb_a`); every recipe must
      name one. Folder and tfds:NAME images are streamed from disk, not held in memory.
    source: `auto` reads the local files when present, else a prepared TFDS dataset;
      `local` insists on the files under `dir`; `tfds` on TensorFlow Datasets.
    dir: the directory laid out like `mnist/`, `fashion_mnist/`, `cifar10/`, `tfd/`; empty means
      the environment variable GANZOO_DATA_DIR.
    train, validation: [start, stop) example ranges of the dataset's training split (the paper
      holds out train[50000:60000] of MNIST for validation). stop = 0 means "to the end".
    preprocess: `unit` scales pixels to [0, 1]; `symmetric` to [-1, 1] (for a tanh generator,
      as DCGAN's); `gcn` applies global contrast normalisation with `gcn_scale` (the paper's
      CIFAR-10 preprocessing). Eval, export and pictures map `unit` and `symmetric` pixels
      back to [0, 1] the same way for real and generated images.
    num_examples: how many points a toy distribution draws once (seeded) to form its
      training set; for `stacked_mnist`, how many stacked images (PacGAN's code: 128,000;
      its recipes say so), each of three MNIST digits drawn from the seed.
    std: the toy distribution's standard deviation; 0 means its standard value
      (ring8 0.01, grid25 0.05, gaussian1d 0.5).
    path: the folder of a `folder` dataset, whose PNG and JPEG images are found recursively
      (relative to the working directory; a run's recipe records it absolute).
    image_size: `folder` and `tfds:NAME` images are resized (shorter side to this size) and
      centre-cropped to image_size x image_size, whatever their own sizes; 0 keeps a TFDS
      dataset's own fixed size.
    channels: 1 (grey) or 3 (RGB) for `folder` and `tfds:NAME` images; 0 means 3 for a
      folder, the image feature's own for TFDS.
    labels: `subfolders` labels a folder's images by their sub-folder of `path` (the sorted
      names are classes 0..K-1); `none` leaves them unlabelled. A tfds:NAME dataset's label
      is its ClassLabel feature, when it has one.
    labelled: how many training examples keep their label for a semi-supervised family
      (`semi_supervised`), labelled / classes of each class, drawn once from [train].seed
      (`ganzoo.data.labelled`); each step then also gets a minibatch of them. 0 = off.
    """

    name: str = ""
    source: str = "auto"
    dir: str = ""
    train: list[int] = field(default_factory=lambda: [0, 0])
    validation: list[int] = field(default_factory=lambda: [0, 0])
    preprocess: str = "unit"
    gcn_scale: float = 55.0
    num_examples: int = 100_000
    std: float = 0.0
    path: str = ""
    image_size: int = 0
    channels: int = 0
    labels: str = "none"
    labelled: int = 0


@dataclass(frozen=True)
class GeneratorConfig:
    """The generator network (see `ganzoo.models`).

    units / activations: one entry per hidden layer.
    hidden_bias: initial bias of each hidden layer (the paper's TFD and CIFAR-10 nets start
      their sigmoid layers at -2); empty means zeros.
    init_range: weights start uniform in [-init_range, init_range]; 0 means Keras' default.
    init_std: weights start N(0, init_std^2) instead (PacGAN's and DCGAN's 0.02); 0 = off.
    batch_norm: `none`; `batch` normalises each hidden layer before its activation (the layer
      then has no bias), each replica over its own part of the batch; `sync` also, with the
      statistics all-reduced across replicas, so N replicas train as one device.
    batch_norm_momentum: of the moving statistics used at inference (Keras' 0.99; PacGAN's
      code 0.95).
    output: activation of the output layer.
    output_init_range: like init_range, for the output layer only; 0 means init_range.
    output_bias: `marginal` starts the output bias at the logit of the data's mean pixel (as
      pylearn2's init_bias_from_marginals did); `zero` at 0.
    output_sparse_init: each output unit starts with this many nonzero N(0, 1) input weights,
      the others 0 (pylearn2's sparse_init; the paper's TFD generator used 100); 0 = off.
      Only for the `mlp` architecture.
    hidden_keep: dropout keep probability on every hidden layer's output (Mirza & Osindero
      2014's generator: 0.5); 1 = off. Not for `dcgan`.
    max_column_norm: max norm of each weight column of the hidden layers, and of the output
      layer of an `mlp` generator (pylearn2's max_col_norm); 0 = off.
    filters: the `dcgan` architecture's width: channels of the feature map before the output
      layer, doubling toward the first (64 on 28x28: 7x7x128 -> 14x14x64 -> 28x28xC). Only
      for `dcgan`, which takes its layers from the image size and this (not units).
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
    init_std: float = 0.0
    batch_norm: str = "none"
    batch_norm_momentum: float = 0.99
    output: str = "linear"
    output_init_range: float = 0.0
    output_bias: str = "zero"
    output_sparse_init: int = 0
    hidden_keep: float = 1.0
    max_column_norm: float = 0.0
    filters: int = 64
    stack_on: str = ""


@dataclass(frozen=True)
class DiscriminatorConfig:
    """The discriminator network: maxout layers and a sigmoid unit (see `ganzoo.models`).

    units / pieces: maxout units per hidden layer and linear pieces per unit; pieces = 1
      gives plain ReLU layers.
    init_range: weights start uniform in [-init_range, init_range]; 0 means Keras' default.
    init_std: weights start N(0, init_std^2) instead; 0 = off.
    input_keep / hidden_keep: dropout keep probabilities (the paper: 0.8 and 0.5); 1 = off.
    max_column_norm: max norm of each weight column (pylearn2's max_col_norm); 0 = off.
    spectral_norm: layers whose kernel is spectrally normalised (Miyato et al. 2018,
      arXiv 1802.05957), by name (`maxout_0`, `logit`, ...), or ["all"] for every layer with a
      kernel; empty = none.
    filters: the `dcgan` architecture's width: channels of the first convolution, doubling
      at each later one (64 on 28x28: 14x14x64 -> 7x7x128 -> logit). Only for `dcgan`.
    batch_norm, batch_norm_momentum: as the generator's, on every `dcgan` layer but the first
      and the logit (DCGAN's rule); only for `dcgan`.
    join_latent: the `bigan` family's D judges (x, z) pairs: z is concatenated to the input
      of hidden layer `join_latent` (0: joined to x at the input; 1: after the first layer,
      as jeffdonahue/bigan's mnist_mlp adds z there). Only for family `bigan`.
    input_noise / hidden_noise: the stddev of the Gaussian noise added in training to the
      input and to every later layer's input (the Improved GAN's 0.3 and 0.5); only for
      `salimans2016`. 0 = off.
    ema_momentum: the `semi_supervised` family's classifier (what `test_errors` and the
      `classify` export read) is an exponential moving average of D's weights, updated after
      each D step as average = m * average + (1 - m) * weights from zeros and read divided by
      1 - m^t after t updates (Polyak averaging, as openai/improved-gan's MNIST code tests D:
      0.9999); 0 = D's own weights. Only for family `semi_supervised`; must be below 1.
    """

    units: list[int] = field(default_factory=lambda: [128, 128])
    pieces: int = 1
    init_range: float = 0.0
    init_std: float = 0.0
    input_keep: float = 1.0
    hidden_keep: float = 1.0
    max_column_norm: float = 0.0
    spectral_norm: list[str] = field(default_factory=list)
    filters: int = 64
    batch_norm: str = "none"
    batch_norm_momentum: float = 0.99
    join_latent: int = 0
    input_noise: float = 0.0
    hidden_noise: float = 0.0
    ema_momentum: float = 0.0


@dataclass(frozen=True)
class EncoderConfig:
    """The encoder E: x -> z of the `bigan` family (Donahue et al. 2016; Dumoulin et al. 2016),
    an MLP built like the `mlp` generator's hidden layers (same keys, same meaning), then a
    layer of latent_dim units with the `output` activation. Only for family `bigan`.
    """

    units: list[int] = field(default_factory=lambda: [128, 128])
    activations: list[str] = field(default_factory=lambda: ["relu", "relu"])
    init_range: float = 0.0
    init_std: float = 0.0
    batch_norm: str = "none"
    batch_norm_momentum: float = 0.99
    output: str = "linear"


@dataclass(frozen=True)
class ModelConfig:
    """Which family and architecture, and the latent prior p(z).

    family: the GAN variant (`ganzoo.registry.FAMILIES`): `vanilla` (Goodfellow et al. 2014),
      `pacgan` (Lin et al. 2018: D judges packs of `pack` samples) or `conditional` (Mirza &
      Osindero 2014: G and D take each example's label; a labelled dataset and `mlp`,
      `dcgan` or `mirza2014` nets) or `acgan` (Odena et al. 2017: G takes a label drawn
      uniformly, D classifies its input through an auxiliary head; a labelled dataset and
      `mlp` or `dcgan` nets) or `bigan` (BiGAN / ALI: an encoder E [model.encoder] trains
      with G, D judges (x, E(x)) against (G(z), z); `mlp` or `donahue2016` nets) or
      `semi_supervised`
      (Salimans et al. 2016: D a K-class classifier of [data].labelled labelled and all the
      unlabelled examples, G trained by feature matching; `salimans2016` nets) or
      `inpainting` (Goodfellow et al. 2014's future-work item 3: G fills the hidden pixels of
      x given the observed ones and the mask, D judges the completion with the mask; `mlp`
      nets).
    pack: samples per pack D sees (PacGAN's m; 1 = no packing, 2-4 in the paper).
    architecture: a name in `ganzoo.registry.ARCHITECTURES`: `mlp` (the paper's fully connected
      nets), `goodfellow2014_cifar10_conv`, `dcgan` (Radford et al. 2015, arXiv 1511.06434:
      28x28, 32x32 or 64x64 images), `mirza2014` (Mirza & Osindero 2014's conditional MNIST
      nets, label branches of fixed widths; a conditional family only), `salimans2016`
      (the Improved GAN's MNIST nets: weight norm, Gaussian noise in D), `donahue2016`
      (BiGAN's official MNIST nets: no biases, batch norm without scale or offset, z added
      to the later layers of G and D, leaky ReLU in D; `ganzoo.models.donahue2016`).
    prior: `uniform` draws z from U(-prior_scale, prior_scale) (the paper's MNIST net used
      +-sqrt(3), unit variance); `normal` from N(0, prior_scale^2).
    mask, mask_fraction, mask_size: the `inpainting` family's random masks (which pixels G
      fills, `ganzoo.families.inpainting`): `random_pixels` hides each pixel with probability
      mask_fraction; `square` a mask_size x mask_size square at a random place; `half` one
      of the image's four halves (top, bottom, left, right), chosen at random. Only for family
      `inpainting`.
    """

    family: str = "vanilla"
    pack: int = 1
    architecture: str = "mlp"
    latent_dim: int = 100
    prior: str = "normal"
    prior_scale: float = 1.0
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    mask: str = "square"
    mask_fraction: float = 0.5
    mask_size: int = 14


@dataclass(frozen=True)
class LossConfig:
    """The two players' objectives (see `ganzoo.losses`) and D's penalties (`ganzoo.penalties`).

    name: the loss pair. `minimax`: D ascends log D(x) + log(1 - D(G(z))) and G descends
      log(1 - D(G(z))) (the paper's value function); `non_saturating`: the same D, G ascends
      log D(G(z)) (what the paper trained with); `least_squares` (LSGAN, a, b, c = 0, 1, 1);
      `wasserstein` (a critic: WGAN); `hinge` (Miyato et al. 2018's D, G as WGAN's).
    penalties: penalty name -> weight, added to D's loss: `gradient` is WGAN-GP's
      (lambda: 10 on images, 0.1 on the paper's toys). Empty = none.
    """

    name: str = "non_saturating"
    penalties: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class OptimizerConfig:
    """One player's optimizer settings; a key left out takes [train]'s value (TTUR: Heusel et
    al. 2017 give D and G their own learning rates).
    """

    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999


@dataclass(frozen=True)
class TrainConfig:
    """How the minimax game is played.

    batch_size: the global batch (split over replicas under a distribution strategy).
    k: discriminator steps per generator step (Algorithm 1), each on its own minibatch.
    update: `alternating` (Algorithm 1) or `simultaneous` (both gradients from one minibatch,
      applied together, as the paper's code did; needs k = 1).
    optimizer: `sgd` or `adam`, one each for D and G.
    learning_rate, beta_1, beta_2: both players' settings, unless `[train.generator]` or
      `[train.discriminator]` sets its own.
    epsilon: Adam's epsilon for both players (Keras' 1e-7; the BiGAN code's 1e-8).
    learning_rate: lr0; under SGD it decays as lr0 / lr_decay^step, floored at min_learning_rate.
    momentum / final_momentum: SGD momentum rises linearly from `momentum` at
      momentum_start_epoch to `final_momentum` at momentum_saturate_epoch.
    lr_decay_start_epoch / lr_decay_shape / final_lr_multiplier: a per-epoch schedule for
      either optimizer, as the BiGAN and Improved GAN codes train: the learning rate stays
      lr0 for the first lr_decay_start_epoch epochs, then decays each epoch until the last
      (epoch `epochs`) trains at final_lr_multiplier x lr0, `exponential`ly (lr0 x f^(i/n)
      in the i-th of the n decaying epochs, jeffdonahue/bigan's default) or `linear`ly (lr0 x
      (1 + (i - 1)/n x (f - 1)), f may be 0). 0 = off; a start at or past `epochs` never decays.
    l2_regularization: coupled L2 regularisation of every trainable variable of both players:
      l2_regularization / 2 x ||w||^2 joins each player's loss, so its gradient gains
      l2_regularization x w before the optimizer sees it (jeffdonahue/bigan's `Regularizer`,
      2.5e-5 there; not Keras' decoupled `weight_decay`, which Adam would not rescale). 0 = off.
    steps_per_epoch: 0 means one pass over the training examples (N // (batch_size * k)).
    log_every: steps between TensorBoard scalar points.
    steps_per_execution: training steps run per call into TensorFlow (Keras' own setting),
      against the per-step cost of the Python loop and the callbacks; it must divide the
      epoch's steps and log_every. The run is the same whatever it is (bit for bit). 0 = auto:
      the largest divisor of both that is at most 25.
    strategy: `auto`, `default`, `one_device`, `mirrored` or `multi_worker`.
    jit_compile: XLA-compile the per-replica loss and gradient computation (on one device the
      optimizers' updates too): true, false or
      `auto` (the default: on where it is exact and faster on this project's CPUs, that is for
      networks without random layers (dropout, Gaussian noise), whose draws XLA makes
      differently from TensorFlow's kernels and alike on every replica, and without
      convolutions, which XLA made slower here; `ganzoo.build.xla_choice`).
    precision: `float32`, `mixed_bfloat16` or `mixed_float16` (`ganzoo.precision`): the networks
      compute in that dtype on float32 weights; losses, penalties, logs and exports stay
      float32; mixed_float16 adds dynamic loss scaling.
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
    lr_decay_start_epoch: int = 0
    lr_decay_shape: str = "exponential"
    final_lr_multiplier: float = 0.01
    beta_1: float = 0.5
    beta_2: float = 0.999
    epsilon: float = 1e-7
    l2_regularization: float = 0.0
    steps_per_epoch: int = 0
    log_every: int = 50
    steps_per_execution: int = 0
    strategy: str = "auto"
    jit_compile: bool | str = "auto"
    precision: str = "float32"
    generator: OptimizerConfig = field(default_factory=OptimizerConfig)
    discriminator: OptimizerConfig = field(default_factory=OptimizerConfig)


@dataclass(frozen=True)
class EvalConfig:
    """Metrics computed during training (`ganzoo.eval.runner`; see docs/evaluation.md).

    metrics: names as `ganzoo eval --metrics` takes them (parzen, modes, jsd, fid, kid, is,
      prdc; class_accuracy and intra_fid for a conditional family; inference for bigan;
      inpainting_accuracy and inpainting_fid for inpainting); empty means the dataset's
      defaults (images: parzen; ring8, grid25: modes; gaussian1d: jsd).
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
    """A whole recipe: its name, description line, catalogue fields and sections.

    name: the recipe's name under recipes/ ("toy/ring8"); recipe files leave it out and a run's
      resolved recipe records it, so an export knows where its generator came from.
    paper: the paper the recipe follows, as `ganzoo recipes` groups by it ("Goodfellow et al.
      2014, GAN (arXiv 1406.2661)"); expected: the result that paper (or an anchor) reports,
      in a few words ("Parzen 225 ± 2 (Table 1)"). Data for the catalogue only: neither
      changes a run, and `--resume` ignores them. The header comment keeps the long form.
    """

    name: str = ""
    description: str = ""
    paper: str = ""
    expected: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)



# Allowed values of the keys that take a name, by dotted key.
CHOICES: dict[str, tuple[str, ...]] = {
    "data.name": tuple(registry.DATASETS),
    "data.source": ("auto", "local", "tfds"),
    "data.preprocess": ("unit", "symmetric", "gcn"),
    "data.labels": ("none", "subfolders"),
    "model.family": registry.FAMILIES.names(),
    "model.architecture": registry.ARCHITECTURES.names(),
    "model.prior": registry.PRIORS,
    "model.mask": ("random_pixels", "square", "half"),
    "model.generator.activations": registry.ACTIVATIONS,
    "model.generator.output": registry.ACTIVATIONS,
    "model.generator.output_bias": ("zero", "marginal"),
    "model.generator.batch_norm": ("none", "batch", "sync"),
    "model.discriminator.batch_norm": ("none", "batch", "sync"),
    "model.encoder.activations": registry.ACTIVATIONS,
    "model.encoder.output": registry.ACTIVATIONS,
    "model.encoder.batch_norm": ("none", "batch", "sync"),
    "loss.name": registry.LOSSES.names(),
    "loss.penalties": registry.PENALTIES.names(),  # the table's keys
    "train.update": ("alternating", "simultaneous"),
    "train.lr_decay_shape": ("exponential", "linear"),
    "train.optimizer": registry.OPTIMIZERS,
    "train.strategy": registry.STRATEGIES,
    "train.precision": registry.PRECISIONS,
    "train.jit_compile": ("auto",),  # or true / false
    "eval.metrics": registry.METRICS.names(),
    "eval.extractor": registry.EXTRACTORS,
}

# Numeric limits by dotted key: (lowest, highest, whether the lowest is allowed).
BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "data.gcn_scale": (0, None, False),
    "data.num_examples": (1, None, True),
    "data.std": (0, None, True),
    "data.labelled": (0, None, True),
    "model.pack": (1, None, True),
    "model.latent_dim": (1, None, True),
    "model.prior_scale": (0, None, False),
    "model.mask_fraction": (0, 1, False),
    "model.mask_size": (1, None, True),
    "model.generator.units": (1, None, True),
    "model.generator.init_range": (0, None, True),
    "model.generator.init_std": (0, None, True),
    "model.generator.batch_norm_momentum": (0, 1, False),
    "model.generator.output_init_range": (0, None, True),
    "model.generator.output_sparse_init": (0, None, True),
    "model.generator.hidden_keep": (0, 1, False),
    "model.generator.max_column_norm": (0, None, True),
    "model.generator.filters": (1, None, True),
    "model.discriminator.units": (1, None, True),
    "model.discriminator.pieces": (1, None, True),
    "model.discriminator.init_range": (0, None, True),
    "model.discriminator.init_std": (0, None, True),
    "model.discriminator.input_keep": (0, 1, False),
    "model.discriminator.hidden_keep": (0, 1, False),
    "model.discriminator.max_column_norm": (0, None, True),
    "model.discriminator.filters": (1, None, True),
    "model.discriminator.batch_norm_momentum": (0, 1, False),
    "model.discriminator.join_latent": (0, None, True),
    "model.discriminator.input_noise": (0, 1, True),
    "model.discriminator.hidden_noise": (0, 1, True),
    "model.discriminator.ema_momentum": (0, None, True),  # and < 1: rules.semi_supervised
    "model.encoder.units": (1, None, True),
    "model.encoder.init_range": (0, None, True),
    "model.encoder.init_std": (0, None, True),
    "model.encoder.batch_norm_momentum": (0, 1, False),
    "train.epochs": (1, None, True),
    "train.batch_size": (1, None, True),
    "train.seed": (0, None, True),
    "train.k": (1, None, True),
    "train.learning_rate": (0, None, False),
    "train.lr_decay": (1, None, True),
    "train.min_learning_rate": (0, None, True),
    "train.lr_decay_start_epoch": (0, None, True),
    "train.final_lr_multiplier": (0, 1, True),
    "train.momentum": (0, 1, True),
    "train.final_momentum": (0, 1, True),
    "train.momentum_start_epoch": (0, None, True),
    "train.momentum_saturate_epoch": (0, None, True),
    "train.beta_1": (0, 1, True),
    "train.beta_2": (0, 1, True),
    "train.l2_regularization": (0, None, True),
    "train.epsilon": (0, None, False),
    **{f"train.{net}.{key}": bound for net in ("generator", "discriminator")
       for key, bound in (("learning_rate", (0, None, False)), ("beta_1", (0, 1, True)),
                          ("beta_2", (0, 1, True)))},
    "loss.penalties": (0, None, True),  # each weight
    "train.steps_per_epoch": (0, None, True),
    "train.log_every": (1, None, True),
    "train.steps_per_execution": (0, None, True),
    "eval.every": (0, None, True),
    "eval.samples": (0, None, True),
}


def sections(cls) -> dict[str, dataclasses.Field]:
    """The fields of a config dataclass by name."""
    return {f.name: f for f in dataclasses.fields(cls)}


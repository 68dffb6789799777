"""Small builders shared by the core tests."""

from __future__ import annotations

import keras
import numpy as np

from ganzoo.config import DiscriminatorConfig, GeneratorConfig, ModelConfig
from ganzoo.gan import GAN
from ganzoo.models import LatentPrior
from ganzoo.registry import ARCHITECTURES

# A ring8 recipe small enough to train in seconds.
TINY_RING8 = {
    "model.generator.units": [32, 32],
    "model.generator.activations": ["relu", "relu"],
    "model.discriminator.units": [32, 32],
    "model.discriminator.pieces": 2,
    "data.num_examples": 2000,
    "train.steps_per_epoch": 10,
    "train.epochs": 2,
    "train.log_every": 5,
}

# A goodfellow2014/mnist recipe small enough to build and checkpoint in a moment.
TINY_MNIST = {
    "model.generator.units": [16],
    "model.generator.activations": ["relu"],
    "model.generator.output_bias": "zero",
    "model.discriminator.units": [8],
    "model.discriminator.pieces": 2,
}


def tiny_gan(update="alternating", k=1, learning_rate=0.05, seed=0):
    """A 2-d GAN with SGD, so every update is a plain, checkable gradient step."""
    model = ModelConfig(
        latent_dim=3,
        generator=GeneratorConfig(units=[8], activations=["relu"]),
        discriminator=DiscriminatorConfig(units=[8], pieces=2),
    )
    architecture = ARCHITECTURES.get("mlp")
    gan = GAN(
        architecture.build_generator(model, (2,), seed=seed),
        architecture.build_discriminator(model, (2,), seed=seed + 1),
        LatentPrior("normal", 3), k=k, update=update, seed=seed,
    )
    gan.compile(keras.optimizers.SGD(learning_rate), keras.optimizers.SGD(learning_rate))
    return gan


def weights(model):
    return [np.array(w) for w in model.weights]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


# The family contract (tests/test_families.py): one tiny recipe per registered family, loss,
# penalty and image architecture, all with SGD, which shows a replica-scaling error that Adam
# would hide. A case is ring8's unless it names its base recipe under "recipe"; the base's tiny
# settings (CONTRACT_BASES) then replace ring8's.
CONTRACT_BASE = {
    "data.num_examples": 512,
    "model.generator.units": [16, 16],
    "model.generator.activations": ["relu", "relu"],
    "model.discriminator.units": [16, 16],
    "model.discriminator.pieces": 2,
    "train.optimizer": "sgd",
    "train.learning_rate": 0.05,
    "train.batch_size": 16,
    "train.steps_per_epoch": 3,
    "train.epochs": 2,
    "train.log_every": 2,
}
CONTRACT_CASES = {
    "vanilla": {},
    "minimax": {"loss.name": "minimax"},
    "lsgan": {"loss.name": "least_squares"},
    "wgan_gp": {"loss.name": "wasserstein", "loss.penalties.gradient": 0.1, "train.k": 2},
    "hinge_sn": {"loss.name": "hinge", "model.discriminator.spectral_norm": ["all"]},
    # With the PacGAN recipes' batch norm in G, synchronised so that replicas equal one device.
    "pacgan": {"model.family": "pacgan", "model.pack": 2, "model.generator.batch_norm": "sync"},
    # On the ring, an example's label is its mixture mode.
    "conditional": {"model.family": "conditional"},
    # DCGAN's conv nets with batch norm in G and D, synchronised: replicas equal one device.
    "dcgan": {"recipe": "dcgan2015/mnist"},
    # AC-GAN's recipe: DCGAN nets, D's class head, fake classes from their own noise stream.
    "acgan": {"recipe": "acgan2017/mnist"},
    # Mirza & Osindero's conditional MNIST nets (label branches, the paper's dropout in G and D).
    "mirza2014": {"recipe": "mirza2014/mnist"},
    # BiGAN / ALI: an encoder with synchronised batch norm trains with G; z joins D's 2nd layer.
    "bigan": {"model.family": "bigan", "model.encoder.units": [16, 16],
              "model.encoder.activations": ["relu", "relu"], "model.encoder.batch_norm": "sync",
              "model.discriminator.join_latent": 1},
    # BiGAN's recipe: the official code's nets (donahue2016: bias-free, standardising batch
    # norm, synchronised; z added to the later layers) and its coupled L2 regularisation.
    "bigan_donahue2016": {"recipe": "bigan2016/mnist"},
    # The Improved GAN's recipe: weight norm and Gaussian noise in D (K class logits and its
    # features), feature matching for G, a labelled minibatch beside the unlabelled one.
    "semi_supervised": {"recipe": "salimans2016/mnist_100"},
    # Inpainting: a mask per example from its own stream, G composites, D sees image + mask.
    "inpainting": {"recipe": "inpainting/mnist"},
}
# The dcgan case with per-replica batch norm: 2 replicas must then differ from one device.
PER_REPLICA_CASES = {"dcgan_per_replica_bn": ("dcgan", {"model.generator.batch_norm": "batch",
                                                        "model.discriminator.batch_norm": "batch"})}
TRAINING_KEYS = ("train.optimizer", "train.learning_rate", "train.batch_size",
                 "train.steps_per_epoch", "train.epochs", "train.log_every")
CONTRACT_BASES = {
    "toy/ring8": CONTRACT_BASE,
    # 1,024 training images (Parzen still has its validation split), 4 and 8 channels.
    "dcgan2015/mnist": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                        "data.train": [0, 1024], "model.latent_dim": 8,
                        "model.generator.filters": 4, "model.discriminator.filters": 4},
    # The same, without the recipe's evaluation during training (it needs a trained classifier).
    "acgan2017/mnist": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                        "data.train": [0, 1024], "model.latent_dim": 8,
                        "model.generator.filters": 4, "model.discriminator.filters": 4,
                        "eval.every": 0},
    "mirza2014/mnist": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                        "data.train": [0, 1024], "model.latent_dim": 8, "eval.every": 0},
    # 16 units a layer; the L2 weight made large enough to show in 2 epochs; SGD, so Adam's
    # epsilon back at its default (an SGD recipe may not set it).
    "bigan2016/mnist": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                        "train.epsilon": 1e-7,
                        "data.train": [0, 1024], "model.latent_dim": 8,
                        "model.generator.units": [16, 16], "model.encoder.units": [16, 16],
                        "model.discriminator.units": [16, 16], "train.l2_regularization": 0.01,
                        "train.lr_decay_start_epoch": 1, "eval.every": 0},
    # 20 of the 1,024 training images labelled (2 a class); Parzen's validation split.
    "salimans2016/mnist_100": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                               "data.train": [0, 1024], "data.validation": [50000, 60000],
                               "data.labelled": 20, "model.latent_dim": 8,
                               "model.generator.units": [16, 16],
                               "model.discriminator.units": [16, 16], "eval.every": 0},
    # MLP nets of 16 units; random 14x14 squares as the recipe's. No evaluation during
    # training: its metrics need a trained classifier (~/.ganzoo), which a fresh machine lacks.
    "inpainting/mnist": {**{key: CONTRACT_BASE[key] for key in TRAINING_KEYS},
                         "data.train": [0, 1024], "model.latent_dim": 8,
                         "model.generator.units": [16, 16],
                         "model.discriminator.units": [16, 16], "eval.every": 0},
}


def contract_recipe(case, **extra):
    import ganzoo

    overrides = dict(CONTRACT_CASES[case])
    base = overrides.pop("recipe", "toy/ring8")
    return ganzoo.load_recipe(base, overrides={**CONTRACT_BASES[base], **overrides, **extra})


def check_sample_takes_label(run, tmp_path, label=3):
    """`ganzoo sample RUN --label L` of a conditional run gives the generator's samples of seeds
    2..7 with that label, and another label changes them. Returns (z, the samples)."""
    import tensorflow as tf

    from ganzoo import cli
    from ganzoo.build import load_gan

    assert cli.main(["sample", str(run), "--n", "6", "--seed", "2", "--label", str(label),
                     "--out", str(tmp_path / "s.npy")]) == 0
    gan = load_gan(run)[0]
    z = gan.prior.sample_per_seed(tf.range(2, 8, dtype=tf.int64)).numpy()
    expected = gan.generator.predict({"z": z, "label": np.full(6, label, np.int64)}, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), expected, rtol=1e-6, atol=1e-6)
    other = gan.generator.predict({"z": z, "label": np.full(6, label + 1, np.int64)}, verbose=0)
    assert not np.allclose(expected, other)  # the label changes the sample
    return z, expected


def docs_script(name):
    """docs/<name>.py (a table driver, not a package module) loaded as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

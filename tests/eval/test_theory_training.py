"""Proposition 1 and Theorem 1 of Goodfellow et al. 2014 (arXiv 1406.2661), by training.

ganzoo's own discriminator step (GAN.update_players: its loss, its maxout MLP, Adam) is run
against a fixed 1-D generator. Proposition 1: the trained D approaches
D*(x) = p_data(x) / (p_data(x) + p_g(x)). Theorem 1: the value it then reaches, V(G, D), is the
virtual training criterion C(G) = -log 4 + 2 JSD(p_data || p_g), which is -log 4 exactly when
p_g = p_data. A discriminator loss with a sign or a label swapped learns 1 - D* or a constant
and misses these tolerances by a wide margin (checked below against 1 - D*).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.config import DiscriminatorConfig, ModelConfig
from ganzoo.eval import theory
from ganzoo.gan import GAN
from ganzoo.models import LatentPrior
from ganzoo.registry import ARCHITECTURES

DATA_MEAN, DATA_STD = 1.0, 0.5  # p_data = N(1, 0.5^2), the gaussian1d recipe's data
# Where both densities exceed ~0.05 when p_g = N(0, 1): the ratio is learnable there.
GRID = np.linspace(-0.1, 2.0, 43)
STEPS, BATCH = 200, 1024


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def fixed_generator(scale, shift):
    """G(z) = shift + scale * z with z ~ N(0, 1): p_g = N(shift, scale^2); nothing to train."""
    z = keras.Input((1,))
    out = keras.layers.Dense(1, trainable=False, name="affine",
                             kernel_initializer=keras.initializers.Constant(scale),
                             bias_initializer=keras.initializers.Constant(shift))(z)
    return keras.Model(z, out)


def trained_discriminator(scale, shift, seed=0):
    """D trained by GAN.update_players for STEPS steps against the fixed generator."""
    model = ModelConfig(latent_dim=1, discriminator=DiscriminatorConfig(units=[32, 32], pieces=2))
    discriminator = ARCHITECTURES.get("mlp").build_discriminator(model, (1,), seed=seed)
    gan = GAN(fixed_generator(scale, shift), discriminator, LatentPrior("normal", 1), seed=seed)
    gan.compile(keras.optimizers.Adam(3e-3), keras.optimizers.Adam(3e-3))

    @tf.function
    def train():
        for step in tf.range(STEPS, dtype=tf.int64):
            real = DATA_MEAN + DATA_STD * tf.random.stateless_normal(
                [BATCH, 1], tf.stack([tf.constant(seed + 1000, tf.int64), step]))
            gan.update_players(("discriminator",), {"x": real},
                               tf.stack([tf.constant(seed, tf.int64), step]))

    train()
    return lambda x: tf.sigmoid(discriminator(np.reshape(x, (-1, 1)).astype(np.float32))).numpy().ravel()


def value_function(d, scale, shift, n=100_000):
    """V(G, D) = E_pdata[log D(x)] + E_pg[log(1 - D(G(z)))] on fresh samples."""
    rng = np.random.default_rng(123)
    real = DATA_MEAN + DATA_STD * rng.standard_normal(n)
    fake = shift + scale * rng.standard_normal(n)
    return float(np.mean(np.log(d(real))) + np.mean(np.log1p(-d(fake))))


def criterion(scale, shift):
    """C(G) by quadrature (theory.py), for p_data and p_g = N(shift, scale^2)."""
    grid = np.linspace(-12.0, 14.0, 52001)
    return theory.virtual_training_criterion(normal_pdf(grid, DATA_MEAN, DATA_STD),
                                             normal_pdf(grid, shift, scale), grid)


@pytest.fixture(scope="module")
def d_against_standard_normal():
    return trained_discriminator(scale=1.0, shift=0.0)


def test_proposition_1_trained_d_approaches_the_optimal_discriminator(d_against_standard_normal):
    optimal = theory.optimal_discriminator(normal_pdf(GRID, DATA_MEAN, DATA_STD),
                                           normal_pdf(GRID, 0.0, 1.0))
    learned = d_against_standard_normal(GRID)
    assert np.mean(np.abs(learned - optimal)) < 0.05
    assert np.max(np.abs(learned - optimal)) < 0.12
    # The swapped target p_g / (p_data + p_g) is far from what was learned.
    assert np.mean(np.abs(learned - (1.0 - optimal))) > 0.25


def test_theorem_1_trained_d_reaches_the_criterion(d_against_standard_normal):
    c_of_g = criterion(1.0, 0.0)
    assert c_of_g > -np.log(4) + 0.1  # p_g != p_data: strictly above the global minimum
    value = value_function(d_against_standard_normal, 1.0, 0.0)
    # C(G) is the maximum over D: a trained D gets close to it and not above (beyond sampling
    # noise of ~0.004 at 100,000 samples).
    assert c_of_g - 0.03 < value < c_of_g + 0.01


def test_theorem_1_at_p_g_equal_p_data_the_criterion_is_minus_log_4():
    assert criterion(DATA_STD, DATA_MEAN) == pytest.approx(-np.log(4), abs=1e-9)
    d = trained_discriminator(scale=DATA_STD, shift=DATA_MEAN, seed=1)
    assert np.max(np.abs(d(GRID) - 0.5)) < 0.05  # D* = 1/2 everywhere
    assert value_function(d, DATA_STD, DATA_MEAN) == pytest.approx(-np.log(4), abs=0.01)

"""The per-epoch learning-rate decay ([train].lr_decay_start_epoch): its values epoch by epoch,
each player counting its own updates, a training that follows it, and the one-line refusals."""

import math

import numpy as np
import pytest

import ganzoo
from ganzoo.build import build_gan
from ganzoo.errors import RecipeError
from ganzoo.optimizers import EpochDecay
from ganzoo.training import dataset
from tests.helpers import TINY_RING8


def test_exponential_and_linear_decay_epoch_by_epoch():
    # 10 updates an epoch, constant for epochs 0-1, then epochs 2 and 3 decay (n = 2).
    # Exponential to 0.01: epoch 2 at 0.01^(1/2) = 0.1, epoch 3 (the last) at 0.01.
    exponential = EpochDecay(1.0, 10, start=2, epochs=4, final=0.01)
    values = [float(exponential(step)) for step in (0, 19, 20, 29, 30, 39)]
    np.testing.assert_allclose(values, [1, 1, 0.1, 0.1, 0.01, 0.01], rtol=1e-5)
    # Linear to 0: epoch 2 still at lr0 (i = 1), epoch 3 at 1 - 1/2 = 0.5, never 0 in training.
    linear = EpochDecay(1.0, 10, start=2, epochs=4, final=0.0, shape="linear")
    values = [float(linear(step)) for step in (0, 20, 30, 39)]
    np.testing.assert_allclose(values, [1, 1, 0.5, 0.5], rtol=1e-6)
    again = EpochDecay(**exponential.get_config())
    assert float(again(30)) == pytest.approx(0.01, rel=1e-5)
    # BiGAN's 200 + 200 epochs: epoch 300 is 100 epochs into the decay, 0.01^(101/200).
    bigan = EpochDecay(2e-4, 390, start=200, epochs=400, final=0.01)
    assert float(bigan(300 * 390)) == pytest.approx(2e-4 * math.exp(101 / 200 * math.log(0.01)),
                                                    rel=1e-5)


def recipe(**extra):
    return ganzoo.load_recipe("toy/ring8", overrides={
        **TINY_RING8, "train.epochs": 4, "train.lr_decay_start_epoch": 2, **extra})


def test_each_player_counts_its_own_updates_and_training_follows_the_schedule():
    r = recipe(**{"train.k": 2, "train.learning_rate": 1e-3})
    gan = build_gan(r)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-3)
    gan.fit(dataset(r), epochs=3, steps_per_epoch=10, verbose=0)  # into the third epoch's end
    # After 30 steps G made 30 updates and D 60: both are in epoch 3 (from 0), the last.
    assert int(gan.g_optimizer.iterations) == 30 and int(gan.d_optimizer.iterations) == 60
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(1e-5, rel=1e-4)


@pytest.mark.parametrize("overrides, expected", [
    ({"train.final_lr_multiplier": 0.0},
     "[train].final_lr_multiplier = 0 cannot be reached by an exponential decay"),
    ({"train.lr_decay_shape": "cosine"},
     "[train].lr_decay_shape = 'cosine' is not allowed; choose from: exponential, linear"),
    ({"train.final_lr_multiplier": 1.5},
     "[train].final_lr_multiplier = 1.5 is impossible; it must be >= 0 and <= 1"),
    ({"train.optimizer": "sgd", "train.lr_decay": 1.00001},
     "are two schedules for one learning rate; choose one"),
])
def test_bad_schedules_are_one_line_errors(overrides, expected):
    with pytest.raises(RecipeError) as error:
        recipe(**overrides)
    assert expected in str(error.value) and "\n" not in str(error.value)

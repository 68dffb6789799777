"""Training runs end to end: checkpoints, exact resume, divergence, TensorBoard event files."""

import json

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import ganzoo
from ganzoo import runs
from ganzoo.build import build_gan
from ganzoo.eval.modes import ring8_modes
from ganzoo.training import dataset
from tests.helpers import TINY_RING8


def tiny_ring8(**overrides):
    return ganzoo.load_recipe("toy/ring8", overrides={**TINY_RING8, **overrides})


def all_weights(run_dir):
    gan, _, _ = ganzoo.build.load_gan(run_dir)
    return [np.array(v) for v in gan.weights] + [
        np.array(v) for v in gan.d_optimizer.variables + gan.g_optimizer.variables]


def test_checkpoint_every_epoch_with_its_step(tmp_path):
    ganzoo.train(tiny_ring8(), tmp_path / "run", verbose=0)
    found = runs.all_checkpoints(tmp_path / "run")
    assert [c.epoch for c in found] == [1, 2]
    assert [c.step for c in found] == [10, 20]
    assert not list((tmp_path / "run" / "checkpoints").glob(".partial-*"))


def test_resume_equals_an_uninterrupted_run(tmp_path):
    # Dropout in D exercises the saved random-generator state too.
    overrides = {"train.epochs": 3, "model.discriminator.hidden_keep": 0.5}
    ganzoo.train(tiny_ring8(**overrides), tmp_path / "straight", verbose=0)
    ganzoo.train(tiny_ring8(**{**overrides, "train.epochs": 1}), tmp_path / "resumed", verbose=0)
    ganzoo.train(tiny_ring8(**overrides), tmp_path / "resumed", resume=True, verbose=0)
    straight, resumed = all_weights(tmp_path / "straight"), all_weights(tmp_path / "resumed")
    assert len(straight) == len(resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a, b)


def test_steps_per_execution_leaves_the_run_unchanged(tmp_path):
    # Auto chooses 5 here (the largest divisor of 10 steps an epoch and log_every 5); the
    # resumed half runs one step per execution: every variant ends at the same bits.
    assert build_gan(tiny_ring8()).steps_per_execution == 5
    ganzoo.train(tiny_ring8(), tmp_path / "auto", verbose=0)
    ganzoo.train(tiny_ring8(**{"train.steps_per_execution": 1}), tmp_path / "one", verbose=0)
    ganzoo.train(tiny_ring8(**{"train.epochs": 1, "train.steps_per_execution": 5}),
                 tmp_path / "mixed", verbose=0)
    ganzoo.train(tiny_ring8(**{"train.steps_per_execution": 1}), tmp_path / "mixed",
                 resume=True, verbose=0)
    auto = all_weights(tmp_path / "auto")
    for other in ("one", "mixed"):
        for a, b in zip(auto, all_weights(tmp_path / other)):
            np.testing.assert_array_equal(a, b)
    assert [c.step for c in runs.all_checkpoints(tmp_path / "auto")] == [10, 20]


def test_steps_per_execution_must_divide_the_epoch(tmp_path):
    with pytest.raises(ganzoo.RecipeError, match=r"steps_per_execution = 4 must divide the "
                                                 r"epoch's 10 steps and log_every = 5"):
        build_gan(tiny_ring8(**{"train.steps_per_execution": 4}))


def test_resume_refuses_a_changed_recipe(tmp_path):
    ganzoo.train(tiny_ring8(**{"train.epochs": 1}), tmp_path / "run", verbose=0)
    with pytest.raises(ganzoo.RunError, match="may change only train.epochs"):
        ganzoo.train(tiny_ring8(**{"train.learning_rate": 0.5}), tmp_path / "run", resume=True)


@pytest.mark.parametrize("name, xla", [
    ("toy/ring8", True),                # MLPs without random layers
    ("goodfellow2014/mnist", False),    # dropout in D
    ("mirza2014/mnist", False),         # dropout in G and D
    ("salimans2016/mnist_100", False),  # Gaussian noise in D
    ("dcgan2015/mnist", False),         # convolutions
    ("bigan2016/mnist", None),          # whatever its nets hold: the two readings must agree
])
def test_auto_xla_is_off_for_random_and_convolutional_layers(name, xla):
    recipe = ganzoo.load_recipe(name, overrides={"train.jit_compile": "auto"})
    gan = build_gan(recipe, with_data=False)
    if xla is not None:
        assert gan.xla is xla
    # The resume check reads random layers from the recipe (without TensorFlow): it must agree
    # with the layers `auto` found in the built networks, for the nets without convolutions.
    if name != "dcgan2015/mnist":
        assert runs.has_random_layers(recipe.config.model) is (not gan.xla)
    assert build_gan(ganzoo.load_recipe(name, overrides={"train.jit_compile": True}),
                     with_data=False).xla


def test_xla_updates_end_where_graph_updates_do(tmp_path):
    # On one device jit_compile runs Adam's updates inside the step's XLA program (`learn_xla`);
    # XLA fuses Adam's elementwise passes, which may round a few weights in the last bit
    # (measured: under 1% of weights, at most 4e-9 apart after one update).
    traced = []
    ends = {}
    for jit in (False, True):
        recipe = tiny_ring8(**{"train.jit_compile": jit})
        gan = build_gan(recipe)
        compiled = gan.learn_xla if jit else None
        if jit:
            gan.learn_xla = lambda *args: traced.append(args[2]) or compiled(*args)
        start = [np.array(v) for v in gan.weights]
        gan.fit(dataset(recipe), epochs=1, steps_per_epoch=10, verbose=0)
        ends[jit] = [np.array(v) for v in gan.weights]
    assert ("discriminator",) in traced and ("generator",) in traced  # both players' updates
    moved = max(np.abs(a - b).max() for a, b in zip(ends[False], start))
    assert moved > 1e-3
    for graph, xla in zip(ends[False], ends[True]):
        np.testing.assert_allclose(xla, graph, atol=1e-5, rtol=1e-4)


def test_resume_may_switch_xla_only_without_dropout(tmp_path):
    ganzoo.train(tiny_ring8(**{"train.epochs": 1}), tmp_path / "plain", verbose=0)
    ganzoo.train(tiny_ring8(**{"train.epochs": 2, "train.jit_compile": True}),
                 tmp_path / "plain", resume=True, verbose=0)
    dropout = {"model.discriminator.hidden_keep": 0.5}
    ganzoo.train(tiny_ring8(**{**dropout, "train.epochs": 1}), tmp_path / "dropout", verbose=0)
    with pytest.raises(ganzoo.RunError, match="without dropout or noise layers, train.jit_compile"):
        ganzoo.train(tiny_ring8(**{**dropout, "train.epochs": 2, "train.jit_compile": True}),
                     tmp_path / "dropout", resume=True, verbose=0)


def test_training_into_a_finished_run_needs_resume(tmp_path):
    ganzoo.train(tiny_ring8(**{"train.epochs": 1}), tmp_path / "run", verbose=0)
    with pytest.raises(ganzoo.RunError, match="pass --resume"):
        ganzoo.train(tiny_ring8(**{"train.epochs": 1}), tmp_path / "run", verbose=0)


def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    run = tmp_path / "run"
    ganzoo.train(tiny_ring8(**{"train.epochs": 1}), run, verbose=0)
    good = runs.latest(run)
    good_bytes = good.weights.read_bytes()
    recipe = tiny_ring8(**{"train.epochs": 3})
    monkeypatch.setattr(ganzoo.training, "dataset", lambda recipe, start_step=0:
                        tf.data.Dataset.from_tensors(({"x": tf.fill([100, 2], float("nan"))},))
                        .repeat())
    with pytest.raises(ganzoo.TrainingDiverged) as error:
        ganzoo.train(recipe, run, resume=True, verbose=0)
    assert "d_loss became nan" in str(error.value)
    assert str(good.weights) in str(error.value)
    assert runs.latest(run) == good
    assert good.weights.read_bytes() == good_bytes


def test_event_files_hold_scalars_hparams_and_pictures(tmp_path):
    ganzoo.train(tiny_ring8(), tmp_path / "run", verbose=0)
    events = event_accumulator.EventAccumulator(str(tmp_path / "run" / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    tags = set(events.Tags()["tensors"])
    assert {"d_loss", "g_loss", "d_real", "d_fake", "learning_rate", "momentum", "samples",
            "_hparams_/session_start_info"} <= tags
    steps = [e.step for e in events.Tensors("d_loss")]
    assert steps[0] == 5 and steps[-1] == 20  # every log_every = 5 steps, and each epoch's end
    picture = tf.io.decode_png(tf.make_ndarray(events.Tensors("samples")[-1].tensor_proto)[2])
    assert picture.shape[-1] == 3 and picture.shape[0] > 100


def test_image_runs_log_figure2_and_interpolations(tmp_path, real_data_dir, monkeypatch):
    monkeypatch.setenv("GANZOO_DATA_DIR", str(real_data_dir("mnist")))
    recipe = ganzoo.load_recipe("goodfellow2014/mnist", overrides={
        "train.epochs": 1, "train.steps_per_epoch": 3, "model.generator.units": [32, 32],
        "model.discriminator.units": [16, 16]})
    ganzoo.train(recipe, tmp_path / "run", verbose=0)
    events = event_accumulator.EventAccumulator(str(tmp_path / "run" / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    grid = tf.io.decode_png(tf.make_ndarray(events.Tensors("samples")[-1].tensor_proto)[2])
    # 8 rows of 7 samples + 1 nearest neighbour, 28 px tiles with 1 px gaps.
    assert grid.shape == (8 * 29 + 1, 8 * 29 + 1, 3)
    strip = tf.io.decode_png(tf.make_ndarray(events.Tensors("interpolation")[-1].tensor_proto)[2])
    assert strip.shape == (4 * 29 + 1, 10 * 29 + 1, 3)


def test_ring8_training_moves_samples_toward_the_modes(tmp_path):
    centres, _ = ring8_modes()
    recipe = ganzoo.load_recipe("toy/ring8", overrides={
        "train.epochs": 1, "train.steps_per_epoch": 400, "train.learning_rate": 1e-3,
        "model.generator.units": [64, 64], "model.generator.activations": ["relu", "relu"],
        "model.discriminator.units": [64, 64], "data.num_examples": 10000})
    gan = build_gan(recipe)
    z = gan.prior.sample(1000, np.array([9, 9]))

    def distance_to_nearest_mode():
        points = gan.generator(z).numpy()
        return np.linalg.norm(points[:, None] - centres[None], axis=-1).min(axis=1).mean()

    before = distance_to_nearest_mode()
    gan.fit(dataset(recipe), epochs=1, verbose=0)
    after = distance_to_nearest_mode()
    assert after < 0.5 * before, (before, after)
    assert after < 0.25

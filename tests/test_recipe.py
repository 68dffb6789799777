"""Recipes: every shipped file loads and builds; bad input gets a one-line error naming the
file, the key and the allowed values."""

import textwrap

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.build import build_gan
from ganzoo.recipe import RECIPES_DIR, dump_toml, load_recipe, recipe_names
from ganzoo.training import callbacks, dataset

GOOD = """
description = "a test recipe"
[data]
name = "ring8"
[train]
epochs = 2
batch_size = 10
seed = 3
"""


def write(tmp_path, text, name="r.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_every_shipped_recipe_starts_with_its_provenance_comment():
    names = recipe_names()
    assert {"toy/ring8", "toy/grid25", "goodfellow2014/mnist", "goodfellow2014/tfd",
            "goodfellow2014/cifar10_fc", "goodfellow2014/cifar10_conv",
            "goodfellow2014/figure1_1d", "goodfellow2014/tfd_stage2"} <= set(names)
    for name in names:
        text = (RECIPES_DIR / f"{name}.toml").read_text()
        assert text.startswith("#"), name
        for word in ("Command:", "Expected:", "Cost on a 2-core CPU"):
            assert word in text, f"{name} lacks '{word}'"


@pytest.mark.parametrize("name", recipe_names())
def test_every_recipe_loads_and_builds(name, tmp_path):
    recipe = load_recipe(name)
    if recipe.model.generator.stack_on:  # a stage 2: stack on a small untrained stage 1
        from ganzoo import runs

        below = load_recipe("goodfellow2014/tfd", overrides={
            "model.generator.units": [8, 8], "model.generator.output_sparse_init": 4})
        runs.save(build_gan(below, with_data=False), tmp_path, epoch=1, step=0,
                  steps_per_epoch=1)
        (tmp_path / "recipe.toml").write_text(below.to_toml())
        recipe = load_recipe(name, overrides={"model.generator.stack_on": str(tmp_path)})
    assert recipe.config.description
    assert recipe.train.epochs >= 1 and recipe.train.batch_size >= 1
    gan = build_gan(recipe, with_data=False)
    z = gan.prior.sample(12, np.array([0, 0])).numpy()
    samples = gan.generator(gan.inference_inputs(z))  # z, or z and labels (conditional)
    assert tuple(samples.shape) == (12,) + recipe.data_shape
    # What D is shown: 12 samples, or 12 / m packs of them (PacGAN), or (x, E(x)) pairs
    # (BiGAN: `infer` adds what the family infers from x); its real/fake output.
    batch = gan.infer({"x": samples, "label": tf.zeros([12], tf.int64)})
    logits = gan.discriminator_fn(gan.discriminator_inputs(batch))
    assert tuple(logits.shape) == (12 // recipe.model.pack, 1)


def test_resolved_recipe_round_trips(tmp_path):
    recipe = load_recipe("goodfellow2014/mnist")
    path = write(tmp_path, dump_toml(recipe.config))
    assert load_recipe(path).config == recipe.config


def test_overrides_are_typed_like_the_file():
    recipe = load_recipe("toy/ring8", overrides={"train.epochs": "3", "train.learning_rate": "1e-3",
                                                 "model.generator.units": "[8, 8]",
                                                 "model.generator.activations": '["relu", "tanh"]',
                                                 "loss.name": "minimax"})
    assert recipe.train.epochs == 3
    assert recipe.train.learning_rate == 1e-3
    assert recipe.model.generator.units == [8, 8]
    assert recipe.loss.name == "minimax"
    assert load_recipe("toy/ring8", overrides={"train.epochs": 5}).train.epochs == 5


@pytest.mark.parametrize("text, expected", [
    ("[data]\nname = 'ring8'\n[train]\nepochz = 3\n", "unknown key 'epochz' in [train]; allowed: epochs,"),
    ("[data]\nname = 'rng8'\n", "[data].name = 'rng8' is not allowed; choose from: ring8, grid25"),
    ("[data]\nname = 'ring8'\n[loss]\ngenerator = 'hinje'\n", "choose from: minimax, non_saturating"),
    ("[data]\nname = 'ring8'\n[train]\nbatch_size = 0\n", "[train].batch_size = 0 is impossible; it must be >= 1"),
    ("[data]\nname = 'ring8'\n[train]\nk = 0\n", "[train].k = 0 is impossible"),
    ("[data]\nname = 'ring8'\n[train]\nepochs = '3'\n", "[train].epochs must be int, not '3'"),
    ("[data]\nname = 'ring8'\n[train]\nepochs = true\n", "[train].epochs must be int, not True"),
    ("[data]\nname = 'ring8'\n[train]\nlearning_rate = -1.0\n", "[train].learning_rate = -1.0 is impossible; it must be > 0"),
    ("[data]\nname = 'ring8'\n[model.discriminator]\ninput_keep = 1.5\n", "input_keep = 1.5 is impossible"),
    ("[data]\nname = 'ring8'\n[train]\nupdate = 'simultaneous'\nk = 2\n", "[train].k must be 1, not 2"),
    ("[data]\nname = 'ring8'\n[model.generator]\nunits = [8, 8]\nactivations = ['relu']\n", "activations needs one entry per layer"),
    ("[data]\nname = 'ring8'\n[model.generator]\nunits = 8\n", "units must be a list of int"),
    ("[data]\nname = 'ring8'\ntrain = [5, 2]\n", "[data].train must be [start, stop]"),
    ("", "[data].name is missing"),
    ("[data]\nname = 'ring8'\n[loss.penalties]\ngradient = -0.5\n",
     "[loss.penalties].gradient = -0.5 is impossible; it must be >= 0"),
    ("[data]\nname = 'ring8'\n[model]\nfamily = 'pacgan'\n", "[model].family = 'pacgan' needs [model].pack >= 2 (PacGAN's m), not 1"),
    ("[data]\nname = 'ring8'\n[model.generator]\ninit_range = 0.1\ninit_std = 0.02\n",
     "sets both init_range and init_std"),
    ("[data]\nname = 'ring8'\n[model.generator]\nbatch_norm = 'synced'\n",
     "choose from: none, batch, sync"),
    ("extra = 1\n", "unknown key 'extra' in the top level"),
    ("[data\nname = 'x'\n", "not valid TOML"),
    ("data = 3\n", "[data] must be a table"),
    ("[data]\nname = 'ring8'\n[train]\njit_compile = 'yes'\n",
     "[train].jit_compile must be true, false or 'auto', not 'yes'"),
    ("[data]\nname = 'ring8'\n[train]\njit_compile = 1\n",
     "[train].jit_compile must be true, false or 'auto', not 1"),
])
def test_bad_recipes_are_rejected_with_a_one_line_message(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ganzoo.RecipeError) as error:
        load_recipe(path)
    message = str(error.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


@pytest.mark.parametrize("key, value, expected", [
    ("train.epoch", "3", "--set train.epoch=3: unknown key 'train.epoch'; allowed here: train.epochs,"),
    ("train.epochs", "three", "[train].epochs must be int, not 'three'"),
    ("train.epochs", "0", "[train].epochs = 0 is impossible"),
    ("train", "3", "'train' is a section"),
    ("loss.name", "hinje", "choose from: minimax, non_saturating, least_squares, wasserstein, hinge"),
    ("train.jit_compile", "on", "[train].jit_compile must be true, false or 'auto', not 'on'"),
])
def test_bad_overrides_are_rejected(key, value, expected):
    with pytest.raises(ganzoo.RecipeError, match=None) as error:
        load_recipe("toy/ring8", overrides={key: value})
    assert expected in str(error.value)
    assert "--set" in str(error.value)


@pytest.mark.parametrize("text, value", [("auto", "auto"), ("true", True), ("false", False),
                                         ('"auto"', "auto")])
def test_jit_compile_is_a_switch_or_auto(text, value):
    assert load_recipe("toy/ring8", overrides={"train.jit_compile": text}).train.jit_compile == value
    assert load_recipe("toy/ring8").train.jit_compile in ("auto", True)  # the default, or the recipe's


@pytest.mark.parametrize("overrides, expected", [
    ({"model.generator.output_sparse_init": 2000},
     "[model.generator].output_sparse_init = 2000 is impossible; it must be <= the last hidden "
     "layer's units (1200)"),
    ({"model.architecture": "goodfellow2014_cifar10_conv", "model.generator.units": [8000],
      "model.generator.activations": ["relu"], "model.generator.output_sparse_init": 10},
     "output_sparse_init applies to the 'mlp' architecture only"),
])
def test_sparse_output_init_needs_an_mlp_with_enough_inputs(overrides, expected):
    with pytest.raises(ganzoo.RecipeError) as error:
        load_recipe("goodfellow2014/mnist", overrides=overrides)
    assert "mnist.toml: " in str(error.value) and expected in str(error.value)


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(ganzoo.RecipeError) as error:
        load_recipe("toy/ring9")
    assert "toy/ring9: no such recipe file" in str(error.value)
    assert "toy/ring8" in str(error.value)


def test_python_api_trains_a_recipe(tmp_path):
    from tests.helpers import TINY_RING8

    recipe = ganzoo.load_recipe("toy/ring8", overrides={**TINY_RING8, "train.epochs": 1})
    gan = build_gan(recipe)
    history = gan.fit(dataset(recipe), epochs=recipe.train.epochs,
                      callbacks=callbacks(recipe, tmp_path / "run"), verbose=0)
    assert len(history.history["d_loss"]) == 1
    assert (tmp_path / "run" / "recipe.toml").read_text() == recipe.to_toml()
    generator = ganzoo.load_generator(tmp_path / "run")
    z = gan.prior.sample(5, np.array([1, 2]))
    np.testing.assert_allclose(generator(z), gan.generator(z), rtol=1e-6)

"""Greedy generator stages (`[model.generator].stack_on`, the paper's TFD stage 2): a new
recipe's hidden layers under a trained run's whole generator, trained on from its weights."""

from __future__ import annotations

import numpy as np
import pytest

import ganzoo
from ganzoo import cli, export
from ganzoo.build import load_gan
from ganzoo.build import build_gan
from tests.helpers import TINY_RING8

STAGE_1 = {**TINY_RING8, "model.latent_dim": 4, "train.epochs": 1, "train.steps_per_epoch": 4}


def stage_2(stage_1, **extra):
    return {**TINY_RING8, "model.generator.units": [16, 4],
            "model.generator.activations": ["relu", "sigmoid"],
            "model.generator.hidden_bias": [0.0, -2.0], "model.generator.stack_on": str(stage_1),
            "train.epochs": 1, "train.steps_per_epoch": 4, **extra}


@pytest.fixture(scope="module")
def stage_1(tmp_path_factory):
    run = tmp_path_factory.mktemp("stages") / "stage1"
    ganzoo.train(ganzoo.load_recipe("toy/ring8", overrides=STAGE_1), run, verbose=0)
    return run


def test_stage_2_starts_from_the_stage_1_generator_and_trains_all_of_it(stage_1, tmp_path,
                                                                         monkeypatch):
    lower, _, _ = load_gan(stage_1)
    trained = lower.generator.get_weights()
    monkeypatch.chdir(stage_1.parent)  # a relative stack_on, as the recipe's default is
    recipe = ganzoo.load_recipe("toy/ring8", overrides=stage_2("stage1"))
    gan = build_gan(recipe)
    stacked = gan.generator.get_layer("stacked")
    for got, want in zip(stacked.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(got, want)
    # z -> 16 relu -> 4 sigmoid (bias -2) -> the stage-1 generator.
    assert gan.generator.get_layer("hidden_1").bias.numpy().tolist() == [-2.0] * 4
    z = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    below = gan.generator.get_layer("hidden_1")
    feed = gan.generator.get_layer("hidden_0")(z)
    np.testing.assert_allclose(gan.generator.predict(z, verbose=0),
                               lower.generator.predict(below(feed).numpy(), verbose=0), rtol=1e-5)

    ganzoo.train(recipe, tmp_path / "stage2", verbose=0)
    saved = (tmp_path / "stage2" / "recipe.toml").read_text()
    assert f'stack_on = "{stage_1}"' in saved  # absolute: the run loads from anywhere
    later, _, _ = load_gan(tmp_path / "stage2")
    moved = [np.abs(a - b).max() for a, b in zip(later.generator.get_layer("stacked")
                                                 .get_weights(), trained)]
    assert max(moved) > 1e-4  # the stage-1 layers train on too


def test_a_stage_2_run_resumes_exports_and_evaluates(stage_1, tmp_path, capsys):
    recipe = ganzoo.load_recipe("toy/ring8", overrides=stage_2(stage_1, **{"train.epochs": 2}))
    ganzoo.train(recipe, tmp_path / "whole", verbose=0)
    once = ganzoo.load_recipe("toy/ring8", overrides=stage_2(stage_1))
    ganzoo.train(once, tmp_path / "resumed", verbose=0)
    assert cli.main(["train", str(tmp_path / "resumed"), "--resume",
                     "--set", "train.epochs=2"]) == 0
    whole, _, _ = load_gan(tmp_path / "whole")
    resumed, _, _ = load_gan(tmp_path / "resumed")
    for a, b in zip(whole.generator.get_weights(), resumed.generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    version = export.export_run(tmp_path / "whole", to=tmp_path / "exported")
    capsys.readouterr()
    assert cli.main(["eval", str(version), "--json", "--samples", "200"]) == 0
    assert '"modes"' in capsys.readouterr().out


@pytest.mark.parametrize("overrides, message", [
    ({"model.generator.stack_on": "nowhere"}, "stack_on = nowhere: nowhere: not a ganzoo run "
                                             "directory (no recipe.toml) (train that stage first)"),
    ({"model.generator.units": [16, 5]}, "that generator takes 4 inputs, so "
                                         "[model.generator].units must end with 4, not 5"),
    ({"model.generator.output": "sigmoid"}, "[model.generator].output does not apply with "
                                            "stack_on"),
])
def test_bad_stacking_is_one_line_and_writes_nothing(stage_1, tmp_path, capsys, overrides,
                                                     message):
    sets = [arg for key, value in {**stage_2(stage_1), **overrides}.items()
            for arg in ("--set", f"{key}={value}")]
    assert cli.main(["train", "toy/ring8", *sets, "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and message in err, err
    assert not (tmp_path / "run").exists()


def test_stacking_on_another_dataset_is_refused(stage_1):
    recipe = ganzoo.load_recipe("toy/grid25", overrides=stage_2(stage_1))
    with pytest.raises(ganzoo.RecipeError, match="that run trained on ring8, this recipe trains "
                                                  "on grid25"):
        build_gan(recipe)

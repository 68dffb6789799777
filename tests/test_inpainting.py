"""The inpainting family: random masks by kind, the composite, D's (image, mask) input, the
export's signatures, the completions picture, the metrics and the one-line errors. The family
contract (tests/test_families.py, case "inpainting") covers replicas, resume and eval."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import ganzoo
from ganzoo import cli, export
from ganzoo.build import build_gan, load_gan
from ganzoo.eval import metrics
from ganzoo.eval.inpainting import mask_parameter
from ganzoo.families.inpainting import MASK, Masks, masks_of, takes_observed
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise, step_seed
from ganzoo.training import dataset
from tests.helpers import contract_recipe

HERE = Path(__file__).resolve().parent
SHAPE = (28, 28, 1)


def draw(masks, step=0, rows=64, seed=0):
    return masks.draw(Noise(step_seed(seed, step, 0, 2)), rows).numpy()


# --- Masks ---------------------------------------------------------------------------------------


def test_square_masks_hide_one_square_of_the_size_each():
    mask = draw(Masks("square", SHAPE, size=10))
    assert mask.shape == (64, *SHAPE) and set(np.unique(mask)) == {0.0, 1.0}
    corners = set()
    for one in mask[..., 0]:
        rows, columns = np.nonzero(one == 0)
        assert len(rows) == 100  # 10 x 10, whole inside the image
        assert rows.max() - rows.min() == 9 and columns.max() - columns.min() == 9
        corners.add((rows.min(), columns.min()))
    assert len(corners) > 30  # at random places, not one


def test_half_masks_hide_one_of_the_four_halves():
    mask = draw(Masks("half", SHAPE), rows=200)[..., 0]
    halves = {"top": np.s_[:14, :], "bottom": np.s_[14:, :], "left": np.s_[:, :14],
              "right": np.s_[:, 14:]}
    seen = []
    for one in mask:
        hidden = [name for name, part in halves.items()
                  if np.all(one[part] == 0) and one.sum() == 392]
        assert len(hidden) == 1, one.sum()
        seen.append(hidden[0])
    assert set(seen) == set(halves)


def test_random_pixel_masks_hide_the_fraction_and_tile_the_channels():
    mask = draw(Masks("random_pixels", (28, 28, 3), fraction=0.3))
    assert mask.shape == (64, 28, 28, 3)
    assert abs((1.0 - mask).mean() - 0.3) < 0.01
    assert np.array_equal(mask[..., 0], mask[..., 2])  # the same pixels in every channel


def test_masks_are_a_function_of_seed_and_step():
    masks = Masks("random_pixels", SHAPE, fraction=0.5)
    assert np.array_equal(draw(masks, step=3), draw(masks, step=3))
    assert not np.array_equal(draw(masks, step=3), draw(masks, step=4))
    assert not np.array_equal(draw(masks, seed=1), draw(masks, seed=0))
    # A mask is not the latent stream's numbers thresholded: its own stream.
    noise = Noise(step_seed(0, 3, 0, 2))
    assert not np.array_equal(noise.uniform(MASK, 4, (28, 28)).numpy(),
                              noise.uniform("latent", 4, (28, 28)).numpy())


# --- The game: composite and D's input -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    recipe = contract_recipe("inpainting")
    gan = build_gan(recipe)
    batch = next(iter(dataset(recipe)))[0]
    return recipe, gan, batch


def test_the_composite_keeps_the_observed_pixels_exactly(tiny):
    _, gan, batch = tiny
    draws = gan.draws(batch, Noise(step_seed(0, 0, 0, 2)), (DISCRIMINATOR, GENERATOR))
    mask = draws[MASK].numpy()
    assert 0 < mask.mean() < 1
    fake = gan.generate({**batch, MASK: draws[MASK]}, draws)["x"].numpy()
    x = batch["x"].numpy()
    assert np.array_equal(fake[mask == 1], x[mask == 1])
    assert not np.allclose(fake[mask == 0], x[mask == 0])  # the hole is G's
    inputs = gan.generator_inputs({**batch, MASK: draws[MASK]}, draws)
    assert set(inputs) == {"z", "observed", "mask"}
    assert np.array_equal(inputs["observed"].numpy(), x * mask)


def test_the_discriminator_sees_the_image_with_its_mask(tiny):
    _, gan, batch = tiny
    assert gan.discriminator.inputs[0].shape[1:] == (28, 28, 2)
    mask = tf.zeros_like(batch["x"])
    shown = gan.discriminator_inputs({"x": batch["x"], MASK: mask}).numpy()
    assert np.array_equal(shown[..., :1], batch["x"].numpy()) and not shown[..., 1:].any()


def test_without_data_nothing_is_observed(tiny):
    _, gan, _ = tiny
    inputs = gan.inference_inputs(np.zeros((3, 8), np.float32))
    assert inputs["mask"].shape == (3, *SHAPE) and not inputs["mask"].any()


# --- Export, picture, metrics: one tiny trained run ----------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = tmp_path_factory.mktemp("inpainting") / "run"
    ganzoo.train(contract_recipe("inpainting", **{"train.epochs": 1}), run, verbose=0)
    return run


def test_the_export_takes_observed_and_mask_and_serves_the_composite(trained, tmp_path):
    version = export.export_run(trained, to=tmp_path / "exported")
    gan = load_gan(trained)[0]
    loaded = tf.saved_model.load(str(version))
    assert set(loaded.signatures["serving_default"].structured_input_signature[1]) == {
        "z", "observed", "mask"}
    assert set(loaded.signatures["sample"].structured_input_signature[1]) == {
        "seed", "observed", "mask"}
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(5, *SHAPE)).astype(np.float32)
    mask = gan.masks.fixed(5, [0, 1])
    z = rng.normal(size=(5, 8)).astype(np.float32)
    feeds = {"z": z, "observed": x * mask, "mask": mask}
    np.savez(tmp_path / "inputs.npz", **{f"0/serving_default/{k}": v for k, v in feeds.items()},
             **{f"0/sample/{k}": v for k, v in {**feeds, "seed": np.arange(5)}.items()
                if k != "z"})
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), tmp_path / "inputs.npz",
                    tmp_path / "outputs.npz", version], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    outputs = np.load(tmp_path / "outputs.npz")
    keras_output = gan.complete(x, z, mask)
    for signature in ("serving_default", "sample"):
        served = outputs[f"0/{signature}/pixels"]
        assert np.array_equal(served[mask == 1], x[mask == 1]), signature  # observed kept
    np.testing.assert_allclose(outputs["0/serving_default/pixels"], keras_output, rtol=1e-6,
                               atol=1e-6)


def test_tensorboard_shows_completions(trained):
    events = event_accumulator.EventAccumulator(str(trained / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    pictures = events.Tensors("completions")
    assert pictures
    png = tf.make_ndarray(pictures[-1].tensor_proto)[2]  # (width, height, PNG bytes)
    image = tf.io.decode_png(png).numpy()
    assert image.shape == (3 * 29 + 1, 8 * 29 + 1, 3)  # holed / completed / original rows


class NearestMean:
    """A stand-in for ganzoo's classifier: the class of the nearest class-mean image."""

    has_probabilities = True
    name = "nearest class mean"

    def __init__(self, images, labels):
        flat = images.reshape(len(images), -1)
        self.means = np.stack([flat[labels == c].mean(axis=0) for c in range(10)])

    def features_and_probabilities(self, images, verbose=False):
        flat = images.reshape(len(images), -1)
        distances = ((flat[:, None, :] - self.means[None]) ** 2).sum(axis=-1)
        probabilities = np.eye(10)[distances.argmin(axis=1)]
        return distances, probabilities


def test_the_metrics_score_completions_the_same_on_the_run_and_its_export(trained, tmp_path):
    from types import SimpleNamespace

    from ganzoo.data import recipe_examples

    gan = load_gan(trained)[0]
    recipe = ganzoo.runs.open_run(trained).recipe
    test = recipe_examples(recipe, "test")
    stand_in = NearestMean(np.asarray(test.subset(1000)), np.asarray(test.labels[:1000]))
    names = ["inpainting_accuracy", "inpainting_fid"]
    on_run = metrics.evaluate(gan, recipe, names, samples=300, extractor=stand_in)
    version = export.export_run(trained, to=tmp_path / "exported")
    served = SimpleNamespace(prior=gan.prior,
                             generator=export.ServedGenerator(version, recipe))
    on_export = metrics.evaluate(served, recipe, names, samples=300, extractor=stand_in)
    values = {**on_run["inpainting_accuracy"].values, **on_run["inpainting_fid"].values}
    assert 0 <= values["inpainting_observed_accuracy"] <= 1
    assert 0 <= values["inpainting_accuracy"] <= 1 and values["inpainting_fid"] > 0
    for name in names:
        for key, value in on_run[name].values.items():
            assert on_export[name].values[key] == pytest.approx(value, rel=1e-4, abs=1e-4), key
    assert on_run["inpainting_fid"].protocol["samples"] == 300
    masks = masks_of(recipe)  # the protocol names what sets this kind of mask only
    assert mask_parameter(masks) in on_run["inpainting_fid"].protocol["details"]
    assert [mask_parameter(Masks(kind, (28, 28, 1), 0.25, 7)) for kind in
            ("square", "random_pixels", "half")] == [
        "a 7x7 hole", "0.25 of the pixels hidden", "one half hidden"]
    from ganzoo.eval import runner  # the text table `ganzoo eval` prints names both values

    table = runner.format_table(runner.make_report(on_run, {"epoch": 1, "step": 3,
                                                            "weights": "w"}), names)
    assert "inpainting_observed_accuracy" in table and "inpainting_fid" in table


def test_eval_runs_parzen_by_default_and_refuses_the_metrics_elsewhere(trained):
    recipe = ganzoo.runs.open_run(trained).recipe
    assert metrics.check_metrics(recipe, "") == ["parzen"]  # the classifier's only when asked
    assert metrics.check_metrics(recipe, "inpainting_fid") == ["inpainting_fid"]
    vanilla = ganzoo.load_recipe("goodfellow2014/mnist")
    with pytest.raises(metrics.EvalError) as error:
        metrics.check_metrics(vanilla, "inpainting_accuracy")
    assert "\n" not in str(error.value)
    assert "'inpainting_accuracy' is not a metric of family 'vanilla'" in str(error.value)


# --- One-line errors ---------------------------------------------------------------------------


def train_error(tmp_path, capsys, *overrides, recipe="inpainting/mnist"):
    args = ["train", recipe, "--run-dir", str(tmp_path / "run"),
            "--set", "data.train=[0,200]"]
    for override in overrides:
        args += ["--set", override]
    assert cli.main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert not (tmp_path / "run").exists()
    return lines[0]


def test_a_mask_larger_than_the_images_is_one_line(tmp_path, capsys):
    error = train_error(tmp_path, capsys, "model.mask_size=40")
    assert "[model].mask_size = 40 does not fit the 28x28 images" in error
    assert error.endswith("choose from 1 to 28")


def test_an_unknown_mask_kind_is_one_line(tmp_path, capsys):
    error = train_error(tmp_path, capsys, 'model.mask="circle"')
    assert "model.mask" in error and "'circle'" in error
    assert error.endswith("choose from: random_pixels, square, half")


def test_data_that_are_not_images_are_one_line(tmp_path, capsys):
    error = train_error(tmp_path, capsys, 'model.family="inpainting"', recipe="toy/ring8")
    assert "[model].family = 'inpainting' needs image data" in error and "(2,)" in error


def test_an_architecture_without_observed_inputs_is_refused():
    assert takes_observed("mlp") and not takes_observed("dcgan")
    recipe = ganzoo.load_recipe("dcgan2015/mnist", overrides={"model.family": "inpainting"})
    with pytest.raises(ganzoo.RecipeError) as error:
        build_gan(recipe, with_data=False)
    assert "\n" not in str(error.value) and "choose from: mlp" in str(error.value)

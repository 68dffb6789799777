"""Mirza & Osindero 2014 (arXiv 1411.1784): the paper's conditional MNIST nets, their recipe,
TensorBoard's picture of a conditional model (a row per class, a z per column) and intra-class
FID."""

from __future__ import annotations

import math
import os
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import ganzoo
from ganzoo import cli, export
from ganzoo.build import build_gan, load_gan
from ganzoo.callbacks import GRID_COLUMNS, INTERPOLATION_STEPS, TensorBoardLogger
from ganzoo.data import recipe_examples
from ganzoo.errors import RecipeError
from ganzoo.eval import frechet
from ganzoo.eval.metrics import (EvalError, Evaluation, check_metrics, evaluate, intra_class_fid,
                                 intra_fid_metric)
from ganzoo.families.conditional import class_grid, cycling_labels
from ganzoo.models import LatentPrior, Maxout
from ganzoo.optimizers import make_optimizer
from ganzoo.recipe import load_recipe
from ganzoo.registry import ARCHITECTURES
from tests.conftest import find_real_data_dir

RECIPE = "mirza2014/mnist"
CLASSES = 10
TILE = 28 + 1  # a 28 px tile and its 1 px gap
# Seconds, not hours: 1,000 training images, 3 steps, no [eval] during training.
SMALL = {"data.train": [0, 1000], "train.epochs": 1, "train.steps_per_epoch": 3,
         "train.log_every": 3, "eval.every": 0}


@pytest.fixture(scope="module")
def mnist_dir():
    root = find_real_data_dir("mnist")
    if root is None:
        reason = "real mnist data not found: set GANZOO_DATA_DIR (see ganzoo/data/local.py)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return root


def small_recipe(mnist_dir, **overrides):
    return load_recipe(RECIPE, overrides={"data.dir": str(mnist_dir), **SMALL, **overrides})


@pytest.fixture(scope="module")
def run(mnist_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mirza") / "run"
    ganzoo.train(small_recipe(mnist_dir), folder, verbose=0)
    return folder


# -- The nets of section 4.1 -----------------------------------------------------------------


def paper_nets():
    module, model = ARCHITECTURES.get("mirza2014"), load_recipe(RECIPE).model
    return (module.build_generator(model, (28, 28, 1), classes=CLASSES),
            module.build_discriminator(model, (28, 28, 1), classes=CLASSES))


def test_the_nets_have_the_papers_layers_and_parameters():
    generator, discriminator = paper_nets()
    # G: z 100*200 + 200 = 20,200; y 10*1000 + 1000 = 11,000; joined (200 + 1000)*1200 + 1200
    # = 1,441,200; output 1200*784 + 784 = 941,584; in all 2,413,984.
    assert generator.count_params() == 2_413_984
    # D: x maxout 784*(240*5) + 1200 = 942,000; y maxout 10*(50*5) + 250 = 2,750; joined maxout
    # (240 + 50)*(240*4) + 960 = 279,360; logit 240 + 1 = 241; in all 1,224,351.
    assert discriminator.count_params() == 1_224_351
    dense = {layer.name: (layer.units, layer.activation.__name__) for layer in generator.layers
             if isinstance(layer, keras.layers.Dense)}
    assert dense == {"hidden_z": (200, "relu"), "hidden_label": (1000, "relu"),
                     "hidden_joint": (1200, "relu"), "output": (784, "sigmoid")}
    maxout = {layer.name: (layer.units, layer.pieces) for layer in discriminator.layers
              if isinstance(layer, Maxout)}
    assert maxout == {"maxout_x": (240, 5), "maxout_label": (50, 5), "maxout_joint": (240, 4)}
    rates = lambda net: {layer.name: layer.rate for layer in net.layers  # noqa: E731
                         if isinstance(layer, keras.layers.Dropout)}
    assert rates(generator) == {"dropout_branches": 0.5, "dropout_joint": 0.5}
    assert rates(discriminator) == {"input_dropout": pytest.approx(0.2), "dropout_branches": 0.5,
                                    "dropout_joint": 0.5}
    # The int64 label input every conditional ganzoo net takes: exports get it unchanged.
    assert {t.name: t.dtype for t in generator.inputs} == {"z": "float32", "label": "int64"}
    assert {t.name: t.dtype for t in discriminator.inputs} == {"x": "float32", "label": "int64"}


def test_samples_are_pixels_that_depend_on_the_label_and_d_gives_one_logit():
    generator, discriminator = paper_nets()
    z = np.random.default_rng(0).uniform(-0.5, 0.5, (4, 100)).astype(np.float32)
    zeros, threes = np.zeros(4, np.int64), np.full(4, 3, np.int64)
    samples = generator.predict({"z": z, "label": zeros}, verbose=0)
    assert samples.shape == (4, 28, 28, 1) and 0.0 <= samples.min() and samples.max() <= 1.0
    assert not np.allclose(samples, generator.predict({"z": z, "label": threes}, verbose=0))
    assert discriminator.predict({"x": samples, "label": zeros}, verbose=0).shape == (4, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be in \[0, 10\)"):
        generator({"z": z, "label": np.full(4, 10, np.int64)})


def test_without_a_conditional_family_the_nets_are_a_one_line_recipe_error():
    recipe = load_recipe(RECIPE, overrides={"model.family": "vanilla"})
    with pytest.raises(RecipeError) as error:
        build_gan(recipe, with_data=False)
    message = str(error.value)
    assert message.startswith(f"{recipe.path}: [model].architecture = 'mirza2014' takes a class "
                              "label") and "[model].family = 'conditional'" in message
    assert "\n" not in message


@pytest.mark.parametrize("key, value", [("model.generator.units", "[10]"),
                                        ("model.discriminator.pieces", "3")])
def test_the_papers_widths_are_not_recipe_keys(key, value, capsys):
    assert cli.main(["train", RECIPE, "--set", f"{key}={value}"]) == 2
    net, name = key.split(".")[1:]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"[model.{net}].{name} does not apply to the 'mirza2014'" in err[0]
    assert "mnist.toml" in err[0]


# -- The recipe ------------------------------------------------------------------------------


def test_the_recipe_is_the_papers_sgd_schedule_and_protocol():
    recipe = load_recipe(RECIPE)
    train, model = recipe.train, recipe.model
    assert (model.family, model.architecture, model.latent_dim) == ("conditional", "mirza2014", 100)
    # U(-sqrt 3, sqrt 3): with the side-1 cube G ignored z (the recipe's header).
    assert (model.prior, model.prior_scale) == ("uniform", pytest.approx(3 ** 0.5))
    assert (train.optimizer, train.batch_size, train.learning_rate) == ("sgd", 100, 0.1)
    assert recipe.config.eval.metrics == ["parzen", "class_accuracy"]
    optimizer = make_optimizer(train, train.generator, 500, "g_optimizer")  # 500 steps an epoch
    optimizer.build([keras.Variable(0.0)])

    def at(step):  # (learning rate, momentum) at a step
        optimizer.iterations.assign(step)
        return float(optimizer.learning_rate), float(optimizer.current_momentum())

    assert at(0) == pytest.approx((0.1, 0.5))
    # lr0 / 1.00004^t: e^-1 of lr0 after 25,000 steps (epoch 51); momentum 0.5 -> 0.7 by epoch 250.
    assert at(25_000) == pytest.approx((0.1 / 1.00004 ** 25_000, 0.5 + 0.2 * 50 / 249), rel=1e-4)
    assert at(249 * 500) == pytest.approx((0.1 / 1.00004 ** 124_500, 0.7), rel=1e-4)
    assert at(400_000) == pytest.approx((1e-6, 0.7))  # the floor, reached near step 288,000


def test_a_few_steps_train_with_finite_losses_and_log_class_rows(run):
    events = event_accumulator.EventAccumulator(str(run / "logs"), size_guidance={"tensors": 0})
    events.Reload()
    for name in ("d_loss", "g_loss"):
        values = [float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors(name)]
        assert values and all(math.isfinite(v) for v in values)
    picture = lambda tag: tf.io.decode_png(  # noqa: E731
        tf.make_ndarray(events.Tensors(tag)[-1].tensor_proto)[2])
    # One row per class; 7 columns of samples and the nearest training example.
    assert picture("samples").shape == (CLASSES * TILE + 1, (GRID_COLUMNS + 1) * TILE + 1, 3)
    # The first interpolation path, drawn in every class.
    assert picture("interpolation").shape == (CLASSES * TILE + 1, INTERPOLATION_STEPS * TILE + 1, 3)


def test_the_export_takes_the_label_and_gives_the_keras_samples(run, tmp_path):
    gan = load_gan(run)[0]
    version = export.export_run(run, to=tmp_path / "exported")
    signature = tf.saved_model.load(str(version)).signatures["serving_default"]
    assert set(signature.structured_input_signature[1]) == {"z", "label"}
    z = np.random.default_rng(1).uniform(-0.5, 0.5, (3, 100)).astype(np.float32)
    label = np.array([0, 4, 9], np.int64)
    served = signature(z=tf.constant(z), label=tf.constant(label))["pixels"].numpy()
    expected = gan.generator.predict({"z": z, "label": label}, verbose=0)
    np.testing.assert_allclose(served, expected, atol=1e-6)


# -- TensorBoard's picture: a row per class, a z per column ----------------------------------


def test_class_grid_row_r_is_class_r_and_a_column_shares_its_z():
    z = np.arange(12, dtype=np.float32).reshape(6, 2)  # codes 0..5, of 2 numbers each
    inputs = class_grid(z, classes=3, columns=4)
    assert inputs["label"].dtype == np.int64
    for row in range(3):
        for column in range(4):
            i = row * 4 + column  # row by row
            assert inputs["label"][i] == row
            np.testing.assert_array_equal(inputs["z"][i], z[column])
    assert len(inputs["z"]) == 12  # z[4:] are not used
    with pytest.raises(ValueError, match="needs 4 latent codes, not 3"):
        class_grid(z[:3], classes=3, columns=4)


def test_the_logged_picture_shows_class_r_in_row_r_and_z_j_in_column_j(run, mnist_dir):
    gan = load_gan(run)[0]
    # Weights far from the start, so that every (class, z) tile looks different.
    rng = np.random.default_rng(0)
    gan.generator.set_weights([rng.uniform(-0.3, 0.3, np.shape(w)).astype(np.float32)
                               for w in gan.generator.get_weights()])
    logger = TensorBoardLogger(small_recipe(mnist_dir), run)
    logger.set_model(gan)
    logger.fixed_z = logger.fixed_latents()
    picture = logger.pictures()["samples"][..., 0].astype(np.int64)
    z = logger.fixed_z["grid"]
    pairs = [(r, c) for r in range(CLASSES) for c in range(GRID_COLUMNS)]
    expected = gan.generator.predict({"z": np.stack([z[c] for _, c in pairs]),
                                      "label": np.array([r for r, _ in pairs], np.int64)},
                                     verbose=0)
    tiles = {}
    for (r, c), sample in zip(pairs, expected):
        tile = picture[1 + r * TILE:r * TILE + TILE, 1 + c * TILE:c * TILE + TILE]
        assert np.abs(tile - np.round(sample[..., 0] * 255)).max() <= 1, (r, c)
        tiles[r, c] = tile
    # The check could fail: another class, or another z, draws another tile.
    assert np.abs(tiles[0, 0] - tiles[1, 0]).mean() > 5
    assert np.abs(tiles[0, 0] - tiles[0, 1]).mean() > 5


# -- Intra-class FID -------------------------------------------------------------------------


def test_intra_fid_is_fid_within_each_class_then_the_mean():
    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(0, 1, (300, 3)), rng.normal(5, 1, (300, 3))])
    real_labels = np.repeat([0, 1], 300)
    shift = np.array([1.0, 2.0, 2.0])  # |shift|^2 = 9
    # Samples interleaved as evaluation draws them (0, 1, 0, 1, ...): class 0's are class 0's
    # real rows exactly (FID 0); class 1's the real rows moved by `shift` (same covariance: 9).
    fake = np.empty_like(real)
    fake[0::2], fake[1::2] = real[:300], real[300:] + shift
    values = intra_class_fid(fake, cycling_labels(600, 2), real, real_labels, 2)
    assert values["intra_fid_0"] == pytest.approx(0.0, abs=1e-6)
    assert values["intra_fid_1"] == pytest.approx(9.0, rel=1e-6)
    assert values["intra_fid"] == pytest.approx(4.5, rel=1e-6)
    # ... which is plain FID's formula on each class's rows,
    fid = lambda a, b: frechet.frechet_distance(*frechet.feature_statistics(a),  # noqa: E731
                                                *frechet.feature_statistics(b))
    for c in (0, 1):
        assert values[f"intra_fid_{c}"] == fid(fake[cycling_labels(600, 2) == c],
                                               real[real_labels == c])
    # not FID of the pooled rows: with the classes swapped those are the real rows (FID 0).
    swapped = np.empty_like(real)
    swapped[0::2], swapped[1::2] = real[300:], real[:300]
    assert fid(swapped, real) == pytest.approx(0.0, abs=1e-6)
    # Each class's rows are 5 away in each of 3 coordinates: about 3 * 5^2 = 75.
    assert intra_class_fid(swapped, cycling_labels(600, 2), real, real_labels, 2)["intra_fid"] > 60


class PooledPixels:
    """A stand-in extractor: 7x7 averages of 4x4 pixel blocks (49 features)."""

    name = "test: 4x4 mean pooling"
    has_probabilities = False

    def features_and_probabilities(self, images, verbose=False):
        return np.asarray(images).reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)), None


class ClassImages:
    """A stand-in generator: for label y it returns the test images of class (y + shift) % 10,
    in order, so shift 0 draws each asked class and shift 1 the next one."""

    def __init__(self, test, shift):
        self.by_class = [test.x[test.labels == c] for c in range(CLASSES)]
        self.shift = shift

    def predict(self, inputs, batch_size=None, verbose=0):
        labels = (inputs["label"] + self.shift) % CLASSES
        return np.stack([self.by_class[label][i // CLASSES] for i, label in enumerate(labels)])


def test_intra_fid_sees_wrong_classes_where_plain_fid_cannot(mnist_dir):
    recipe = small_recipe(mnist_dir)
    test = recipe_examples(recipe, "test")
    reports = {}
    for shift in (0, 1):
        gan = SimpleNamespace(prior=LatentPrior("uniform", 100, 0.5),
                              generator=ClassImages(test, shift),
                              inference_inputs=lambda z: {"z": z,
                                                          "label": cycling_labels(len(z), 10)})
        results = evaluate(gan, recipe, ["intra_fid", "fid"], samples=2000,
                           extractor=PooledPixels())
        reports[shift] = {**results["intra_fid"].values, **results["fid"].values}
        per_class = [reports[shift][f"intra_fid_{c}"] for c in range(CLASSES)]
        assert reports[shift]["intra_fid"] == pytest.approx(np.mean(per_class))
        assert results["intra_fid"].protocol["reference"] == "10000 test images, by class"
    # The same 2,000 images either way: plain FID is blind to which label drew them.
    assert reports[1]["fid"] == pytest.approx(reports[0]["fid"], rel=1e-6)
    assert reports[1]["intra_fid"] > 5 * reports[0]["intra_fid"]


def test_intra_fid_of_an_unconditional_model_is_a_one_line_error():
    recipe = load_recipe("goodfellow2014/mnist")
    with pytest.raises(EvalError) as error:
        check_metrics(recipe, ["intra_fid"])
    assert str(error.value).startswith("metric 'intra_fid' needs a conditional family, not "
                                       "'vanilla'")
    with pytest.raises(EvalError, match="metric 'intra_fid' needs a conditional family, not "
                                        "'vanilla': G must take a class label") as error:
        intra_fid_metric(Evaluation(None, recipe))
    assert "\n" not in str(error.value)


def test_eval_asks_for_the_classifier_before_loading_the_generator(run, tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "home"))  # no classifier there
    assert cli.main(["eval", str(run), "--metrics", "intra_fid"]) == 2
    err = capsys.readouterr().err
    assert "ganzoo classifier train --dataset mnist" in err and err.count("\n") == 1


def test_generator_dropout_is_a_recipe_key_of_the_mlp_nets_too(capsys):
    recipe = load_recipe("goodfellow2014/mnist", overrides={"model.generator.hidden_keep": 0.5})
    generator = build_gan(recipe, with_data=False).generator
    assert [layer.rate for layer in generator.layers
            if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]  # after each hidden layer
    assert cli.main(["train", "dcgan2015/mnist", "--set", "model.generator.hidden_keep=0.5"]) == 2
    assert "[model.generator].hidden_keep does not apply to the 'dcgan'" in capsys.readouterr().err

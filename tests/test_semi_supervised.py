"""The semi-supervised GAN (Salimans et al. 2016): its losses on fixed logits, the labelled
subset and its minibatches, the one-line refusals, weight norm and Gaussian noise, and the
test-error metric and `classify` signature of a trained run. The family contract
(tests/test_families.py, case "semi_supervised") covers training, replicas, resume, export
through the TF1 loader and eval."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import cli, export
from ganzoo.build import build_gan, load_gan
from ganzoo.data.labelled import labelled_subset, recipe_labelled
from ganzoo.data import recipe_examples
from ganzoo.errors import RecipeError
from ganzoo.eval.metrics import EvalError, check_metrics
from ganzoo.families.semi_supervised import (error_rate, feature_matching_loss, real_probability,
                                             supervised_loss, unsupervised_loss)
from ganzoo.models.layers import GaussianNoise, WeightNormDense
from ganzoo.training import dataset
from tests.helpers import contract_recipe

HERE = Path(__file__).resolve().parent
LN2, LN3 = math.log(2.0), math.log(3.0)


def recipe(**extra):
    return contract_recipe("semi_supervised", **extra)


def test_losses_on_fixed_logits():
    # softmax([0, 0]) = [1/2, 1/2]: label 0 costs ln 2; softmax([ln 3, 0]) = [3/4, 1/4]: label
    # 1 costs ln 4 = 2 ln 2; the mean is 1.5 ln 2.
    logits = tf.constant([[0.0, 0.0], [LN3, 0.0]])
    np.testing.assert_allclose(supervised_loss(logits, tf.constant([0, 1])), 1.5 * LN2, rtol=1e-6)
    # Real [0, 0]: Z = 2, D = 2/3, -log D = ln(3/2) = softplus(ln 2) - ln 2 = ln 3 - ln 2.
    # Fake [0, ln 3]: Z = 4, D = 4/5, -log(1 - D) = ln 5 = softplus(ln 4).
    # L_unsupervised = 1/2 ln(3/2) + 1/2 ln 5 = 1/2 ln(15/2).
    real, fake = tf.constant([[0.0, 0.0]]), tf.constant([[0.0, LN3]])
    np.testing.assert_allclose(unsupervised_loss(real, fake), 0.5 * math.log(7.5), rtol=1e-6)
    np.testing.assert_allclose(real_probability(tf.concat([real, fake], 0)), [2 / 3, 4 / 5],
                               rtol=1e-6)
    # A G that fools D: fake logits far up make D(G(z)) -> 1 and its term -> +inf, not 0.
    assert unsupervised_loss(real, tf.constant([[30.0, 30.0]])) > 15
    # Feature means [2, 3] and [1, 1]: differences 1 and 2, squares 1 and 4, mean 2.5.
    np.testing.assert_allclose(feature_matching_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]),
                                                     tf.constant([[0.0, 0.0], [2.0, 2.0]])),
                               2.5, rtol=1e-6)
    # argmax [1, 0] -> 0 (right), [2, 5] -> 1 (wrong for label 0), [0, 3] -> 1 (right).
    np.testing.assert_allclose(error_rate(tf.constant([[1.0, 0.0], [2.0, 5.0], [0.0, 3.0]]),
                                          tf.constant([0, 0, 1])), 1 / 3, rtol=1e-6)


@pytest.fixture(scope="module")
def gan():
    return build_gan(recipe())


def test_each_players_terms_on_fixed_outputs(gan):
    real = {"class_logits": tf.constant([[0.0, 0.0]]),
            "labelled_logits": tf.constant([[0.0, 0.0], [LN3, 0.0]]),
            "labelled_label": tf.constant([0, 1], tf.int64)}
    fake = {"class_logits": tf.constant([[0.0, LN3]])}
    terms = gan.discriminator_terms({}, {}, real, fake, {})
    assert set(terms) == {"d_supervised_loss", "d_unsupervised_loss"}
    np.testing.assert_allclose(terms["d_supervised_loss"], 1.5 * LN2, rtol=1e-6)
    np.testing.assert_allclose(terms["d_unsupervised_loss"], 0.5 * math.log(7.5), rtol=1e-6)
    observed = gan.observations(real, fake)
    # [0, 0] -> class 0 (right), [ln 3, 0] -> class 0 (wrong for label 1).
    np.testing.assert_allclose(observed["d_labelled_error"], 0.5)
    np.testing.assert_allclose(observed["d_real_probability"], 2 / 3, rtol=1e-6)
    np.testing.assert_allclose(observed["d_fake_probability"], 4 / 5, rtol=1e-6)
    # G's term reads D's features of the real batch against the fake outputs' features.
    x = tf.random.stateless_uniform([4, 28, 28, 1], [1, 2])
    fake_outputs = gan.discriminator(x * 0.5, training=False)
    gan_terms = gan.generator_terms({"x": x}, {}, fake_outputs)
    assert set(gan_terms) == {"g_feature_matching"} and gan_terms["g_feature_matching"] > 0


def test_the_discriminator_is_a_classifier_with_features(gan):
    outputs = gan.discriminator(np.zeros((3, 28, 28, 1), np.float32))
    assert {name: tuple(value.shape) for name, value in outputs.items()} == {
        "class_logits": (3, 10), "features": (3, 16)}
    # Without the option the same nets give one logit (a vanilla family could use them).
    builder = ganzoo.registry.ARCHITECTURES.get("salimans2016")
    plain = builder.build_discriminator(recipe().model, (28, 28, 1))
    assert tuple(plain(np.zeros((3, 28, 28, 1), np.float32)).shape) == (3, 1)
    with pytest.raises(ValueError, match="at least 2 classes"):
        builder.build_discriminator(recipe().model, (28, 28, 1), classifier_classes=1)


def test_the_labelled_subset_is_balanced_and_a_function_of_the_seed():
    labels = np.random.default_rng(0).permutation(np.repeat(np.arange(10), 30))
    subset = labelled_subset(labels, 50, 10, seed=3)
    assert len(subset) == len(set(subset)) == 50 and np.all(np.diff(subset) > 0)
    assert np.array_equal(np.bincount(labels[subset], minlength=10), np.full(10, 5))
    assert np.array_equal(labelled_subset(labels, 50, 10, seed=3), subset)
    assert not np.array_equal(labelled_subset(labels, 50, 10, seed=4), subset)
    # Another N is another draw, not a prefix of this one.
    assert not set(labelled_subset(labels, 20, 10, seed=3)) <= set(subset)
    with pytest.raises(ValueError, match="class 9 has 0"):
        labelled_subset(np.where(labels == 9, 0, labels), 50, 10, seed=3)


def test_each_step_has_a_labelled_minibatch_of_the_subset_by_step():
    r = recipe()
    examples = recipe_examples(r, "train")
    subset = recipe_labelled(r, examples)
    assert len(subset) == 20 and np.array_equal(np.bincount(examples.labels[subset]),
                                                np.full(10, 2))
    stream = iter(dataset(r))
    steps = [next(stream)[0] for _ in range(4)]
    rows = examples.x[subset].reshape(20, -1)
    for batch in steps:
        assert batch["labelled_x"].shape == (16, 28, 28, 1)
        # Every labelled row is a row of the subset, with its own label.
        found = [int(np.flatnonzero((rows == x.reshape(1, -1)).all(1))[0])
                 for x in batch["labelled_x"].numpy()]
        assert np.array_equal(examples.labels[subset][found], batch["labelled_label"])
    # Resuming at step 3 gives step 3's batch; another seed another subset.
    resumed = next(iter(dataset(r, start_step=3)))[0]
    for key in steps[3]:
        assert np.array_equal(resumed[key], steps[3][key]), key
    other = recipe_labelled(recipe(**{"train.seed": 1}), examples)
    assert not np.array_equal(other, subset)


@pytest.mark.parametrize("overrides, where, expected", [
    # The named datasets' classes are known when the recipe loads: refused there, before
    # TensorFlow builds anything.
    ({"data.labelled": 25}, "load", "[data].labelled = 25 must be a positive multiple of the 10"),
    ({"data.labelled": 0}, "load", "[data].labelled = 0 must be a positive multiple"),
    ({"loss.penalties.gradient": 1.0}, "load", "takes no [loss.penalties]"),
    ({"data.labelled": 2000}, "data", "[data].labelled = 2000 is more than the 1024 examples"),
    ({"data.name": "tfd"}, "build",
     "[data].name = 'tfd' has no classes; choose a labelled dataset: "),
    ({"model.architecture": "mlp"}, "build", "choose from: salimans2016"),
    ({"model.discriminator.ema_momentum": 1.0}, "load",
     "[model.discriminator].ema_momentum = 1.0 would not average D's weights"),
])
def test_bad_recipes_are_one_line_errors(overrides, where, expected):
    with pytest.raises(RecipeError) as error:
        bad = recipe(**overrides)
        if where == "build":
            build_gan(bad, with_data=False)
        elif where == "data":
            dataset(bad)
    message = str(error.value)
    assert expected in message and "\n" not in message
    assert message.startswith(str(recipe().path)), message


def test_another_family_refuses_a_labelled_subset_it_would_ignore():
    with pytest.raises(RecipeError, match=r"\[data\]\.labelled applies only to \[model\]\.family "
                                          r"= 'semi_supervised' \(here 'vanilla'\)"):
        ganzoo.load_recipe("goodfellow2014/mnist", overrides={"data.labelled": 100})


def test_another_family_refuses_an_average_of_d_it_would_not_read():
    with pytest.raises(RecipeError, match=r"\[model\.discriminator\]\.ema_momentum applies only "
                                          r"to \[model\]\.family = 'semi_supervised'"):
        ganzoo.load_recipe("goodfellow2014/mnist",
                           overrides={"model.discriminator.ema_momentum": 0.9})


def test_the_classifier_is_a_moving_average_of_ds_weights(tmp_path):
    # m = 0.5, from zeros: after D's updates w1, w2 the average is 0.25 w1 + 0.5 w2, read
    # divided by 1 - 0.5^2 = 0.75: (w1 + 2 w2) / 3.
    r = recipe(**{"model.discriminator.ema_momentum": 0.5, "train.steps_per_execution": 1})
    gan = build_gan(r)
    stream = dataset(r)
    weights = []
    for step in range(2):
        gan.fit(stream.skip(step), epochs=1, steps_per_epoch=1, verbose=0)
        weights.append([w.numpy() for w in gan.discriminator.trainable_variables])
    now = weights[-1]
    # direction and bias of 2 hidden layers (their scales are not trained), 3 of the head
    assert len(gan.averages) == len(now) == 7
    for average, read, w1, w2 in zip(gan.averages, gan.averaged_weights(), *weights):
        assert not np.array_equal(w1, w2)
        np.testing.assert_allclose(average.numpy(), 0.25 * w1 + 0.5 * w2, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(read.numpy(), (w1 + 2 * w2) / 3, rtol=1e-5, atol=1e-7)
    # classify reads the averages; D itself (what trains) keeps its own weights.
    x = recipe_examples(r, "test").subset(8)
    own = tf.nn.softmax(gan.discriminator(x, training=False)["class_logits"]).numpy()
    assert not np.allclose(gan.classify(x).numpy(), own, atol=1e-4)
    # The averages are in the checkpoint: a GAN loaded from it classifies alike.
    gan.save_weights(tmp_path / "w.weights.h5")
    again = build_gan(r, with_data=False)
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(again.classify(x).numpy(), gan.classify(x).numpy())
    # m = 0 keeps no averages: the classifier is D.
    plain = build_gan(recipe(**{"model.discriminator.ema_momentum": 0.0}), with_data=False)
    assert plain.averages == []
    np.testing.assert_allclose(plain.classify(x).numpy(), tf.nn.softmax(
        plain.discriminator(x, training=False)["class_logits"]).numpy(), rtol=1e-6)


def test_d_starts_from_the_codes_data_dependent_initialisation():
    # Without noise in the pass, every weight-normalised layer's pre-activations on the batch
    # come out with mean 0 and standard deviation 1 per unit, each layer seeing the one before
    # it initialised.
    r = recipe()
    builder = ganzoo.registry.ARCHITECTURES.get("salimans2016")
    d = builder.build_discriminator(r.model, (28, 28, 1), classifier_classes=10)
    x = tf.constant(recipe_examples(r, "train").subset(500))
    from ganzoo.models.salimans2016 import initialize_discriminator

    initialize_discriminator(d, x, training=False)
    h = tf.reshape(x, (500, -1))
    for layer in [layer for layer in d.layers if isinstance(layer, WeightNormDense)]:
        pre = (h @ layer.kernel()).numpy() + layer.bias.numpy()
        np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(pre.std(axis=0), 1.0, rtol=1e-3)
        h = layer(h)
    # The hidden layers' scales stay where the initialisation put them; the head's trains.
    trainable = {v.path for v in d.trainable_variables}
    assert not any("hidden" in path and path.endswith("scale") for path in trainable)
    assert any("class_logits" in path and path.endswith("scale") for path in trainable)
    # build_gan initialises D from the training split (with the code's noise); before D's
    # first update the classifier is D itself.
    gan = build_gan(r)
    scales = gan.discriminator.get_layer("hidden_0").scale.numpy()
    assert not np.allclose(scales, 1.0)
    for read, weight in zip(gan.averaged_weights(), gan.discriminator.trainable_variables):
        np.testing.assert_array_equal(read.numpy(), weight.numpy())


def test_the_cli_refuses_a_bad_subset_with_exit_2(tmp_path, capsys):
    code = cli.main(["train", "salimans2016/mnist_100", "--run-dir", str(tmp_path / "run"),
                     "--set", "data.labelled=105"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "[data].labelled = 105" in err[0], err


def test_gaussian_noise_and_weight_norm_layers():
    x = np.ones((2000, 50), np.float32)
    noise = GaussianNoise(0.5, seed=1)
    assert np.array_equal(noise(x, training=False), x)
    added = np.asarray(noise(x, training=True)) - x
    assert abs(added.std() - 0.5) < 0.01 and abs(added.mean()) < 0.01
    dense = WeightNormDense(3, seed=2)
    dense.build((None, 4))
    dense.scale.assign([1.0, 2.0, 0.5])
    kernel = np.asarray(dense.kernel())
    # Each unit's weight column has the norm of its scale g, whatever v's norm.
    np.testing.assert_allclose(np.linalg.norm(kernel, axis=0), [1.0, 2.0, 0.5], rtol=1e-6)
    inputs = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(dense(inputs), inputs @ kernel, rtol=1e-5)
    again = WeightNormDense.from_config(dense.get_config())
    assert again.units == 3 and again.seed == 2


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("semi_supervised") / "run"
    ganzoo.train(recipe(**{"train.epochs": 1}), folder, verbose=0)
    return folder


def test_eval_counts_the_classifiers_test_errors(run, capsys):
    assert cli.main(["eval", str(run), "--metrics", "test_errors", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    gan = load_gan(run)[0]
    test = recipe_examples(recipe(), "test")
    predicted = np.argmax(gan.classify(test.x).numpy(), axis=1)
    errors = int(np.sum(predicted != test.labels))
    assert len(test) == 10_000 and report["test_error_count"] == errors
    assert report["test_errors"] == errors  # per 10,000 test images
    assert 0 < errors < 10_000
    assert cli.main(["eval", str(run), "--metrics", "test_errors"]) == 0
    assert "test_errors" in capsys.readouterr().out


def test_test_errors_is_the_semi_supervised_familys_only():
    assert check_metrics(recipe(), ["test_errors"]) == ["test_errors"]
    assert check_metrics(recipe(), []) == ["parzen", "test_errors"]  # the defaults
    assert check_metrics(contract_recipe("dcgan"), []) == ["parzen"]
    with pytest.raises(EvalError) as error:
        check_metrics(contract_recipe("dcgan"), ["test_errors"])
    assert "'test_errors' is not a metric of family 'vanilla'" in str(error.value)


def test_the_export_classifies_as_the_discriminator_does(run, tmp_path, capsys):
    version = export.export_run(run, to=tmp_path / "exported")
    metadata = json.loads((version / "assets.extra" / "ganzoo.json").read_text())
    assert metadata["family_signatures"] == {"classify": {"x": "float32"}}
    gan = load_gan(run)[0]
    x = recipe_examples(recipe(), "test").subset(7)
    np.savez(tmp_path / "inputs.npz", **{"0/classify/x": x})
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), tmp_path / "inputs.npz",
                    tmp_path / "outputs.npz", version], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    served = np.load(tmp_path / "outputs.npz")
    expected = gan.classify(x).numpy()
    np.testing.assert_allclose(served["0/classify/probabilities"], expected, rtol=1e-5,
                               atol=1e-6)
    # The recipe's classifier is the average of D's weights (ema_momentum), not D's own.
    own = tf.nn.softmax(gan.discriminator(x, training=False)["class_logits"]).numpy()
    assert not np.allclose(served["0/classify/probabilities"], own, atol=1e-4)
    np.testing.assert_allclose(served["0/classify/probabilities"].sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(served["0/classify/class"], expected.argmax(axis=1))
    assert str(served["0/classify/class:dtype"]) == "int64"
    # `ganzoo eval` of the export counts the errors of its `classify` signature: the run's.
    assert cli.main(["eval", str(version), "--metrics", "test_errors", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["test_errors"] == count_test_errors(gan)


def count_test_errors(gan):
    test = recipe_examples(recipe(), "test")
    return int(np.sum(np.argmax(gan.classify(test.x).numpy(), axis=1) != test.labels))


def test_train_dataset_draws_the_subset_in_each_of_k_minibatches():
    from ganzoo.data import train_dataset

    x = np.arange(40, dtype=np.float32).reshape(40, 1)
    labels = np.arange(40) % 4
    subset = np.array([3, 7, 10, 21])
    first = next(iter(train_dataset(x, 3, 2, seed=5, labels=labels, labelled=subset)))
    assert len(first) == 2  # k minibatches, each with its 3 labelled rows
    rows = np.concatenate([batch["labelled_x"].numpy().ravel() for batch in first])
    # Step 0's 6 rows: the subset's first shuffled epoch (all 4, once each), then 2 of the next.
    assert sorted(rows[:4]) == [3, 7, 10, 21] and set(rows[4:]) <= {3, 7, 10, 21}
    for batch in first:
        assert np.array_equal(batch["labelled_label"], batch["labelled_x"].numpy().ravel() % 4)
        assert batch["x"].shape == (3, 1)
    with pytest.raises(ValueError, match="needs labels"):
        train_dataset(x, 3, 1, seed=0, labelled=subset)

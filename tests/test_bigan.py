"""The `bigan` family (BiGAN / ALI): D judges (x, z) pairs, the encoder trains with G and only
with G, G's and E's loss is D's with the pairs swapped, the export serves `encode` (x -> z)
through the TF1 session loader as TF Serving runs it, and bad recipes get one-line errors.

The family contract (tests/test_families.py, case "bigan") covers the rest: finite logs,
2 replicas = 1 device, exact resume (the encoder included), `ganzoo eval`.
"""

from __future__ import annotations

import json
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
from ganzoo.errors import RecipeError
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise
from ganzoo.training import dataset
from tests.helpers import contract_recipe, same

HERE = Path(__file__).resolve().parent
SEED = np.array([0, 3], np.int64)
# The MNIST recipe's shapes (28 x 28 x 1 images, z 50-d uniform) with tiny layers.
SMALL_MNIST = {"model.generator.units": [16, 16], "model.encoder.units": [16, 16],
               "model.discriminator.units": [16, 16]}


def encoder_weights(gan):
    return [np.array(w) for w in gan.encoder.trainable_weights]


def test_discriminator_judges_pairs_of_the_right_shapes():
    gan = build_gan(ganzoo.load_recipe("bigan2016/mnist", overrides=SMALL_MNIST), with_data=False)
    inputs = {tensor.name.split(":")[0]: tuple(tensor.shape) for tensor in gan.discriminator.inputs}
    assert inputs == {"x": (None, 28, 28, 1), "z": (None, 50)}
    x = tf.random.stateless_uniform([6, 28, 28, 1], [1, 2])
    batch = {"x": x, "label": tf.zeros([6], tf.int64)}
    real = gan.infer(batch)  # (x, E(x))
    assert real["x"] is x and tuple(real["z"].shape) == (6, 50)
    np.testing.assert_allclose(real["z"], gan.encoder(x, training=True), rtol=1e-6, atol=1e-6)
    draws = gan.draws(batch, Noise(SEED), (GENERATOR,))
    fake = gan.generate(batch, draws)  # (G(z), z)
    assert tuple(fake["x"].shape) == (6, 28, 28, 1) and fake["z"] is draws["latent"]
    logits = gan.discriminator_fn(gan.discriminator_inputs(real))
    assert tuple(logits.shape) == (6, 1)
    # z reaches D's logit: the same x with another z is judged otherwise (D's logit starts at
    # zero in these nets, the official code's: given weights, z's effect shows).
    logit = gan.discriminator.get_layer("logit")
    logit.kernel.assign(tf.ones_like(logit.kernel))
    logits = gan.discriminator_fn(gan.discriminator_inputs(real))
    other = gan.discriminator_fn(gan.discriminator_inputs({**real, "z": -real["z"]}))
    assert not np.allclose(logits, other)


def test_encoder_trains_with_the_generator_only():
    recipe = contract_recipe("bigan")
    gan = build_gan(recipe)
    batch = next(iter(dataset(recipe)))[0]
    before = encoder_weights(gan)
    gan.update_players((DISCRIMINATOR,), batch, SEED)
    assert same(encoder_weights(gan), before)
    gan.update_players((GENERATOR,), batch, SEED)
    after = encoder_weights(gan)
    assert not same(after, before)
    # Every one of E's kernels moved: its gradient comes through D's judgement of (x, E(x)).
    assert all(not np.array_equal(a, b) for a, b in zip(after, before) if a.ndim == 2)


def test_generator_loss_is_the_discriminator_loss_with_the_pairs_swapped():
    recipe = contract_recipe("bigan")
    gan = build_gan(recipe)
    batch = next(iter(dataset(recipe)))[0]
    draws = gan.draws(batch, Noise(SEED), (DISCRIMINATOR, GENERATOR))
    terms, _ = gan.terms(batch, draws, (DISCRIMINATOR, GENERATOR))
    real = gan.discriminator_fn(gan.discriminator_inputs(gan.infer(batch)))
    fake = gan.discriminator_fn(gan.discriminator_inputs(gan.generate(batch, draws)))
    softplus = tf.nn.softplus
    # non_saturating: D descends 1/2 (E softplus(-D(x, E(x))) + E softplus(D(G(z), z)));
    # G and E descend 1/2 (E softplus(D(x, E(x))) + E softplus(-D(G(z), z))) (ALI's generator
    # loss, halved as ganzoo halves D's).
    d_loss = 0.5 * (tf.reduce_mean(softplus(-real)) + tf.reduce_mean(softplus(fake)))
    g_loss = 0.5 * (tf.reduce_mean(softplus(real)) + tf.reduce_mean(softplus(-fake)))
    np.testing.assert_allclose(terms[DISCRIMINATOR]["d_loss"], d_loss, rtol=1e-5)
    np.testing.assert_allclose(terms[GENERATOR]["g_loss"], g_loss, rtol=1e-5)
    assert not np.isclose(float(g_loss), float(d_loss))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(run dir, export version dir) of the contract's tiny bigan run, trained 1 epoch."""
    base = tmp_path_factory.mktemp("bigan")
    ganzoo.train(contract_recipe("bigan", **{"train.epochs": 1}), base / "run", verbose=0)
    return base / "run", export.export_run(base / "run", to=base / "exported")


def test_export_encode_signature_equals_the_keras_encoder(exported, tmp_path):
    run, version = exported
    gan = load_gan(run)[0]
    x = np.random.default_rng(2).normal(size=(7, 2)).astype(np.float32)
    z = np.random.default_rng(3).normal(size=(5, 2)).astype(np.float32)
    np.savez(tmp_path / "inputs.npz", **{"0/encode/x": x, "0/serving_default/z": z})
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), tmp_path / "inputs.npz",
                    tmp_path / "outputs.npz", version], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    served = np.load(tmp_path / "outputs.npz")
    assert str(served["0/encode:method"]) == "tensorflow/serving/predict"
    assert str(served["0/encode/x:dtype"]) == str(served["0/encode/z:dtype"]) == "float32"
    np.testing.assert_allclose(served["0/encode/z"], gan.encoder.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(served["0/serving_default/points"],
                               gan.generator.predict(z, verbose=0), rtol=1e-6, atol=1e-6)
    assert "ganzoo" not in str(served["modules"])  # TensorFlow alone serves it


def test_export_warms_up_and_describes_every_signature(exported):
    from tensorflow_serving.apis import prediction_log_pb2

    _, version = exported
    loaded = tf.saved_model.load(str(version))
    seen = []
    for record in tf.data.TFRecordDataset(str(version / "assets.extra" / export.WARMUP_FILE)):
        request = prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        seen.append(request.model_spec.signature_name)
        feeds = {key: tf.make_ndarray(proto) for key, proto in request.inputs.items()}
        outputs = loaded.signatures[request.model_spec.signature_name](**feeds)
        assert all(value.shape[0] == export.WARMUP_BATCH for value in outputs.values())
    assert seen == ["serving_default", "sample", "encode"]
    metadata = json.loads((version / "assets.extra" / export.METADATA_FILE).read_text())
    assert metadata["family"] == "bigan"
    assert metadata["family_signatures"] == {"encode": {"x": "float32"}}


def test_other_families_export_no_family_signatures():
    gan = build_gan(contract_recipe("vanilla"), with_data=False)
    assert gan.serving_signatures() == {}


BAD = [
    # (overrides on ali2016/ring8 or, with "family", on toy/ring8; words the message must hold)
    ({"model.architecture": "dcgan", "model.generator.units": [128, 128],
      "model.generator.activations": ["relu", "relu"], "model.generator.batch_norm_momentum": 0.99,
      "model.discriminator.units": [128, 128], "model.discriminator.pieces": 1,
      "model.generator.init_std": 0.0},
     ("[model].architecture", "'mlp'", "dcgan")),
    ({"model.discriminator.join_latent": 3}, ("[model.discriminator].join_latent", "0..2")),
    ({"model.encoder.activations": ["relu"]}, ("[model.encoder].activations", "2")),
    ({"loss.penalties.gradient": 0.1}, ("[loss.penalties]", "bigan")),
    ({"model.encoder.activations": ["relu", "swish"]},
     ("[model.encoder].activations", "'swish'", "leaky_relu")),
]


@pytest.mark.parametrize("overrides, words", BAD)
def test_a_bad_bigan_recipe_is_one_line_naming_the_key(overrides, words):
    with pytest.raises(RecipeError) as caught:
        ganzoo.load_recipe("ali2016/ring8", overrides=overrides)
    message = str(caught.value)
    # A rule across keys names the file; a bad value names the --set override that gave it.
    assert "\n" not in message and ("ring8.toml" in message or message.startswith("--set ")), \
        message
    assert all(word in message for word in words), message


def test_encoder_keys_need_the_bigan_family():
    with pytest.raises(RecipeError) as caught:
        ganzoo.load_recipe("toy/ring8", overrides={"model.encoder.units": [8, 8]})
    message = str(caught.value)
    assert "\n" not in message
    assert "[model.encoder].units applies only to [model].family = 'bigan'" in message


def test_the_cli_exits_2_on_a_bad_bigan_recipe(tmp_path, capsys):
    code = cli.main(["train", "ali2016/grid25", "--set", "model.discriminator.join_latent=7",
                     "--run-dir", str(tmp_path / "run")])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "join_latent = 7" in error
    assert not (tmp_path / "run").exists()


# --- The inference metric: E's 1-NN accuracy and reconstruction error --------------------------


def test_nearest_neighbour_labels_and_pair_distances():
    from ganzoo.eval.inference import derangement, nearest_neighbour_labels, pair_distances

    reference = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    queries = np.array([[1.0, 1.0], [9.0, -1.0], [-1.0, 8.0], [6.0, 0.0]])
    labels = nearest_neighbour_labels(reference, np.array([7, 8, 9]), queries)
    assert labels.tolist() == [7, 8, 9, 8]
    # |(0, 0) - (3, 4)| = 5; |(1, 1) - (1, 1)| = 0.
    np.testing.assert_allclose(pair_distances(np.array([[0.0, 0.0], [1.0, 1.0]]),
                                              np.array([[3.0, 4.0], [1.0, 1.0]])), [5.0, 0.0])
    moved = derangement(5)
    assert sorted(moved) == list(range(5)) and all(moved != np.arange(5))


def test_inference_metric_of_an_exact_inverse_is_pixel_nearest_neighbours():
    # E = the flattened pixels, G = their reshape: G(E(x)) = x, and 1-NN on E(x) is 1-NN in
    # pixel space, about 97% on MNIST (LeCun et al.'s 1-NN, L2: 3.09% error on the 60k split).
    from types import SimpleNamespace

    from ganzoo.eval.metrics import evaluate

    recipe = ganzoo.load_recipe("bigan2016/mnist", overrides=SMALL_MNIST)
    gan = SimpleNamespace(
        encode=lambda x: np.asarray(x).reshape(len(x), -1),
        generator=SimpleNamespace(predict=lambda z, **_: np.asarray(z).reshape(-1, 28, 28, 1)))
    result = evaluate(gan, recipe, ["inference"], samples=300)["inference"]
    assert result.values["reconstruction_error"] == 0.0
    assert 90.0 < result.values["nn_accuracy"] <= 100.0, result.values
    assert 8.0 < result.values["random_pair_error"] < 12.0, result.values  # official: 9.60
    assert result.protocol["samples"] == 300 and "50000 train" in result.protocol["reference"]


def test_random_pairs_are_reconstructions_against_other_images():
    """The official code's base error (`EGr_b`): G(E(x_i)) against another image x_j, not
    x_i against x_j. With G = blank images, that is the mean norm of the other images."""
    from types import SimpleNamespace

    from ganzoo.data import recipe_examples
    from ganzoo.eval.inference import derangement
    from ganzoo.eval.metrics import evaluate

    recipe = ganzoo.load_recipe("bigan2016/mnist", overrides=SMALL_MNIST)
    gan = SimpleNamespace(
        encode=lambda x: np.asarray(x).reshape(len(x), -1),
        generator=SimpleNamespace(predict=lambda z, **_: np.zeros((len(z), 28, 28, 1))))
    values = evaluate(gan, recipe, ["inference"], samples=200)["inference"].values
    x = np.asarray(recipe_examples(recipe, "test").subset(200), np.float64).reshape(200, -1)
    norms = np.sqrt(np.sum(x ** 2, axis=1))
    assert values["random_pair_error"] == pytest.approx(np.mean(norms[derangement(200)]))
    assert values["reconstruction_error"] == pytest.approx(np.mean(norms))


def test_inference_metric_of_the_run_equals_its_export(tmp_path):
    from ganzoo.eval.runner import evaluate_export, evaluate_run
    from ganzoo.runs import save as save_checkpoint

    recipe = ganzoo.load_recipe("bigan2016/mnist", overrides={**SMALL_MNIST,
                                                              "data.train": [0, 2000]})
    run = tmp_path / "run"
    save_checkpoint(build_gan(recipe, with_data=False), run, epoch=1, step=0, steps_per_epoch=1)
    (run / "recipe.toml").write_text(recipe.to_toml())
    of_run = evaluate_run(run, metrics=["inference"], samples=200, write=False)
    version = export.export_run(run, to=tmp_path / "exported")
    of_export = evaluate_export(version, metrics=["inference"], samples=200)
    for key in ("nn_accuracy", "reconstruction_error", "random_pair_error"):
        np.testing.assert_allclose(of_export[key], of_run[key], rtol=1e-5, err_msg=key)
    assert of_run["reconstruction_error"] > 0


def test_inference_is_a_default_metric_of_bigan_mnist_runs_only():
    from ganzoo.eval.metrics import EvalError, check_metrics

    assert check_metrics(ganzoo.load_recipe("bigan2016/mnist"), []) == ["parzen", "inference"]
    assert "inference" not in check_metrics(ganzoo.load_recipe("goodfellow2014/mnist"), [])
    with pytest.raises(EvalError, match="not a metric of family 'vanilla'"):
        check_metrics(ganzoo.load_recipe("goodfellow2014/mnist"), ["inference"])

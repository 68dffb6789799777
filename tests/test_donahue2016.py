"""BiGAN's official MNIST nets (`donahue2016`) and the coupled L2 regularisation its code trains
with. The family contract (tests/test_families.py, case "bigan_donahue2016") covers training,
2 replicas = 1 device, exact resume, the export and `ganzoo eval` on these nets."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.build import build_gan
from ganzoo.errors import RecipeError
from ganzoo.eval.inference import inference_metric
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise
from tests.helpers import CONTRACT_BASES

SMALL = {"model.generator.units": [16, 16], "model.encoder.units": [16, 16],
         "model.discriminator.units": [16, 16]}
SEED = np.array([0, 5], np.int64)
CONTRACT_OVERRIDES = CONTRACT_BASES["bigan2016/mnist"]  # the contract case's tiny settings


@pytest.fixture(scope="module")
def gan():
    return build_gan(ganzoo.load_recipe("bigan2016/mnist", overrides=SMALL), with_data=False)


def test_no_biases_and_batch_norm_only_standardises(gan):
    for network in (gan.generator, gan.encoder, gan.discriminator):
        paths = [w.path for w in network.weights]
        assert paths and not [p for p in paths if p.endswith(("bias", "gamma", "beta"))], paths
        assert [p for p in paths if p.endswith("moving_mean")], paths  # batch norm is there
    # E and D: no batch norm on the first layer (the code's `nonlin(N.FC(...))`); G: on both.
    assert [l.name for l in gan.encoder.layers if "batch_norm" in l.name] == ["batch_norm_1"]
    assert [l.name for l in gan.discriminator.layers if "batch_norm" in l.name] == ["batch_norm_1"]
    assert [l.name for l in gan.generator.layers if "batch_norm" in l.name] == \
        ["batch_norm_0", "batch_norm_1"]
    # Training mode: (h - mean) / sqrt(var + 1e-8), the code's epsilon (Keras' is 1e-3).
    h = tf.random.stateless_normal([64, 16], [2, 2], stddev=0.05)
    layer = gan.encoder.get_layer("batch_norm_1")
    mean, var = tf.reduce_mean(h, 0), tf.math.reduce_variance(h, 0)
    np.testing.assert_allclose(layer(h, training=True), (h - mean) / tf.sqrt(var + 1e-8),
                               rtol=1e-4, atol=1e-5)


def test_d_starts_at_a_zero_logit_and_z_joins_its_second_layer(gan):
    assert not np.any(gan.discriminator.get_layer("logit").kernel.numpy())
    x = tf.random.stateless_uniform([8, 28, 28, 1], [1, 2])
    z = tf.random.stateless_uniform([8, 50], [3, 4], -1, 1)
    assert not np.any(gan.discriminator({"x": x, "z": z}, training=False).numpy())
    hidden = tf.keras.Model(gan.discriminator.inputs,
                            gan.discriminator.get_layer("activation_1").output)
    first = tf.keras.Model(gan.discriminator.inputs,
                           gan.discriminator.get_layer("activation_0").output)
    # z changes the second layer, not the first.
    np.testing.assert_array_equal(first({"x": x, "z": z}), first({"x": x, "z": -z}))
    assert not np.allclose(hidden({"x": x, "z": z}), hidden({"x": x, "z": -z}))
    # Leaky ReLU (slope 0.2): negative pre-activations pass, scaled.
    assert np.min(first({"x": x, "z": z})) < 0


def test_g_adds_z_to_its_second_layer(gan):
    pre = tf.keras.Model(gan.generator.inputs, gan.generator.get_layer("hidden_1_with_latent").output)
    h = tf.keras.Model(gan.generator.inputs, gan.generator.get_layer("activation_0").output)
    z = tf.random.stateless_uniform([4, 50], [5, 6], -1, 1)
    by_hand = (h(z, training=False) @ gan.generator.get_layer("hidden_1").kernel
               + z @ gan.generator.get_layer("hidden_1_latent").kernel)
    np.testing.assert_allclose(pre(z, training=False), by_hand, rtol=1e-5, atol=1e-6)


def test_encoder_z_is_its_codes_squashed_into_the_prior(gan):
    x = tf.random.stateless_uniform([5, 28, 28, 1], [7, 8])
    views = gan.encode_views(x.numpy())
    assert set(views) == {"z", "codes", "features"}
    assert views["features"].shape == (5, 16) and views["codes"].shape == (5, 50)
    # dist.py's UniformDistribution.logits_to_sample on [-1, 1]: 2 sigmoid(codes) - 1.
    np.testing.assert_allclose(views["z"], 2.0 / (1.0 + np.exp(-views["codes"])) - 1.0,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(views["z"], gan.encode(x.numpy()), rtol=1e-6, atol=1e-7)
    # E's first layer does not start as D's (their seeds would coincide for equal shapes).
    assert not np.allclose(gan.encoder.get_layer("hidden_0").kernel,
                           gan.discriminator.get_layer("hidden_0").kernel)


def test_the_encoder_saves_and_loads(gan, tmp_path):
    gan.encoder.save(tmp_path / "encoder.keras")
    again = keras.models.load_model(tmp_path / "encoder.keras")
    x = np.random.default_rng(1).random((3, 28, 28, 1), np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), gan.encoder.predict(x, verbose=0),
                               rtol=1e-6)


def test_l2_regularization_adds_l2_w_to_every_gradient():
    with_l2, without = (build_gan(ganzoo.load_recipe("bigan2016/mnist", overrides={
        **CONTRACT_OVERRIDES, "train.l2_regularization": l2}), with_data=False)
        for l2 in (0.01, 0.0))
    without.set_weights(with_l2.get_weights())
    batch = {"x": tf.random.stateless_uniform([16, 28, 28, 1], [9, 9]),
             "label": tf.zeros([16], tf.int64)}
    names = (DISCRIMINATOR, GENERATOR)
    draws = with_l2.draws(batch, Noise(SEED), names)
    regularized, _ = with_l2.play(batch, draws, names)
    plain, _ = without.play(batch, draws, names)
    players = with_l2.players()
    assert len(players[GENERATOR][1]) > len(with_l2.generator.trainable_variables)  # E too
    for name in names:
        for variable, a, b in zip(players[name][1], regularized[name], plain[name]):
            np.testing.assert_allclose(np.asarray(a) - np.asarray(b), 0.01 * variable.numpy(),
                                       rtol=1e-4, atol=1e-7)


def test_inference_reads_the_codes_and_the_features():
    """The metric's 1-NN on E's codes (the code's NNC_e) and on its features (NNC_e-): checked
    on a stand-in encoder whose views are known, against a hand-made nearest neighbour."""
    from types import SimpleNamespace

    recipe = ganzoo.load_recipe("bigan2016/mnist", overrides={"data.train": [0, 300]})

    def views(x):
        flat = np.asarray(x).reshape(len(x), -1)
        return {"z": np.zeros((len(x), 50), np.float32),
                "codes": -flat[:, :50],  # the same neighbours as the pixels' first 50
                "features": flat}

    served = SimpleNamespace(encode=lambda x: views(x)["z"], encode_views=views,
                             generator=SimpleNamespace(predict=lambda z, **_: np.zeros(
                                 (len(z), 28, 28, 1), np.float32)))
    evaluation = SimpleNamespace(gan=served, recipe=recipe, count=lambda n: 200)
    values = inference_metric(evaluation).values
    assert set(values) == {"nn_accuracy", "feature_nn_accuracy", "reconstruction_error",
                           "random_pair_error"}
    from ganzoo.data import recipe_examples
    train, test = recipe_examples(recipe, "train"), recipe_examples(recipe, "test")
    pixels = lambda e, n: np.asarray(e.subset(n), np.float64).reshape(n, -1)  # noqa: E731
    distances = ((pixels(test, 200)[:, None, :] - pixels(train, 300)[None]) ** 2).sum(-1)
    by_hand = 100 * np.mean(train.labels[:300][distances.argmin(1)] == test.labels[:200])
    assert values["feature_nn_accuracy"] == pytest.approx(by_hand)
    assert 50 < values["feature_nn_accuracy"] < 100  # 300 references: far from chance


@pytest.mark.parametrize("overrides, words", [
    ({"model.discriminator.join_latent": 1}, ("[model.discriminator].join_latent", "donahue2016")),
    ({"model.encoder.output": "tanh"}, ("[model.encoder].output", "donahue2016")),
    ({"model.discriminator.pieces": 2}, ("[model.discriminator].pieces", "donahue2016")),
    ({"train.l2_regularization": -1.0}, ("[train].l2_regularization",)),
    ({"model.discriminator.units": [64]}, ("[model.discriminator].units", "at least 2")),
    ({"train.epsilon": 0.0}, ("[train].epsilon",)),
    ({"train.optimizer": "sgd", "train.momentum": 0.5}, ("[train].epsilon", "'sgd'", "adam")),
])
def test_keys_these_nets_do_not_read_are_refused_in_one_line(overrides, words):
    with pytest.raises(RecipeError) as error:
        ganzoo.load_recipe("bigan2016/mnist", overrides=overrides)
    message = str(error.value)
    assert "\n" not in message and all(word in message for word in words), message


def test_adams_epsilon_is_the_recipes(gan):
    assert gan.g_optimizer.epsilon == gan.d_optimizer.epsilon == 1e-8  # the code's
    default = build_gan(ganzoo.load_recipe("ali2016/ring8"), with_data=False)
    assert default.g_optimizer.epsilon == 1e-7  # Keras'


def test_d_batch_norm_keys_are_read_by_these_nets_only():
    ganzoo.load_recipe("bigan2016/mnist", overrides={"model.discriminator.batch_norm": "batch"})
    with pytest.raises(RecipeError, match=r"\[model.discriminator\].batch_norm applies only"):
        ganzoo.load_recipe("ali2016/ring8", overrides={"model.discriminator.batch_norm": "sync"})


@pytest.mark.parametrize("recipe", ["bigan2016/mnist", "ali2016/ring8"])
def test_encoder_views_are_float32_under_mixed_precision(recipe):
    """E's views (and so the export's `encode`) under mixed_bfloat16: each a float32 output
    (their cast layers named apart from E's own z cast, which once collided at export)."""
    overrides = {**(SMALL if recipe == "bigan2016/mnist" else {}),
                 "train.precision": "mixed_bfloat16"}
    gan = build_gan(ganzoo.load_recipe(recipe, overrides=overrides), with_data=False)
    views = gan.encoder_views()
    assert {str(t.dtype) for t in keras.tree.flatten(views.output)} == {"float32"}
    shape = (3, 28, 28, 1) if recipe == "bigan2016/mnist" else (3, 2)
    encode, (spec,) = gan.serving_signatures()["encode"]
    out = encode(tf.zeros(shape))
    assert set(out) >= {"z", "features"} and all(v.dtype == tf.float32 for v in out.values())


def test_tensorboard_shows_reconstructions(tmp_path):
    """x above G(E(x)) for 10 training images, every epoch (the code's `real_regen`)."""
    from tensorboard.backend.event_processing import event_accumulator

    recipe = ganzoo.load_recipe("bigan2016/mnist", overrides={**CONTRACT_OVERRIDES,
                                                              "train.epochs": 1})
    ganzoo.train(recipe, tmp_path / "run", verbose=0)
    events = event_accumulator.EventAccumulator(str(tmp_path / "run" / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    pictures = events.Tensors("reconstructions")
    assert pictures
    png = tf.make_ndarray(pictures[-1].tensor_proto)[2]  # (width, height, PNG bytes)
    assert tf.io.decode_png(png).numpy().shape == (2 * 29 + 1, 10 * 29 + 1, 3)

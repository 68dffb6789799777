"""AC-GAN (Odena et al. 2017): its class terms on fixed outputs, D's two heads, the fakes'
classes from their own stream, sampling a class from a run and its export, and the one-line
refusal of a dataset without classes. The family contract (tests/test_families.py, case
"acgan") covers training, replicas, resume, export through the TF1 loader and eval."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import cli, export
from ganzoo.build import build_gan
from ganzoo.errors import RecipeError
from ganzoo.families.acgan import (FAKE_LABEL, check_class_head, class_accuracy, class_loss,
                                   has_class_head)
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.noise import Noise
from ganzoo.registry import ARCHITECTURES
from tests.helpers import check_sample_takes_label, contract_recipe

RING_CLASSES = 8  # ring8's label is its mixture mode
LN2, LN3 = math.log(2.0), math.log(3.0)


def ring_recipe(**extra):
    """The contract's tiny ring8 recipe as an AC-GAN with the MLP nets."""
    return contract_recipe("conditional", **{"model.family": "acgan", **extra})


@pytest.fixture(scope="module")
def gan():
    return build_gan(ring_recipe())


def test_class_loss_on_fixed_logits():
    # softmax([0, 0]) = [1/2, 1/2]: label 0 costs -ln(1/2) = ln 2;
    # softmax([ln 3, 0]) = [3/4, 1/4]: label 1 costs -ln(1/4) = 2 ln 2; the mean is 1.5 ln 2.
    logits = tf.constant([[0.0, 0.0], [LN3, 0.0]])
    np.testing.assert_allclose(class_loss(logits, tf.constant([0, 1])), 1.5 * LN2, rtol=1e-6)
    # Label 0 of [ln 3, 0] costs -ln(3/4) = ln(4/3).
    np.testing.assert_allclose(class_loss(logits[1:], tf.constant([0])), math.log(4 / 3),
                               rtol=1e-6)
    # argmax [1, 0] -> 0 (right), [2, 5] -> 1 (wrong for label 0), [0, 3] -> 1 (right).
    accuracy = class_accuracy(tf.constant([[1.0, 0.0], [2.0, 5.0], [0.0, 3.0]]),
                              tf.constant([0, 0, 1], tf.int64))
    np.testing.assert_allclose(accuracy, 2 / 3, rtol=1e-6)


def test_each_players_terms_on_fixed_outputs(gan):
    real = {"logit": tf.constant([[0.0], [LN3]]),
            "class_logits": tf.constant([[LN3, 0.0], [LN3, 0.0]]),
            "label": tf.constant([0, 1], tf.int64)}
    fake = {"logit": tf.constant([[LN3]]), "class_logits": tf.constant([[LN3, 0.0]]),
            "label": tf.constant([0], tf.int64)}
    d_terms = gan.discriminator_terms({}, {}, real, fake, {})
    assert set(d_terms) == {"d_loss", "d_class_loss"}
    # Non-saturating D on the logits: real mean softplus(-l) = (ln 2 + ln(4/3)) / 2 = ln(8/3) / 2,
    # fake softplus(ln 3) = ln 4; D's loss halves their sum.
    np.testing.assert_allclose(d_terms["d_loss"], 0.5 * (0.5 * math.log(8 / 3) + 2 * LN2),
                               rtol=1e-6)
    # Class: softmax([ln 3, 0]) = [3/4, 1/4], so real labels 0 and 1 cost ln(4/3) and ln 4,
    # mean ln(16/3) / 2; the fake's label 0 costs ln(4/3); halved like the source terms.
    np.testing.assert_allclose(d_terms["d_class_loss"],
                               0.5 * (0.5 * math.log(16 / 3) + math.log(4 / 3)), rtol=1e-6)
    g_terms = gan.generator_terms({}, {}, fake)
    # G: softplus(-ln 3) = ln(4/3) for the source; ln(4/3) for its fake's class 0.
    np.testing.assert_allclose(g_terms["g_loss"], math.log(4 / 3), rtol=1e-6)
    np.testing.assert_allclose(g_terms["g_class_loss"], math.log(4 / 3), rtol=1e-6)
    observed = gan.observations(real, fake)
    # Real: argmax [ln 3, 0] = 0, right for label 0 and wrong for label 1; the fake's right.
    np.testing.assert_allclose(observed["d_real_class_accuracy"], 0.5)
    np.testing.assert_allclose(observed["d_fake_class_accuracy"], 1.0)
    assert gan.log_names() == ["d_loss", "d_class_loss", "g_loss", "g_class_loss", "d_real",
                               "d_fake", "d_real_class_accuracy", "d_fake_class_accuracy"]


@pytest.mark.parametrize("architecture, shape", [("mlp", (2,)), ("dcgan", (28, 28, 1))])
def test_the_discriminator_has_a_source_and_a_class_head(architecture, shape):
    recipe = ring_recipe() if architecture == "mlp" else contract_recipe("acgan")
    builder = ARCHITECTURES.get(architecture)
    model = recipe.model
    d = builder.build_discriminator(model, shape, seed=1, auxiliary_classes=10)
    assert [tensor.name for tensor in d.inputs] == ["x"]  # D is not told the class
    outputs = d(np.zeros((3, *shape), np.float32))
    assert {name: tuple(value.shape) for name, value in outputs.items()} == {
        "logit": (3, 1), "class_logits": (3, 10)}
    # Without the option D is the plain logit network; spectral norm reaches the class head.
    assert tuple(builder.build_discriminator(model, shape, seed=1)(
        np.zeros((3, *shape), np.float32)).shape) == (3, 1)
    normalized = builder.build_discriminator(
        _with_spectral_norm(model), shape, seed=1, auxiliary_classes=10)
    assert "spectral_class_logits" in [layer.name for layer in normalized.layers]
    with pytest.raises(ValueError, match="at least 2 classes"):
        builder.build_discriminator(model, shape, seed=1, auxiliary_classes=1)


def _with_spectral_norm(model):
    import dataclasses

    return dataclasses.replace(model, discriminator=dataclasses.replace(
        model.discriminator, spectral_norm=["class_logits"]))


def test_fakes_classes_are_uniform_draws_that_g_is_given(gan):
    batch = {"x": tf.zeros([4000, 2]), "label": tf.zeros([4000], tf.int64)}
    draws = gan.draws(batch, Noise(tf.constant([0, 3], tf.int64)), (DISCRIMINATOR,))
    labels = draws[FAKE_LABEL].numpy()
    assert labels.dtype == np.int64 and labels.shape == (4000,)
    counts = np.bincount(labels, minlength=RING_CLASSES)
    assert len(counts) == RING_CLASSES and counts.min() > 400  # 500 expected per class
    # Not the real batch's labels (all 0 here): the stream's, the same for the same seed only.
    again = gan.draws(batch, Noise(tf.constant([0, 3], tf.int64)), (GENERATOR,))[FAKE_LABEL]
    other = gan.draws(batch, Noise(tf.constant([0, 4], tf.int64)), (GENERATOR,))[FAKE_LABEL]
    assert np.array_equal(again, labels) and not np.array_equal(other, labels)
    fake = gan.generate(batch, draws)
    assert np.array_equal(fake["label"], labels)
    inputs = gan.generator_inputs(batch, draws)
    np.testing.assert_allclose(fake["x"], gan.generator(inputs, training=True), atol=1e-6)
    assert np.array_equal(inputs["label"], labels)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acgan") / "run"
    ganzoo.train(ring_recipe(**{"train.epochs": 1}), folder, verbose=0)
    return folder


def test_sample_and_the_export_take_a_label(run, tmp_path):
    z, expected = check_sample_takes_label(run, tmp_path)
    version = export.export_run(run, to=tmp_path / "exported")
    signature = tf.saved_model.load(str(version)).signatures["serving_default"]
    assert signature.structured_input_signature[1]["label"].dtype == tf.int64
    served = signature(z=tf.constant(z), label=tf.fill([6], tf.constant(3, tf.int64)))["points"]
    np.testing.assert_allclose(served, expected, rtol=1e-6, atol=1e-6)


def test_a_dataset_without_classes_is_one_line(tmp_path, capsys):
    images = tmp_path / "images"
    images.mkdir()
    for i in range(4):  # a folder of images, unlabelled ([data].labels = "none")
        pixels = tf.fill([28, 28, 1], tf.constant(40 * i, tf.uint8))
        (images / f"{i}.png").write_bytes(tf.io.encode_png(pixels).numpy())
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'description = "AC-GAN on a folder"\n[data]\nname = "folder"\n'
                      f'path = "{images}"\nimage_size = 28\nchannels = 1\n'
                      f'[model]\nfamily = "acgan"\narchitecture = "dcgan"\n'
                      f'[train]\nbatch_size = 2\nepochs = 1\n')
    assert cli.main(["train", str(recipe), "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"ganzoo: error: {recipe}: [model].family = 'acgan' needs a "
                             f"labelled dataset, and [data].name = 'folder' has no classes")
    assert err[0].endswith("; choose a labelled dataset: ring8, grid25, mnist, fashion_mnist, "
                           "cifar10, stacked_mnist, a folder with [data].labels = \"subfolders\" or a tfds:NAME "
                           "with class labels")
    assert not (tmp_path / "run").exists()


def test_an_architecture_without_a_class_head_is_refused():
    assert has_class_head("mlp") and has_class_head("dcgan")
    assert not has_class_head("goodfellow2014_cifar10_conv")
    recipe = ganzoo.load_recipe("goodfellow2014/cifar10_conv", overrides={"model.family": "acgan"})
    with pytest.raises(RecipeError) as error:
        check_class_head(recipe)
    message = str(error.value)
    assert ("[model].architecture = 'goodfellow2014_cifar10_conv' has none; choose from: mlp"
            in message)
    assert "goodfellow2014_cifar10_conv" not in message.split("choose from:")[1]

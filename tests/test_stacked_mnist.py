"""Stacked MNIST (PacGAN Table 2): the dataset, the `stacked_modes` metric and the recipes.

The stacking is checked on the real MNIST files (skipped without them, failed under CI=true:
tests/conftest.py); the metric's arithmetic on hand-made triples; the classifier is a stand-in
(nearest class mean, or a function of the pixels) so no network is trained here.
"""

import numpy as np
import pytest

from ganzoo import registry
from ganzoo.build import build_gan
from ganzoo.config import DataConfig
from ganzoo.data import DataError, load_examples
from ganzoo.data.stacked import stacking_indices
from ganzoo.eval import metrics, stacked
from ganzoo.eval.classifier import ClassifierMissing
from ganzoo.recipe import load_recipe

RECIPES = {1: "pacgan2018/stacked_mnist_dcgan", 2: "pacgan2018/stacked_mnist_pacdcgan2",
           3: "pacgan2018/stacked_mnist_pacdcgan3", 4: "pacgan2018/stacked_mnist_pacdcgan4"}
# Small nets: the recipes' layout and packing, built in a moment.
TINY = {"model.generator.filters": 4, "model.discriminator.filters": 4}


def stacked_config(root, count=300, **keys):
    keys = {"preprocess": "symmetric", **keys}
    return DataConfig(name="stacked_mnist", dir=str(root), num_examples=count, **keys)


@pytest.fixture(scope="module")
def mnist_train():
    """(symmetric MNIST training Examples, data dir), read once for the module's tests."""
    from tests.conftest import find_real_data_dir

    root = find_real_data_dir("mnist")
    if root is None:
        return None
    return load_examples(DataConfig(name="mnist", dir=str(root), preprocess="symmetric"),
                         "train", seed=0), root


@pytest.fixture
def mnist(mnist_train, real_data_dir):
    if mnist_train is None:
        real_data_dir("mnist")  # skips, or fails under CI=true, with the reason
    return mnist_train


def test_each_channel_is_the_digit_its_label_says(mnist):
    digits, root = mnist
    examples = load_examples(stacked_config(root), "train", seed=5)
    x = examples.subset(len(examples))
    assert x.shape == (300, 28, 28, 3) and x.dtype == np.float32
    assert len(examples) == 300 and examples.shape == (28, 28, 3)
    assert examples.value_range == (-1.0, 1.0)
    assert -1.0 <= x.min() and x.max() <= 1.0
    assert ((0 <= examples.labels) & (examples.labels < 1000)).all()
    # Found without the indices: each channel is an MNIST image (by its exact pixels) whose
    # label is that channel's digit of the triple 100 d0 + 10 d1 + d2.
    labels_of = {}
    for image, label in zip(digits.x[..., 0], digits.labels):
        labels_of.setdefault(image.tobytes(), set()).add(int(label))
    for image, triple in zip(x, examples.labels):
        for channel, digit in enumerate((triple // 100, triple // 10 % 10, triple % 10)):
            assert digit in labels_of[np.ascontiguousarray(image[..., channel]).tobytes()]
    # And by the indices the seed draws: channel c is MNIST image indices[:, c].
    indices = stacking_indices(len(digits), 300, 5, "train")
    for channel in range(3):
        np.testing.assert_array_equal(x[..., channel], digits.x[indices[:, channel], ..., 0])


def test_the_training_stream_stacks_what_subset_stacks_and_holds_no_stacked_copy(mnist):
    """The stream gathers each step from the digits and the indices; it gives the batches the
    in-memory stream of the stacked images would (the same shuffle, the same values)."""
    from ganzoo.data import stream_dataset, train_dataset

    _, root = mnist
    examples = load_examples(stacked_config(root, count=5000), "train", seed=3)
    stacked_bytes = len(examples) * 28 * 28 * 3 * 4
    assert examples.indices.nbytes + examples.labels.nbytes < stacked_bytes / 10
    assert not examples.in_memory and examples.labelled
    gathered = stream_dataset(examples, 32, 2, seed=4, start_step=7)
    in_memory = train_dataset(examples.subset(len(examples)), 32, 2, seed=4, start_step=7,
                              labels=examples.labels)
    for got, want in zip(gathered.take(3), in_memory.take(3)):
        assert len(got) == len(want) == 2  # k minibatches
        for a, b in zip(got, want):
            assert set(a) == set(b) == {"x", "label"}
            np.testing.assert_array_equal(a["x"], b["x"])
            np.testing.assert_array_equal(a["label"], b["label"])


def test_the_split_is_a_function_of_the_seed(mnist):
    _, root = mnist
    first, again = (load_examples(stacked_config(root), "train", seed=1) for _ in range(2))
    other = load_examples(stacked_config(root), "train", seed=2)
    np.testing.assert_array_equal(first.subset(300), again.subset(300))
    np.testing.assert_array_equal(first.labels, again.labels)
    assert np.mean(first.labels == other.labels) < 0.05  # 1 in 1000 by chance
    test = load_examples(stacked_config(root), "test", seed=1)
    assert test.subset(100).shape == (30, 28, 28, 3)  # num_examples // 10, of the test images
    np.testing.assert_array_equal(stacking_indices(60_000, 4, 7, "test"),
                                  stacking_indices(60_000, 4, 7, "test"))
    assert not np.array_equal(stacking_indices(60_000, 4, 7, "test"),
                              stacking_indices(60_000, 4, 7, "train"))


def test_missing_mnist_files_fail_at_once_in_one_line(tmp_path):
    with pytest.raises(DataError) as error:
        load_examples(stacked_config(tmp_path, source="local"), "train", seed=0)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("stacked_mnist is built from MNIST: mnist: no local files")
    assert str(tmp_path / "mnist") in message
    with pytest.raises(DataError, match="'gcn' normalises whole images"):
        load_examples(stacked_config(tmp_path, preprocess="gcn"), "train", seed=0)


def test_mode_count_and_kl_of_hand_made_triples():
    # 8 samples: triple 7 four times, 123 twice, 999 twice -> p = 1/2, 1/4, 1/4, 3 modes;
    # KL(p || 1/1000) = 1/2 log(1000/2) + 2 * 1/4 log(1000/4) = 1/2 log 500 + 1/2 log 250
    #                 = 1/2 log 125000 = 5.8680345...
    found = stacked.triple_metrics([7, 7, 7, 7, 123, 123, 999, 999])
    assert found["stacked_modes"] == 3
    assert found["stacked_kl"] == pytest.approx(0.5 * np.log(500) + 0.5 * np.log(250), abs=1e-12)
    assert found["stacked_kl"] == pytest.approx(5.8680345, abs=1e-7)
    # Every triple once: p is uniform, KL 0; one triple only: KL log 1000.
    assert stacked.triple_metrics(np.arange(1000)) == {"stacked_modes": 1000, "stacked_kl": 0.0}
    single = stacked.triple_metrics([42] * 5)
    assert single["stacked_modes"] == 1 and single["stacked_kl"] == pytest.approx(np.log(1000))
    with pytest.raises(ValueError, match=r"\[0, 1000\)"):
        stacked.triple_metrics([1000])


def test_each_channel_is_classified_in_order():
    # A stand-in classifier reading a channel's digit from its constant value d / 9.
    def classify(x):
        assert x.shape[1:] == (28, 28, 1)
        return np.eye(10)[np.rint(x.mean(axis=(1, 2, 3)) * 9).astype(int)]

    wanted = np.array([[1, 2, 3], [9, 0, 4], [0, 0, 0]])
    images = np.broadcast_to(wanted[:, None, None, :] / 9.0, (3, 28, 28, 3))
    np.testing.assert_array_equal(stacked.channel_triples(images, classify), [123, 904, 0])


class NearestMean:
    """A stand-in for ganzoo's MNIST classifier: the nearest of ten class-mean images."""

    name = "nearest class mean"
    has_probabilities = True

    def __init__(self, unit_images, labels):
        flat = unit_images.reshape(len(unit_images), -1)
        self.means = np.stack([flat[labels == c].mean(axis=0) for c in range(10)])

    def features_and_probabilities(self, images, batch_size=500, verbose=False):
        flat = np.asarray(images).reshape(len(images), -1)
        distances = ((flat[:, None, :] - self.means[None]) ** 2).sum(axis=-1)
        return flat, np.eye(10)[distances.argmin(axis=1)]


def test_a_classifier_reads_the_real_triples(mnist):
    digits, root = mnist
    unit = (digits.x[:5000] + 1) / 2
    reader = NearestMean(unit, digits.labels[:5000])
    examples = load_examples(stacked_config(root), "test", seed=0)  # held-out test digits
    triples = stacked.channel_triples((examples.subset(len(examples)) + 1) / 2,
                                      lambda x: reader.features_and_probabilities(x)[1])
    for power in (100, 10, 1):  # each channel's digit: nearest class mean is ~80% right
        assert np.mean(triples // power % 10 == examples.labels // power % 10) > 0.6


def test_the_metric_on_a_generator(monkeypatch):
    recipe = load_recipe(RECIPES[1], overrides=TINY)
    gan = build_gan(recipe, with_data=False)

    def classify_by_brightness():  # stand-in: a channel's digit from its mean pixel
        class Stand:
            name = "brightness"

            def features_and_probabilities(self, x, batch_size=500):
                digit = np.clip((x.mean(axis=(1, 2, 3)) * 10).astype(int), 0, 9)
                return x, np.eye(10)[digit]
        return Stand()

    monkeypatch.setattr(stacked, "mnist_classifier", classify_by_brightness)
    evaluation = metrics.Evaluation(gan, recipe, samples=64)
    result = stacked.stacked_modes_metric(evaluation)
    images = metrics.unit_range(evaluation.generate(64), recipe)
    reader = classify_by_brightness()
    expected = stacked.triple_metrics(stacked.channel_triples(
        images, lambda x: reader.features_and_probabilities(x)[1]))
    assert result.values == expected and 1 <= expected["stacked_modes"] <= 64
    assert result.protocol["samples"] == 64 and "brightness" in result.protocol["extractor"]


def test_stacked_modes_is_the_default_and_needs_the_classifier(tmp_path, monkeypatch):
    recipe = load_recipe(RECIPES[2])
    assert registry.DATASETS["stacked_mnist"].metrics == ("stacked_modes",)
    assert metrics.check_metrics(recipe, "") == ["stacked_modes"]
    with pytest.raises(metrics.EvalError, match="does not apply to ring8"):
        metrics.check_metrics(load_recipe("toy/ring8"), "stacked_modes")
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path))  # no classifier there
    with pytest.raises(ClassifierMissing) as error:
        metrics.prepare_extractor(recipe, ["stacked_modes"])
    assert "ganzoo classifier train --dataset mnist" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("pack", sorted(RECIPES))
def test_recipes_follow_table_2(pack):
    recipe = load_recipe(RECIPES[pack], overrides=TINY)
    assert recipe.data.name == "stacked_mnist" and recipe.data.num_examples == 128_000
    assert recipe.data_shape == (28, 28, 3) and recipe.model.latent_dim == 100
    assert (recipe.train.epochs, recipe.train.batch_size) == (50, 64 * pack)  # 64 packs a step
    assert (recipe.train.learning_rate, recipe.train.beta_1) == (2e-4, 0.5)
    assert recipe.model.pack == pack and recipe.model.family == ("vanilla" if pack == 1
                                                                 else "pacgan")
    gan = build_gan(recipe, with_data=False)
    assert tuple(gan.generator.output_shape[1:]) == (28, 28, 3)
    assert tuple(gan.discriminator.input_shape[1:]) == (28, 28, 3 * pack)  # packed channels

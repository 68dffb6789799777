"""The ganzoo MNIST classifier as a feature extractor, and the feature metrics of `ganzoo eval`.

A tiny classifier (1 epoch on 2,000 images) is trained into tmp_path for these tests; the
full-accuracy check (`ganzoo classifier train`, >= 98.5% on the MNIST test set) is marked slow.
"""

import json

import numpy as np
import pytest

from ganzoo import cli, runs
from ganzoo.build import build_gan
from ganzoo.data import recipe_examples
from ganzoo.eval import classifier, frechet, runner
from ganzoo.recipe import load_recipe
from tests.conftest import find_real_data_dir
from tests.helpers import TINY_MNIST



@pytest.fixture(scope="module")
def mnist_dir():
    root = find_real_data_dir("mnist")
    if root is None:
        pytest.skip("real MNIST not found: set GANZOO_DATA_DIR (see tests/conftest.py)")
    return root


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory, mnist_dir):
    """(ganzoo home, info) of a classifier trained 1 epoch on 2,000 MNIST images."""
    home = tmp_path_factory.mktemp("ganzoo-home")
    out = home / "classifiers" / "mnist.keras"
    info = classifier.train_classifier("mnist", out, epochs=1, data_dir=mnist_dir,
                                       train_examples=2000, test_examples=1000, verbose=0)
    return home, info


@pytest.fixture
def home(tiny_classifier, monkeypatch, mnist_dir):
    monkeypatch.setenv("GANZOO_HOME", str(tiny_classifier[0]))
    monkeypatch.setenv("GANZOO_DATA_DIR", str(mnist_dir))
    return tiny_classifier[0]


def test_tiny_classifier_learns_and_records_its_accuracy(tiny_classifier):
    home, info = tiny_classifier
    assert info["test_accuracy"] > 0.7  # chance is 0.1; 2,000 images for one epoch
    saved = json.loads((home / "classifiers" / "mnist.json").read_text())
    assert saved == info
    assert (saved["train_examples"], saved["test_examples"], saved["epochs"]) == (2000, 1000, 1)


def test_features_and_probabilities(home, mnist_dir):
    extractor = classifier.load_classifier("mnist")
    assert classifier.default_path("mnist") == home / "classifiers" / "mnist.keras"
    test = recipe_examples(load_recipe("goodfellow2014/mnist"), "test")
    found, probabilities = extractor.features_and_probabilities(test.x[:500])
    assert found.shape == (500, 128) and (found >= 0).all()  # ReLU features
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = np.mean(probabilities.argmax(axis=1) == test.labels[:500])
    assert accuracy > 0.7
    assert f"test accuracy {extractor.info['test_accuracy']:.4f}" in extractor.name


def test_real_images_are_closer_to_real_than_noise_is(home):
    extractor = classifier.load_classifier("mnist")
    recipe = load_recipe("goodfellow2014/mnist")
    train, test = recipe_examples(recipe, "train").x[:1000], recipe_examples(recipe, "test").x[:1000]
    noise = np.random.default_rng(0).random(test.shape).astype(np.float32)
    stats = {name: frechet.feature_statistics(extractor.features_and_probabilities(x)[0])
             for name, x in (("train", train), ("test", test), ("noise", noise))}
    real = frechet.frechet_distance(*stats["train"], *stats["test"])
    fake = frechet.frechet_distance(*stats["noise"], *stats["test"])
    assert real * 10 < fake


def test_feature_metrics_of_a_run(home, tmp_path, capsys):
    recipe = load_recipe("goodfellow2014/mnist", overrides=TINY_MNIST)
    run = tmp_path / "run"
    run.mkdir()
    (run / "recipe.toml").write_text(recipe.to_toml())
    runs.save(build_gan(recipe, with_data=False), run, 2, 20, 10)
    assert cli.main(["eval", str(run), "--metrics", "fid,kid,is,prdc", "--samples", "300",
                     "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fid"] > 0 and np.isfinite(report["kid"])
    assert 1.0 <= report["is"] <= 10.0
    for key in ("precision", "recall", "density", "coverage"):
        assert report[key] >= 0
    assert set(report["protocol"]) == {"fid", "kid", "is", "prdc"}
    protocol = report["protocol"]["fid"]
    assert protocol["samples"] == 300 and protocol["reference"] == "300 test images"
    assert protocol["extractor"].startswith("ganzoo classifier mnist.keras (test accuracy 0.")
    assert protocol["extractor"].endswith(", below the 0.985 of a full training)")  # 1 tiny epoch


def test_no_classifier_for_other_datasets():
    with pytest.raises(classifier.GanzooError, match="use --extractor inception"):
        classifier.load_classifier("cifar10")


@pytest.mark.slow
def test_full_classifier_reaches_its_accuracy(tmp_path, mnist_dir, capsys, request):
    if "slow" not in request.config.getoption("markexpr"):
        pytest.skip("trains for 2 epochs on all of MNIST (minutes); run with -m slow")
    out = tmp_path / "mnist.keras"
    assert cli.main(["classifier", "train", "--dataset", "mnist", "--out", str(out),
                     "--data-dir", str(mnist_dir)]) == 0
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["test_examples"] == 10_000 and info["test_accuracy"] >= 0.985


def test_class_balance_values_on_fixed_probabilities():
    from ganzoo.eval.metrics import class_balance_values

    # Samples: 3 of class 0 and 1 of class 1 (class 2 never); reference: 2 of each class,
    # smoothed by half a count to 2.5 each, shares 1/3.
    fake = np.eye(3)[[0, 0, 0, 1]] * 0.8 + 0.2 / 3
    reference = np.eye(3)[[0, 0, 1, 1, 2, 2]]
    values = class_balance_values(fake, reference, 3)
    expected = 0.75 * np.log(0.75 * 3) + 0.25 * np.log(0.25 * 3)
    assert values["class_kl"] == pytest.approx(expected, rel=1e-12)
    assert values["class_confidence"] == pytest.approx(0.8 + 0.2 / 3)
    assert [values[f"class_share_{c}"] for c in range(3)] == [0.75, 0.25, 0.0]
    # The reference's own shares are no divergence at all.
    assert class_balance_values(reference, reference, 3)["class_kl"] == pytest.approx(0.0, abs=1e-12)


def test_class_balance_of_a_run_beside_its_floor(home, tmp_path, capsys):
    recipe = load_recipe("goodfellow2014/mnist", overrides=TINY_MNIST)
    run = tmp_path / "run"
    run.mkdir()
    (run / "recipe.toml").write_text(recipe.to_toml())
    runs.save(build_gan(recipe, with_data=False), run, 2, 20, 10)  # an untrained generator
    assert cli.main(["eval", str(run), "--metrics", "class_balance", "--samples", "500",
                     "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    shares = [report[f"class_share_{c}"] for c in range(10)]
    assert sum(shares) == pytest.approx(1.0)
    # Real training images have nearly the test images' class shares; an untrained generator's
    # noise falls into a few classes, far from them.
    assert report["class_kl_floor"] < 0.05 < report["class_kl"]
    assert 0.1 <= report["class_confidence"] <= 1.0
    assert report["protocol"]["class_balance"]["reference"] == "500 test images' predicted classes"
    assert cli.main(["eval", str(run), "--metrics", "class_balance", "--samples", "500"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("class_balance"))
    assert "KL " in line and "(real vs real " in line and ", confidence " in line

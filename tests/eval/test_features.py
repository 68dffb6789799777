"""Feature extractors: InceptionV3's weights are found locally or refused in one line, never
downloaded; its standard input preprocessing; choosing an extractor."""

import keras
import numpy as np
import pytest

from ganzoo import cli, runs
from ganzoo.build import build_gan
from ganzoo.errors import GanzooError
from ganzoo.eval import features
from ganzoo.recipe import load_recipe


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch, tmp_path):
    """An empty home and Keras cache, and any download attempt fails the test."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(features.INCEPTION_WEIGHTS_ENV, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError(f"a download was attempted: {args} {kwargs}")

    monkeypatch.setattr(keras.utils, "get_file", refuse)


def test_absent_weights_say_where_to_put_them():
    if any((folder / name).is_file() for folder in features.keras_cache_dirs()
           for name in features.INCEPTION_FILES):
        pytest.skip("this machine has InceptionV3 weights in /tmp/.keras")
    with pytest.raises(features.InceptionWeightsMissing) as error:
        features.make_extractor("inception", "cifar10")
    message = str(error.value)
    assert "\n" not in message
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels.h5" in message
    assert "~/.keras/models/" in message and "--inception-weights PATH" in message


def test_weights_are_found_in_the_keras_cache_or_at_a_path(tmp_path, monkeypatch):
    cached = tmp_path / "keras" / "models" / features.INCEPTION_FILES[1]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert features.find_inception_weights() == cached
    given = tmp_path / "mine.h5"
    given.write_bytes(b"")
    monkeypatch.setenv(features.INCEPTION_WEIGHTS_ENV, str(given))
    assert features.find_inception_weights() == given
    with pytest.raises(features.InceptionWeightsMissing, match="nothere.h5: no such file"):
        features.find_inception_weights(tmp_path / "nothere.h5")


def test_eval_without_weights_is_a_one_line_error(tmp_path, capsys):
    recipe = load_recipe("goodfellow2014/cifar10_fc", overrides={
        "model.generator.units": [8], "model.generator.activations": ["relu"],
        "model.generator.hidden_bias": [], "model.discriminator.units": [4]})
    run = tmp_path / "run"
    run.mkdir()
    (run / "recipe.toml").write_text(recipe.to_toml())
    runs.save(build_gan(recipe, with_data=False), run, 1, 1, 1)
    assert cli.main(["eval", str(run), "--metrics", "fid"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ganzoo: error: no InceptionV3 ImageNet weights") and err.count("\n") == 1


def test_unknown_extractor():
    with pytest.raises(GanzooError, match="unknown extractor 'vgg'; choose from: classifier, inception"):
        features.make_extractor("vgg", "mnist")


def test_default_extractor_by_dataset():
    assert features.default_extractor("mnist") == "classifier"
    assert features.default_extractor("fashion_mnist") == "classifier"
    assert features.default_extractor("cifar10") == "inception"


def test_inception_preprocessing():
    images = np.zeros((3, 28, 28, 1), np.float32)
    images[1] = 1.0
    images[2] = 0.5
    x = np.asarray(features.inception_inputs(images))
    assert x.shape == (3, 299, 299, 3)
    np.testing.assert_allclose(x[0], -1.0)  # black -> -1
    np.testing.assert_allclose(x[1], 1.0)  # white -> 1
    np.testing.assert_allclose(x[2], 0.0, atol=1e-6)  # 0.5 * 255 / 127.5 - 1
    gradient = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(1, 28, 28, 1)
    y = np.asarray(features.inception_inputs(gradient))
    assert y.min() >= -1.0 and y.max() <= 1.0 and y.min() < -0.9 and y.max() > 0.9
    np.testing.assert_array_equal(y[..., 0], y[..., 2])  # grey copied into all 3 channels


def test_inception_features_with_random_weights():
    extractor = features.InceptionExtractor(None)  # weights=None: builds, downloads nothing
    rng = np.random.default_rng(0)
    found, probabilities = extractor.features_and_probabilities(rng.random((2, 32, 32, 3)))
    assert found.shape == (2, 2048) and found.dtype == np.float64
    assert probabilities is None and not extractor.has_probabilities
    assert "random weights" in extractor.name

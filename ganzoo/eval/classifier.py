"""A small MNIST / Fashion-MNIST classifier that ganzoo trains itself, as a feature extractor.

Frechet distance, KID, precision/recall and density/coverage need features of images, and the
inception score needs class probabilities. The standard network (Inception-v3 on ImageNet, see
`ganzoo.eval.features`) is a large download and knows nothing of 28x28 digits; this convnet is
trained in a minute or two on the local dataset files and gives MNIST numbers that need no
download:

    ganzoo classifier train --dataset mnist      # -> ~/.ganzoo/classifiers/mnist.keras (+ .json)

Its features are the penultimate layer (`features`, 128 ReLU units); its probabilities the
softmax output. The JSON file beside the model records the measured test accuracy, which
`ganzoo eval` reports with every number computed on these features: numbers from different
classifiers are not comparable.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np

from ganzoo.errors import GanzooError

DATASETS = ("mnist", "fashion_mnist")
HOME_ENV = "GANZOO_HOME"
# Epochs of `ganzoo classifier train`, and the test accuracy they reach (measured; see
# docs/evaluation.md): a classifier below it is flagged beside every number on its features.
DEFAULT_EPOCHS = {"mnist": 2, "fashion_mnist": 4}
EXPECTED_ACCURACY = {"mnist": 0.985, "fashion_mnist": 0.89}


class ClassifierMissing(GanzooError):
    """No trained classifier where `ganzoo eval` looks for one; the message says how to train it."""


def ganzoo_home():
    """$GANZOO_HOME, else ~/.ganzoo: where ganzoo keeps what it trains for itself."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".ganzoo").expanduser()


def default_path(dataset):
    """~/.ganzoo/classifiers/<dataset>.keras (under $GANZOO_HOME when set)."""
    return ganzoo_home() / "classifiers" / f"{dataset}.keras"


def info_path(model_path):
    """The JSON file beside a saved classifier: mnist.keras -> mnist.json."""
    return Path(model_path).with_suffix(".json")


def build_classifier(input_shape=(28, 28, 1), num_classes=10, seed=0):
    """Two conv/pool blocks, a 128-unit `features` layer and a softmax `probabilities` layer
    (about 0.2 M parameters)."""
    import keras

    x = keras.Input(input_shape, name="image")
    h = x
    for i, filters in enumerate((32, 64)):
        h = keras.layers.Conv2D(filters, 3, activation="relu", name=f"conv_{i}",
                                kernel_initializer=keras.initializers.GlorotUniform(seed + i))(h)
        h = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    features = keras.layers.Dense(128, activation="relu", name="features",
                                  kernel_initializer=keras.initializers.GlorotUniform(seed + 2))(h)
    h = keras.layers.Dropout(0.25, seed=seed, name="dropout")(features)
    probabilities = keras.layers.Dense(num_classes, activation="softmax", name="probabilities",
                                       kernel_initializer=keras.initializers.GlorotUniform(seed + 3))(h)
    return keras.Model(x, probabilities, name="classifier")


def train_classifier(dataset, out=None, epochs=None, data_dir="", train_examples=0,
                     test_examples=0, batch_size=128, seed=0, verbose="auto"):
    """Train the classifier on `dataset`'s training split, measure its test accuracy, save both.

    Args:
      dataset: `mnist` or `fashion_mnist`, read like a recipe's data (local files under
        `data_dir` or $GANZOO_DATA_DIR, else a prepared TFDS copy).
      out: the .keras file; default `default_path(dataset)`.
      epochs: default DEFAULT_EPOCHS[dataset].
      train_examples, test_examples: use only the first N of each split (0 = all); for tests.

    Returns the info dict written beside the model (test accuracy, counts, seconds).
    """
    import keras

    if dataset not in DATASETS:
        raise GanzooError(f"no classifier for dataset {dataset!r}; choose from: {', '.join(DATASETS)}")
    out = Path(out) if out else default_path(dataset)
    epochs = epochs or DEFAULT_EPOCHS[dataset]
    if out.suffix != ".keras":
        raise GanzooError(f"--out {out}: the classifier file must end in .keras")
    train, test = _load_split(dataset, "train", data_dir), _load_split(dataset, "test", data_dir)
    if train_examples:
        train = (train[0][:train_examples], train[1][:train_examples])
    if test_examples:
        test = (test[0][:test_examples], test[1][:test_examples])
    keras.utils.set_random_seed(seed)
    model = build_classifier(train[0].shape[1:], seed=seed)
    steps = epochs * math.ceil(len(train[0]) / batch_size)
    # Cosine decay to 0: 2 epochs reach >= 98.8% on MNIST where a constant rate needs 3-4.
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    started = time.monotonic()
    model.fit(train[0], train[1], batch_size=batch_size, epochs=epochs, verbose=verbose)
    seconds = time.monotonic() - started
    _, accuracy = model.evaluate(test[0], test[1], batch_size=1000, verbose=0)
    info = {"dataset": dataset, "test_accuracy": round(float(accuracy), 5),
            "test_examples": int(len(test[0])), "train_examples": int(len(train[0])),
            "epochs": int(epochs), "train_seconds": round(seconds, 1),
            "keras_version": keras.__version__}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{out.name}")
    model.save(partial)
    os.replace(partial, out)
    info_path(out).write_text(json.dumps(info, indent=2) + "\n")
    return info


def _load_split(dataset, split, data_dir):
    from ganzoo.config import DataConfig
    from ganzoo.data import load_examples

    examples = load_examples(DataConfig(name=dataset, dir=str(data_dir or "")), split, seed=0)
    return examples.x, examples.labels


class ClassifierExtractor:
    """Features and class probabilities from a saved ganzoo classifier.

    Images go in as float [N, 28, 28, 1] with pixels in [0, 1] (a `unit` recipe's range).
    """

    def __init__(self, path, dataset):
        import keras

        self.path = Path(path)
        self.info = _read_info(self.path)
        model = keras.models.load_model(self.path, compile=False)
        self.model = keras.Model(model.inputs,
                                 [model.get_layer("features").output, model.outputs[0]])
        self.input_shape = tuple(model.inputs[0].shape[1:])
        self.dataset = dataset
        self.has_probabilities = True
        self.name = f"ganzoo classifier {self.path.name} ({self.accuracy_note()})"

    def accuracy_note(self):
        """'test accuracy 0.9886', flagged when below what the default training reaches."""
        accuracy = self.info.get("test_accuracy")
        if accuracy is None:
            return f"test accuracy unknown: no {info_path(self.path).name}"
        expected = EXPECTED_ACCURACY.get(self.dataset, 0.0)
        low = f", below the {expected} of a full training" if accuracy < expected else ""
        return f"test accuracy {accuracy:.4f}{low}"

    def features_and_probabilities(self, images, batch_size=500, verbose=False):
        """(features float64 [N, 128], probabilities float64 [N, classes])."""
        images = np.asarray(images, np.float32)
        if images.shape[1:] != self.input_shape:
            raise GanzooError(f"{self.path}: the classifier takes images of shape "
                              f"{self.input_shape}, not {images.shape[1:]}")
        features, probabilities = self.model.predict(images, batch_size=batch_size,
                                                     verbose=1 if verbose else 0)
        return features.astype(np.float64), probabilities.astype(np.float64)


def classifier_path(dataset, path=None):
    """Where the saved classifier for `dataset` is, or a one-line ClassifierMissing saying how
    to train it (a check before any work that loads nothing)."""
    if dataset not in DATASETS:
        raise GanzooError(f"the ganzoo classifier exists for {', '.join(DATASETS)} only, not "
                          f"{dataset}; use --extractor inception")
    path = Path(path) if path else default_path(dataset)
    if not path.is_file():
        raise ClassifierMissing(f"no {dataset} classifier at {path}; train it (1-2 min) with: "
                                f"ganzoo classifier train --dataset {dataset}")
    return path


def load_classifier(dataset, path=None):
    """The saved classifier for `dataset`, or a one-line ClassifierMissing saying how to train it."""
    return ClassifierExtractor(classifier_path(dataset, path), dataset)


def _read_info(path):
    try:
        return json.loads(info_path(path).read_text())
    except (OSError, ValueError):
        return {}

"""Pluggable feature extractors for the image metrics (FID, KID, inception score, PRDC).

An extractor turns images with pixels in [0, 1] into features (for FID, KID, PRDC) and class
probabilities (for the inception score), and has a `name` that is reported beside every number
computed on its features: numbers from different extractors are not comparable.

- `classifier`: the small convnet ganzoo trains itself on MNIST or Fashion-MNIST
  (`ganzoo.eval.classifier`); the default for those datasets; needs no download.
- `inception`: Keras' InceptionV3 with ImageNet weights the user already has, from
  `--inception-weights PATH`, $GANZOO_INCEPTION_WEIGHTS or the Keras cache
  (~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels[_notop].h5). ganzoo never
  downloads them. Features are the 2048-d average pool; probabilities the 1000 ImageNet classes
  (with the full, "top" weights only). Note that Keras' InceptionV3 is not the 2015 TensorFlow
  graph that published FIDs use (pytorch-fid, TTUR): its FIDs are comparable with each other,
  not with papers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganzoo.errors import GanzooError

INCEPTION_WEIGHTS_ENV = "GANZOO_INCEPTION_WEIGHTS"
INCEPTION_FILES = ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                   "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
INCEPTION_SIZE = 299


class InceptionWeightsMissing(GanzooError):
    """No InceptionV3 weights file; the message says where to put one."""


def default_extractor(dataset):
    """`classifier` where ganzoo can train one for the dataset, else `inception`."""
    from ganzoo.eval.classifier import DATASETS

    return "classifier" if dataset in DATASETS else "inception"


def make_extractor(name, dataset, inception_weights=None, classifier_path=None):
    """The extractor `name` (`classifier` or `inception`; empty or `auto`: the dataset's default)."""
    name = default_extractor(dataset) if name in (None, "", "auto") else name
    if name not in EXTRACTORS:
        raise GanzooError(f"unknown extractor {name!r}; choose from: {', '.join(EXTRACTORS)}")
    if name == "classifier":
        from ganzoo.eval.classifier import load_classifier

        return load_classifier(dataset, classifier_path)
    return InceptionExtractor(find_inception_weights(inception_weights))


def keras_cache_dirs():
    """Where Keras keeps downloaded files: $KERAS_HOME, ~/.keras, and its /tmp fallback."""
    homes = [os.environ.get("KERAS_HOME"), Path.home() / ".keras", "/tmp/.keras"]
    return [Path(home).expanduser() / "models" for home in homes if home]


def find_inception_weights(path=None):
    """A weights file from `path`, $GANZOO_INCEPTION_WEIGHTS or the Keras cache; else a one-line
    InceptionWeightsMissing saying where to put it (ganzoo never downloads weights)."""
    path = path or os.environ.get(INCEPTION_WEIGHTS_ENV)
    if path:
        path = Path(path).expanduser()
        if not path.is_file():
            raise InceptionWeightsMissing(f"InceptionV3 weights {path}: no such file")
        return path
    for folder in keras_cache_dirs():
        for name in INCEPTION_FILES:
            if (folder / name).is_file():
                return folder / name
    raise InceptionWeightsMissing(
        f"no InceptionV3 ImageNet weights: put {INCEPTION_FILES[0]} (from the Keras applications "
        f"release) in ~/.keras/models/, or pass --inception-weights PATH or set "
        f"{INCEPTION_WEIGHTS_ENV}; ganzoo does not download them")


def inception_inputs(images):
    """The standard InceptionV3 input: bilinear resize to 299x299, grey copied to 3 channels,
    pixels in [0, 1] scaled to [-1, 1] as `keras.applications.inception_v3.preprocess_input`
    does to 0..255 values."""
    import keras
    import tensorflow as tf

    x = tf.clip_by_value(tf.convert_to_tensor(images, tf.float32), 0.0, 1.0) * 255.0
    if x.shape[-1] == 1:
        x = tf.image.grayscale_to_rgb(x)
    x = tf.image.resize(x, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    return keras.applications.inception_v3.preprocess_input(x)


class InceptionExtractor:
    """Keras InceptionV3: 2048-d average-pool features and, with the top weights, ImageNet
    probabilities. `weights` is a file path, or None for random weights (tests only)."""

    def __init__(self, weights):
        import keras

        top = weights is not None and "notop" not in Path(weights).name
        try:
            model = keras.applications.InceptionV3(
                include_top=top, weights=str(weights) if weights else None,
                pooling=None if top else "avg")
        except (ValueError, OSError) as error:
            raise GanzooError(f"InceptionV3 weights {weights}: cannot load them: "
                              f"{' '.join(str(error).split())}") from None
        outputs = [model.get_layer("avg_pool").output, model.output] if top else [model.output]
        self.model = keras.Model(model.inputs, outputs)
        self.has_probabilities = top
        self.weights = Path(weights) if weights else None  # keys cached floors (eval/floors.py)
        self.name = f"Keras InceptionV3 ({Path(weights).name if weights else 'random weights'})"

    def features_and_probabilities(self, images, batch_size=50, verbose=False):
        """(features float64 [N, 2048], probabilities float64 [N, 1000] or None)."""
        import keras

        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise GanzooError(f"InceptionV3 takes grey or RGB images, not shape {images.shape[1:]}")
        bar = keras.utils.Progbar(len(images), unit_name="image") if verbose else None
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            outputs = self.model(inception_inputs(images[start:start + batch_size]), training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            features.append(np.asarray(outputs[0], np.float64))
            if self.has_probabilities:
                probabilities.append(np.asarray(outputs[1], np.float64))
            if bar is not None:
                bar.update(min(start + batch_size, len(images)))
        return (np.concatenate(features),
                np.concatenate(probabilities) if self.has_probabilities else None)


# Plain dict, so grep finds every extractor; `make_extractor` builds them.
EXTRACTORS = {
    "classifier": "the ganzoo MNIST / Fashion-MNIST classifier (ganzoo classifier train)",
    "inception": "Keras InceptionV3 with local ImageNet weights",
}

"""Streamed images in TensorFlow: decode, resize the shorter side, centre-crop, scale.

Every image of a `folder` or `tfds:NAME` dataset goes through `decode`, for training
(`ganzoo.data.pipeline.stream_dataset`) and for evaluation (`decode_subset`) alike:

    uint8 image of any size -> shorter side resized to S (bilinear, antialiased; the other side
    keeps the aspect ratio) -> the centre S x S -> rounded to uint8 -> `unit` [0, 1] or
    `symmetric` [-1, 1], with the same arithmetic as the in-memory datasets.

Rounding to uint8 makes a resized image the one a user would have stored at that size.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def example_reader(examples, scale=True):
    """index (scalar int64 tensor) -> {"x": float32 examples.shape} (+ "label" when labelled);
    without `scale`, "x" is the uint8 image."""
    size, channels = examples.shape[0], examples.shape[-1]

    def read(index):
        encoded, label = examples.source.read(index)
        x = decode(encoded, size, channels)
        x = to_pixels(x, examples.preprocess) if scale else x
        return {"x": x} if label is None else {"x": x, "label": label}

    return read


def decode(encoded, size, channels):
    """uint8 [size, size, channels] of one encoded PNG or JPEG (any size)."""
    image = tf.io.decode_image(encoded, channels=channels, expand_animations=False)
    return resize_and_crop(image, size)


def resize_and_crop(image, size):
    """The centre size x size of `image` (uint8 [H, W, C]) with its shorter side resized to
    `size`; an image already size x size is returned as it is."""
    height, width = tf.shape(image)[0], tf.shape(image)[1]

    def resized():
        scale = size / tf.cast(tf.minimum(height, width), tf.float64)

        def scaled(side):
            return tf.maximum(size, tf.cast(tf.round(tf.cast(side, tf.float64) * scale), tf.int32))

        new_height, new_width = scaled(height), scaled(width)
        larger = tf.image.resize(image, [new_height, new_width], method="bilinear", antialias=True)
        top, left = (new_height - size) // 2, (new_width - size) // 2
        crop = larger[top:top + size, left:left + size]
        return tf.cast(tf.round(tf.clip_by_value(crop, 0.0, 255.0)), tf.uint8)

    same = tf.logical_and(tf.equal(height, size), tf.equal(width, size))
    out = tf.cond(same, lambda: image, resized)
    return tf.ensure_shape(out, [size, size, image.shape[-1]])


def to_pixels(image, preprocess):
    """float32 pixels of a uint8 image: `unit` x / 255, `symmetric` x / 255 * 2 - 1 (the same
    float32 operations as `ganzoo.data.images.load_images`)."""
    x = tf.cast(image, tf.float32) / 255.0
    return x * 2.0 - 1.0 if preprocess == "symmetric" else x


def decode_subset(examples, count):
    """The first `count` streamed examples (all if fewer), decoded: float32 [n, *shape]."""
    return decode_all(examples, count)["x"]


def decode_all(examples, count=None, scale=True, batch=256):
    """The first `count` (default: all) streamed examples, decoded, in order:
    {"x": float32 [n, *shape] (uint8 without `scale`)} (+ "label": int64 [n] when labelled)."""
    n = len(examples) if count is None else min(count, len(examples))
    rows = tf.data.Dataset.range(n).map(example_reader(examples, scale),
                                        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    try:
        parts = [{name: value.numpy() for name, value in part.items()}
                 for part in rows.batch(batch).prefetch(2)]
    except tf.errors.InvalidArgumentError as error:  # a file whose header looked right
        raise undecodable(examples, n, error) from None
    if not parts:
        return {"x": np.zeros((0, *examples.shape), np.float32 if scale else np.uint8)}
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def undecodable(examples, n, error):
    """The DataError for a decoding failure among the first `n` examples, naming the first
    broken one (looked for one by one: only when something failed)."""
    from ganzoo.errors import DataError

    read = example_reader(examples, scale=False)
    for i in range(n):
        try:
            read(tf.constant(i, tf.int64))
        except tf.errors.InvalidArgumentError:
            paths = getattr(examples.source, "paths", None)
            path = paths[i].decode() if paths is not None and isinstance(paths[i], bytes) else (
                paths[i] if paths is not None else None)
            where = f"image {path}" if path is not None else f"example {i}"
            return DataError(f"{examples.name}: {where} cannot be decoded (its header looked "
                             f"right: a truncated or damaged file?): {first_line(error)}")
    return DataError(f"{examples.name}: an image cannot be decoded: {first_line(error)}")


def first_line(error):
    """TensorFlow's message without its op and node details."""
    message = str(getattr(error, "message", error)).strip().splitlines()[0]
    return message.split("}} ")[-1].split(" [[")[0].strip()

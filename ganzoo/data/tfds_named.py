"""Any prepared TFDS image dataset by name: `[data] name = "tfds:celeb_a"`, streamed from disk.

    [data]
    name = "tfds:celeb_a"   # from $TFDS_DATA_DIR (else ~/tensorflow_datasets); never downloaded
    image_size = 64         # shorter side resized to 64, then centre-cropped (0: the stored size)

`load_named` indexes the split's TFRecord shards (shard, offset and length of every record: 20
bytes each in memory) and the training stream reads record i with one `pread`, so any example
is read in any order, decoded by `ganzoo.data.decode` like a folder's images. The image is the
builder's Image feature ("image" if it has several), the label its ClassLabel feature ("label"
if several), when it has one. A copy that is not prepared is a one-line DataError naming the
dataset and the data dir, found without importing tensorflow_datasets.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
import struct
import threading
from dataclasses import dataclass

import numpy as np

from ganzoo.data.examples import DataError, StreamedExamples, check_split
from ganzoo.data.images import PIXEL_RANGES
from ganzoo.data.images import split_ranges
from ganzoo.data.tfds import tfds_data_dir


def named_spec(config, template):
    """The DatasetSpec of a tfds:NAME recipe: its shape from [data].image_size and channels or
    the image feature's, its classes from its ClassLabel feature (read from the dataset info)."""
    image, label = named_features(config)
    return dataclasses.replace(template, shape=named_shape(config, image),
                               classes=label[1].num_classes if label else 0)


def load_named(config, split) -> StreamedExamples:
    """The `split` of a tfds:NAME dataset, streamed from its TFRecord shards.

    `train` and `validation` are [data].train / .validation ranges of its `train` split (as for
    MNIST); `test` is its `test` split when it has one, else the validation range when one is
    set, else the training range.
    """
    check_split(config.name, split)
    builder = named_builder(config)
    splits = builder.info.splits
    if "train" not in splits:
        raise DataError(f"{config.name}: has no 'train' split (its splits: {', '.join(splits)})")
    image, label = named_features(config)
    if split == "test" and "test" in splits:
        index, chosen = record_index(config, "test", image, label), slice(None)
    else:
        index = record_index(config, "train", image, label)
        train, validation = split_ranges(config, config.name, len(index), split)
        chosen = validation if split != "train" and validation else train
    return StreamedExamples(index.part(chosen), config.name, named_shape(config, image),
                            config.preprocess, PIXEL_RANGES[config.preprocess])


def named_shape(config, image):
    """(size, size, channels) of a tfds:NAME recipe's examples."""
    key, feature = image
    height, width, own_channels = feature.shape
    if not config.image_size and (height is None or width is None or height != width):
        raise DataError(f"{config.name}: its images ({key}: {feature.shape}) are not of one "
                        f"square size; set [data].image_size to resize and centre-crop them")
    size = config.image_size or height
    return (size, size, config.channels or own_channels or 3)


def named_builder(config):
    """The prepared TFDS builder a tfds:NAME recipe names, or a one-line DataError."""
    return _named_builder(config.name.removeprefix("tfds:"), tfds_data_dir())


@functools.lru_cache(maxsize=8)
def _named_builder(name, data_dir):
    folder = name.split("/")[0].split(":")[0]
    where = f"tfds:{name}: no prepared TFDS copy in {data_dir}"
    build = (f"run `tfds build {name}` on a machine with internet and copy its {folder}/ "
             "folder there (or set $TFDS_DATA_DIR); ganzoo never downloads")
    if "://" not in data_dir and not (pathlib.Path(data_dir) / folder).is_dir():
        raise DataError(f"{where}; {build}")
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataError(f"tfds:{name} needs tensorflow-datasets: pip install "
                        "'tensorflow-datasets>=4.9.10' importlib_resources") from None
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        prepared = builder.is_prepared()
    except Exception as error:  # tfds raises several kinds for an unknown or damaged copy
        raise DataError(f"{where} that it can read ({str(error).splitlines()[0]}); "
                        f"{build}") from None
    if not prepared:
        raise DataError(f"{where}; {build}")
    return builder


def named_features(config):
    """((image key, Image feature), (label key, ClassLabel feature) or None) of the builder."""
    import tensorflow_datasets as tfds

    features = named_builder(config).info.features
    items = list(features.items()) if hasattr(features, "items") else []
    images = [(key, f) for key, f in items if isinstance(f, tfds.features.Image)]
    labels = [(key, f) for key, f in items if isinstance(f, tfds.features.ClassLabel)]
    if not images:
        raise DataError(f"{config.name}: has no image feature (its features: "
                        f"{', '.join(sorted(key for key, _ in items)) or 'none'}); ganzoo "
                        "trains on image datasets")
    return _preferred(images, "image"), _preferred(labels, "label") if labels else None


def _preferred(found, name):
    return next((item for item in found if item[0] == name), found[0])


@dataclass(frozen=True, eq=False)
class RecordIndex:
    """Where each serialized example of a TFDS split lies: shard file, byte offset, length."""

    files: tuple
    shard: np.ndarray
    offset: np.ndarray
    length: np.ndarray
    image_key: str
    label_key: str | None
    _open: dict = dataclasses.field(default_factory=dict, repr=False)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def __len__(self):
        return len(self.offset)

    @property
    def labelled(self):
        return self.label_key is not None

    def part(self, chosen):
        return RecordIndex(self.files, self.shard[chosen], self.offset[chosen],
                           self.length[chosen], self.image_key, self.label_key)

    def read(self, index):
        """(encoded image bytes, label or None) of example `index` (a scalar int64 tensor)."""
        import tensorflow as tf

        record = tf.numpy_function(self.record, [index], tf.string, stateful=False)
        spec = {self.image_key: tf.io.FixedLenFeature([], tf.string)}
        if self.label_key:
            spec[self.label_key] = tf.io.FixedLenFeature([], tf.int64)
        example = tf.io.parse_single_example(tf.ensure_shape(record, []), spec)
        return example[self.image_key], example.get(self.label_key) if self.label_key else None

    def record(self, index):
        """The serialized tf.train.Example of example `index` (one pread, any thread)."""
        shard = int(self.shard[index])
        with self._lock:
            fd = self._open.get(shard)
            if fd is None:
                fd = self._open[shard] = os.open(self.files[shard], os.O_RDONLY)
        return np.array(os.pread(fd, int(self.length[index]), int(self.offset[index])), object)


def record_index(config, split, image, label):
    """The RecordIndex of one of the builder's own splits (its shards' record headers read)."""
    builder = named_builder(config)
    if str(builder.info.file_format).lower().find("tfrecord") < 0:
        raise DataError(f"{config.name}: stored as {builder.info.file_format}; ganzoo streams "
                        "TFRecord copies (the TFDS default): rebuild it with --file_format "
                        "tfrecord")
    files = tuple(str(path) for path in builder.info.splits[split].filepaths)
    return _index_shards(files, image[0], label[0] if label else None)


@functools.lru_cache(maxsize=8)
def _index_shards(files, image_key, label_key):
    shards, offsets, lengths = [], [], []
    for number, path in enumerate(files):
        with open(path, "rb") as file:
            size, position = os.fstat(file.fileno()).st_size, 0
            while position < size:
                header = file.read(12)  # uint64 length, uint32 masked CRC of the length
                if len(header) < 12:
                    raise DataError(f"{path}: a truncated TFRecord file; prepare the dataset again")
                (length,) = struct.unpack("<Q", header[:8])
                shards.append(number)
                offsets.append(position + 12)
                lengths.append(length)
                position += 12 + length + 4  # the data and its masked CRC
                file.seek(position)
    return RecordIndex(files, np.array(shards, np.int32), np.array(offsets, np.int64),
                       np.array(lengths, np.int64), image_key, label_key)

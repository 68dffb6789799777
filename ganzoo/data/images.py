"""Image datasets: pick a source (local files or prepared TFDS), cut the split, preprocess.

Both sources yield the same uint8 pixels, so one preprocessing path serves both and a model
trained on one reads the other identically.

Splits (`DataConfig.train` / `.validation` are [start, stop) ranges, stop = 0 meaning the end):
- mnist, fashion_mnist, cifar10: `train` and `validation` are ranges of the official training
  split (the paper trains on MNIST train[0:50000] and validates on train[50000:60000]);
  `test` is the official test split. Validation [0, 0] means "none": asking for it is an error.
- tfd (pylearn2's TFD, fold 0): `train` is the range of the unlabeled images (the paper's GAN
  trained on them), `validation` the 'valid' fold, `test` the 'test' fold.
"""

from __future__ import annotations

import functools

import numpy as np

from ganzoo.data import local, tfds
from ganzoo.data.examples import DataError, Examples, check_split

# The fixed interval each `[data].preprocess` puts pixels in; `gcn` has none (each image has
# its own). Eval, export and pictures map these back to [0, 1] from here.
PIXEL_RANGES = {"unit": (0.0, 1.0), "symmetric": (-1.0, 1.0)}

_LOCAL_FILES = {
    "mnist": "the four IDX .gz files",
    "fashion_mnist": "the four IDX .gz files",
    "cifar10": local.CIFAR10_FILE,
    "tfd": local.TFD_FILE,
}


def load_images(config, split: str) -> Examples:
    """The `split` of image dataset `config.name` (a DataConfig), preprocessed, channels-last."""
    check_split(config.name, split)
    read = _reader(config)
    if config.name == "tfd":
        images, labels = _tfd_split(config, read, split)
    else:
        images, labels = _official_split(config, read, split)
    if config.preprocess == "gcn":
        x = global_contrast_normalize(images, scale=config.gcn_scale)
        value_range = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    else:
        x = images.astype(np.float32)
        x /= 255.0
        if config.preprocess == "symmetric":  # [-1, 1], a tanh generator's range (DCGAN)
            x *= 2.0
            x -= 1.0
        value_range = PIXEL_RANGES[config.preprocess]
    return Examples.build(x, labels, config.name, value_range)


def global_contrast_normalize(images: np.ndarray, scale: float = 1.0, subtract_mean: bool = True,
                              use_std: bool = False, sqrt_bias: float = 0.0,
                              min_divisor: float = 1e-8) -> np.ndarray:
    """pylearn2's `global_contrast_normalize`, per image, on its raw 0..255 values.

    Each image (flattened) minus its own mean, divided by its L2 norm sqrt(sum of squares),
    times `scale` (use_std divides by the standard deviation instead, ddof=1); a divisor below
    `min_divisor` is replaced by 1. The paper's CIFAR-10 used pylearn2's CIFAR10(gcn=55.), i.e.
    these defaults with scale 55: every image then has mean 0 and L2 norm 55.
    Returns float32 of the input's shape; works in row blocks to bound memory.
    """
    flat = images.reshape(len(images), -1)
    out = np.empty(flat.shape, dtype=np.float32)
    for start in range(0, len(flat), 4096):
        block = flat[start:start + 4096].astype(np.float32)
        if subtract_mean:
            block -= block.mean(axis=1, keepdims=True)
        if use_std:
            normalizers = np.sqrt(sqrt_bias + block.var(axis=1, ddof=1)) / scale
        else:
            normalizers = np.sqrt(sqrt_bias + (block**2).sum(axis=1)) / scale
        normalizers[normalizers < min_divisor] = 1.0
        out[start:start + 4096] = block / normalizers[:, None]
    return out.reshape(images.shape)


def _reader(config):
    """A function own_split -> (uint8 images, labels) from the source the config asks for."""
    name = config.name
    root = local.resolve_data_dir(config)
    folder = local.dataset_dir(root, name) if root else None
    if folder and config.source in ("auto", "local"):
        return functools.partial(local.read_split, name, folder)
    files = f"{_LOCAL_FILES[name]} (layout: ganzoo/data/local.py)"
    if root:
        where, put = f"under {root / name}", f"put {files} there"
    else:
        where = "([data].dir and $GANZOO_DATA_DIR are empty)"
        put = f"set $GANZOO_DATA_DIR to a folder whose {name}/ holds {files}"
    if config.source == "local" or name not in tfds.TFDS_NAMES:
        if config.source == "tfds":
            raise DataError(f"{name}: not in TensorFlow Datasets; set [data].source = "
                            f"'local' and {put}")
        raise DataError(f"{name}: no local files {where}; {put}")
    if tfds.has_prepared_copy(name):
        return functools.partial(tfds.read_split, name)
    build = (f"run `tfds build {name}` on a machine with internet and copy it to "
             f"{tfds.tfds_data_dir()}")
    if config.source == "tfds":
        raise DataError(f"{name}: no prepared TFDS copy in {tfds.tfds_data_dir()}; {build}")
    raise DataError(f"{name}: no local files {where} and no prepared TFDS copy in "
                    f"{tfds.tfds_data_dir()}; {put}, or {build}")


def _official_split(config, read, split):
    images, labels = read("test" if split == "test" else "train")
    if split == "test":
        return images, labels
    train, validation = split_ranges(config, config.name, len(images), split)
    chosen = train if split == "train" else validation
    return images[chosen], labels[chosen]


def split_ranges(config, what, n, split):
    """(train, validation) slices of `n` examples from [data].train and [data].validation
    (validation None when [0, 0]); a DataError naming `what` if they overlap, or if `split` is
    "validation" and there is none. The examples given: a tenth held out."""
    train = _range(config, "train", n)
    validation = _range(config, "validation", n)
    cut = n - n // 10
    if validation and train.start < validation.stop and validation.start < train.stop:
        raise DataError(f"{what}: [data].train {config.train} overlaps [data].validation "
                        f"{config.validation}; make them disjoint, e.g. [0, {cut}] and "
                        f"[{cut}, 0]")
    if split == "validation" and validation is None:
        raise DataError(f"{what}: no validation range; set [data].validation, e.g. "
                        f"[{cut}, 0] with [data].train = [0, {cut}]")
    return train, validation


def _tfd_split(config, read, split):
    if list(config.validation) != [0, 0]:
        raise DataError(f"tfd: [data].validation = {config.validation}, but TFD validates on "
                        "pylearn2's 'valid' fold; set [data].validation = [0, 0]")
    if split != "train":
        return read("valid" if split == "validation" else "test")
    images, _ = read("unlabeled")
    return images[_range(config, "train", len(images))], None


def _range(config, key: str, n: int) -> slice | None:
    """The slice [start, stop) of `[data].<key>`; None for an empty validation [0, 0]."""
    start, stop = getattr(config, key)
    if key == "validation" and start == stop == 0:
        return None
    if not 0 <= start < (stop or n) <= n:
        raise DataError(f"{config.name}: [data].{key} = [{start}, {stop}] is not a range of its "
                        f"{n} training examples; use 0 <= start < stop <= {n} (stop 0 = the end)")
    return slice(start, stop or n)

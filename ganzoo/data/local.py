"""Readers for dataset files a user keeps on disk: uint8 pixels, exactly as released.

The data dir (`[data].dir`, else $GANZOO_DATA_DIR) is laid out like this:

    mnist/          train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
                    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
    fashion_mnist/  the same four names
    cifar10/        cifar-10-python.tar.gz   (the official python-pickle tarball)
    tfd/            TFD_48x48.mat            (the Toronto Face Database, as pylearn2 read it)

MNIST, Fashion-MNIST and CIFAR-10 files are checked against their published SHA-256 before
they are parsed (so only the official CIFAR-10 tarball is ever unpickled). TFD has no public
checksum; its keys and shapes are checked instead.

Each reader returns `(images uint8 [N, H, W, C], labels int64 [N] or None)` for one of the
dataset's own splits: `train`/`test`, or for TFD `unlabeled`/`train`/`valid`/`test`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pathlib
import pickle
import tarfile
import zlib

import numpy as np

from ganzoo.data.examples import DataError

DATA_DIR_ENV = "GANZOO_DATA_DIR"

IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
CIFAR10_FILE = "cifar-10-python.tar.gz"
TFD_FILE = "TFD_48x48.mat"

# Published SHA-256 of each file, by (dataset, file name). Tests point an entry at a synthetic
# stand-in's hash; the check itself is never skipped.
KNOWN_SHA256 = {
    ("mnist", "train-images-idx3-ubyte.gz"):
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ("mnist", "train-labels-idx1-ubyte.gz"):
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ("mnist", "t10k-images-idx3-ubyte.gz"):
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ("mnist", "t10k-labels-idx1-ubyte.gz"):
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ("fashion_mnist", "train-images-idx3-ubyte.gz"):
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    ("fashion_mnist", "train-labels-idx1-ubyte.gz"):
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    ("fashion_mnist", "t10k-images-idx3-ubyte.gz"):
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    ("fashion_mnist", "t10k-labels-idx1-ubyte.gz"):
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    # MD5 c58f30108f718f92721af3b95e74349a on https://www.cs.toronto.edu/~kriz/cifar.html
    ("cifar10", CIFAR10_FILE):
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
}

# pylearn2's TFD fold values (pylearn2/datasets/tfd.py, TFD.mapper), read from fold 0.
TFD_FOLD_VALUES = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}

_IDX_MAGIC = {3: 2051, 1: 2049}  # by number of dimensions: images, labels


def resolve_data_dir(config) -> pathlib.Path | None:
    """The data dir for a DataConfig: `[data].dir`, else $GANZOO_DATA_DIR, else None."""
    text = config.dir or os.environ.get(DATA_DIR_ENV, "")
    return pathlib.Path(text).expanduser() if text else None


def dataset_dir(root: pathlib.Path, name: str) -> pathlib.Path | None:
    """`root/name` when it is a directory, else None (no local copy)."""
    path = root / name
    return path if path.is_dir() else None


def read_split(name: str, folder: pathlib.Path, split: str):
    """(images uint8 [N, H, W, C], labels int64 [N] or None) of one of the dataset's splits."""
    if name in ("mnist", "fashion_mnist"):
        images_file, labels_file = (folder / f for f in IDX_FILES[split])
        images = read_idx(images_file, verify(name, images_file), ndim=3)
        labels = read_idx(labels_file, verify(name, labels_file), ndim=1)
        if len(images) != len(labels):
            raise DataError(f"{images_file}: {len(images)} images but {labels_file.name} has "
                            f"{len(labels)} labels; re-download both")
        return images[..., None], labels.astype(np.int64)
    if name == "cifar10":
        path = folder / CIFAR10_FILE
        return read_cifar10(path, verify(name, path))[split]
    if name == "tfd":
        return read_tfd(find_tfd_file(folder))[split]
    raise DataError(f"{name}: no local reader; choose from: mnist, fashion_mnist, cifar10, tfd")


def verify(name: str, path: pathlib.Path) -> tuple:
    """Check `path` against KNOWN_SHA256 and return its cache key (path, size, mtime)."""
    key = file_key(path)
    expected = KNOWN_SHA256[(name, path.name)]
    got = _sha256(*key)
    if got != expected:
        raise DataError(f"{path}: SHA-256 mismatch (got {got}, expected {expected}); "
                        "re-download it")
    return key


def file_key(path: pathlib.Path) -> tuple:
    """(absolute path, size, mtime_ns): changes whenever the file does."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataError(f"{path}: missing; put it there (the layout is in the docstring of "
                        "ganzoo/data/local.py)") from None
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime so each file is hashed once per process (26 MB takes ~0.1 s).
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_idx(path: pathlib.Path, key: tuple, ndim: int) -> np.ndarray:
    """A gzipped IDX file (http://yann.lecun.com/exdb/mnist/) as a read-only uint8 array."""
    return _read_idx(*key, ndim=ndim)


@functools.lru_cache(maxsize=8)
def _read_idx(path: str, size: int, mtime_ns: int, ndim: int) -> np.ndarray:
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: not a readable gzip file ({error}); re-download it") from None
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes); re-download it")
    magic, *dims = np.frombuffer(raw, dtype=">u4", count=1 + ndim).tolist()
    if magic != _IDX_MAGIC[ndim]:
        raise DataError(f"{path}: IDX magic number {magic}, expected {_IDX_MAGIC[ndim]} "
                        f"(a {ndim}-D uint8 array); re-download it")
    if len(raw) != header_size + int(np.prod(dims)):
        raise DataError(f"{path}: {len(raw) - header_size} data bytes, header says "
                        f"{'x'.join(map(str, dims))}; re-download it")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims)
    array.setflags(write=False)
    return array


@functools.lru_cache(maxsize=1)
def _read_cifar10_cached(path: str, size: int, mtime_ns: int) -> dict:
    members = {f"data_batch_{i}": "train" for i in range(1, 6)} | {"test_batch": "test"}
    parts = {"train": [], "test": []}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member, split in members.items():
                f = tar.extractfile(f"cifar-10-batches-py/{member}")
                parts[split].append(pickle.load(f, encoding="bytes"))
    except (OSError, EOFError, KeyError, tarfile.TarError, pickle.UnpicklingError) as error:
        raise DataError(f"{path}: not the cifar-10-python tarball ({error}); "
                        "re-download it") from None
    splits = {}
    for split, batches in parts.items():
        # The tarball stores each image as 3072 bytes: the R, G and B 32x32 planes in turn.
        data = np.concatenate([np.asarray(b[b"data"], dtype=np.uint8) for b in batches])
        labels = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in batches])
        if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
            raise DataError(f"{path}: {split} data has shape {data.shape} for {len(labels)} "
                            "labels, expected [N, 3072]; re-download it")
        images = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        images.setflags(write=False)
        labels.setflags(write=False)
        splits[split] = (images, labels)
    return splits


def read_cifar10(path: pathlib.Path, key: tuple) -> dict:
    """{'train': (uint8 [50000, 32, 32, 3], labels), 'test': ...} from the official tarball."""
    return _read_cifar10_cached(*key)


def find_tfd_file(folder: pathlib.Path) -> pathlib.Path:
    """`tfd/TFD_48x48.mat`, else the only .mat file in `tfd/`."""
    if (folder / TFD_FILE).is_file():
        return folder / TFD_FILE
    found = sorted(folder.glob("*.mat"))
    if len(found) == 1:
        return found[0]
    listed = ", ".join(p.name for p in found) or "none"
    raise DataError(f"{folder}: expected {TFD_FILE} (the Toronto Face Database .mat that "
                    f"pylearn2 read); .mat files found: {listed}")


def read_tfd(path: pathlib.Path) -> dict:
    """TFD's fold-0 splits, by pylearn2's fold values (see TFD_FOLD_VALUES).

    images [N, 48, 48] uint8 -> [n, 48, 48, 1]; labels are `labs_ex - 1` (expressions 0..6),
    None for the unlabeled images, as in pylearn2.
    """
    return _read_tfd_cached(*file_key(path))


@functools.lru_cache(maxsize=1)
def _read_tfd_cached(path: str, size: int, mtime_ns: int) -> dict:
    import scipy.io  # only TFD needs scipy

    try:
        mat = scipy.io.loadmat(path, variable_names=("images", "folds", "labs_ex"))
    except NotImplementedError:
        raise DataError(f"{path}: a MATLAB v7.3 (HDF5) file; save it with -v7 "
                        "so scipy.io.loadmat can read it") from None
    except Exception as error:  # scipy raises ValueError, TypeError, OSError... on bad files
        raise DataError(f"{path}: not a readable .mat file ({error}); re-export it") from None
    images, folds = mat.get("images"), mat.get("folds")
    if images is None or folds is None:
        raise DataError(f"{path}: missing key {'images' if images is None else 'folds'}; "
                        "expected images [N, 48, 48] uint8 and folds [N, 5]")
    n = len(images)
    if images.dtype != np.uint8 or images.shape[1:] != (48, 48) or folds.shape[0] != n:
        raise DataError(f"{path}: images {images.dtype} {list(images.shape)}, folds "
                        f"{list(folds.shape)}; expected images [N, 48, 48] uint8, folds [N, 5]")
    labels = mat.get("labs_ex")
    splits = {}
    for split, value in TFD_FOLD_VALUES.items():
        chosen = folds[:, 0] == value
        split_labels = None
        if split != "unlabeled" and labels is not None:
            split_labels = labels.reshape(-1)[chosen].astype(np.int64) - 1
        splits[split] = (images[chosen][..., None], split_labels)
    return splits

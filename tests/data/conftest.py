"""Small synthetic stand-ins for the dataset files, written into a tmp_path.

Each writer registers the stand-in's own SHA-256 in `local.KNOWN_SHA256` (through monkeypatch),
so the checksum is still computed and compared, only against the fake's hash.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest
import scipy.io

from ganzoo.data import local


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    """An uncompressed IDX file: magic 2051 (3-D) or 2049 (1-D), the dims, uint8 data."""
    magic = {3: 2051, 1: 2049}[array.ndim]
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A data dir whose mnist/ holds 12 train and 5 test 28x28 images; returns (root, arrays)."""
    rng = np.random.default_rng(0)
    arrays = {
        "train": (rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), np.arange(12) % 10),
        "test": (rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.arange(5)),
    }
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, (images_file, labels_file) in local.IDX_FILES.items():
        images, labels = arrays[split]
        for name, array in ((images_file, images), (labels_file, labels)):
            (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
            monkeypatch.setitem(local.KNOWN_SHA256, ("mnist", name), sha256(folder / name))
    return tmp_path, arrays


def write_cifar10(folder, train_per_batch: int = 2, test: int = 3, seed: int = 0):
    """A cifar-10-python.tar.gz with the official member names and dict layout."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batches = {f"data_batch_{i}": train_per_batch for i in range(1, 6)} | {"test_batch": test}
    contents = {}
    with tarfile.open(folder / local.CIFAR10_FILE, "w:gz") as tar:
        for member, n in batches.items():
            data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
            contents[member] = data
            blob = pickle.dumps({b"data": data, b"labels": list(range(n)),
                                 b"batch_label": member.encode()})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{member}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return contents


@pytest.fixture
def fake_cifar10(tmp_path, monkeypatch):
    """A data dir with a tiny cifar10/cifar-10-python.tar.gz; returns (root, member arrays)."""
    contents = write_cifar10(tmp_path / "cifar10")
    path = tmp_path / "cifar10" / local.CIFAR10_FILE
    monkeypatch.setitem(local.KNOWN_SHA256, ("cifar10", local.CIFAR10_FILE), sha256(path))
    return tmp_path, contents


# Fold-0 values of the fake TFD: 6 unlabeled, 2 train, 3 valid, 4 test.
TFD_FOLDS = [0] * 6 + [1] * 2 + [2] * 3 + [3] * 4


@pytest.fixture
def fake_tfd(tmp_path):
    """A data dir with tfd/TFD_48x48.mat laid out as pylearn2 read it; returns (root, mat)."""
    rng = np.random.default_rng(0)
    n = len(TFD_FOLDS)
    folds = np.zeros((n, 5), dtype=np.uint8)
    folds[:, 0] = TFD_FOLDS
    mat = {
        "images": rng.integers(0, 256, (n, 48, 48), dtype=np.uint8),
        "folds": folds,
        "labs_ex": np.where(np.array(TFD_FOLDS) > 0, np.arange(n) % 7 + 1, -1)[:, None],
        "labs_id": np.arange(n)[:, None],
    }
    (tmp_path / "tfd").mkdir()
    scipy.io.savemat(tmp_path / "tfd" / local.TFD_FILE, mat)
    return tmp_path, mat

"""Local-file readers: the real MNIST / Fashion-MNIST, synthetic CIFAR-10 / TFD, bad files."""

import gzip
import hashlib
import time

import numpy as np
import pytest
import scipy.io

from ganzoo.config import DataConfig
from ganzoo.data import DataError, load_examples, resolve_data_dir
from ganzoo.data import local
from ganzoo.data.images import global_contrast_normalize

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def one_line_error(excinfo, *parts):
    """The DataError's message is one line and names each of `parts`."""
    message = str(excinfo.value)
    assert "\n" not in message
    for part in parts:
        assert str(part) in message
    return message


# --- real data ---------------------------------------------------------------------------

def test_real_mnist(real_data_dir):
    root = real_data_dir("mnist")
    config = DataConfig(name="mnist", dir=str(root), train=[0, 0], validation=[0, 0])
    train = load_examples(config, "train", seed=0)
    assert train.x.shape == (60000, 28, 28, 1) and train.x.dtype == np.float32
    assert train.shape == (28, 28, 1) and train.value_range == (0.0, 1.0)
    assert train.x.min() == 0.0 and train.x.max() == 1.0
    assert train.labels.dtype == np.int64 and list(train.labels[:3]) == [5, 0, 4]
    assert np.bincount(train.labels).tolist() == MNIST_TRAIN_COUNTS
    test = load_examples(config, "test", seed=0)
    assert test.x.shape == (10000, 28, 28, 1)
    assert np.bincount(test.labels).tolist() == MNIST_TEST_COUNTS

    paper = DataConfig(name="mnist", dir=str(root), train=[0, 50000], validation=[50000, 0])
    assert len(load_examples(paper, "train", seed=0)) == 50000
    validation = load_examples(paper, "validation", seed=0)
    np.testing.assert_array_equal(validation.x, train.x[50000:])


def test_real_fashion_mnist(real_data_dir):
    config = DataConfig(name="fashion_mnist", dir=str(real_data_dir("fashion_mnist")))
    train = load_examples(config, "train", seed=0)
    assert train.x.shape == (60000, 28, 28, 1) and train.x.dtype == np.float32
    assert np.bincount(train.labels).tolist() == [6000] * 10
    assert np.bincount(load_examples(config, "test", seed=0).labels).tolist() == [1000] * 10


# --- synthetic stand-ins --------------------------------------------------------------------

def test_mnist_pixels_ranges_and_splits(fake_mnist):
    root, arrays = fake_mnist
    config = DataConfig(name="mnist", dir=str(root), train=[0, 8], validation=[8, 0])
    train = load_examples(config, "train", seed=0)
    np.testing.assert_array_equal(train.x[..., 0], arrays["train"][0][:8] / np.float32(255))
    np.testing.assert_array_equal(train.labels, arrays["train"][1][:8])
    validation = load_examples(config, "validation", seed=0)
    np.testing.assert_array_equal(validation.labels, arrays["train"][1][8:])
    assert load_examples(config, "test", seed=0).x.shape == (5, 28, 28, 1)
    assert not train.x.flags.writeable


def test_cifar10_tarball_is_read_channels_last(fake_cifar10):
    root, contents = fake_cifar10
    config = DataConfig(name="cifar10", dir=str(root))
    train = load_examples(config, "train", seed=0)
    assert train.x.shape == (10, 32, 32, 3) and train.labels.tolist() == [0, 1] * 5
    # Byte c*1024 + row*32 + col of a row is channel c of pixel (row, col).
    data = contents["data_batch_1"]
    assert train.x[0, 1, 2, 0] == data[0, 0 * 1024 + 1 * 32 + 2] / np.float32(255)
    assert train.x[1, 31, 0, 2] == data[1, 2 * 1024 + 31 * 32 + 0] / np.float32(255)
    assert train.x[2, 0, 0, 1] == contents["data_batch_2"][0, 1024] / np.float32(255)
    assert load_examples(config, "test", seed=0).x.shape == (3, 32, 32, 3)


def test_gcn_matches_pylearn2(fake_cifar10):
    root, contents = fake_cifar10
    config = DataConfig(name="cifar10", dir=str(root), preprocess="gcn", gcn_scale=55.0)
    test = load_examples(config, "test", seed=0)
    # pylearn2 CIFAR10(gcn=55.): on raw 0..255 rows, X -= mean; X /= sqrt(sum X^2); X *= 55.
    rows = contents["test_batch"].astype(np.float64)
    rows -= rows.mean(axis=1, keepdims=True)
    rows *= 55.0 / np.sqrt((rows**2).sum(axis=1, keepdims=True))
    expected = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(test.x, expected, rtol=1e-5, atol=1e-5)
    assert test.value_range == (test.x.min(), test.x.max())
    flat = test.x.reshape(3, -1)
    np.testing.assert_allclose(np.linalg.norm(flat, axis=1), 55.0, rtol=1e-5)


def test_gcn_leaves_a_constant_image_at_zero():
    # Its norm after centring is 0 < min_divisor, so pylearn2 divides by 1 instead.
    images = np.full((2, 4, 4, 1), 7, dtype=np.uint8)
    np.testing.assert_array_equal(global_contrast_normalize(images, scale=55.0), 0.0)


def test_tfd_uses_pylearn2_folds(fake_tfd):
    root, mat = fake_tfd
    config = DataConfig(name="tfd", dir=str(root), train=[0, 4])
    train = load_examples(config, "train", seed=0)
    assert train.x.shape == (4, 48, 48, 1) and train.labels is None
    np.testing.assert_array_equal(train.x[..., 0], mat["images"][:4] / np.float32(255))
    validation = load_examples(config, "validation", seed=0)  # fold value 2: rows 8..10
    np.testing.assert_array_equal(validation.x[..., 0], mat["images"][8:11] / np.float32(255))
    np.testing.assert_array_equal(validation.labels, mat["labs_ex"][8:11, 0] - 1)
    assert len(load_examples(config, "test", seed=0)) == 4


def test_tfd_rejects_a_validation_range(fake_tfd):
    root, _ = fake_tfd
    with pytest.raises(DataError, match="'valid' fold"):
        load_examples(DataConfig(name="tfd", dir=str(root), validation=[0, 3]), "train", 0)


def test_tfd_with_wrong_keys_or_shapes(tmp_path):
    (tmp_path / "tfd").mkdir()
    path = tmp_path / "tfd" / "mine.mat"  # the only .mat: used although not TFD_48x48.mat
    scipy.io.savemat(path, {"images": np.zeros((3, 48, 48), np.uint8)})
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="tfd", dir=str(tmp_path)), "train", 0)
    one_line_error(excinfo, path, "folds")
    scipy.io.savemat(path, {"images": np.zeros((3, 32, 32), np.uint8),
                            "folds": np.zeros((3, 5))})
    with pytest.raises(DataError, match=r"expected images \[N, 48, 48\] uint8"):
        load_examples(DataConfig(name="tfd", dir=str(tmp_path)), "train", 0)


# --- bad input ------------------------------------------------------------------------------

def test_missing_everything_fails_fast_and_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("GANZOO_DATA_DIR", raising=False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    start = time.perf_counter()
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist", dir=str(tmp_path)), "train", 0)
    assert time.perf_counter() - start < 1.0
    one_line_error(excinfo, tmp_path / "mnist", "tfds build mnist", "IDX")
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist"), "train", 0)
    one_line_error(excinfo, "GANZOO_DATA_DIR")
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="cifar10", dir=str(tmp_path), source="local"), "test", 0)
    one_line_error(excinfo, tmp_path / "cifar10", "cifar-10-python.tar.gz")


def test_missing_file(fake_mnist):
    root, _ = fake_mnist
    (root / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist", dir=str(root)), "test", 0)
    one_line_error(excinfo, root / "mnist" / "t10k-labels-idx1-ubyte.gz", "missing")


def test_checksum_mismatch_names_the_file(fake_mnist, monkeypatch):
    root, _ = fake_mnist
    path = root / "mnist" / "train-images-idx3-ubyte.gz"
    real = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    monkeypatch.setitem(local.KNOWN_SHA256, ("mnist", path.name), real)
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist", dir=str(root)), "train", 0)
    one_line_error(excinfo, path, "SHA-256 mismatch", real, "re-download")


def test_cifar10_is_checked_against_the_published_hash(fake_cifar10, monkeypatch):
    monkeypatch.undo()  # drop the fixture's registered hash of the fake: back to the real one
    with pytest.raises(DataError, match="cifar-10-python.tar.gz: SHA-256 mismatch"):
        load_examples(DataConfig(name="cifar10", dir=str(fake_cifar10[0])), "train", 0)


def write_registered(path, data: bytes, monkeypatch):
    """Replace a fake file's bytes and register its new hash, so parsing is what fails."""
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    monkeypatch.setitem(local.KNOWN_SHA256, ("mnist", path.name), digest)


@pytest.mark.parametrize("damage, expected", [
    (lambda gz: gz[: len(gz) // 2], "not a readable gzip file"),
    (lambda gz: b"not gzip at all", "not a readable gzip file"),
    (lambda gz: gzip.compress(gzip.decompress(gz)[:-100]), "data bytes, header says 12x28x28"),
    (lambda gz: gzip.compress(b"\x00\x00\x08\x01" + gzip.decompress(gz)[4:]),
     "IDX magic number 2049, expected 2051"),
])
def test_corrupt_or_truncated_idx(fake_mnist, monkeypatch, damage, expected):
    root, _ = fake_mnist
    path = root / "mnist" / "train-images-idx3-ubyte.gz"
    write_registered(path, damage(path.read_bytes()), monkeypatch)
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist", dir=str(root)), "train", 0)
    one_line_error(excinfo, path, expected)


def test_labels_and_images_disagree(fake_mnist, monkeypatch):
    root, _ = fake_mnist
    path = root / "mnist" / "train-labels-idx1-ubyte.gz"
    eleven_labels = np.array([2049, 11], ">u4").tobytes() + bytes(11)
    write_registered(path, gzip.compress(eleven_labels), monkeypatch)
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="mnist", dir=str(root)), "train", 0)
    one_line_error(excinfo, "12 images", "11 labels", path.name)


@pytest.mark.parametrize("train, validation, split, expected", [
    ([0, 13], [0, 0], "train", r"\[data\].train = \[0, 13\] is not a range of its 12"),
    ([5, 5], [0, 0], "train", r"\[data\].train = \[5, 5\]"),
    ([0, 10], [8, 0], "train", r"overlaps \[data\].validation"),
    ([0, 10], [0, 0], "validation", "no validation range"),
])
def test_bad_ranges(fake_mnist, train, validation, split, expected):
    root, _ = fake_mnist
    config = DataConfig(name="mnist", dir=str(root), train=train, validation=validation)
    with pytest.raises(DataError, match=expected):
        load_examples(config, split, 0)


def test_unknown_split(fake_mnist):
    with pytest.raises(DataError, match="mnist: unknown split 'dev'"):
        load_examples(DataConfig(name="mnist", dir=str(fake_mnist[0])), "dev", 0)


def test_resolve_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_DATA_DIR", str(tmp_path))
    assert resolve_data_dir(DataConfig()) == tmp_path
    assert resolve_data_dir(DataConfig(dir="/elsewhere")).as_posix() == "/elsewhere"
    monkeypatch.delenv("GANZOO_DATA_DIR")
    assert resolve_data_dir(DataConfig()) is None

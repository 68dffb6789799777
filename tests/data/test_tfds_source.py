"""The TFDS branch, on tfds.testing.mock_data (random content: shapes, dtypes and ranges only)."""

import time
from unittest import mock

import numpy as np
import pytest

from ganzoo.config import DataConfig
from ganzoo.data import DataError, load_examples
from ganzoo.data import local, tfds as tfds_source

tfds = pytest.importorskip("tensorflow_datasets")


@pytest.fixture
def prepared_tfds(tmp_path, monkeypatch):
    """A TFDS data dir that reports mnist and cifar10 prepared, with 12 mocked examples."""
    for name in ("mnist", "cifar10"):
        (tmp_path / "tfds" / name).mkdir(parents=True)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with tfds.testing.mock_data(num_examples=12), \
            mock.patch.object(tfds.core.DatasetBuilder, "is_prepared", return_value=True):
        yield


@pytest.mark.parametrize("name, shape", [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3))])
def test_tfds_splits(prepared_tfds, tmp_path, name, shape):
    config = DataConfig(name=name, source="tfds", dir=str(tmp_path), train=[0, 8],
                        validation=[8, 0])
    train = load_examples(config, "train", seed=0)
    assert train.x.shape == (8, *shape) and train.x.dtype == np.float32
    assert 0.0 <= train.x.min() and train.x.max() <= 1.0 and train.value_range == (0.0, 1.0)
    assert train.labels.dtype == np.int64
    assert len(load_examples(config, "validation", seed=0)) == 4
    assert load_examples(config, "test", seed=0).x.shape == (12, *shape)


def test_both_sources_give_the_same_uint8_layout(prepared_tfds, fake_mnist):
    # Pixels are the same either way by construction: both readers return uint8 [N, H, W, C]
    # and int64 labels, and load_images preprocesses whichever it got in one place.
    root, _ = fake_mnist
    from_files = local.read_split("mnist", root / "mnist", "train")
    from_tfds = tfds_source.read_split("mnist", "train")
    for images, labels in (from_files, from_tfds):
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28, 1)
        assert labels.dtype == np.int64


def test_auto_prefers_local_files(prepared_tfds, fake_mnist):
    root, arrays = fake_mnist
    test = load_examples(DataConfig(name="mnist", dir=str(root)), "test", seed=0)
    np.testing.assert_array_equal(test.x[..., 0], arrays["test"][0] / np.float32(255))


def test_no_prepared_copy_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(DataError) as excinfo:
        load_examples(DataConfig(name="fashion_mnist", source="tfds"), "train", 0)
    assert time.perf_counter() - start < 1.0
    message = str(excinfo.value)
    assert "\n" not in message and str(tmp_path) in message
    assert "tfds build fashion_mnist" in message


def test_unprepared_folder_is_not_read(tmp_path, monkeypatch):
    # A folder without a finished dataset: the builder says not prepared; nothing downloads.
    (tmp_path / "mnist").mkdir()
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="no prepared TFDS copy"):
        load_examples(DataConfig(name="mnist", source="tfds"), "train", 0)


def test_tfd_is_not_in_tfds():
    with pytest.raises(DataError, match="tfd: not in TensorFlow Datasets"):
        load_examples(DataConfig(name="tfd", source="tfds"), "train", 0)

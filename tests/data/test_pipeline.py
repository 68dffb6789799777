import numpy as np
import pytest
import tensorflow as tf

from ganzoo.data import train_dataset


def indices(n: int, extra_dims=()) -> np.ndarray:
    """Rows whose every value is the row's own index, so a batch tells which rows it holds."""
    return np.broadcast_to(np.arange(n, dtype=np.float32).reshape(-1, *[1] * len(extra_dims)),
                           (n, *extra_dims)).copy()


def take(dataset, steps: int) -> list[np.ndarray]:
    """The row indices of each of the first `steps` elements, k minibatches concatenated."""
    out = []
    for element in dataset.take(steps):
        parts = [part["x"].numpy() for part in element]
        out.append(np.concatenate([p.reshape(len(p), -1)[:, 0] for p in parts]))
    return [o.astype(int) for o in out]


@pytest.mark.parametrize("k", [1, 3])
def test_resumed_stream_equals_uninterrupted(k):
    x = indices(10, (2,))  # 10 is not a multiple of the step size 4 * k: steps span epochs
    full = take(train_dataset(x, 4, k, seed=7), 9)
    resumed = take(train_dataset(x, 4, k, seed=7, start_step=5), 4)
    for a, b in zip(full[5:], resumed):
        np.testing.assert_array_equal(a, b)


def test_each_epoch_is_a_permutation():
    stream = np.concatenate(take(train_dataset(indices(10), 4, 1, seed=0), 5))  # 2 epochs
    first, second = stream[:10], stream[10:]
    assert sorted(first) == sorted(second) == list(range(10))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(10))


def test_epoch_order_is_index_shuffle_with_seed_and_epoch():
    stream = np.concatenate(take(train_dataset(indices(6), 3, 1, seed=11), 4))
    for epoch in (0, 1):
        expected = [int(tf.random.experimental.index_shuffle(p, [11, epoch], 5))
                    for p in range(6)]
        assert stream[6 * epoch:6 * (epoch + 1)].tolist() == expected


def test_seeds_differ():
    x = indices(50)
    a, b = (np.concatenate(take(train_dataset(x, 10, 1, seed=s), 5)) for s in (0, 1))
    assert sorted(a) == sorted(b) and not np.array_equal(a, b)


def test_element_structure():
    x = np.zeros((20, 3, 2), np.float32)
    spec = train_dataset(x, 5, 1, seed=0).element_spec
    assert spec == ({"x": tf.TensorSpec([5, 3, 2], tf.float32)},)
    spec = train_dataset(x, 5, 2, seed=0, labels=np.zeros(20, np.int64)).element_spec
    assert spec == ({"x": tf.TensorSpec([5, 3, 2], tf.float32),
                     "label": tf.TensorSpec([5], tf.int64)},) * 2


@pytest.mark.parametrize("k", [1, 2])
def test_labels_travel_with_their_examples(k):
    x = indices(13, (2,))
    labels = np.arange(13, dtype=np.int64) * 10  # example i has label 10 i
    for element in train_dataset(x, 4, k, seed=3, labels=labels).take(7):
        for part in element:
            np.testing.assert_array_equal(part["label"].numpy(), part["x"].numpy()[:, 0] * 10)


def test_labels_must_match_the_examples():
    with pytest.raises(ValueError, match="one label per example"):
        train_dataset(indices(5), 2, 1, seed=0, labels=np.zeros(4, np.int64))
    # The k minibatches of a step are disjoint slices of one epoch's permutation.
    step = take(train_dataset(indices(20), 5, 2, seed=0), 1)[0]
    assert len(set(step.tolist())) == 10


def test_tiny_and_bad_arguments():
    (batch,) = next(iter(train_dataset(np.ones((1, 2), np.float32), 3, 1, seed=0)))
    np.testing.assert_array_equal(batch["x"], np.ones((3, 2)))
    with pytest.raises(ValueError, match="batch_size >= 1"):
        train_dataset(np.ones((4, 2), np.float32), 0, 1, seed=0)

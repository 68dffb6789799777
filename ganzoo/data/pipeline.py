"""The training stream: an endless tf.data.Dataset of minibatches, a pure function of the step.

Example number i of the stream (i = step * batch_size * k + position in the step) is

    epoch = i // N,   example = index_shuffle(i % N, seed=[seed, epoch], max_index=N - 1)

so every epoch is a fresh permutation of the N examples that depends only on (seed, epoch),
and a run resumed at `start_step` sees exactly the batches an uninterrupted run would.
Nothing is dropped: when N is not a multiple of the step size, the step that crosses an epoch
boundary takes the last examples of one permutation and the first of the next.

`stream_dataset` is the same stream for examples read from disk (`StreamedExamples`): the same
indices, each example read and decoded in a parallel, order-keeping map, so it too is a pure
function of the step and a resumed run reads the same images.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# The constant tf.random.experimental.index_shuffle puts before a [2] seed (rounds: its default).
_SEED_PAD = tf.constant(498247692, tf.int64)


def train_dataset(x: np.ndarray, batch_size: int, k: int, seed: int,
                  start_step: int = 0, labels: np.ndarray | None = None,
                  labelled: np.ndarray | None = None) -> tf.data.Dataset:
    """Endless minibatches of rows of `x` (and `labels`), for Keras `fit(..., steps_per_epoch=...)`.

    Each element is one training step: a tuple of k dicts, the k discriminator minibatches of
    Algorithm 1 (disjoint slices of the stream, in order), each {"x": float32 [batch_size, ...]}
    plus {"label": int64 [batch_size]} when `labels` is given, drawn by the same shuffle index.
    Under tf.distribute each tensor is split across replicas along axis 0, so batch_size is
    the global batch.

    With `labelled` (indices of rows, a semi-supervised run's labelled subset,
    `ganzoo.data.labelled`), each minibatch also holds `labelled_x` and `labelled_label`:
    batch_size rows of that subset, drawn by its own shuffle index over the subset
    (LABELLED_STREAM), so they too depend on the step only.

    Whole steps are gathered at once from `x` held as one tensor (no per-example map), and
    prefetched.
    """
    n = len(x)
    check_arguments(n, batch_size, k, seed, start_step)
    if labels is not None and len(labels) != n:
        raise ValueError(f"train_dataset needs one label per example: {len(labels)} labels for "
                         f"{n} examples")
    columns = {"x": tf.convert_to_tensor(np.asarray(x, dtype=np.float32))}
    if labels is not None:
        columns["label"] = tf.convert_to_tensor(np.asarray(labels, dtype=np.int64))
    if labelled is not None and (labels is None or len(labelled) < 1):
        raise ValueError("train_dataset's labelled subset needs labels and at least one index")
    return gathered(columns, n, batch_size, k, seed, start_step, subset=labelled)


# The first seed element of the labelled subset's shuffle: another permutation than the
# unlabelled stream's (which uses _SEED_PAD, as tf.random.experimental.index_shuffle).
LABELLED_STREAM = 1


def gathered(columns, n, batch_size, k, seed, start_step, finish=None, subset=None):
    """The stream of rows gathered from tensors held in memory; `finish` maps each step's rows
    {name: [batch_size * k, ...]} before they are split (e.g. uint8 pixels to float32);
    `subset` (row indices) adds `labelled_<name>` rows of those rows (see `train_dataset`)."""
    step_indices = shuffle_indices(n, batch_size * k, seed)
    if subset is not None:
        subset_rows = tf.constant(np.asarray(subset, dtype=np.int64))
        subset_indices = shuffle_indices(len(subset), batch_size * k, seed, LABELLED_STREAM)

    def step_batch(step):
        shuffled = step_indices(step)
        rows = {name: tf.gather(column, shuffled) for name, column in columns.items()}
        if subset is not None:
            chosen = tf.gather(subset_rows, subset_indices(step))
            rows.update({f"labelled_{name}": tf.gather(column, chosen)
                         for name, column in columns.items()})
        return split_step(finish(rows) if finish else rows, k)

    steps = tf.data.Dataset.counter(start=start_step, dtype=tf.int64)
    return (steps.map(step_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE))


# A streamed split whose decoded uint8 pixels fit in this many bytes is decoded once and
# gathered from memory: about 10x the images/s of decoding every step (benchmarks/RESULTS.md).
# tf.data keeps about three copies of such a tensor, so this costs up to ~200 MB.
CACHE_BYTES = 64 << 20


def stream_dataset(examples, batch_size: int, k: int, seed: int, start_step: int = 0,
                   cache_bytes: int | None = None) -> tf.data.Dataset:
    """`train_dataset`'s stream of `StreamedExamples` (a folder, a TFDS dataset by name).

    The same elements as `train_dataset` gives for the decoded examples held in memory, step
    for step: each step's indices are unbatched, each example is read and decoded by
    `ganzoo.data.decode` in a parallel map that keeps the order, and regrouped into the step's
    k minibatches. Examples that say how to gather themselves (`gather_columns`: Stacked
    MNIST's digits and indices) are gathered as in-memory data, then finished into images.
    Only the file list (or record index) and the labels are in memory, unless
    the whole split's decoded uint8 pixels fit in `cache_bytes` (default CACHE_BYTES): then it is decoded once, in
    order, and gathered like in-memory data (the same values, so the same batches).
    """
    from ganzoo.data.decode import decode_all, example_reader, to_pixels

    n = len(examples)
    check_arguments(n, batch_size, k, seed, start_step)
    if hasattr(examples, "gather_columns"):  # built from rows in memory: Stacked MNIST
        columns, finish = examples.gather_columns()
        return gathered(columns, n, batch_size, k, seed, start_step, finish)
    if n * np.prod(examples.shape) <= (CACHE_BYTES if cache_bytes is None else cache_bytes):
        columns = {name: tf.constant(value)
                   for name, value in decode_all(examples, scale=False).items()}
        return gathered(columns, n, batch_size, k, seed, start_step,
                        lambda rows: {**rows, "x": to_pixels(rows["x"], examples.preprocess)})
    step_size = batch_size * k
    steps = tf.data.Dataset.counter(start=start_step, dtype=tf.int64)
    indices = steps.map(shuffle_indices(n, step_size, seed)).unbatch()
    rows = indices.map(example_reader(examples), num_parallel_calls=tf.data.AUTOTUNE,
                       deterministic=True)
    return (rows.batch(step_size, drop_remainder=True)
            .map(lambda step: split_step(step, k)).prefetch(tf.data.AUTOTUNE))


def check_arguments(n, batch_size, k, seed, start_step):
    if n < 1 or batch_size < 1 or k < 1 or start_step < 0 or seed < 0:
        raise ValueError(f"train_dataset needs N >= 1, batch_size >= 1, k >= 1, seed >= 0 and "
                         f"start_step >= 0; got N={n}, batch_size={batch_size}, k={k}, "
                         f"seed={seed}, start_step={start_step}")


def shuffle_indices(n: int, step_size: int, seed: int, stream: int | None = None):
    """step (int64 tensor) -> the [step_size] example indices of that step (see the module doc);
    another `stream` gives other permutations from the same seed."""
    offsets = tf.range(step_size, dtype=tf.int64)
    seed64, last = tf.constant(seed, tf.int64), tf.constant(n - 1, tf.int64)
    pad = _SEED_PAD if stream is None else tf.constant(stream, tf.int64)

    def step_indices(step):
        index = step * step_size + offsets
        epoch = index // n
        # One seed per example, as a step may span epochs. The public
        # tf.random.experimental.index_shuffle pads a [n, 2] seed along the wrong axis (TF 2.21),
        # so call the raw op with the [pad, seed, epoch] rows it builds for a [2] seed:
        # each row gives the same permutation as index_shuffle(..., seed=[seed, epoch]).
        seeds = tf.stack([tf.fill([step_size], pad), tf.fill([step_size], seed64), epoch],
                         axis=1)
        return tf.raw_ops.RandomIndexShuffle(
            index=index % n, seed=seeds, max_index=tf.fill([step_size], last), rounds=4)

    return step_indices


def split_step(rows, k):
    """One step's rows {name: [batch_size * k, ...]} as k minibatch dicts, in order."""
    parts = {name: tf.split(column, k) for name, column in rows.items()}
    return tuple({name: parts[name][i] for name in parts} for i in range(k))

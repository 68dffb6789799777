"""The training stream: an endless tf.data.Dataset of minibatches, a pure function of the step.

Example number i of the stream (i = step * batch_size * k + position in the step) is

    epoch = i // N,   example = index_shuffle(i % N, seed=[seed, epoch], max_index=N - 1)

so every epoch is a fresh permutation of the N examples that depends only on (seed, epoch),
and a run resumed at `start_step` sees exactly the batches an uninterrupted run would.
Nothing is dropped: when N is not a multiple of the step size, the step that crosses an epoch
boundary takes the last examples of one permutation and the first of the next.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# The constant tf.random.experimental.index_shuffle puts before a [2] seed (rounds: its default).
_SEED_PAD = tf.constant(498247692, tf.int64)


def train_dataset(x: np.ndarray, batch_size: int, k: int, seed: int,
                  start_step: int = 0, labels: np.ndarray | None = None) -> tf.data.Dataset:
    """Endless minibatches of rows of `x` (and `labels`), for Keras `fit(..., steps_per_epoch=...)`.

    Each element is one training step: a tuple of k dicts, the k discriminator minibatches of
    Algorithm 1 (disjoint slices of the stream, in order), each {"x": float32 [batch_size, ...]}
    plus {"label": int64 [batch_size]} when `labels` is given, drawn by the same shuffle index.
    Under tf.distribute each tensor is split across replicas along axis 0, so batch_size is
    the global batch.

    Whole steps are gathered at once from `x` held as one tensor (no per-example map), and
    prefetched.
    """
    n = len(x)
    if n < 1 or batch_size < 1 or k < 1 or start_step < 0 or seed < 0:
        raise ValueError(f"train_dataset needs N >= 1, batch_size >= 1, k >= 1, seed >= 0 and "
                         f"start_step >= 0; got N={n}, batch_size={batch_size}, k={k}, "
                         f"seed={seed}, start_step={start_step}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"train_dataset needs one label per example: {len(labels)} labels for "
                         f"{n} examples")
    columns = {"x": tf.convert_to_tensor(np.asarray(x, dtype=np.float32))}
    if labels is not None:
        columns["label"] = tf.convert_to_tensor(np.asarray(labels, dtype=np.int64))
    step_size = batch_size * k
    offsets = tf.range(step_size, dtype=tf.int64)
    seed64, last = tf.constant(seed, tf.int64), tf.constant(n - 1, tf.int64)

    def step_batch(step):
        index = step * step_size + offsets
        epoch = index // n
        # One seed per example, as a step may span epochs. The public
        # tf.random.experimental.index_shuffle pads a [n, 2] seed along the wrong axis (TF 2.21),
        # so call the raw op with the [pad, seed, epoch] rows it builds for a [2] seed:
        # each row gives the same permutation as index_shuffle(..., seed=[seed, epoch]).
        seeds = tf.stack([tf.fill([step_size], _SEED_PAD), tf.fill([step_size], seed64), epoch],
                         axis=1)
        shuffled = tf.raw_ops.RandomIndexShuffle(
            index=index % n, seed=seeds, max_index=tf.fill([step_size], last), rounds=4)
        rows = {name: tf.gather(column, shuffled) for name, column in columns.items()}
        parts = {name: tf.split(column, k) for name, column in rows.items()}
        return tuple({name: parts[name][i] for name in parts} for i in range(k))

    steps = tf.data.Dataset.counter(start=start_step, dtype=tf.int64)
    return (steps.map(step_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE))

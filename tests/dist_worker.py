"""Training runs for the distribution tests, in processes of their own.

TensorFlow fixes its logical devices and multi-worker collectives at start-up, so the tests
start this script with GANZOO_CPU_DEVICES=2 (or a TF_CONFIG) and compare the .npz files it
writes. `python tests/dist_worker.py JOB[,JOB...] OUT_DIR` with the jobs:

    mirrored      the paper's MNIST nets, 5 SGD steps on fixed random images: one device;
                  2 replicas; 2 replicas without loss scaling; 2 replicas with XLA; one
                  device and 2 replicas with the paper's dropout, without and with XLA; the
                  GAN's metrics under 2 replicas; how the data stream is split over them
    resume        a toy recipe through ganzoo.train: one device, 2 replicas, and the 2-replica
                  run from its epoch-1 checkpoint resumed under mirrored / default
    multi_worker  the same toy run as one worker of the TF_CONFIG cluster

Every .npz holds the final weights (w0, w1, ...) of generator then discriminator; the MNIST
runs add each step's logs (log_d_loss, ...) and the initial weights (initial_w0, ...).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np

from ganzoo import distribute
from ganzoo.build import build_gan

MNIST_BATCH, MNIST_STEPS = 32, 5
# The paper's MNIST networks and SGD, dropout off unless asked (fit_mnist(dropout=True)); no
# marginal output bias, so no data files are needed.
MNIST_OVERRIDES = {
    "model.discriminator.input_keep": 1.0,
    "model.discriminator.hidden_keep": 1.0,
    "model.generator.output_bias": "zero",
    "train.batch_size": MNIST_BATCH,
}
# A toy recipe small enough to train through ganzoo.train (callbacks, checkpoints) in seconds.
TOY_OVERRIDES = {
    "data.num_examples": 512,
    "model.generator.units": [32, 32],
    "model.generator.activations": ["relu", "relu"],
    "model.discriminator.units": [32, 32],
    "model.discriminator.pieces": 2,
    "train.optimizer": "sgd",
    "train.learning_rate": 0.05,
    "train.batch_size": 16,
    "train.steps_per_epoch": 4,
    "train.epochs": 2,
    "train.log_every": 2,
}


STARTED = time.monotonic()


def main(jobs, out):
    """Run the comma-separated `jobs` in this process, writing into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = jobs.split(",")
    # Before anything else runs TensorFlow: the logical CPUs, or the cluster's collectives.
    if "multi_worker" in jobs:
        patient_heartbeats()
    strategy = distribute.make_strategy("multi_worker" if "multi_worker" in jobs else "default")
    for job in jobs:
        JOBS[job](out, strategy)


# -- Jobs ---------------------------------------------------------------------------------------


def mirrored_job(out, default):
    import tensorflow as tf

    assert len(tf.config.list_logical_devices("CPU")) == 2, "run with GANZOO_CPU_DEVICES=2"
    mirrored = distribute.make_strategy("mirrored")
    assert mirrored.num_replicas_in_sync == 2
    save(out / "one_device.npz", *fit_mnist(default))
    save(out / "mirrored.npz", *fit_mnist(mirrored))
    save(out / "mirrored_unscaled.npz", *fit_mnist(mirrored, unscaled=True))
    save(out / "mirrored_xla.npz", *fit_mnist(mirrored, jit_compile=True))
    save(out / "one_device_dropout.npz", *fit_mnist(default, dropout=True))
    save(out / "mirrored_dropout.npz", *fit_mnist(mirrored, dropout=True))
    save(out / "one_device_dropout_xla.npz", *fit_mnist(default, dropout=True, jit_compile=True))
    save(out / "mirrored_dropout_xla.npz", *fit_mnist(mirrored, dropout=True, jit_compile=True))
    np.savez(out / "split.npz", **replica_batches(mirrored))
    np.savez(out / "metrics.npz", **replica_metrics(mirrored))


def resume_job(out, default):
    from ganzoo.training import train

    mirrored = distribute.make_strategy("mirrored")
    recipe = toy_recipe()
    save(out / "toy_one_device.npz",
         weights(train(recipe, out / "one_device", verbose=0, strategy=default).model))
    save(out / "toy_mirrored.npz",
         weights(train(recipe, out / "uninterrupted", verbose=0, strategy=mirrored).model))
    for name, later in (("mirrored", mirrored), ("default", default)):
        # The uninterrupted run as it was after epoch 1, as if stopped there.
        run = shutil.copytree(out / "uninterrupted", out / f"resumed_{name}")
        for path in (run / "checkpoints").glob("epoch-0002.*"):
            path.unlink()
        gan = train(recipe, run, resume=True, verbose=0, strategy=later).model
        save(out / f"toy_resumed_{name}.npz", weights(gan))


def multi_worker_job(out, strategy):
    from ganzoo.training import train

    task = strategy.cluster_resolver.task_id
    gan = train(toy_recipe(), out / f"run-{task}", verbose=0, strategy=strategy).model
    save(out / f"worker-{task}.npz", weights(gan), replicas=strategy.num_replicas_in_sync)


# -- Runs ---------------------------------------------------------------------------------------


def fit_mnist(strategy, unscaled=False, jit_compile=False, dropout=False):
    """The paper's MNIST GAN after MNIST_STEPS steps on fixed random images, its logs, and the
    weights it started from; with `dropout`, the paper's discriminator dropout (0.8 / 0.5)."""
    from ganzoo import load_recipe
    from ganzoo.data.pipeline import train_dataset

    overrides = dict(MNIST_OVERRIDES, **{"train.jit_compile": jit_compile})
    if dropout:
        overrides.update({"model.discriminator.input_keep": 0.8,
                          "model.discriminator.hidden_keep": 0.5})
    gan = build_gan(load_recipe("goodfellow2014/mnist", overrides=overrides), strategy,
                    with_data=False)
    if unscaled:
        gan.scale_loss = lambda loss: loss  # the classic bug: each replica's mean as it is
    initial = weights(gan)
    images = np.random.default_rng(0).uniform(size=(8 * MNIST_BATCH, 28, 28, 1)).astype(np.float32)
    recorder = LogRecorder()
    gan.fit(train_dataset(images, MNIST_BATCH, 1, seed=0), epochs=1, steps_per_epoch=MNIST_STEPS,
            verbose=0, callbacks=[recorder])
    return weights(gan), recorder.logs, initial


def replica_metrics(strategy):
    """The GAN's metrics when replica r sees loss 1 + r and logits it is sure about.

    Replica 0: d_loss 1, D(x) = 0.5 on 2 examples; replica 1: d_loss 2, D(x) = 1 on 2.
    The global-batch means are d_loss 1.5 and d_real 0.75.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow.trainer import reduce_per_replica

    from ganzoo import load_recipe
    from ganzoo.noise import replica_index

    recipe = load_recipe("goodfellow2014/mnist", overrides=MNIST_OVERRIDES)
    gan = build_gan(recipe, strategy, with_data=False)

    @tf.function
    def step():
        def per_replica():
            r = tf.cast(replica_index(), tf.float32)
            logs = {"d_loss": 1.0 + r,
                    **gan.observations(tf.fill([2, 1], 50.0 * r), tf.zeros([2, 1]))}
            for name, value in logs.items():
                gan.trackers[name].update_state(value)
            return gan.logs()

        # What Keras' fit does with train_step's logs.
        return reduce_per_replica(strategy.run(per_replica), strategy, "auto")

    logs = step()
    return {name: float(value) for name, value in logs.items() if name in ("d_loss", "d_real")}


def replica_batches(strategy):
    """What each replica receives of the first step of the training stream, as Keras' fit
    distributes it: rows of x = [0, 1, ..., 15], global batch 4, for k = 1 and k = 2."""
    from ganzoo.data.pipeline import train_dataset

    x = np.arange(16, dtype=np.float32)[:, None]
    found = {}
    for k in (1, 2):
        step = next(iter(train_dataset(x, 4, k, seed=0)))
        found[f"global_k{k}"] = np.stack([part["x"] for part in step])[..., 0]
        stream = strategy.experimental_distribute_dataset(train_dataset(x, 4, k, seed=0))
        batches = next(iter(stream))
        found[f"replicas_k{k}"] = np.stack([  # [batch i, replica r, rows]
            [np.asarray(t)[:, 0] for t in strategy.experimental_local_results(b["x"])]
            for b in batches])
    return found


def toy_recipe(extra=None):
    from ganzoo import load_recipe

    return load_recipe("toy/ring8", overrides={**TOY_OVERRIDES, **(extra or {})})


# -- Helpers ------------------------------------------------------------------------------------


def patient_heartbeats(seconds=120):
    """Give the cluster's coordination service a heartbeat timeout of `seconds`, not 10 s.

    On a CPU shared by many jobs a worker was once left unscheduled long enough to miss its
    heartbeat, and its peer aborted the run ("tasks are unhealthy (stopped sending
    heartbeats)"). MultiWorkerMirroredStrategy keeps a service configured before it starts; this
    is its own configuration (collective_all_reduce_strategy.py) with the longer timeout.
    """
    import tensorflow as tf
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.distribute import multi_worker_util
    from tensorflow.python.eager import context

    spec = tf.distribute.cluster_resolver.TFConfigClusterResolver().cluster_spec()
    jobs = [coordination_config_pb2.CoordinatedJob(name=job, num_tasks=spec.num_tasks(job))
            for job in ("chief", "worker") if job in spec.jobs]
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=multi_worker_util.coordination_leader(spec),
        coordinated_jobs=jobs, heartbeat_timeout_in_ms=seconds * 1000)


class LogRecorder(keras.callbacks.Callback):
    """Every step's logs (running means over the epoch)."""

    def __init__(self):
        super().__init__()
        self.logs = {}

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            self.logs.setdefault(name, []).append(float(value))


def weights(gan):
    """Generator then discriminator weights, after checking every replica holds the same."""
    strategy = gan.distribute_strategy
    values = []
    for variable in gan.generator.weights + gan.discriminator.weights:
        copies = [np.asarray(c) for c in strategy.experimental_local_results(variable.value)]
        assert all(np.array_equal(copies[0], c) for c in copies), f"{variable.path} differs"
        values.append(copies[0])
    return values


def save(path, values, logs=None, initial=(), **extra):
    wall = time.monotonic() - STARTED
    print(f"{path.name} at {time.process_time():.1f} s CPU, {wall:.1f} s wall", flush=True)
    arrays = {f"w{i}": v for i, v in enumerate(values)}
    arrays.update({f"log_{name}": np.asarray(v) for name, v in (logs or {}).items()})
    arrays.update({f"initial_w{i}": v for i, v in enumerate(initial)})
    np.savez(path, **arrays, **extra)


JOBS = {"mirrored": mirrored_job, "resume": resume_job, "multi_worker": multi_worker_job}

if __name__ == "__main__":
    main(*sys.argv[1:])

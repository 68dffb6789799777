"""Choosing the tf.distribute strategy a recipe trains under, and who writes the run's files.

    strategy = make_strategy("auto")          # or default | one_device | mirrored | multi_worker
    check_batch(recipe.train.batch_size, strategy)
    with strategy.scope():
        ...                                    # every variable: networks, optimizers, metrics

Two things are fixed when TensorFlow initialises its devices, so a program must settle them
first (the CLI does): the number of logical CPU devices ($GANZOO_CPU_DEVICES, for replicas
without GPUs) and the collective ops of MultiWorkerMirroredStrategy (its cluster from
$TF_CONFIG). `make_strategy` does both; call it before anything else touches TensorFlow.

Under several workers only the chief writes checkpoints, the recipe and TensorBoard logs; the
others run the same callbacks (some of their work, such as `predict`, is a collective op every
worker must join) into a temporary directory that is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import tensorflow as tf

from ganzoo import registry
from ganzoo.errors import GanzooError, RecipeError

STRATEGIES = registry.STRATEGIES
CPU_DEVICES_VARIABLE = "GANZOO_CPU_DEVICES"

# One strategy of each kind per process. Multi-worker collectives are configured once, at
# start-up; and a second MirroredStrategy reuses the first one's collective instance keys, so
# training a second model fails with "Shape mismatch in the collective instance"
# (tensorflow/tensorflow#62790; seen here when a toy run followed an MNIST run).
_strategies = {}


def make_strategy(name="auto"):
    """The strategy called `name`.

    auto: multi-worker when TF_CONFIG names a cluster of several tasks, mirrored over all GPUs
    when there are several, else the default (single-device) strategy. one_device: the first
    GPU, else the CPU. mirrored: every GPU of this host, else every logical CPU device
    ($GANZOO_CPU_DEVICES). multi_worker: every worker of the TF_CONFIG cluster.
    """
    configure_cpu_devices()
    if name == "auto":
        name = auto_strategy_name()
    if name == "default":
        return tf.distribute.get_strategy()
    if name not in STRATEGIES:
        raise RecipeError(f"unknown strategy '{name}'; choose from: {', '.join(STRATEGIES)}")
    if name not in _strategies:
        _strategies[name] = new_strategy(name)
    return _strategies[name]


def is_mirrored(strategy):
    """Whether `strategy` mirrors variables over replicas (mirrored or multi-worker)."""
    return isinstance(strategy, (tf.distribute.MirroredStrategy,
                                 tf.distribute.MultiWorkerMirroredStrategy))


def new_strategy(name):
    """A new strategy of a kind other than auto and default (make_strategy keeps one of each)."""
    if name == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=replica_devices())
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()  # the cluster comes from TF_CONFIG
    except RuntimeError as error:
        if "program startup" not in str(error):
            raise
        raise GanzooError("the multi_worker strategy must be created before TensorFlow runs "
                          "anything: call ganzoo.distribute.make_strategy('multi_worker') first "
                          "in the program") from None


def configure_cpu_devices(count=None):
    """Split the CPU into `count` logical devices ($GANZOO_CPU_DEVICES when None).

    Mirrored replicas on one CPU: for tests and for trying a strategy without GPUs (they share
    the same cores, so this is not faster). TensorFlow fixes its devices when it first runs
    anything, so this must come first; a later call that asks for a different split fails.
    """
    if count is None:
        text = os.environ.get(CPU_DEVICES_VARIABLE, "").strip()
        if not text:
            return
        if not text.isdigit() or int(text) < 1:
            raise GanzooError(f"{CPU_DEVICES_VARIABLE}={text}: expected a whole number >= 1")
        count = int(text)
    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    current = tf.config.get_logical_device_configuration(cpu) or [None]
    if len(current) == count:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError:
        raise GanzooError(f"cannot split the CPU into {count} logical devices: TensorFlow has "
                          f"already initialised {len(current)}; set {CPU_DEVICES_VARIABLE} "
                          "before the program starts, or configure the devices first") from None


def auto_strategy_name():
    """What `auto` means here: multi_worker, mirrored or default."""
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("cluster", {})
    if sum(len(tasks) for tasks in cluster.values()) > 1:
        return "multi_worker"
    return "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"


def replica_devices():
    """Every GPU, else every logical CPU device (tests split the CPU into several)."""
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return [d.name for d in devices]


def describe(strategy):
    """'MirroredStrategy: 2 replicas (CPU:0, CPU:1)', for the CLI's first line."""
    if not tf.distribute.has_strategy() and strategy is tf.distribute.get_strategy():
        return "the default strategy (one device)"
    count = strategy.num_replicas_in_sync
    devices = ", ".join(d.split("device:")[-1] for d in strategy.extended.worker_devices)
    if not is_multi_worker(strategy):
        return f"{type(strategy).__name__}: {count} replica{'s' if count > 1 else ''} ({devices})"
    task = strategy.cluster_resolver
    role = "the chief, writing the run" if is_chief(strategy) else "not the chief: writes nothing"
    return (f"MultiWorkerMirroredStrategy: {count} replicas in all; this is {task.task_type} "
            f"{task.task_id} ({devices}), {role}")


def check_batch(batch_size, strategy, where="[train].batch_size", multiple=1):
    """The global batch must split evenly over the replicas, each replica's part into groups of
    `multiple` (PacGAN's packs: [model].pack)."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % (replicas * multiple):
        packs = f" in packs of [model].pack = {multiple}" if multiple > 1 else ""
        raise RecipeError(f"{where} = {batch_size} does not divide over {replicas} "
                          f"replica{'s' if replicas > 1 else ''}{packs}; use a multiple of "
                          f"{replicas * multiple}")


# -- Several workers -------------------------------------------------------------------------


def is_multi_worker(strategy):
    """Whether `strategy` spans several worker processes (a TF_CONFIG cluster)."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    spec = strategy.cluster_resolver.cluster_spec()
    return sum(spec.num_tasks(job) for job in spec.jobs) > 1


def is_chief(strategy):
    """The process that writes the run's files: the `chief` task, else worker 0.

    Always true outside a multi-worker cluster.
    """
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().jobs
    return not has_chief and resolver.task_type == "worker" and resolver.task_id == 0


def output_dir(run_dir, strategy):
    """Where this process writes the run's files: `run_dir` on the chief, else a temporary dir.

    Non-chief workers must still run the callbacks that write, since some of their work is
    collective (drawing pictures calls `predict`, which every worker joins), but their copies
    are thrown away with `discard_output_dir`.
    """
    if is_chief(strategy):
        return Path(run_dir)
    task = strategy.cluster_resolver
    return Path(tempfile.mkdtemp(prefix=f"ganzoo-{task.task_type}{task.task_id}-"))


def discard_output_dir(path, run_dir):
    """Delete a non-chief's temporary output directory (never the run directory itself)."""
    if Path(path) != Path(run_dir):
        shutil.rmtree(path, ignore_errors=True)

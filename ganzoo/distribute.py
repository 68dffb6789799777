"""Choosing the tf.distribute strategy a recipe trains under."""

from __future__ import annotations

import json
import os

import tensorflow as tf

from ganzoo.errors import RecipeError

STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker")


def make_strategy(name="auto"):
    """The strategy called `name`.

    auto: multi-worker when TF_CONFIG names a cluster of several tasks, mirrored over all GPUs
    when there are several, else the default (single-device) strategy.
    """
    if name == "auto":
        name = auto_strategy_name()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=replica_devices())
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise RecipeError(f"unknown strategy '{name}'; choose from: {', '.join(STRATEGIES)}")


def auto_strategy_name():
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("cluster", {})
    if sum(len(tasks) for tasks in cluster.values()) > 1:
        return "multi_worker"
    return "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"


def replica_devices():
    """Every GPU, else every logical CPU device (tests split the CPU into several)."""
    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return [d.name for d in devices]


def check_batch(batch_size, strategy, where="[train].batch_size"):
    """The global batch must split evenly over the replicas."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise RecipeError(f"{where} = {batch_size} does not divide over {replicas} replicas; "
                          f"use a multiple of {replicas}")

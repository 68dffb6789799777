"""Training under tf.distribute strategies gives the single-device result.

Several replicas need logical CPU devices or a TF_CONFIG cluster, which TensorFlow fixes at
start-up, so those runs happen in processes of their own (tests/dist_worker.py, the CLI) and the
tests compare the weights they save. The arithmetic: with SGD, one device's update on a global
batch of 32 is lr * mean-gradient over 32; two replicas each average 16 and `apply_gradients`
sums them, so each replica's loss must be divided by 2. Without the division the update is
twice as large, and the weights differ from one device's by about the whole update.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import distribute
from ganzoo.errors import GanzooError, RecipeError

HERE = Path(__file__).resolve().parent
WORKER = HERE / "dist_worker.py"
# Seconds for one process. About 40 s of CPU at most, but replicas wait on each other, so under
# a heavily shared CPU the wall time grows several-fold; a worker whose peer died blocks forever.
TIMEOUT = 600

# float32 sums in a different order (two half-batch means, then their sum) differ from one
# device's by rounding only: measured 4e-9 on weights of magnitude 0.05 after 5 steps; without
# the loss scaling the difference was 3.4e-4.
WEIGHT_TOLERANCE = dict(rtol=1e-5, atol=1e-7)
LOSS_TOLERANCE = dict(rtol=1e-6, atol=1e-6)


# -- In this process: choosing a strategy ---------------------------------------------------------


def test_a_batch_that_does_not_split_over_the_replicas_is_a_recipe_error():
    two = type("TwoReplicas", (), {"num_replicas_in_sync": 2})()
    distribute.check_batch(100, two)
    with pytest.raises(RecipeError, match=r"batch_size = 101 does not divide over 2 replicas"):
        distribute.check_batch(101, two)


def test_an_unknown_strategy_names_the_choices():
    with pytest.raises(RecipeError, match="choose from: auto, default, one_device, mirrored"):
        distribute.make_strategy("tpu")


def test_auto_is_multi_worker_when_tf_config_names_a_cluster(monkeypatch):
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
               "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    assert distribute.auto_strategy_name() == "multi_worker"
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}}))
    several_gpus = len(tf.config.list_logical_devices("GPU")) > 1
    assert distribute.auto_strategy_name() == ("mirrored" if several_gpus else "default")


def test_a_process_keeps_one_strategy_of_each_kind():
    # A second MirroredStrategy would collide with the first one's collectives.
    assert distribute.make_strategy("mirrored") is distribute.make_strategy("mirrored")


def test_one_process_is_its_own_chief_and_writes_into_the_run_dir(tmp_path):
    strategy = distribute.make_strategy("default")
    assert distribute.is_chief(strategy) and not distribute.is_multi_worker(strategy)
    assert distribute.output_dir(tmp_path, strategy) == tmp_path
    distribute.discard_output_dir(tmp_path, tmp_path)
    assert tmp_path.is_dir()


def test_a_bad_cpu_device_count_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(distribute.CPU_DEVICES_VARIABLE, "two")
    with pytest.raises(GanzooError, match="GANZOO_CPU_DEVICES=two: expected a whole number"):
        distribute.configure_cpu_devices()


# -- Two mirrored replicas (2 logical CPUs) against one device ----------------------------------


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """The folder of `dist_worker.py mirrored,resume`, run once with 2 logical CPU devices."""
    out = tmp_path_factory.mktemp("replicas")
    run_worker("mirrored,resume", out, GANZOO_CPU_DEVICES="2")
    return out


@pytest.fixture(scope="module")
def mirrored(replicas):
    """Every .npz of that folder by name (see dist_worker.py for what each holds)."""
    return {path.stem: dict(np.load(path)) for path in replicas.glob("*.npz")}


@pytest.mark.parametrize("k", [1, 2])
def test_replica_r_receives_slice_r_of_each_global_batch(mirrored, k):
    # The noise is sliced the same way (GAN.sample_latent), so the pairs (x, z) match one device's.
    split = mirrored["split"]
    for i, batch in enumerate(split[f"global_k{k}"]):
        np.testing.assert_array_equal(split[f"replicas_k{k}"][i], batch.reshape(2, -1))


def test_two_replicas_end_with_the_weights_of_one_device(mirrored):
    one = mirrored["one_device"]
    # Not vacuous: 5 steps moved the weights by far more than the tolerance.
    moved = max(np.abs(one[name] - one[f"initial_{name}"]).max() for name in weight_names(one))
    assert moved > 100 * WEIGHT_TOLERANCE["atol"]
    assert_same_weights(mirrored["mirrored"], one)


def test_two_replicas_log_the_losses_of_one_device(mirrored):
    one, two = mirrored["one_device"], mirrored["mirrored"]
    for name in ("log_d_loss", "log_g_loss", "log_d_real", "log_d_fake"):
        assert len(two[name]) == 5
        np.testing.assert_allclose(two[name], one[name], **LOSS_TOLERANCE, err_msg=name)


def test_without_loss_scaling_the_same_check_fails(mirrored):
    # Each replica's gradient is then the mean of its half, and their sum is twice the update.
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_same_weights(mirrored["mirrored_unscaled"], mirrored["one_device"])
    one, unscaled = mirrored["one_device"], mirrored["mirrored_unscaled"]
    assert not np.allclose(unscaled["log_d_loss"][1:], one["log_d_loss"][1:], **LOSS_TOLERANCE)


def test_with_the_papers_dropout_two_replicas_still_equal_one_device(mirrored):
    # Keras' own Dropout fails this (about 5e-4 here): its mirrored seed state gives every
    # replica the same masks. ganzoo's takes each replica's rows of the global-batch mask.
    one, two = mirrored["one_device_dropout"], mirrored["mirrored_dropout"]
    dropped = max(np.abs(one[name] - mirrored["one_device"][name]).max()
                  for name in weight_names(one))
    assert dropped > 100 * WEIGHT_TOLERANCE["atol"]  # the masks changed the updates
    assert_same_weights(two, one)
    # Under XLA too, against one device under XLA (XLA's masks are not TensorFlow's).
    assert_same_weights(mirrored["mirrored_dropout_xla"], mirrored["one_device_dropout_xla"])


def test_xla_on_two_replicas_gives_the_same_weights(mirrored):
    # Also a check that the step's random draws are made outside XLA: XLA's random kernels
    # draw other numbers from the same seed, and the weights would be 1e-4 apart.
    assert_same_weights(mirrored["mirrored_xla"], mirrored["one_device"])


def test_metrics_report_the_global_batch_mean(mirrored):
    # Replica 0: d_loss 1, D(x) = 0.5, 0.5; replica 1: d_loss 2, D(x) = 1, 1.
    # Over the global batch: d_loss (1 + 2) / 2 = 1.5, D(x) (0.5 + 0.5 + 1 + 1) / 4 = 0.75.
    assert float(mirrored["metrics"]["d_loss"]) == pytest.approx(1.5)
    assert float(mirrored["metrics"]["d_real"]) == pytest.approx(0.75)


# -- Resume under a strategy, and several workers --------------------------------------------------


@pytest.mark.parametrize("later", ["mirrored", "default"])
def test_a_mirrored_checkpoint_resumes_to_the_uninterrupted_weights(mirrored, later):
    assert_same_weights(mirrored[f"toy_resumed_{later}"], mirrored["toy_mirrored"])


def test_a_mirrored_run_equals_one_device_through_ganzoo_train(mirrored):
    assert_same_weights(mirrored["toy_mirrored"], mirrored["toy_one_device"])


def test_two_workers_end_with_identical_weights_equal_to_one_process(mirrored, tmp_path):
    # Through ganzoo.train: the recipe's callbacks run on both workers, and fit's logs pass
    # Keras' multi-worker reduction (GAN.logs makes them rank 1 there).
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = []
    for index in range(2):
        scratch = tmp_path / f"tmp-{index}"
        scratch.mkdir()
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        workers.append(start_worker("multi_worker", tmp_path, f"worker-{index}",
                                    TF_CONFIG=json.dumps(config), TMPDIR=str(scratch)))
    wait_all(workers)
    first, second = (dict(np.load(tmp_path / f"worker-{i}.npz")) for i in range(2))
    assert int(first["replicas"]) == 2
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    assert_same_weights(first, mirrored["toy_one_device"])
    # The chief wrote the run; worker 1 wrote nothing and removed its temporary copies.
    assert [c.name for c in sorted((tmp_path / "run-0" / "checkpoints").glob("*.json"))] == [
        "epoch-0001.json", "epoch-0002.json"]
    assert (tmp_path / "run-0" / "recipe.toml").is_file()
    assert list((tmp_path / "run-0" / "logs").iterdir())
    assert not (tmp_path / "run-1").exists()
    assert not list((tmp_path / "tmp-1").iterdir())


# -- The CLI -------------------------------------------------------------------------------------


def test_the_cli_trains_a_toy_recipe_on_two_mirrored_cpu_devices(tmp_path):
    from tests.dist_worker import TOY_OVERRIDES

    # With the discriminator dropout of the paper's recipes (its random state is mirrored).
    overrides = {**TOY_OVERRIDES, "train.epochs": 1, "model.discriminator.hidden_keep": 0.5}
    sets = [arg for key, value in overrides.items()
            for arg in ("--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}")]
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.cli", "train", "toy/ring8", *sets,
         "--strategy", "mirrored", "--run-dir", tmp_path / "run"],
        env=environment(GANZOO_CPU_DEVICES="2"), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "on MirroredStrategy: 2 replicas (CPU:0, CPU:1)" in result.stderr
    assert (tmp_path / "run" / "checkpoints" / "epoch-0001.weights.h5").is_file()
    assert 'strategy = "mirrored"' in (tmp_path / "run" / "recipe.toml").read_text()


# -- Helpers -------------------------------------------------------------------------------------


def weight_names(arrays):
    return sorted((n for n in arrays if n.startswith("w")), key=lambda n: int(n[1:]))


def assert_same_weights(actual, expected, **tolerance):
    names = weight_names(expected)
    assert names and names == weight_names(actual)
    for name in names:
        np.testing.assert_allclose(actual[name], expected[name],
                                   **{**WEIGHT_TOLERANCE, **tolerance}, err_msg=name)


def environment(**extra):
    unset = ("TF_CONFIG", distribute.CPU_DEVICES_VARIABLE)
    env = {k: v for k, v in os.environ.items() if k not in unset}
    pythonpath = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": pythonpath, **extra}


def start_worker(job, out, name=None, **env):
    """`dist_worker.py job out` in a new process, its output going to out/NAME.log."""
    log = Path(out) / f"{name or job}.log"
    with open(log, "w") as handle:
        process = subprocess.Popen([sys.executable, str(WORKER), job, str(out)],
                                   env=environment(**env), stdout=handle, stderr=subprocess.STDOUT)
    process.log = log
    return process


def run_worker(job, out, **env):
    wait_all([start_worker(job, out, **env)])


def wait_all(processes, timeout=TIMEOUT):
    """Wait for every process; on a failure or timeout stop the rest (a peer would block)."""
    try:
        for process in processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{process.log.stem} did not finish within {timeout} s:\n"
                            f"{process.log.read_text()[-4000:]}")
            if process.returncode != 0:
                pytest.fail(f"{process.log.stem} exited {process.returncode}:\n"
                            f"{process.log.read_text()[-4000:]}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def free_ports(count):
    """Ports free now on 127.0.0.1 (held open together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()

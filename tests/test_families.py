"""The family contract: every registered family, loss and penalty, each with a tiny recipe.

A family that passes is wired into the core correctly: a few steps train with finite losses;
a discriminator update leaves G's weights alone and a generator update D's; 2 mirrored
replicas end at the one-device weights (SGD, which shows a scaling error that Adam hides);
stop-and-resume is bit-exact; the export loads through the TF1 session loader as TF Serving
does and equals the Keras generator; `ganzoo eval` runs on the run and on the export.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import ganzoo
from ganzoo import cli, export, registry
from ganzoo.build import build_gan, load_gan
from ganzoo.gan import DISCRIMINATOR, GENERATOR
from ganzoo.training import dataset
from tests.helpers import CONTRACT_CASES, contract_recipe, same, weights

HERE = Path(__file__).resolve().parent
CASES = sorted(CONTRACT_CASES)
# float32 sums in another order (two half-batch means, then their sum): rounding only.
REPLICA_TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def test_every_registered_name_has_a_contract_case():
    covered = {key: {case.get(key) for case in CONTRACT_CASES.values()}
               for key in ("model.family", "loss.name")}
    # A case's family may come from its base recipe (acgan2017/mnist), not from an override.
    families = {contract_recipe(case).model.family for case in CASES}
    assert set(registry.FAMILIES.names()) - {"vanilla"} <= families
    assert set(registry.LOSSES.names()) - {"non_saturating"} <= covered["loss.name"]
    penalties = {key.split(".")[-1] for case in CONTRACT_CASES.values() for key in case
                 if key.startswith("loss.penalties.")}
    assert penalties == set(registry.PENALTIES.names())
    # The paper's CIFAR-10 conv nets have no case: no CIFAR-10 data offline (test_models builds them).
    architectures = {contract_recipe(case).model.architecture for case in CASES}
    assert set(registry.ARCHITECTURES.names()) - {"goodfellow2014_cifar10_conv"} <= architectures


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """case -> a run directory trained 2 epochs through ganzoo.train."""
    base = tmp_path_factory.mktemp("families")
    runs = {}
    for case in CASES:
        ganzoo.train(contract_recipe(case), base / case, verbose=0)
        runs[case] = base / case
    return runs


@pytest.fixture(scope="module")
def replica_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("replicas")
    subprocess.run([sys.executable, str(HERE / "family_worker.py"), str(out)], check=True,
                   timeout=900, env={**os.environ, "GANZOO_CPU_DEVICES": "2",
                                     "TF_CPP_MIN_LOG_LEVEL": "2"})
    return out


def test_auto_xla_is_on_for_plain_mlps_on_one_device_only(replica_runs):
    xla = json.loads((replica_runs / "xla.json").read_text())
    # Under replicas, auto leaves XLA off; on one device it is on for the MLP cases without
    # random layers or convolutions (the cases' nets: tests/helpers.CONTRACT_BASES).
    assert not any(on for name, on in xla.items() if name.endswith("-mirrored"))
    assert xla["vanilla-one_device"] and xla["hinge_sn-one_device"] and xla["bigan-one_device"]
    assert not xla["dcgan-one_device"] and not xla["semi_supervised-one_device"]
    # Asked for explicitly, XLA with spectral norm under replicas is refused in one line.
    refusal = xla["spectral_norm_xla_mirrored"]
    assert "[train].jit_compile = true cannot run spectral normalisation under 2 replicas" in refusal
    assert "\n" not in refusal


@pytest.mark.parametrize("case", CASES)
def test_a_few_steps_train_with_finite_logs(case, trained):
    events = event_accumulator.EventAccumulator(str(trained[case] / "logs"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    gan = build_gan(contract_recipe(case), with_data=False)
    for name in gan.log_names():  # every loss, penalty and observation the family declares
        values = [float(tf.make_ndarray(event.tensor_proto)) for event in events.Tensors(name)]
        assert values and np.all(np.isfinite(values)), name


@pytest.mark.parametrize("case", CASES)
def test_each_update_moves_only_its_own_player(case):
    recipe = contract_recipe(case)
    gan = build_gan(recipe)
    batch = next(iter(dataset(recipe)))[0]
    seed = np.array([0, 3], np.int64)
    g_before, d_before = trainable(gan, GENERATOR), trainable(gan, DISCRIMINATOR)
    gan.update_players((DISCRIMINATOR,), batch, seed)
    assert same(trainable(gan, GENERATOR), g_before)
    assert not same(trainable(gan, DISCRIMINATOR), d_before)
    g_before, d_before = trainable(gan, GENERATOR), trainable(gan, DISCRIMINATOR)
    gan.update_players((GENERATOR,), batch, seed)
    assert same(trainable(gan, DISCRIMINATOR), d_before)
    assert not same(trainable(gan, GENERATOR), g_before)


def trainable(gan, player):
    # Each update runs both networks in training mode, which moves their state that is not
    # trained: G's batch-norm statistics, D's spectral-norm vector u (as in the papers' code).
    # What the other player's optimizer trains must not move: its network's trainable weights
    # and any a family adds to the player (a BiGAN's encoder joins G).
    network = gan.generator if player == GENERATOR else gan.discriminator
    variables = {id(v) for v in network.trainable_weights}
    extra = [v for v in gan.players()[player][1] if id(v) not in variables]
    return [np.array(w) for w in [*network.trainable_weights, *extra]]


@pytest.mark.parametrize("case", CASES)
def test_two_replicas_equal_one_device(case, replica_runs):
    one = np.load(replica_runs / f"{case}-one_device.npz")
    two = np.load(replica_runs / f"{case}-mirrored.npz")
    assert len(one.files) == len(two.files) > 0
    for key in one.files:
        np.testing.assert_allclose(two[key], one[key], **REPLICA_TOLERANCE, err_msg=key)


def test_per_replica_batch_norm_does_not_equal_one_device(replica_runs):
    # The dcgan case with batch_norm = "batch": each replica normalises its half of the batch
    # with its own statistics, so 2 replicas train another model than one device ("sync"
    # all-reduces the moments, and its case above matches).
    one = np.load(replica_runs / "dcgan_per_replica_bn-one_device.npz")
    two = np.load(replica_runs / "dcgan_per_replica_bn-mirrored.npz")
    apart = max(np.abs(two[key] - one[key]).max() for key in one.files)
    assert apart > 100 * REPLICA_TOLERANCE["atol"], apart  # measured 1.2e-3; "sync": 3e-8


@pytest.mark.parametrize("case", CASES)
def test_stop_and_resume_is_bit_exact(case, trained, tmp_path):
    run = shutil.copytree(trained[case], tmp_path / "resumed")
    for path in (run / "checkpoints").glob("epoch-0002.*"):
        path.unlink()
    ganzoo.train(contract_recipe(case), run, resume=True, verbose=0)
    whole, _, _ = load_gan(trained[case])
    resumed, _, _ = load_gan(run)
    assert same(weights(whole), weights(resumed))


@pytest.fixture(scope="module")
def served(trained, tmp_path_factory):
    """case -> (export version, the inputs fed, what the TF1 session loader served for them).

    Every case's export is run in one fresh process, as TF Serving loads it (one TensorFlow
    import for all of them, instead of one each)."""
    base = tmp_path_factory.mktemp("served")
    versions, inputs, feeds = {}, {}, {}
    for index, case in enumerate(CASES):
        versions[case] = export.export_run(trained[case], to=base / case)
        gan = load_gan(trained[case])[0]
        z = np.random.default_rng(1).normal(size=(5, gan.prior.dim)).astype(np.float32)
        inputs[case] = gan.inference_inputs(z)  # z, or z and a label for a conditional family
        named = inputs[case] if isinstance(inputs[case], dict) else {"z": inputs[case]}
        feeds.update({f"{index}/serving_default/{name}": value for name, value in named.items()})
    np.savez(base / "inputs.npz", **feeds)
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), base / "inputs.npz",
                    base / "outputs.npz", *(versions[case] for case in CASES)], check=True,
                   timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    outputs = np.load(base / "outputs.npz")
    served = {}
    for index, case in enumerate(CASES):
        prefix = f"{index}/serving_default/"
        served[case] = (versions[case], inputs[case],
                        {key[len(prefix):]: outputs[key] for key in outputs.files
                         if key.startswith(prefix) and ":" not in key})
    return served


@pytest.mark.parametrize("case", CASES)
def test_export_serves_what_the_keras_generator_draws(case, trained, served):
    _, inputs, outputs = served[case]
    gan = load_gan(trained[case])[0]
    output = "points" if export.output_kind(contract_recipe(case)) == "points" else "pixels"
    np.testing.assert_allclose(outputs[output], gan.generator.predict(inputs, verbose=0),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_eval_runs_on_the_run_and_its_export(case, trained, served, tmp_path, capsys):
    run = shutil.copytree(trained[case], tmp_path / "run")
    assert cli.main(["eval", str(run), "--json", "--samples", "500"]) == 0
    version = served[case][0]
    version = shutil.copytree(version, tmp_path / "exported" / version.name)
    assert cli.main(["eval", str(version), "--json", "--samples", "500"]) == 0
    reports = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    metric = contract_recipe(case).dataset.metrics[0]  # the dataset's default: modes, parzen
    assert len(reports) == 2 and all(f'"{metric}"' in line for line in reports)

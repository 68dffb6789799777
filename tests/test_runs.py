"""Run directories: checkpoint checksums, falling back past a damaged checkpoint, old runs.

Tried as a user would: the newest checkpoint truncated (a copy cut short) or its JSON garbled.
Resume, sample, export and eval each name the damaged file in one line and use the newest
intact checkpoint; with none intact, one line and exit 2.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import ganzoo
from ganzoo import cli, runs
from ganzoo.build import load_gan
from tests.helpers import TINY_RING8


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "run"
    recipe = ganzoo.load_recipe("toy/ring8", overrides={**TINY_RING8, "train.steps_per_epoch": 3})
    ganzoo.train(recipe, run, verbose=0)  # 2 epochs
    return run


@pytest.fixture
def run(trained, tmp_path):
    return shutil.copytree(trained, tmp_path / "run")


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def garble(path):
    path.write_text(path.read_text()[:-20] + "}{")


def test_each_checkpoint_records_its_checksum(run):
    for info in runs.all_checkpoints(run):
        assert info.sha256 == runs.sha256(info.weights)
        assert runs.problem(info) is None


@pytest.mark.parametrize("damage", [truncate, garble])
def test_a_damaged_newest_checkpoint_is_named_and_skipped(run, damage, capsys):
    newest = run / "checkpoints" / "epoch-0002.weights.h5"
    damage(newest if damage is truncate else newest.with_suffix("").with_suffix(".json"))
    info = runs.latest(run)
    assert info.epoch == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "epoch-0002" in message
    assert "using epoch 1 (epoch-0001.weights.h5) instead" in message


def test_a_flipped_byte_is_caught_by_the_checksum(run):
    newest = run / "checkpoints" / "epoch-0002.weights.h5"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF  # the HDF5 file may still open: only the checksum can tell
    newest.write_bytes(bytes(data))
    assert "SHA-256" in runs.problem(runs.all_checkpoints(run)[-1])
    assert runs.latest(run).epoch == 1


def test_sample_export_eval_and_resume_fall_back(run, tmp_path, capsys):
    expected = load_gan(run)[0].generator  # epoch 2
    truncate(run / "checkpoints" / "epoch-0002.weights.h5")
    for args in (["sample", run, "--n", "8", "--out", tmp_path / "s.npy"],
                 ["export", run, "--to", tmp_path / "exported"],
                 ["eval", run, "--samples", "200"],
                 ["train", run, "--resume"]):
        assert cli.main([str(a) for a in args]) == 0
        err = capsys.readouterr().err
        assert "epoch-0002.weights.h5 does not match its recorded SHA-256" in err, args
    # Resuming retrained epoch 2 from epoch 1: the same weights as the damaged epoch 2 held.
    resumed = load_gan(run)[0].generator
    assert all(np.array_equal(a, b) for a, b in zip(resumed.get_weights(), expected.get_weights()))


def test_no_intact_checkpoint_is_one_line_and_exit_2(run, capsys):
    for path in (run / "checkpoints").glob("*.weights.h5"):
        truncate(path)
    assert cli.main(["sample", str(run), "--out", str(run / "s.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganzoo: error:") and "no intact checkpoint" in err[0]
    assert not (run / "s.npy").exists()


def test_runs_from_before_checksums_and_loss_names_still_load(run):
    # ganzoo 0.1 wrote no sha256 and named the generator's loss [loss].generator.
    for meta in (run / "checkpoints").glob("*.json"):
        state = json.loads(meta.read_text())
        del state["sha256"]
        meta.write_text(json.dumps(state))
    recipe = (run / "recipe.toml").read_text()
    old = recipe.replace('name = "non_saturating"\npenalties = {}', 'generator = "non_saturating"')
    (run / "recipe.toml").write_text(old)
    gan, opened, info = load_gan(run)
    assert info.epoch == 2 and info.sha256 is None
    assert opened.recipe.loss.name == "non_saturating"
    truncate(run / "checkpoints" / "epoch-0002.weights.h5")  # still caught: HDF5 won't open
    assert runs.latest(run).epoch == 1

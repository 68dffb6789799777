"""The conditional family as a user meets it: `ganzoo sample --label`, and a served generator
that answers a label outside [0, K) with an error naming the range, not with a sample."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import cli, export
from tests.helpers import check_sample_takes_label, contract_recipe

CLASSES = 8  # the ring's modes


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conditional") / "run"
    ganzoo.train(contract_recipe("conditional", **{"train.epochs": 1}), folder, verbose=0)
    return folder


def test_sample_draws_the_asked_class(run, tmp_path):
    check_sample_takes_label(run, tmp_path)


@pytest.mark.parametrize("label", [-1, CLASSES])
def test_a_label_outside_the_classes_is_one_line(run, tmp_path, label, capsys):
    assert cli.main(["sample", str(run), "--label", str(label), "--out",
                     str(tmp_path / "s.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ganzoo: error: --label {label}: must be in [0, {CLASSES}), the classes this "
                   "model was trained on"]
    assert not (tmp_path / "s.npy").exists()


def test_label_on_an_unconditional_run_is_refused(tmp_path, capsys):
    folder = tmp_path / "vanilla"
    ganzoo.train(contract_recipe("vanilla", **{"train.epochs": 1}), folder, verbose=0)
    assert cli.main(["sample", str(folder), "--label", "1", "--out",
                     str(tmp_path / "s.npy")]) == 2
    assert "takes no label" in capsys.readouterr().err


def test_the_served_signatures_take_a_label_and_refuse_one_out_of_range(run, tmp_path):
    version = export.export_run(run, to=tmp_path / "exported")
    loaded = tf.saved_model.load(str(version))
    z = tf.zeros([2, 2])
    for name, first in (("serving_default", {"z": z}),
                        ("sample", {"seed": tf.constant([0, 1], tf.int64)})):
        signature = loaded.signatures[name]
        points = signature(**first, label=tf.constant([0, 7], tf.int64))["points"]
        assert points.shape == (2, 2)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be in \[0, 8\)"):
            signature(**first, label=tf.constant([0, 8], tf.int64))

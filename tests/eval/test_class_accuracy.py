"""class_accuracy: how often a conditional generator draws the class it is asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ganzoo
from ganzoo import cli, export
from ganzoo.data.toy import mode_centres
from ganzoo.eval.metrics import per_class_accuracy, toy_classes
from tests.helpers import contract_recipe


def test_toy_samples_take_their_nearest_mode_within_three_std():
    centres = mode_centres("ring8")
    samples = np.stack([centres[2], centres[5] + 0.02, centres[0] + 0.5])  # 0.5 = 50 std away
    np.testing.assert_array_equal(toy_classes(samples, centres, 0.01), [2, 5, -1])


def test_accuracy_is_per_class_then_averaged():
    # class 0: 2 of 2 right; class 1: 1 of 4 right -> mean of 1.0 and 0.25 = 0.625
    asked = np.array([0, 0, 1, 1, 1, 1])
    predicted = np.array([0, 0, 1, 0, -1, 0])
    values = per_class_accuracy(predicted, asked, 2)
    assert values == {"class_accuracy": 0.625, "class_accuracy_0": 1.0, "class_accuracy_1": 0.25}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conditional") / "run"
    ganzoo.train(contract_recipe("conditional", **{"train.epochs": 1}), folder, verbose=0)
    return folder


def test_eval_measures_it_on_the_run_and_its_export_alike(run, tmp_path, capsys):
    assert cli.main(["eval", str(run), "--metrics", "class_accuracy", "--json"]) == 0
    version = export.export_run(run, to=tmp_path / "exported")
    assert cli.main(["eval", str(version), "--metrics", "class_accuracy", "--json"]) == 0
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{")]
    assert len(reports) == 2
    keys = ["class_accuracy"] + [f"class_accuracy_{c}" for c in range(8)]
    for report in reports:
        assert all(0.0 <= report[key] <= 1.0 for key in keys)
        assert report["class_accuracy"] == pytest.approx(np.mean([report[k] for k in keys[1:]]))
    # The served model draws the same labels and z: the same accuracy.
    assert reports[0]["class_accuracy"] == pytest.approx(reports[1]["class_accuracy"], abs=1e-9)


def test_it_is_refused_for_an_unconditional_run(tmp_path, capsys):
    folder = tmp_path / "vanilla"
    ganzoo.train(contract_recipe("vanilla", **{"train.epochs": 1}), folder, verbose=0)
    assert cli.main(["eval", str(folder), "--metrics", "class_accuracy"]) == 2
    assert "metric 'class_accuracy' needs a conditional family, not 'vanilla'" in (
        capsys.readouterr().err)

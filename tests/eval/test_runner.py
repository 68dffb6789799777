"""`ganzoo eval` and the [eval] training callback, on tiny runs made in tmp_path."""

import json

import numpy as np
import pytest
import tensorflow as tf

from ganzoo import cli, runs
from ganzoo.build import build_gan
from ganzoo.errors import RecipeError
from ganzoo.eval import parzen, runner
from ganzoo.recipe import load_recipe
from ganzoo.training import callbacks, dataset
from tests.helpers import TINY_MNIST, TINY_RING8



def make_run(folder, recipe_name, overrides=None, epoch=3):
    """A run directory holding the recipe and one checkpoint of its untrained GAN."""
    recipe = load_recipe(recipe_name, overrides=overrides)
    folder.mkdir(parents=True)
    (folder / "recipe.toml").write_text(recipe.to_toml())
    runs.save(build_gan(recipe, with_data=False), folder, epoch, epoch * 10, 10)
    return folder


def eval_cli(capsys, *args):
    code = cli.main(["eval", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def scalars(log_dir):
    """{tag: [(step, value)]} of the eval/ scalars under log_dir, in the order written.

    By event time, not file name: the names end in a per-process writer count, and "...10.v2"
    sorts before "...9.v2".
    """
    events = []
    for path in log_dir.glob("events.out.tfevents.*"):
        events += tf.compat.v1.train.summary_iterator(str(path))
    found = {}
    for event in sorted(events, key=lambda event: event.wall_time):
        for value in event.summary.value:
            if value.tag.startswith("eval/"):
                number = float(tf.make_ndarray(value.tensor))
                found.setdefault(value.tag, []).append((event.step, number))
    return found


@pytest.fixture
def ring8_run(tmp_path):
    return make_run(tmp_path / "ring8", "toy/ring8", TINY_RING8)


def test_json_on_stdout_and_everywhere_else(ring8_run, capsys):
    code, out, _ = eval_cli(capsys, ring8_run, "--json")
    assert code == 0
    report = json.loads(out)  # stdout holds the JSON object and nothing else
    assert set(report) == {"modes", "high_quality", "reverse_kl", "protocol", "checkpoint"}
    assert 0 <= report["modes"] <= 8 and 0 <= report["high_quality"] <= 1
    assert report["protocol"]["modes"]["samples"] == 2500
    assert report["checkpoint"] == {"epoch": 3, "step": 30,
                                    "weights": "checkpoints/epoch-0003.weights.h5"}
    assert json.loads((ring8_run / "eval.json").read_text()) == report
    logged = scalars(ring8_run / "logs")
    assert logged["eval/modes"] == [(30, report["modes"])]
    assert logged["eval/reverse_kl"][0][1] == pytest.approx(report["reverse_kl"], rel=1e-6)


def test_table_names_metric_value_and_protocol(ring8_run, capsys):
    code, out, _ = eval_cli(capsys, ring8_run, "--samples", "400")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("checkpoint: epoch 3, step 30")
    assert lines[1].split() == ["metric", "value", "protocol"]
    assert lines[2].startswith("modes ")
    assert "400 samples vs 8 mode centres, std 0.01" in lines[2]


def test_results_of_other_metrics_on_the_same_checkpoint_are_kept(tmp_path):
    results = {"a": runner.Result({"jsd": 0.5}, {"samples": 1, "reference": "x"})}
    runner.save_report(tmp_path, runner.make_report(results, {"epoch": 1, "step": 10}))
    results = {"b": runner.Result({"fid": 2.0}, {"samples": 1, "reference": "y"})}
    kept = runner.save_report(tmp_path, runner.make_report(results, {"epoch": 1, "step": 10}))
    assert kept["jsd"] == 0.5 and kept["fid"] == 2.0 and set(kept["protocol"]) == {"a", "b"}
    results = {"c": runner.Result({"fid": 3.0}, {"samples": 1, "reference": "y"})}
    newer = runner.save_report(tmp_path, runner.make_report(results, {"epoch": 2, "step": 20}))
    assert "jsd" not in newer and newer["fid"] == 3.0


@pytest.mark.parametrize("metrics, message", [
    ("hinge", "unknown metric 'hinge'; for ring8 choose from: modes"),
    ("modes,parzen", "metric 'parzen' does not apply to ring8 runs; for ring8 choose from: modes"),
])
def test_unknown_or_inapplicable_metric(ring8_run, capsys, metrics, message):
    code, out, err = eval_cli(capsys, ring8_run, "--metrics", metrics)
    assert code == 2 and out == ""
    assert err == f"ganzoo: error: {message}\n"


def test_no_run_and_no_checkpoint(tmp_path, capsys):
    code, _, err = eval_cli(capsys, tmp_path / "nowhere")
    assert code == 2 and "nowhere: neither a run directory (no recipe.toml) nor an exported model" in err
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "recipe.toml").write_text(load_recipe("toy/ring8").to_toml())
    code, _, err = eval_cli(capsys, tmp_path / "empty")
    assert code == 2 and "has no checkpoint yet" in err and err.count("\n") == 1


def test_missing_data_is_a_one_line_error(tmp_path, capsys):
    empty = tmp_path / "no-data"
    empty.mkdir()
    run = make_run(tmp_path / "mnist", "goodfellow2014/mnist",
                   {**TINY_MNIST, "data.dir": str(empty), "data.source": "local"})
    code, out, err = eval_cli(capsys, run)
    assert code == 2 and out == ""
    assert err.startswith("ganzoo: error: mnist: no local files") and err.count("\n") == 1
    assert not (run / "eval.json").exists()


def test_missing_classifier_says_how_to_train_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "home"))
    run = make_run(tmp_path / "mnist", "goodfellow2014/mnist", TINY_MNIST)
    code, _, err = eval_cli(capsys, run, "--metrics", "fid")
    assert code == 2
    assert "ganzoo classifier train --dataset mnist" in err and err.count("\n") == 1


def test_jsd_on_the_1d_recipe(tmp_path):
    run = make_run(tmp_path / "g", "goodfellow2014/figure1_1d")
    report = runner.evaluate_run(run, samples=5000)
    assert 0.0 < report["jsd"] <= np.log(2)
    assert list(report["protocol"]) == ["jsd"]


def test_parzen_on_mnist(tmp_path, real_data_dir, monkeypatch):
    monkeypatch.setenv("GANZOO_DATA_DIR", str(real_data_dir("mnist")))
    run = make_run(tmp_path / "mnist", "goodfellow2014/mnist", TINY_MNIST)
    report = runner.evaluate_run(run, samples=300)
    assert set(report) == {"parzen_ll", "parzen_se", "parzen_sigma", "protocol", "checkpoint"}
    assert report["parzen_sigma"] in parzen.DEFAULT_SIGMAS
    assert report["parzen_se"] > 0 and np.isfinite(report["parzen_ll"])
    protocol = report["protocol"]["parzen"]
    assert protocol["samples"] == 300 and protocol["reference"] == "10000 test images"
    assert "first 1000 validation images" in protocol["details"]


def test_eval_during_training(tmp_path, capsys):
    recipe = load_recipe("toy/ring8", overrides={
        **TINY_RING8, "eval.every": 1, "eval.metrics": ["modes"], "eval.samples": 500})
    gan = build_gan(recipe)
    gan.fit(dataset(recipe), epochs=2, callbacks=callbacks(recipe, tmp_path / "run"), verbose=0)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("eval")]
    assert [line.split(":")[0] for line in printed] == ["eval at epoch 1", "eval at epoch 2"]
    report = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert report["checkpoint"] == {"epoch": 2, "step": 20,
                                    "weights": "checkpoints/epoch-0002.weights.h5"}
    assert report["protocol"]["modes"]["samples"] == 500
    assert [step for step, _ in scalars(tmp_path / "run" / "logs")["eval/modes"]] == [10, 20]


def test_eval_section_is_checked_before_training(tmp_path):
    with pytest.raises(RecipeError, match="choose from: parzen, modes, jsd"):
        load_recipe("toy/ring8", overrides={"eval.metrics": ["hinge"]})
    recipe = load_recipe("toy/ring8", overrides={"eval.metrics": ["parzen"], "eval.every": 1})
    with pytest.raises(runner.EvalError, match="does not apply to ring8"):
        callbacks(recipe, tmp_path / "run")
    assert len(callbacks(load_recipe("toy/ring8"), tmp_path / "run")) == 2  # every = 0: none


def test_every_registered_metric_has_its_table_keys():
    # `ganzoo eval`'s text table reads each metric's values through VALUE_KEYS: a metric
    # registered without an entry would end the command in a KeyError.
    from ganzoo import registry
    from ganzoo.eval.runner import VALUE_KEYS

    assert set(registry.METRICS.names()) <= set(VALUE_KEYS)
    assert all(VALUE_KEYS[name] for name in registry.METRICS.names())

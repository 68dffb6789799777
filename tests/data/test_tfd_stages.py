"""The paper's two TFD stages, as a user runs them, on the synthetic TFD stand-in: stage 1
into runs/tfd-stage1, then goodfellow2014/tfd_stage2 on it with its default stack_on."""

from __future__ import annotations

import json

import numpy as np

from ganzoo import cli
from ganzoo.build import load_gan

SMALL = {"model.discriminator.units": "[8, 8]", "model.discriminator.pieces": "2",
         "train.batch_size": "2", "train.steps_per_epoch": "2", "train.epochs": "1"}


def sets(overrides):
    return [arg for key, value in overrides.items() for arg in ("--set", f"{key}={value}")]


def test_stage_2_trains_on_the_stage_1_run_and_evaluates(fake_tfd, tmp_path, monkeypatch,
                                                          capsys):
    root, _ = fake_tfd
    monkeypatch.setenv("GANZOO_DATA_DIR", str(root))
    monkeypatch.chdir(tmp_path)
    stage_1 = {**SMALL, "model.generator.units": "[16, 12]",
               "model.generator.output_sparse_init": "5"}
    assert cli.main(["train", "goodfellow2014/tfd", *sets(stage_1),
                     "--run-dir", "runs/tfd-stage1"]) == 0
    lower, _, _ = load_gan(tmp_path / "runs" / "tfd-stage1")

    assert cli.main(["train", "goodfellow2014/tfd_stage2", *sets(SMALL),
                     "--set", "model.generator.units=[16, 100]"]) == 0
    [run] = (tmp_path / "runs").glob("goodfellow2014-tfd_stage2-*")
    gan, run_info, info = load_gan(run)
    recipe = run_info.recipe
    assert info.epoch == 1 and recipe.model.generator.stack_on == str(tmp_path / "runs" / "tfd-stage1")
    z = np.random.default_rng(0).normal(size=(3, 100)).astype(np.float32)
    assert gan.generator.predict(z, verbose=0).shape == (3, 48, 48, 1)
    assert gan.generator.get_layer("stacked").count_params() == lower.generator.count_params()
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--json", "--samples", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.isfinite(report["parzen_ll"]) and report["checkpoint"]["epoch"] == 1

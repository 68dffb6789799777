"""The `ganzoo` command as a user runs it: listing, training, sampling, and bad input."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import TINY_RING8

# --set KEY=VALUE pairs, lists written as TOML ('["relu"]').
TINY_SETS = [arg for key, value in TINY_RING8.items()
             for arg in ("--set", f"{key}={json.dumps(value)}")]


def ganzoo(*args, cwd=None, env=None):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ganzoo.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=environment)


def ganzoo_here(capsys, *args):
    """`ganzoo ARGS` run by `cli.main` in this process (no TensorFlow import of its own), as
    `ganzoo` would be: (exit code, stdout, stderr)."""
    from ganzoo import cli

    capsys.readouterr()
    code = cli.main([*map(str, args)])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def assert_user_error(result, *expected):
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("ganzoo:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_recipes_lists_every_recipe_with_a_description():
    result = ganzoo("recipes")
    assert result.returncode == 0
    assert "toy/ring8" in result.stdout and "goodfellow2014/mnist" in result.stdout
    assert "Table 1" in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["train", "toy/ring9"], ["toy/ring9: no such recipe file", "toy/ring8"]),
    (["train", "toy/ring8", "--set", "train.epochz=3"], ["unknown key 'train.epochz'", "train.epochs"]),
    (["train", "toy/ring8", "--set", "train.batch_size=0"], ["[train].batch_size = 0 is impossible"]),
    (["train", "toy/ring8", "--set", "loss.name=hinje"], ["choose from: minimax, non_saturating, least_squares"]),
    (["train", "toy/ring8", "--set", "train.epochs"], ["expected KEY=VALUE"]),
    (["train", "toy/ring8", "--strategy", "tpu"], ["choose from: auto, default"]),
    (["sample", "no/such/run", "--out", "x.png"], ["no/such/run: not a ganzoo run directory"]),
    (["train", "toy/ring8", "--set", "loss.penalties.gradiant=10"],
     ["unknown penalty 'gradiant' in [loss.penalties]; choose from: gradient"]),
    (["train", "toy/ring8", "--set", "loss.penalties.gradient=-1"],
     ["[loss.penalties].gradient = -1.0 is impossible; it must be >= 0"]),
    (["train", "toy/ring8", "--set", "model.family=wgan"], ["[model].family = 'wgan'", "choose from: vanilla, pacgan"]),
    (["train", "toy/ring8", "--set", "model.family=pacgan", "--set", "model.pack=3"],
     ["[train].batch_size = 100 does not divide into packs of [model].pack = 3"]),
    (["train", "toy/ring8", "--set", "model.pack=2"], ["[model].pack applies only to [model].family = 'pacgan'"]),
    (["train", "toy/ring8", "--set", "model.discriminator.input_keep=0.8",
      "--set", 'model.discriminator.spectral_norm=["input_dropout"]'],
     ["spectral_norm: 'input_dropout' has no kernel; layers with a kernel: maxout_0, maxout_1, maxout_2, logit"]),
    (["train", "toy/ring8", "--set", 'model.discriminator.spectral_norm=["maxout_7"]'],
     ["'maxout_7' is not a layer of this discriminator"]),
    (["train", "goodfellow2014/figure1_1d", "--set", "model.family=conditional"],
     ["[model].family = 'conditional' needs a labelled dataset", "'gaussian1d' has no classes"]),
    (["train", "toy/ring8", "--set", "train.discriminator.learning_rat=1e-4"],
     ["unknown key 'train.discriminator.learning_rat'", "train.discriminator.learning_rate"]),
])
def test_bad_input_gets_one_line_and_writes_nothing(tmp_path, args, expected):
    if args[0] == "train":
        args = [*args, "--run-dir", tmp_path / "run"]
    result = ganzoo(*args, cwd=tmp_path)
    assert_user_error(result, *expected)
    assert list(tmp_path.iterdir()) == []


def test_missing_data_fails_fast_before_writing_anything(tmp_path):
    empty = tmp_path / "data"
    empty.mkdir()
    result = ganzoo("train", "goodfellow2014/mnist", "--run-dir", tmp_path / "run", cwd=tmp_path,
                    env={"GANZOO_DATA_DIR": str(empty), "TFDS_DATA_DIR": str(empty)})
    assert_user_error(result, "mnist")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text, expected", [
    ("", "[data].name is missing: a recipe names its dataset; choose from: ring8, grid25"),
    ("[data]\nname = 'ring8'\n[train.discriminator]\nlr = 1e-4\n",
     "unknown key 'lr' in [train.discriminator]; allowed: learning_rate, beta_1, beta_2"),
    ("[data]\nname = 'ring8'\n[loss]\npenalties = {r1 = 1.0}\n",
     "unknown penalty 'r1' in [loss.penalties]; choose from: gradient"),
])
def test_bad_recipe_files_name_the_file_and_key(tmp_path, text, expected):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    result = ganzoo("train", bad, "--run-dir", tmp_path / "run")
    assert_user_error(result, str(bad), expected)
    assert not (tmp_path / "run").exists()


def test_packs_must_divide_over_the_replicas_too(tmp_path):
    # 100 examples in packs of 4 split over 1 device, but not over 2 replicas (50 each).
    result = ganzoo("train", "toy/ring8", "--strategy", "mirrored", "--set", "model.family=pacgan",
                    "--set", "model.pack=4", "--run-dir", tmp_path / "run",
                    env={"GANZOO_CPU_DEVICES": "2"})
    assert_user_error(result, "[train].batch_size = 100 does not divide over 2 replicas in packs "
                              "of [model].pack = 4; use a multiple of 8")
    assert not (tmp_path / "run").exists()


def test_malformed_recipe_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[data]\nname = 'ring8'\n[train]\nepochs = 'many'\n")
    result = ganzoo("train", bad, "--run-dir", tmp_path / "run")
    assert_user_error(result, str(bad), "[train].epochs must be int, not 'many'")
    assert not (tmp_path / "run").exists()


def test_train_resume_and_sample(tmp_path, capsys):
    # The first training as a user's own process; the rest through cli.main in this one (the
    # same code path without another TensorFlow import each: about 8 s apiece here).
    run = tmp_path / "run"
    first = ganzoo("train", "toy/ring8", *TINY_SETS, "--set", "train.epochs=1", "--run-dir", run)
    assert first.returncode == 0, first.stderr
    assert (run / "recipe.toml").is_file() and (run / "checkpoints" / "epoch-0001.json").is_file()

    again = ganzoo_here(capsys, "train", "toy/ring8", *TINY_SETS, "--set", "train.epochs=1",
                        "--run-dir", run)
    assert_user_error(again, "pass --resume")

    resumed = ganzoo_here(capsys, "train", run, "--resume", "--set", "train.epochs=2")
    assert resumed.returncode == 0, resumed.stderr
    assert (run / "checkpoints" / "epoch-0002.json").is_file()
    assert "Epoch 2/2" in resumed.stdout and "Epoch 1/2" not in resumed.stdout
    finished = ganzoo_here(capsys, "train", run, "--resume", "--set", "train.epochs=2")
    assert finished.returncode == 0 and "Epoch" not in finished.stdout
    assert "is at epoch 2 and train.epochs is 2: nothing to do" in finished.stderr
    assert not (run / "checkpoints" / "epoch-0003.json").exists()

    sampled = ganzoo_here(capsys, "sample", run, "--n", 50, "--seed", 3, "--out", tmp_path / "s.npy")
    assert sampled.returncode == 0, sampled.stderr
    points = np.load(tmp_path / "s.npy")
    assert points.shape == (50, 2)
    again = ganzoo_here(capsys, "sample", run, "--n", 50, "--seed", 3, "--out", tmp_path / "t.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"), points)
    picture = ganzoo_here(capsys, "sample", run, "--n", 16, "--out", tmp_path / "s.png")
    assert picture.returncode == 0 and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"

    # TensorFlow's C++ log lines (absl's "I0000 ..." / "W0000 ...") only with --verbose.
    quiet_env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    runs = {flag: subprocess.run([sys.executable, "-m", "ganzoo.cli", *flag, "sample", str(run),
                                  "--n", "5", "--out", str(tmp_path / "q.npy")],
                                 capture_output=True, text=True, timeout=300, env=quiet_env)
            for flag in ((), ("--verbose",))}
    absl = lambda text: [l for l in text.splitlines() if re.match(r"[IWE]\d{4} |WARNING: All log", l)]  # noqa: E731
    assert runs[()].returncode == 0 and absl(runs[()].stderr) == []
    assert runs[("--verbose",)].returncode == 0 and absl(runs[("--verbose",)].stderr)


def test_quiet_import_hides_native_info_and_warning_lines_only():
    # What TensorFlow 2.21 prints while loading on a CPU with AVX512 (oneDNN on by default),
    # which TF_CPP_MIN_LOG_LEVEL does not hide; an error line and anything else stay.
    from ganzoo import cli

    with cli.native_stderr_captured() as captured:
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are "
                    b"written to STDERR\n"
                    b"I0000 00:00:1796222606.119011   12760 port.cc:153] oneDNN custom "
                    b"operations are on.\n"
                    b"W0000 00:00:1796222606.2   12760 cpu_feature_guard.cc:227] a warning\n"
                    b"E0000 00:00:1796222606.3   12760 cuda_dnn.cc:8] an error\n"
                    b"Traceback (most recent call last):\n")
    assert cli.kept_lines(captured()) == [
        "E0000 00:00:1796222606.3   12760 cuda_dnn.cc:8] an error\n",
        "Traceback (most recent call last):\n"]


def test_sample_rejects_bad_arguments(tmp_path):
    assert_user_error(ganzoo("sample", tmp_path, "--n", 0, "--out", tmp_path / "x.png"), "--n must be >= 1")
    assert_user_error(ganzoo("sample", tmp_path, "--out", tmp_path / "x.gif"), "must end in .png or .npy")

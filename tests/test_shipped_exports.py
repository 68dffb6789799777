"""The generators shipped in exported/: each loads the way TF Serving loads it (a TF1 session in a
fresh process), answers both signatures with the declared dtypes and shapes, matches the TF2
loader, and carries its recipe and measured metrics."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format

HERE = Path(__file__).resolve().parent
EXPORTED = HERE.parent / "exported"
VERSIONS = sorted(p for p in EXPORTED.glob("*/[0-9]*") if p.is_dir())


def test_models_config_names_every_shipped_model():
    from tensorflow_serving.config import model_server_config_pb2

    config = text_format.Parse((EXPORTED / "models.config").read_text(),
                               model_server_config_pb2.ModelServerConfig())
    names = {c.name for c in config.model_config_list.config}
    assert names == {p.parent.name for p in VERSIONS}
    assert {"toy_ring8", "goodfellow2014_mnist"} <= names


@pytest.mark.parametrize("version", VERSIONS, ids=lambda p: p.parent.name)
def test_shipped_export_serves_both_signatures(version, tmp_path):
    meta = json.loads((version / "assets.extra" / "ganzoo.json").read_text())
    assert meta["metrics"] and meta["checkpoint"]["epoch"] >= 1
    latent_dim, shape = meta["latent_dim"], tuple(meta["output_shape"])
    z = np.random.default_rng(0).uniform(-1, 1, size=(3, latent_dim)).astype(np.float32)
    seeds = np.array([5, 6, 5], np.int64)
    # Inputs beside z and seed (a conditional generator's int64 `label`), in both signatures.
    extra = {name: np.array([1, 2, 1], np.int64)
             for name in meta.get("inputs", {}) if name not in ("z", "seed")}
    np.savez(tmp_path / "in.npz", **{"0/serving_default/z": z, "0/sample/seed": seeds},
             **{f"0/{signature}/{name}": value for name, value in extra.items()
                for signature in ("serving_default", "sample")})
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), tmp_path / "in.npz",
                    tmp_path / "out.npz", version], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    tf1 = np.load(tmp_path / "out.npz")
    outputs = ["points"] if len(shape) == 1 else ["images", "pixels"]
    loaded = tf.saved_model.load(str(version))
    tf2 = loaded.signatures["serving_default"](
        z=tf.constant(z), **{name: tf.constant(value) for name, value in extra.items()})
    for name in outputs:
        assert tf1[f"0/serving_default/{name}"].shape == (3,) + shape
        assert tf1[f"0/sample/{name}"].shape == (3,) + shape
        np.testing.assert_allclose(tf1[f"0/serving_default/{name}"], tf2[name].numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(tf1[f"0/sample/{name}"][0], tf1[f"0/sample/{name}"][2])
        assert not np.array_equal(tf1[f"0/sample/{name}"][0], tf1[f"0/sample/{name}"][1])
    if "images" in outputs:
        assert str(tf1["0/serving_default/images:dtype"]) == "uint8"


@pytest.mark.parametrize("version", VERSIONS, ids=lambda p: p.parent.name)
def test_shipped_export_scores_what_its_metadata_says(version, real_data_dir, monkeypatch):
    """The README's numbers for the shipped models, re-measured on the SavedModels themselves
    with each metric's full protocol (`ganzoo eval exported/NAME`)."""
    from ganzoo.eval.runner import evaluate_export

    import tomllib

    meta = json.loads((version / "assets.extra" / "ganzoo.json").read_text())
    if meta["output_shape"] != [2]:  # an image model: its own dataset's real files
        dataset = tomllib.loads(meta["recipe"])["data"]["name"]
        monkeypatch.setenv("GANZOO_DATA_DIR", str(real_data_dir(dataset)))
    report = evaluate_export(version)  # the default metric: parzen for images, modes for toys
    assert meta["metrics_of_this_checkpoint"]
    measured = {key: report[key] for key in report["at_export"] if key in report}
    assert {"parzen_ll", "modes"} & set(measured), measured
    for key, value in measured.items():
        assert value == pytest.approx(report["at_export"][key], rel=1e-4, abs=1e-3), key


def test_sample_from_a_shipped_conditional_export_takes_its_label(tmp_path, capsys):
    """`ganzoo sample exported/mirza2014_mnist --label 7`: sevens, and labels outside the
    classes refused in one line, nothing written."""
    from ganzoo import cli
    from ganzoo.export import sample_version

    conditional = [v for v in VERSIONS if "label" in json.loads(
        (v / "assets.extra" / "ganzoo.json").read_text()).get("inputs", {})]
    if not conditional:
        pytest.skip("no conditional model shipped")
    version = conditional[0]
    sevens = sample_version(version, 6, 0, label=7)
    others = sample_version(version, 6, 0, label=1)
    assert sevens.shape[0] == 6 and not np.allclose(sevens, others)
    np.testing.assert_array_equal(sample_version(version, 6, 0, label=7), sevens)
    out = tmp_path / "bad.png"
    for label in ("10", "-1"):
        assert cli.main(["sample", str(version.parent), "--label", label, "--out", str(out)]) == 2
        assert "must be in [0, 10)" in capsys.readouterr().err
    assert not out.exists()

"""`ganzoo export` and `ganzoo sample --server`: what TF Serving loads, and what it answers.

One tiny trained ring8 run and one untrained, MNIST-shaped run (no data needed) are exported
once per module; the TF1-session check runs in a fresh process that imports only TensorFlow.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo import cli, export, serving
from ganzoo.build import build_gan, load_gan
from ganzoo.models import LatentPrior
from ganzoo.runs import save as save_checkpoint
from tests.helpers import TINY_RING8

HERE = Path(__file__).resolve().parent
SMALL_MNIST = {"model.generator.units": [32], "model.generator.activations": ["relu"],
               "model.discriminator.units": [8], "model.discriminator.pieces": 2}
EVAL = {"modes": 7, "high_quality": 0.9, "checkpoint": {"epoch": 1, "step": 3}}


def untrained_run(recipe_name, overrides, run_dir):
    """A run directory holding a freshly built GAN as its epoch-1 checkpoint: all an export
    needs, without the recipe's data."""
    recipe = ganzoo.load_recipe(recipe_name, overrides=overrides)
    gan = build_gan(recipe, with_data=False)
    save_checkpoint(gan, run_dir, epoch=1, step=0, steps_per_epoch=1)
    (Path(run_dir) / "recipe.toml").write_text(recipe.to_toml())
    return Path(run_dir)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    recipe = ganzoo.load_recipe("toy/ring8", overrides={**TINY_RING8, "train.epochs": 1,
                                                         "train.steps_per_epoch": 3})
    ganzoo.train(recipe, base / "ring8", verbose=0)
    (base / "ring8" / "eval.json").write_text(json.dumps(EVAL))
    mnist = untrained_run("goodfellow2014/mnist", SMALL_MNIST, base / "mnist")
    return {"toy_ring8": base / "ring8", "goodfellow2014_mnist": mnist}


@pytest.fixture(scope="module")
def exported(runs, tmp_path_factory):
    """exported/ with version 1 of both models; name -> version dir."""
    root = tmp_path_factory.mktemp("serving") / "exported"
    return {name: export.export_run(run, to=root) for name, run in runs.items()}


@pytest.fixture(scope="module")
def generators(runs):
    """name -> (Keras generator, prior) loaded from the run, for expected outputs."""
    loaded = {}
    for name, run in runs.items():
        gan, _, _ = load_gan(run)
        loaded[name] = (gan.generator, gan.prior)
    return loaded


def expected_outputs(generator, prior, z=None, seeds=None):
    """What a signature must return, computed with the Keras generator."""
    if seeds is not None:
        z = prior.sample_per_seed(tf.constant(seeds, tf.int64)).numpy()
    samples = generator.predict(z, verbose=0)
    if samples.ndim == 2:
        return {"points": samples}
    return {"pixels": samples, "images": np.round(np.clip(samples, 0, 1) * 255).astype(np.uint8)}


def assert_outputs_match(actual, expected):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        got = np.asarray(actual[key])
        assert got.shape == value.shape, key
        if key == "images":
            # Rounding a pixel computed in another order may land on the neighbouring level.
            assert got.dtype == np.uint8 and np.abs(got.astype(int) - value).max() <= 1
            assert np.mean(got == value) > 0.99
        else:
            np.testing.assert_allclose(got, value, rtol=1e-5, atol=1e-6)


def test_version_dir_layout(exported):
    for name, version in exported.items():
        assert version == version.parent / "1" and version.parent.name == name
        for path in ("saved_model.pb", "variables/variables.index",
                     "assets.extra/tf_serving_warmup_requests", "assets.extra/ganzoo.json",
                     "assets.extra/recipe.toml"):
            assert (version / path).is_file(), path
        assert not [p for p in version.parent.iterdir() if p.name.startswith(".tmp-")]


def test_tf1_session_in_a_fresh_process_matches_keras(exported, generators, tmp_path):
    """TF Serving's way: a TF1 session, the `serve` tag, tensors fed and fetched by name."""
    rng = np.random.default_rng(0)
    names = sorted(exported)
    seeds = np.array([5, -3, 2**40, 5], np.int64)
    inputs = {}
    for i, name in enumerate(names):
        latent_dim = generators[name][1].dim
        inputs[f"{i}/serving_default/z"] = rng.normal(size=(3, latent_dim)).astype(np.float32)
        inputs[f"{i}/sample/seed"] = seeds
    np.savez(tmp_path / "inputs.npz", **inputs)
    subprocess.run([sys.executable, str(HERE / "tf1_loader_check.py"), tmp_path / "inputs.npz",
                    tmp_path / "outputs.npz", *(exported[name] for name in names)],
                   check=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    results = np.load(tmp_path / "outputs.npz")
    assert str(results["modules"]) == "", "the check must not import ganzoo"
    for i, name in enumerate(names):
        generator, prior = generators[name]
        z = inputs[f"{i}/serving_default/z"]
        for signature, expected in [("serving_default", expected_outputs(generator, prior, z=z)),
                                    ("sample", expected_outputs(generator, prior, seeds=seeds))]:
            prefix = f"{i}/{signature}"
            actual = {key[len(prefix) + 1:]: results[key] for key in results.files
                      if key.startswith(prefix + "/") and ":" not in key}
            assert_outputs_match(actual, expected)
            assert str(results[f"{prefix}:method"]) == "tensorflow/serving/predict"
            for key, value in expected.items():
                assert str(results[f"{prefix}/{key}:dtype"]) == value.dtype.name
        assert str(results[f"{i}/sample/seed:dtype"]) == "int64"
        assert str(results[f"{i}/serving_default/z:dtype"]) == "float32"
        sampled = results[f"{i}/sample/" + ("points" if name == "toy_ring8" else "pixels")]
        np.testing.assert_array_equal(sampled[0], sampled[3])  # the same seed, the same sample
        assert not np.allclose(sampled[0], sampled[1])


def test_sample_rows_depend_on_their_seed_alone(generators):
    _, prior = generators["goodfellow2014_mnist"]
    alone = prior.sample_per_seed(tf.constant([7], tf.int64)).numpy()
    among = prior.sample_per_seed(tf.constant([1, 7, 9], tf.int64)).numpy()
    np.testing.assert_array_equal(alone[0], among[1])


def test_saved_model_cli_lists_signatures(exported):
    cli_path = Path(sys.executable).with_name("saved_model_cli")
    command = [cli_path] if cli_path.exists() else [sys.executable, "-m",
                                                    "tensorflow.python.tools.saved_model_cli"]
    shown = subprocess.run([*command, "show", "--all", "--dir", exported["goodfellow2014_mnist"]],
                           capture_output=True, text=True, check=True, timeout=300,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}).stdout
    signatures = {name: body for name, body in re.findall(
        r"signature_def\['(\w+)'\]:(.*?)Method name is:", shown, re.S)}
    assert {"serving_default", "sample"} <= set(signatures)

    def tensor(body, kind, name, dtype, shape):
        shape = re.escape(f"({shape})")
        pattern = rf"{kind}\['{name}'\] tensor_info:\s+dtype: {dtype}\s+shape: {shape}"
        return re.search(pattern, body)

    for name, first in [("serving_default", ("z", "DT_FLOAT", "-1, 100")),
                        ("sample", ("seed", "DT_INT64", "-1"))]:
        body = signatures[name]
        assert tensor(body, "inputs", *first), body
        assert tensor(body, "outputs", "images", "DT_UINT8", "-1, 28, 28, 1"), body
        assert tensor(body, "outputs", "pixels", "DT_FLOAT", "-1, 28, 28, 1"), body
        assert len(re.findall(r"(inputs|outputs)\[", body)) == 3
    assert len(re.findall(r"Method name is: tensorflow/serving/predict", shown)) == 2


def test_warmup_requests_parse_and_run(exported):
    from tensorflow_serving.apis import prediction_log_pb2

    for name, version in exported.items():
        loaded = tf.saved_model.load(str(version))
        seen = []
        warmup = version / "assets.extra" / export.WARMUP_FILE
        for record in tf.data.TFRecordDataset(str(warmup)):
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            request = log.predict_log.request
            assert request.model_spec.name == name
            seen.append(request.model_spec.signature_name)
            feeds = {key: tf.make_ndarray(proto) for key, proto in request.inputs.items()}
            outputs = loaded.signatures[request.model_spec.signature_name](**feeds)
            assert all(value.shape[0] == export.WARMUP_BATCH for value in outputs.values())
        assert seen == ["serving_default", "sample"]


def test_models_config_parses_and_names_every_model(exported):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    root = next(iter(exported.values())).parents[1]
    config = text_format.Parse((root / "models.config").read_text(),
                               model_server_config_pb2.ModelServerConfig())
    entries = {entry.name: entry for entry in config.model_config_list.config}
    assert set(entries) == set(exported) == {"toy_ring8", "goodfellow2014_mnist"}
    for name, entry in entries.items():
        assert entry.base_path == f"/models/{name}" and entry.model_platform == "tensorflow"


def test_metadata_describes_the_run(exported, runs):
    ring8 = json.loads((exported["toy_ring8"] / "assets.extra/ganzoo.json").read_text())
    assert ring8["recipe_name"] == "toy/ring8"
    assert ring8["checkpoint"] == {"epoch": 1, "step": 3}
    assert ring8["metrics"] == EVAL and ring8["metrics_of_this_checkpoint"] is True
    assert ring8["tensorflow_version"] == tf.__version__
    assert ring8["ganzoo_version"] == ganzoo.__version__
    assert ring8["latent_dim"] == 2 and ring8["outputs"] == {"points": "float32"}
    assert "steps_per_epoch = 3" in ring8["recipe"]
    mnist = json.loads((exported["goodfellow2014_mnist"] / "assets.extra/ganzoo.json").read_text())
    assert mnist["metrics"] is None and mnist["metrics_of_this_checkpoint"] is None
    assert mnist["output_shape"] == [28, 28, 1]
    assert mnist["prior"]["kind"] == "uniform"
    for name, version in exported.items():
        shipped = ganzoo.load_recipe(version / "assets.extra/recipe.toml").config
        assert shipped == ganzoo.load_recipe(runs[name] / "recipe.toml").config


def test_cli_export_increments_versions_and_updates_config(runs, tmp_path, capsys):
    root = tmp_path / "exported"
    (root / "toy_ring8" / "7").mkdir(parents=True)  # versions need not be contiguous
    (root / "toy_ring8" / "notes").mkdir()          # non-integer entries are ignored
    for expected in ("8", "9"):
        assert cli.main(["export", str(runs["toy_ring8"]), "--to", str(root),
                         "--config-base", "/srv/gans"]) == 0
        assert capsys.readouterr().out.strip() == str(root / "toy_ring8" / expected)
    assert export.versions(root / "toy_ring8") == [7, 8, 9]
    assert 'base_path: "/srv/gans/toy_ring8"' in (root / "models.config").read_text()


def test_publish_takes_the_next_number_when_one_is_claimed_meanwhile(tmp_path):
    def write(path):
        (path / "saved_model.pb").write_text("x")
        (tmp_path / "m" / "1").mkdir()  # another export renamed its version 1 into place
        (tmp_path / "m" / "1" / "saved_model.pb").write_text("theirs")

    assert export.publish(tmp_path / "m", write) == tmp_path / "m" / "2"
    assert (tmp_path / "m" / "1" / "saved_model.pb").read_text() == "theirs"
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["1", "2"]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_export_leaves_no_partial_version(runs, tmp_path, monkeypatch, error):
    def fail(*args):
        raise error

    root = tmp_path / "exported"
    (root / "toy_ring8" / "1").mkdir(parents=True)
    monkeypatch.setattr(export, "write_warmup", fail)  # after the SavedModel is written
    with pytest.raises(type(error)):
        export.export_run(runs["toy_ring8"], to=root)
    with pytest.raises(type(error)):
        export.export_run(runs["goodfellow2014_mnist"], to=root)
    assert sorted(p.name for p in root.iterdir()) == ["toy_ring8"]
    assert [p.name for p in (root / "toy_ring8").iterdir()] == ["1"]


@pytest.mark.parametrize("make_run, args, message", [
    (None, ["--name", "ok"], "not a ganzoo run directory"),
    ("no_checkpoint", [], "has no checkpoint yet"),
    ("ring8", ["--name", "a/b"], "--name 'a/b': use letters, digits"),
    ("ring8", ["--name", ".."], "--name '..'"),
    ("ring8", ["--name", "x y"], "--name 'x y'"),
    ("ring8", ["--config-base", "models"], "must be an absolute path"),
])
def test_bad_export_input_is_one_line_and_writes_nothing(runs, tmp_path, capsys, make_run, args,
                                                         message):
    run = tmp_path / "run"
    if make_run == "no_checkpoint":
        run.mkdir()
        shutil.copy(runs["toy_ring8"] / "recipe.toml", run)
    elif make_run == "ring8":
        run = runs["toy_ring8"]
    root = tmp_path / "exported"
    assert cli.main(["export", str(run), "--to", str(root), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ganzoo: error:") and message in err, err
    assert not root.exists()


def test_served_generator_predicts_what_the_keras_generator_does(exported, generators):
    generator, prior = generators["goodfellow2014_mnist"]
    z = prior.sample(7, tf.constant([3, 4], tf.int64)).numpy()
    _, _, recipe = export.open_version(exported["goodfellow2014_mnist"].parent)
    served = export.ServedGenerator(exported["goodfellow2014_mnist"], recipe)
    np.testing.assert_allclose(served.predict(z, batch_size=3), generator.predict(z, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_eval_of_an_export_equals_eval_of_its_run_and_writes_nothing(runs, exported, capsys):
    from ganzoo.eval.runner import evaluate_run

    model_dir = exported["toy_ring8"].parent
    before = sorted((p, p.stat().st_mtime_ns) for p in model_dir.rglob("*"))
    assert cli.main(["eval", str(model_dir), "--json", "--samples", "500"]) == 0
    report = json.loads(capsys.readouterr().out)
    from_run = evaluate_run(runs["toy_ring8"], ["modes"], samples=500, write=False)
    for key in ("modes", "high_quality", "reverse_kl"):
        assert report[key] == pytest.approx(from_run[key], rel=1e-6, abs=1e-9), key
    assert report["checkpoint"] == {"epoch": 1, "step": 3, "export": str(exported["toy_ring8"])}
    assert report["at_export"] == {"modes": 7, "high_quality": 0.9}  # the run's eval.json (EVAL)
    assert sorted((p, p.stat().st_mtime_ns) for p in model_dir.rglob("*")) == before

    assert cli.main(["eval", str(exported["toy_ring8"])]) == 0  # a version dir, as a table
    table = capsys.readouterr().out
    assert table.startswith(f"export {exported['toy_ring8']}, made from checkpoint: epoch 1")


def test_eval_of_a_broken_export_is_one_line(exported, tmp_path, capsys):
    broken = tmp_path / "model" / "1"
    shutil.copytree(exported["toy_ring8"], broken)
    (broken / "assets.extra" / "ganzoo.json").unlink()
    assert cli.main(["eval", str(broken.parent)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "not a ganzoo export" in err and str(broken.parent) in err


def test_images_from_unbounded_data_are_scaled_per_image():
    x = tf.constant([[1.5, -0.2, 0.5, 0.998], [2.0, 4.0, 6.0, 3.0], [5.0, 5.0, 5.0, 5.0]])
    x = tf.reshape(x, [3, 2, 2, 1])
    unit = export.named_outputs(x, "unit")["images"].numpy().reshape(3, 4)
    assert unit[0].tolist() == [255, 0, 128, 254]  # 0.5 * 255 = 127.5 rounds to even 128
    minmax = export.named_outputs(x, "minmax")
    assert minmax["images"].numpy().reshape(3, 4)[1:].tolist() == [[0, 128, 255, 64], [0, 0, 0, 0]]
    np.testing.assert_array_equal(minmax["pixels"], x)


def test_a_conditional_generator_gets_label_in_both_signatures(tmp_path):
    """The design hook for later conditional models: extra named inputs beside z / seed."""
    import keras

    z = keras.Input((3,), name="z")
    label = keras.Input((), dtype="int64", name="label")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(10, 2)(label)])
    generator = keras.Model({"z": z, "label": label}, keras.layers.Dense(2)(h))
    prior = LatentPrior("normal", 3)
    extra = [tf.TensorSpec([None], tf.int64, name="label")]
    export.build_archive(generator, prior, "points", extra).write_out(str(tmp_path / "1"),
                                                                      verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "1"))
    labels = np.array([1, 4], np.int64)
    for signature, first in [("serving_default", {"z": np.ones((2, 3), np.float32)}),
                             ("sample", {"seed": np.array([0, 1], np.int64)})]:
        fn = loaded.signatures[signature]
        assert set(fn.structured_input_signature[1]) == {*first, "label"}
        got = fn(**first, label=labels)["points"].numpy()
        z_value = first["z"] if "z" in first else prior.sample_per_seed(first["seed"]).numpy()
        np.testing.assert_allclose(got, generator({"z": z_value, "label": labels}), rtol=1e-6)
    warm = export.warmup_inputs(3, extra)
    assert warm["sample"]["label"].shape == (2,) and warm["serving_default"]["z"].shape == (2, 3)


# --- REST: a stand-in server with TF Serving's JSON formats, and the real server if present ---

class StandInServing(http.server.BaseHTTPRequestHandler):
    """POST /v1/models/NAME:predict answered from the exports loaded with tf.saved_model.load,
    following TF Serving's REST rules: row ("instances") or columnar ("inputs") requests; a
    signature's only input or output may go unnamed."""

    models: dict = {}

    def do_POST(self):
        match = re.fullmatch(r"/v1/models/([^/:]+):predict", self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not match or match.group(1) not in self.models:
            return self.answer(404, {"error": f"Servable not found for request: {self.path}"})
        fn = self.models[match.group(1)].signatures[body.get("signature_name", "serving_default")]
        specs = fn.structured_input_signature[1]
        only_input = next(iter(specs))
        if "instances" in body:
            rows = body["instances"]
            columns = ({key: [row[key] for row in rows] for key in rows[0]}
                       if isinstance(rows[0], dict) else {only_input: rows})
        else:
            given = body["inputs"]
            columns = given if isinstance(given, dict) else {only_input: given}
        feeds = {key: tf.constant(value, specs[key].dtype) for key, value in columns.items()}
        outputs = {key: value.numpy().tolist() for key, value in fn(**feeds).items()}
        only_output, first = next(iter(outputs.items()))
        if "instances" in body:
            rows = [{key: value[i] for key, value in outputs.items()} for i in range(len(first))]
            answer = {"predictions": [row[only_output] if len(row) == 1 else row for row in rows]}
        else:
            answer = {"outputs": outputs if len(outputs) > 1 else first}
        self.answer(200, answer)

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stand_in_server(exported):
    StandInServing.models = {name: tf.saved_model.load(str(path))
                             for name, path in exported.items()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInServing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def rest_requests(z, seeds):
    """(signature, format, body, outputs_from_answer) for both formats x both signatures."""
    def rows(answer, keys):
        return {key: [row[key] if isinstance(row, dict) else row for row in answer["predictions"]]
                for key in keys}

    def columns(answer, keys):
        out = answer["outputs"]
        return {key: out[key] if isinstance(out, dict) else out for key in keys}

    return [
        ("serving_default", "row", {"instances": [{"z": row} for row in z.tolist()]}, rows),
        ("serving_default", "columnar", {"inputs": {"z": z.tolist()}}, columns),
        ("sample", "row", {"signature_name": "sample", "instances": seeds.tolist()}, rows),
        ("sample", "columnar", {"signature_name": "sample", "inputs": {"seed": seeds.tolist()}},
         columns),
    ]


def check_rest_server(url, generators, names):
    seeds = np.array([11, 12, 11], np.int64)
    for name in names:
        generator, prior = generators[name]
        z = np.random.default_rng(1).normal(size=(2, prior.dim)).astype(np.float32)
        for signature, _, body, read in rest_requests(z, seeds):
            given = {"z": z} if signature == "serving_default" else {"seeds": seeds}
            expected = expected_outputs(generator, prior, **given)
            actual = read(serving.predict(url, name, body), expected)
            assert_outputs_match({k: np.asarray(v, expected[k].dtype) for k, v in actual.items()},
                                 expected)


def test_rest_formats_against_the_stand_in_server(stand_in_server, generators):
    check_rest_server(stand_in_server, generators, ["toy_ring8", "goodfellow2014_mnist"])


def test_sample_server_writes_what_the_model_draws(stand_in_server, generators, runs, tmp_path,
                                                   capsys):
    for name in ("goodfellow2014_mnist", "toy_ring8"):
        out = tmp_path / f"{name}.npy"
        assert cli.main(["sample", "--server", stand_in_server, "--model", name, "--n", "3",
                         "--seed", "40", "--out", str(out)]) == 0
        generator, prior = generators[name]
        expected = expected_outputs(generator, prior, seeds=[40, 41, 42])
        np.testing.assert_allclose(np.load(out), expected.get("pixels", expected.get("points")),
                                   rtol=1e-5, atol=1e-6)
    local = tmp_path / "local.npy"
    assert cli.main(["sample", str(runs["toy_ring8"]), "--n", "3", "--seed", "40",
                     "--out", str(local)]) == 0
    np.testing.assert_allclose(np.load(local), np.load(tmp_path / "toy_ring8.npy"), rtol=1e-5,
                               atol=1e-6)  # a run and its served export draw the same samples
    png = tmp_path / "grid.png"
    assert cli.main(["sample", "--server", stand_in_server, "--model", "goodfellow2014_mnist",
                     "--n", "4", "--out", str(png)]) == 0
    assert tf.io.decode_png(png.read_bytes()).shape[-1] == 3
    capsys.readouterr()


def test_sample_reads_an_export_without_a_server(exported, runs, tmp_path, capsys):
    """`ganzoo sample exported/NAME` draws what its run draws (and so what TF Serving serves)."""
    for name in ("toy_ring8", "goodfellow2014_mnist"):
        from_export, from_run = tmp_path / f"{name}-export.npy", tmp_path / f"{name}-run.npy"
        for source, out in ((exported[name].parent, from_export), (runs[name], from_run)):
            assert cli.main(["sample", str(source), "--n", "5", "--seed", "7",
                             "--out", str(out)]) == 0
        np.testing.assert_allclose(np.load(from_export), np.load(from_run), rtol=1e-5, atol=1e-6)
    png = tmp_path / "export.png"
    assert cli.main(["sample", str(exported["goodfellow2014_mnist"]), "--n", "4",
                     "--out", str(png)]) == 0  # one version, NAME/1, as well as NAME
    assert tf.io.decode_png(png.read_bytes()).shape[-1] == 3
    capsys.readouterr()
    assert cli.main(["sample", str(exported["toy_ring8"]), "--label", "1",
                     "--out", str(tmp_path / "x.npy")]) == 2
    assert "is not a conditional model" in capsys.readouterr().err
    assert not (tmp_path / "x.npy").exists()


def test_sample_server_png_shows_the_served_images_as_they_are(monkeypatch, tmp_path):
    # A tanh model's answer: `pixels` in [-1, 1], `images` their export-side 0..255 mapping.
    # The grid must show `images`, not each image's pixels stretched to its own min..max
    # (which would turn these 100 and 150 into 0 and 255).
    images = np.full((4, 28, 28, 1), 100, np.uint8)
    images[:, :14] = 150
    pixels = images / 255 * 2 - 1
    answer = {"outputs": {"images": images.tolist(), "pixels": pixels.tolist()}}
    monkeypatch.setattr(serving, "predict", lambda server, model, body: answer)
    png = tmp_path / "grid.png"
    assert cli.main(["sample", "--server", "http://127.0.0.1:1", "--model", "m", "--n", "4",
                     "--out", str(png)]) == 0
    grid = tf.io.decode_png(png.read_bytes()).numpy()
    np.testing.assert_array_equal(grid[1:29, 1:29, 0], images[0, ..., 0])  # the first tile


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("args, message", [
    (["--model", "nope"], "HTTP 404: Servable not found"),
    (["--model", "toy_ring8", "--server", "http://127.0.0.1:{port}"],
     "cannot reach TensorFlow Serving"),
    (["runs/x", "--model", "toy_ring8"], "--server URL needs --model NAME and no RUN_DIR"),
    ([], "--server URL needs --model NAME"),
])
def test_sample_server_errors_are_one_line(stand_in_server, tmp_path, capsys, args, message):
    args = [arg.format(port=closed_port()) for arg in args]
    if "--server" not in args:
        args += ["--server", stand_in_server]
    out = tmp_path / "s.npy"
    assert cli.main(["sample", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_real_tensorflow_model_server(exported, generators, tmp_path):
    """Serve the exports with tensorflow_model_server and call its REST API in both formats."""
    binary = shutil.which("tensorflow_model_server")
    if binary is None:
        pytest.skip("tensorflow_model_server is not on PATH: an optional external binary (not on "
                    "PyPI; see README.md, section Serving), so this is skipped even under CI; the TF1-loader "
                    "and stand-in-server tests cover the same contract")
    root = next(iter(exported.values())).parents[1]
    config = tmp_path / "models.config"
    from google.protobuf import text_format

    config.write_text(text_format.MessageToString(export.models_config(root, str(root.resolve()))))
    rest, grpc = closed_port(), closed_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([binary, f"--port={grpc}", f"--rest_api_port={rest}",
                                   "--rest_api_num_threads=2", f"--model_config_file={config}",
                                   "--enable_model_warmup=true"],
                                  stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{rest}"
    try:
        for name in exported:
            wait_until_available(url, name, server, log)
        check_rest_server(url, generators, sorted(exported))
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_available(url, name, server, log, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"tensorflow_model_server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/v1/models/{name}", timeout=5) as response:
                statuses = json.loads(response.read())["model_version_status"]
            if any(s["state"] == "AVAILABLE" for s in statuses):
                return
            failed = [s for s in statuses if s.get("status", {}).get("error_code", "OK") != "OK"]
            if failed:
                pytest.fail(f"{name} failed to load: {failed}")
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{name} was not AVAILABLE on {url} after {timeout} s")


def test_signatures_follow_the_generators_inputs(tmp_path):
    # A generator with an int64 `label` input beside z (as a conditional family's): both
    # signatures and the warm-up requests take it, without any change to ganzoo.export.
    import keras

    z = keras.Input((3,), name="z")
    label = keras.Input((), dtype="int64", name="label")
    embedded = keras.layers.Embedding(4, 3)(label)
    points = keras.layers.Dense(2)(keras.layers.Concatenate()([z, embedded]))
    generator = keras.Model({"z": z, "label": label}, points)
    prior = LatentPrior("normal", 3)
    extra = export.extra_input_specs(generator)
    assert [(spec.name, spec.dtype, spec.shape.as_list()) for spec in extra] == [
        ("label", tf.int64, [None])]
    export.build_archive(generator, prior, "points", extra).write_out(str(tmp_path / "1"),
                                                                        verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "1"))
    zs, labels = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32), np.arange(4)
    expected = generator.predict({"z": zs, "label": labels}, verbose=0)
    served = loaded.signatures["serving_default"](z=tf.constant(zs), label=tf.constant(labels))
    np.testing.assert_allclose(served["points"], expected, rtol=1e-6, atol=1e-6)
    seeds = tf.constant([0, 1, 2, 3], tf.int64)
    sampled = loaded.signatures["sample"](seed=seeds, label=tf.constant(labels))
    by_seed = generator.predict({"z": prior.sample_per_seed(seeds).numpy(), "label": labels},
                                verbose=0)
    np.testing.assert_allclose(sampled["points"], by_seed, rtol=1e-6, atol=1e-6)
    warmup = export.warmup_inputs(3, extra)
    assert set(warmup["serving_default"]) == {"z", "label"} and set(warmup["sample"]) == {
        "seed", "label"}
    assert warmup["sample"]["label"].dtype == np.int64

"""Real-vs-real floors beside FID, KID, precision/recall and density/coverage (`ganzoo.eval.floors`).

A tiny classifier (1 epoch on 1,000 MNIST images, as tests/eval/test_classifier.py makes its
own) is the extractor; an untrained generator is the GAN, so its numbers are far from the floors.
"""

import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

from ganzoo import cli, runs
from ganzoo.build import build_gan
from ganzoo.eval import classifier, floors, metrics
from ganzoo.recipe import load_recipe
from tests.conftest import find_real_data_dir
from tests.eval.test_runner import scalars
from tests.helpers import TINY_MNIST

FEATURE_KEYS = ("fid", "kid", "precision", "recall", "density", "coverage")


@pytest.fixture(scope="module")
def mnist_home(tmp_path_factory):
    """(GANZOO_HOME holding a tiny MNIST classifier, the MNIST data dir)."""
    data = find_real_data_dir("mnist")
    if data is None:
        pytest.skip("real MNIST not found: set GANZOO_DATA_DIR (see tests/conftest.py)")
    home = tmp_path_factory.mktemp("ganzoo-home")
    classifier.train_classifier("mnist", home / "classifiers" / "mnist.keras", epochs=1,
                                data_dir=data, train_examples=1000, test_examples=500, verbose=0)
    return home, data


@pytest.fixture
def run(mnist_home, tmp_path, monkeypatch):
    home, data = mnist_home
    monkeypatch.setenv("GANZOO_HOME", str(home))
    monkeypatch.setenv("GANZOO_DATA_DIR", str(data))
    recipe = load_recipe("goodfellow2014/mnist", overrides=TINY_MNIST)
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "recipe.toml").write_text(recipe.to_toml())
    runs.save(build_gan(recipe, with_data=False), folder, 2, 20, 10)
    return folder


def evaluate(capsys, run, metrics, *extra):
    assert cli.main(["eval", str(run), "--metrics", metrics, "--samples", "200", *extra]) == 0
    return capsys.readouterr().out


def test_floors_beside_every_feature_metric_cached_once(run, capsys, mnist_home):
    home = mnist_home[0]
    report = json.loads(evaluate(capsys, run, "fid,kid,prdc", "--json"))
    floor = {key: report[f"{key}_floor"] for key in FEATURE_KEYS}
    # Real training images against real test images: near the ideal, far from an untrained G.
    assert 0 <= floor["fid"] < report["fid"] / 10
    assert abs(floor["kid"]) < report["kid"] / 10
    # (An untrained G's near-constant images can all land in real k-NN balls: its precision
    # may be high, its recall and coverage are not.)
    assert floor["precision"] > 0.6 and floor["recall"] > 0.6 > report["recall"]
    assert floor["coverage"] > 0.6 > report["coverage"]
    assert 0.5 < floor["density"] < 1.5
    for metric in ("fid", "kid", "prdc"):
        assert report["protocol"][metric]["floor"] == (
            "floor: 200 training images ([data].train = [0, 50000]) vs 200 test images")
    saved = json.loads((run / "eval.json").read_text())
    assert all(saved[f"{key}_floor"] == floor[key] for key in FEATURE_KEYS)
    logged = scalars(run / "logs")
    assert logged["eval/fid_floor"] == [(20, pytest.approx(floor["fid"], rel=1e-6))]

    # One cache file per metric and count, beside the classifier; a second evaluation reads it
    # (a planted value comes back) instead of extracting the training images again.
    cached = sorted((home / "floors").glob("mnist-*-200-*.json"))
    assert [path.name.split("-")[1] for path in cached] == ["fid", "kid", "prdc"]
    fid_file = next(path for path in cached if "-fid-" in path.name)
    planted = json.loads(fid_file.read_text())
    planted["entry"]["values"]["fid_floor"] = 0.125
    fid_file.write_text(json.dumps(planted))
    table = evaluate(capsys, run, "fid,prdc")
    (row,) = [line for line in table.splitlines() if line.startswith("fid ")]
    assert f"{report['fid']:.4g} (real vs real 0.125)" in row
    assert "floor: 200 training images" in row
    (row,) = [line for line in table.splitlines() if line.startswith("prdc ")]
    assert f"precision {report['precision']:.3f} (real vs real {floor['precision']:.4g})" in row

    # A retrained classifier (a newer file) decides another floor.
    weights = home / "classifiers" / "mnist.keras"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = json.loads(evaluate(capsys, run, "fid", "--json"))
    assert again["fid_floor"] == pytest.approx(floor["fid"])  # recomputed, not the planted value
    assert len(list((home / "floors").glob("mnist-fid-200-*.json"))) == 2


def test_same_distribution_is_near_the_ideal():
    """The formulas behind the floors: two draws of one distribution against each other."""
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(2, 1000, 8))
    assert metrics.fid_values(first, second)["fid"] < 0.1
    assert metrics.fid_values(first, second + 3.0)["fid"] > 50  # a shifted one is not
    values = metrics.prdc_values(first, second)
    assert values["precision"] > 0.85 and values["recall"] > 0.85
    assert 0.8 < values["density"] < 1.2 and values["coverage"] > 0.85


def test_no_floor_when_the_test_images_are_the_training_images(monkeypatch, tmp_path):
    """A folder without a validation range tests on its training images: 0 by construction."""
    images = np.random.default_rng(0).random((20, 4, 4, 1), np.float32)
    split = SimpleNamespace(subset=lambda count: images[:count])
    monkeypatch.setattr(floors, "recipe_examples", lambda recipe, name: split)
    evaluation = SimpleNamespace(recipe=load_recipe("goodfellow2014/mnist"),
                                 extractor=SimpleNamespace(name="no file"))
    values, note = floors.real_floor(evaluation, "fid", 20, metrics.fid_values, ("fid",))
    assert values == {} and note.startswith("no real-vs-real floor")

"""`ganzoo recipes`: the catalogue of recipes and the models shipped for them."""

import json
import os
import subprocess
import sys

import pytest

from ganzoo import catalogue, cli, registry
from ganzoo import recipe as recipe_module
from ganzoo.recipe import load_recipe, recipe_names


def ganzoo(*args):
    """The command in a fresh process, as a user runs it (piped)."""
    return subprocess.run([sys.executable, "-m", "ganzoo.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))


def assert_user_error(result, *expected):
    """Exit 2 and one `ganzoo:` line holding every expected text (as tests/test_cli.py's; not
    imported from there, which would import TensorFlow into a test that has no need of it)."""
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("ganzoo:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.fixture
def recipes(capsys):
    """`ganzoo recipes ARGS` in this process (a subprocess costs a second of start-up):
    (stdout, stderr)."""

    def run(*args):
        assert cli.main(["recipes", *map(str, args)]) == 0
        return capsys.readouterr()

    return run


@pytest.fixture
def listed(recipes):
    """The entries `ganzoo recipes --json ARGS` prints."""
    return lambda *args: json.loads(recipes("--json", *args).out)


def write_export(root, model, version, recipe_name, dataset, metrics, protocol, eval_metrics=None):
    """A model version with only what the catalogue reads: its ganzoo.json."""
    extra = root / model / str(version) / "assets.extra"
    extra.mkdir(parents=True)
    recipe = f'name = "{recipe_name}"\n[data]\nname = "{dataset}"\n'
    if eval_metrics:
        recipe += f"[eval]\nmetrics = {json.dumps(eval_metrics)}\n"
    metadata = {"model_name": model, "recipe_name": recipe_name, "recipe": recipe,
                "checkpoint": {"epoch": 4, "step": 40},
                "metrics": {**metrics, "protocol": protocol, "checkpoint": {"epoch": 4}}}
    (extra / "ganzoo.json").write_text(json.dumps(metadata))


def test_every_recipe_is_listed_with_its_catalogue_fields(listed):
    entries = listed()
    assert [entry["name"] for entry in entries] == recipe_names()
    for entry in entries:
        assert "error" not in entry, entry
        assert entry["family"] in registry.FAMILIES.names(), entry
        assert entry["architecture"] in registry.ARCHITECTURES.names(), entry
        config = load_recipe(entry["name"]).config
        assert entry["dataset"] == config.data.name
        # Every recipe file states its paper and the expected result as data, not only in
        # its header comment.
        assert entry["paper"] and entry["expected"], f"{entry['path']} lacks paper or expected"
    mnist = next(entry for entry in entries if entry["name"] == "goodfellow2014/mnist")
    assert "arXiv 1406.2661" in mnist["paper"] and "225" in mnist["expected"]


def test_the_table_shows_one_line_per_recipe_under_its_paper():
    result = ganzoo("recipes")  # as a user runs it, piped
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["recipe", "family", "architecture", "dataset", "expected",
                                "shipped"]
    for name in recipe_names():  # piped: no wrapping, one line each, for grep
        (line,) = [line for line in lines if line.split()[:1] == [name]]
    row = next(line for line in lines if line.split()[:1] == ["pacgan2018/ring8_pacgan2"])
    assert row.split()[1:4] == ["pacgan", "mlp", "ring8"] and "7.9 ± 0.1 modes" in row
    paper = lines.index("Lin et al. 2018, PacGAN (arXiv 1712.04086)")
    assert lines[paper + 1].split()[0].startswith("pacgan2018/")


def test_the_shipped_models_show_their_measured_metric(recipes, listed):
    """The exports in the repository's exported/ folder, matched by their recorded recipe."""
    table = recipes("goodfellow2014/mnist").out
    assert "goodfellow2014_mnist v3 (epoch 875): Parzen 210.39 ± 2.28" in table
    (entry,) = listed("toy/ring8")
    (model,) = entry["shipped"]
    assert (model["model"], model["metric"], model["metrics"]["modes"]) == ("toy_ring8", "modes", 8)
    assert model["headline"] == "8 modes, 96.6% high quality"


def test_exports_match_by_recipe_and_newest_version(tmp_path, recipes, listed):
    root = tmp_path / "exported"
    modes = {"samples": 2500}
    write_export(root, "grid", 1, "toy/grid25", "grid25", {"modes": 3, "high_quality": 0.1},
                 {"modes": modes})
    write_export(root, "grid", 2, "toy/grid25", "grid25",
                 {"modes": 21, "high_quality": 0.5, "reverse_kl": 0.2}, {"modes": modes})
    write_export(root, "digits", 1, "dcgan2015/mnist", "mnist",
                 {"fid": 3.14159, "fid_floor": 0.9123}, {"fid": {"samples": 10000}})
    # The recipe's own [eval].metrics pick the headline before the dataset's default (parzen).
    write_export(root, "labels", 1, "acgan2017/mnist", "mnist",
                 {"parzen_ll": 183.4, "parzen_se": 2.3, "class_accuracy": 0.9936},
                 {"parzen": {}, "class_accuracy": {}}, ["class_accuracy", "fid", "parzen"])
    write_export(root, "mine", 1, "not/a/recipe", "ring8", {"modes": 8}, {"modes": modes})
    (root / "broken" / "1" / "assets.extra").mkdir(parents=True)
    (root / "broken" / "1" / "assets.extra" / "ganzoo.json").write_text("{not json")
    entries = {entry["name"]: entry for entry in listed("--exported", root)}
    (grid,) = entries["toy/grid25"]["shipped"]
    assert (grid["version"], grid["headline"]) == (2, "21 modes, 50.0% high quality")
    (digits,) = entries["dcgan2015/mnist"]["shipped"]
    assert digits["headline"] == "FID 3.142 (real vs real 0.9123)"
    (labels,) = entries["acgan2017/mnist"]["shipped"]
    assert (labels["metric"], labels["headline"]) == ("class_accuracy", "class accuracy 99.4%")
    assert entries["toy/ring8"]["shipped"] == []  # not the repository's: --exported replaced it
    shipped = listed("--exported", root, "--shipped")
    assert [entry["name"] for entry in shipped] == ["acgan2017/mnist", "dcgan2015/mnist",
                                                    "toy/grid25"]
    table = recipes("--exported", root, "toy/grid25").out
    assert "grid v2 (epoch 4): 21 modes, 50.0% high quality" in table


def test_filters_by_text_family_and_dataset(recipes, listed):
    names = [entry["name"] for entry in listed("ring8", "--family", "pacgan")]
    assert names == [name for name in recipe_names()
                     if "ring8" in name and load_recipe(name).model.family == "pacgan"]
    assert "pacgan2018/ring8_pacgan2" in names and "pacgan2018/ring8_gan" not in names
    by_paper = [entry["name"] for entry in listed("ARXIV 1406.2661")]  # any case, in the paper
    # The paper's own experiments, and its future-work item 3 (inpainting/).
    assert by_paper and all(name.startswith(("goodfellow2014/", "inpainting/"))
                            for name in by_paper)
    assert "goodfellow2014/mnist" in by_paper and "inpainting/mnist" in by_paper
    assert {entry["dataset"] for entry in listed("--dataset", "grid25")} == {"grid25"}
    out, err = recipes("no-such-recipe")
    assert out == "" and "no recipe matches" in err


@pytest.mark.parametrize("args, expected", [
    (["--family", "wgan"], ["--family wgan: unknown family; choose from: vanilla, pacgan"]),
    (["--dataset", "mnits"], ["--dataset mnits: unknown dataset; choose from: ring8, grid25"]),
])
def test_unknown_filter_is_a_one_line_error(args, expected):
    assert_user_error(ganzoo("recipes", *args), *expected)


def test_a_new_or_broken_recipe_is_picked_up_without_edits(tmp_path, monkeypatch):
    (tmp_path / "new2026").mkdir()
    (tmp_path / "new2026" / "good.toml").write_text(
        'description = "d"\npaper = "Someone 2026"\nexpected = "better"\n'
        '[data]\nname = "ring8"\n[model]\nfamily = "conditional"\n')
    (tmp_path / "new2026" / "bad.toml").write_text('[data]\nname = "ring9"\n')
    monkeypatch.setattr(recipe_module, "RECIPES_DIR", tmp_path)
    entries = {entry["name"]: entry for entry in catalogue.catalogue(exported=tmp_path / "none")}
    assert set(entries) == {"new2026/good", "new2026/bad"}
    assert (entries["new2026/good"]["family"], entries["new2026/good"]["paper"]) == \
        ("conditional", "Someone 2026")
    assert "ring9" in entries["new2026/bad"]["error"]
    table = catalogue.format_catalogue(list(entries.values()), width=100)
    assert "(invalid:" in table and "Someone 2026" in table
    assert max(map(len, table.splitlines()[2:])) <= 100  # wrapped to the width


def test_listing_imports_neither_tensorflow_nor_numpy():
    code = ("import sys; from ganzoo import cli; cli.main(['recipes', '--json']); "
            "heavy = {'tensorflow', 'keras', 'numpy'} & set(sys.modules); "
            "assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr

"""docs/family_table.py: every row of the cross-family table at one budget, its runs named by
row and dataset, recorded runs not trained again, and the table read from the results file."""

from tests.helpers import docs_script


def driver():
    return docs_script("family_table")


def test_every_row_runs_its_recipe_at_one_budget_with_the_datasets_metrics(tmp_path):
    import ganzoo

    table = driver()
    runs = list(table.runs(tmp_path, 1))
    assert len(runs) == 2 * len(table.ROWS) and {run.epochs for run in runs} == {20}
    for run in runs:
        dataset = run.folder.name.split("-")[1]
        overrides = dict(s.split("=", 1) for s in run.sets)
        recipe = ganzoo.load_recipe(run.recipe, overrides)  # each row's recipe and overrides load
        assert recipe.data.name == dataset and recipe.train.batch_size == 64, run
        assert ("parzen" in recipe.config.eval.metrics) == (dataset == "mnist"), run
    mlp = [run for run in runs if run.folder.name.startswith("gan_mlp-fashion_mnist")][0]
    assert mlp.recipe == "goodfellow2014/mnist" and "data.name='fashion_mnist'" in mlp.sets


def test_recorded_runs_are_skipped_and_the_rest_start_from_their_recipes(tmp_path):
    table = driver()
    recorded = {"dcgan-mnist-s0": {"recipe": "dcgan2015/mnist", "seed": 0, "epochs": 20,
                                   "evaluations": {}}}
    planned = list(table.plan(table.runs(tmp_path, 1, ["mnist"], ["DCGAN", "LSGAN"]), recorded))
    assert [(run.folder.name, command[:3]) for run, command in planned] == [
        ("lsgan-mnist-s0", ["ganzoo", "train", "lsgan2017/mnist"])]
    command = planned[0][1]
    assert command[command.index("--run-dir") + 1] == str(tmp_path / "lsgan-mnist-s0")
    assert "train.epochs=20" in command and "eval.every=10" in command


def evaluation(fid, parzen):
    return {"fid": fid, "fid_floor": 0.7, "kid": 0.002, "kid_floor": 0.0001, "precision": 0.9,
            "precision_floor": 0.88, "recall": 0.5, "recall_floor": 0.87, "parzen_ll": parzen}


def test_table_is_mean_and_standard_error_per_row_beside_floors(tmp_path, capsys):
    table = driver()
    results = tmp_path / "results.json"
    # 781 steps an epoch (50,000 images at batch 64): evaluations at 10 and 20 epochs.
    runs = {f"dcgan-mnist-s{seed}": {
        "recipe": "dcgan2015/mnist", "seed": seed, "epochs": 20,
        "evaluations": {"7810": evaluation(fid + 10, 100.0), "15620": evaluation(fid, parzen)}}
        for seed, fid, parzen in ((0, 4.0, 200.0), (1, 6.0, 210.0))}
    runs["wgan_gp-mnist-s0"] = {"recipe": "wgan_gp2017/mnist", "seed": 0, "epochs": 20,
                                "evaluations": {"1560": evaluation(30.0, 1.0),
                                                "3120": evaluation(20.0, 2.0)}}
    table.save_results(results, runs)
    table.table(results, finished_only=True)
    lines = capsys.readouterr().out.splitlines()[2:]
    dcgan = [line for line in lines if "| mnist | DCGAN |" in line]
    # FID 4, 6 -> 5.00 ± 1.00 (sample std sqrt(2), over sqrt(2)); Parzen 200, 210 -> 205.0 ± 5.0.
    assert dcgan[1].startswith("| mnist | DCGAN | 6.8 ± 0.5 | 20 | 2 | 5.00 ± 1.00 (0.700 ± 0.000)")
    assert dcgan[1].endswith("| 205.0 ± 5.0 |") and "| 10 | 2 | 15.00 ± 1.00" in dcgan[0]
    # WGAN-GP's G takes a fifth of the steps: its epochs are read off its own record.
    wgan = [line for line in lines if "| mnist | WGAN-GP |" in line]
    assert [line.split(" | ")[3:6] for line in wgan] == [["10", "1", "30.00 (1 seed) (0.700 (1 seed))"],
                                                         ["20", "1", "20.00 (1 seed) (0.700 (1 seed))"]]
    assert len(lines) == 4

"""docs/semi_table.py: Salimans et al.'s Table 1 runs (100 labels' seeds first), each run's
recipe and label count, evaluations every 25 epochs, and the table read from the results file."""

import pytest

from tests.helpers import docs_script


def driver():
    return docs_script("semi_table")


def test_100_labels_seeds_come_first_and_each_run_loads_with_its_subset(tmp_path):
    import ganzoo

    table = driver()
    runs = list(table.runs(tmp_path, 3))
    assert [run.folder.name for run in runs[:4]] == [
        "salimans2016-mnist_100-s0", "salimans2016-mnist_100-s1", "salimans2016-mnist_100-s2",
        "salimans2016-mnist_20-s0"]
    assert len(runs) == 12 and {run.epochs for run in runs} == {300}
    for run in runs:
        recipe = ganzoo.load_recipe(run.recipe, dict(s.split("=", 1) for s in run.sets))
        assert recipe.data.labelled == int(run.folder.name.split("_")[1].split("-")[0])
        assert recipe.model.discriminator.ema_momentum == 0.9999
    command = runs[0].command()
    assert command[command.index("train.epochs=300") - 1] == "--set"
    assert "eval.every=25" in command and "data.labelled=100" in command


def test_a_budget_that_25_epochs_do_not_halve_is_evaluated_at_half_and_end(tmp_path):
    run = next(driver().runs(tmp_path, 1, epochs=30))
    assert "eval.every=15" in run.command()


def test_table_is_mean_and_standard_error_beside_the_paper(tmp_path, capsys):
    table = driver()
    results = tmp_path / "results.json"
    # 600 steps an epoch: 150 epochs are step 90,000, 300 epochs step 180,000.
    runs = {f"salimans2016-mnist_100-s{seed}": {
        "recipe": "salimans2016/mnist_100", "seed": seed, "epochs": 300,
        "evaluations": {"15000": {"test_errors": 500.0}, "90000": {"test_errors": half},
                        "180000": {"test_errors": end}}}
        for seed, half, end in ((0, 130.0, 100.0), (1, 150.0, 120.0))}
    table.save_results(results, runs)
    table.table(results, finished_only=True)
    lines = capsys.readouterr().out.splitlines()
    # 100, 120 -> 110.0 ± 10.0 (sample std 14.1, over sqrt(2)); 130, 150 -> 140.0 ± 10.0.
    assert lines[2:] == ["| 100 | 93 ± 6.5 | 150 | 2 | 140.0 ± 10.0 |",
                         "| 100 | 93 ± 6.5 | 300 | 2 | 110.0 ± 10.0 |"]


def test_an_unknown_label_count_is_a_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        driver().main(["run", "/tmp/unused", "--labels", "100,7"])
    assert exit_.value.code == 2
    assert "7 given; --labels takes names of: 100, 20, 50, 200" in capsys.readouterr().err

"""docs/pacgan_table.py: finished runs are recorded in a results file, the table is built from
it, and a recorded run is not trained again (so a lost run folder costs nothing)."""

import json
from pathlib import Path

from tests.helpers import docs_script

ROOT = Path(__file__).resolve().parent.parent


def driver():
    return docs_script("pacgan_table")


def entry(recipe, seed, epochs, modes, hq, kl):
    half = {"modes": modes - 1, "high_quality": hq - 0.1, "reverse_kl": kl + 0.1}
    return {"recipe": recipe, "seed": seed, "epochs": epochs, "command": "ganzoo train ...",
            "commit": "abc", "evaluations": {str(epochs // 2 * 1000): half,
                                             str(epochs * 1000): {"modes": modes,
                                                                  "high_quality": hq,
                                                                  "reverse_kl": kl}}}


def test_table_is_mean_and_standard_error_of_recorded_runs(tmp_path, capsys):
    table = driver()
    results = tmp_path / "results.json"
    table.save_results(results, {
        "pacgan2018-ring8_gan-s0": entry("pacgan2018/ring8_gan", 0, 20, 8, 0.9, 0.1),
        "pacgan2018-ring8_gan-s1": entry("pacgan2018/ring8_gan", 1, 20, 6, 0.7, 0.3),
    })
    assert not list(tmp_path.glob("*.partial"))
    table.table(results, 20)
    rows = [line for line in capsys.readouterr().out.splitlines() if "| ring8 | GAN |" in line]
    # Full budget: modes 8, 6 -> mean 7, sample std sqrt(2), standard error sqrt(2)/sqrt(2) = 1.
    # HQ 0.9, 0.7 -> 80.0 ± 10.0 (%); KL 0.1, 0.3 -> 0.20 ± 0.10. Half budget: each one lower.
    assert rows[1].endswith("| 20 | 2 | 7.0 ± 1.0 | 80.0 ± 10.0 | 0.20 ± 0.10 |")
    assert rows[0].endswith("| 10 | 2 | 6.0 ± 1.0 | 70.0 ± 10.0 | 0.30 ± 0.10 |")
    table.table(results, 20, finished_only=True)
    body = capsys.readouterr().out.splitlines()[2:]
    assert len(body) == 2 and all("| ring8 | GAN |" in line for line in body)


def test_recorded_runs_are_not_trained_again(tmp_path):
    table = driver()
    recorded = {"pacgan2018-ring8_gan-s0": entry("pacgan2018/ring8_gan", 0, 20, 8, 0.9, 0.1)}
    jobs = list(table.plan(table.runs(tmp_path, 1, ["ring8"], ["GAN", "PacGAN2"], 20), recorded))
    assert [(run.folder.name, command[1:3]) for run, command in jobs] == [
        ("pacgan2018-ring8_pacgan2-s0", ["train", "pacgan2018/ring8_pacgan2"])]
    # A larger budget than recorded trains it again (resuming, when its folder is still here).
    jobs = list(table.plan(table.runs(tmp_path, 1, ["ring8"], ["GAN"], 40), recorded))
    assert [run.folder.name for run, _ in jobs] == ["pacgan2018-ring8_gan-s0"]


def test_each_toy_trains_to_its_own_budget_ring8_first(tmp_path):
    table = driver()
    jobs = list(table.plan(table.runs(tmp_path, 2, ["ring8", "grid25"], ["GAN"],
                                      {"ring8": 20, "grid25": 100})))
    assert [(run.folder.name, run.epochs) for run, _ in jobs] == [
        ("pacgan2018-ring8_gan-s0", 20), ("pacgan2018-ring8_gan-s1", 20),
        ("pacgan2018-grid25_gan-s0", 100), ("pacgan2018-grid25_gan-s1", 100)]
    command = jobs[2][-1]
    assert "train.epochs=100" in command and "eval.every=50" in command
    # A grid run recorded at ring8's budget is short of grid25's, so it is trained again.
    recorded = {"pacgan2018-grid25_gan-s0": entry("pacgan2018/grid25_gan", 0, 20, 20, 0.5, 0.5)}
    jobs = list(table.plan(table.runs(tmp_path, 1, ["grid25"], ["GAN"], {"grid25": 100}), recorded))
    assert [run.folder.name for run, _ in jobs] == ["pacgan2018-grid25_gan-s0"]


def test_budgets_reads_one_number_or_one_per_toy():
    table = driver()
    assert table.budgets("30") == {"ring8": 30, "grid25": 30}
    assert table.budgets("grid25=60") == {**table.EPOCHS, "grid25": 60}
    assert table.budgets("ring8=10,grid25=40") == {"ring8": 10, "grid25": 40}
    for bad in ("grid=40", "grid25=x", "ring8=1"):
        try:
            table.budgets(bad)
        except Exception as error:
            assert repr(bad) in str(error) and "ring8, grid25" in str(error)
        else:
            raise AssertionError(bad)


def test_the_table_reads_each_toy_at_its_own_budget(tmp_path, capsys):
    table = driver()
    results = tmp_path / "results.json"
    table.save_results(results, {
        "pacgan2018-ring8_gan-s0": entry("pacgan2018/ring8_gan", 0, 20, 8, 0.9, 0.1),
        "pacgan2018-grid25_gan-s0": entry("pacgan2018/grid25_gan", 0, 100, 25, 0.9, 0.1),
    })
    table.table(results, {"ring8": 20, "grid25": 100}, finished_only=True)
    body = capsys.readouterr().out.splitlines()[2:]
    assert [line.split(" | ")[3] for line in body] == ["10", "20", "50", "100"]


def test_the_committed_results_file_reads():
    results = ROOT / "docs" / "pacgan_table.json"
    if results.exists():
        for name, run in json.loads(results.read_text())["runs"].items():
            assert name.endswith(f"-s{run['seed']}") and run["evaluations"], name

"""The cross-family table: the zoo's image families on MNIST and Fashion-MNIST at one budget.

    python docs/family_table.py run ~/ganzoo-runs/families [--seeds 3] [--jobs 2]
    python docs/family_table.py table [--finished-only]

One budget for every row, Lucic et al. 2018's ("Are GANs Created Equal?", arXiv 1711.10337):
20 epochs of batch 64 (20 passes of the training split through D: WGAN-GP's 5 critic steps a
generator step make its G take a fifth of the others' steps). Rows: the paper's MLP GAN
(goodfellow2014/mnist, its nets and SGD schedule, at this batch and budget; on Fashion-MNIST
with `data.name` switched), DCGAN with the non-saturating loss (dcgan2015), LSGAN, WGAN-GP and
hinge + spectral norm on the DCGAN nets (lsgan2017, wgan_gp2017, sngan2018). Each run is
evaluated at epochs 10 and 20 with FID, KID and precision / recall on ganzoo's classifier of
that dataset (`ganzoo classifier train --dataset D` first), each beside its real-vs-real floor
(train against test), and on MNIST the Parzen log-likelihood of Goodfellow et al.'s Table 1.

`run` trains every (dataset, seed, row) not recorded yet, resumably, and records each finished
run in docs/family_table.json (docs/table_runs.py); `table` prints the markdown table of
docs/reproduction.md from that file: mean ± standard error over the recorded seeds, beside Lucic
et al.'s Inception-feature FIDs, as context only (other features, other nets: the numbers do not
compare, the ranking may).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from table_runs import (Run, at_budgets, command_line, load_results, mean_se,  # noqa: E402
                        plan, save_results as save, train_missing)

RESULTS = Path(__file__).with_name("family_table.json")
ABOUT = "The cross-family table's runs of docs/family_table.py; evaluations by step"
EPOCHS = 20
DATASETS = ("mnist", "fashion_mnist")
ROWS = (  # (label, folder name, recipe with {dataset}, overrides with {dataset})
    ("GAN (MLP, the paper's)", "gan_mlp", "goodfellow2014/mnist",
     ("train.batch_size=64", "data.name='{dataset}'")),
    ("DCGAN", "dcgan", "dcgan2015/{dataset}", ()),
    ("LSGAN", "lsgan", "lsgan2017/{dataset}", ()),
    ("WGAN-GP", "wgan_gp", "wgan_gp2017/{dataset}", ()),
    ("hinge + SN", "sngan", "sngan2018/{dataset}", ()),
)
EVAL = {"mnist": '["parzen", "fid", "kid", "prdc"]', "fashion_mnist": '["fid", "kid", "prdc"]'}
METRICS = ("parzen_ll", "fid", "fid_floor", "kid", "kid_floor", "precision", "precision_floor",
           "recall", "recall_floor")
# Lucic et al. 2018, Table 2: FID on Inception features (best of their search), 20 epochs.
LUCIC = {
    ("mnist", "DCGAN"): "6.8 ± 0.5", ("mnist", "LSGAN"): "7.8 ± 0.6",
    ("mnist", "WGAN-GP"): "20.3 ± 5.0",
    ("fashion_mnist", "DCGAN"): "26.5 ± 1.6", ("fashion_mnist", "LSGAN"): "30.7 ± 2.2",
    ("fashion_mnist", "WGAN-GP"): "24.5 ± 2.1",
}


def save_results(path, records):
    save(path, records, ABOUT)


def runs(out, seeds, datasets=DATASETS, rows=(), epochs=EPOCHS):
    """The table's runs, dataset by dataset and within one seed by seed."""
    for dataset in datasets:
        for seed in range(seeds):
            for label, name, recipe, sets in ROWS:
                if rows and label not in rows:
                    continue
                overrides = tuple(s.format(dataset=dataset) for s in sets)
                yield Run(Path(out) / f"{name}-{dataset}-s{seed}", recipe.format(dataset=dataset),
                          seed, epochs, (*overrides, f"eval.metrics={EVAL[dataset]}"))


def cell(found, metric, digits=2, scale=1.0):
    return mean_se([r[metric] for r in found if metric in r], scale, digits)


def table(results, epochs=EPOCHS, finished_only=False):
    """The markdown table of the recorded runs, at half the budget and at its end."""
    records = load_results(results)
    lines = ["| dataset | row | Lucic et al. FID (Inception) | epochs | seeds | FID (floor) | "
             "KID x 1000 (floor) | precision (floor) | recall (floor) | Parzen |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in DATASETS:
        for label, name, _, _ in ROWS:
            prefix = f"{name}-{dataset}-s"
            of_row = at_budgets(records, (epochs // 2, epochs),
                                lambda run, entry: run.startswith(prefix))
            for budget, found in of_row.items():
                if finished_only and not found:
                    continue
                floor = {m: cell(found, f"{m}_floor", 3 if m != "kid" else 2,
                                 1000.0 if m == "kid" else 1.0)
                         for m in ("fid", "kid", "precision", "recall")}
                parzen = cell(found, "parzen_ll", 1) if dataset == "mnist" else "–"
                lines.append(
                    f"| {dataset} | {label} | {LUCIC.get((dataset, label), '–')} | {budget} | "
                    f"{len(found)} | {cell(found, 'fid')} ({floor['fid']}) | "
                    f"{cell(found, 'kid', 2, 1000.0)} ({floor['kid']}) | "
                    f"{cell(found, 'precision', 3)} ({floor['precision']}) | "
                    f"{cell(found, 'recall', 3)} ({floor['recall']}) | {parzen} |")
    print("\n".join(lines))


def main(argv=None):
    parser, _, _ = command_line(__doc__, RESULTS, 3, "datasets", DATASETS)
    args = parser.parse_args(argv)
    if args.command == "run":
        return train_missing(runs(args.out, args.seeds, args.datasets, args.rows), args,
                             ABOUT, METRICS)
    table(args.results, finished_only=args.finished_only)


if __name__ == "__main__":
    sys.exit(main())

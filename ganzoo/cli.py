"""The `ganzoo` command: recipes | train | sample | export | eval | classifier.

User errors (bad recipe, missing data, missing run) print one line and exit 2; a diverged
training exits 1; a multi-worker training that lost a worker exits 75 (restart it with
--resume); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from ganzoo import registry, runs
from ganzoo.errors import GanzooError, TrainingDiverged, WorkerLost


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    # TensorFlow's C++ log lines (its CPU-feature notice, XLA's) only when asked: --verbose, or
    # TF_CPP_MIN_LOG_LEVEL set by the user. Read when TensorFlow is first imported, below.
    if args.verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return args.run(args) or 0
    except TrainingDiverged as error:
        print(f"ganzoo: {error}", file=sys.stderr)
        return 1
    except WorkerLost as error:
        print(f"ganzoo: {error}", file=sys.stderr)
        return WorkerLost.EXIT_CODE
    except GanzooError as error:
        print(f"ganzoo: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganzoo: interrupted; continue a training run with --resume", file=sys.stderr)
        return 130


# What TensorFlow's native libraries print while they load, before absl's logging is set up:
# TF_CPP_MIN_LOG_LEVEL does not reach these (oneDNN's notice on CPUs where it is on by default,
# AVX512 ones; ../shared/notes/tf-keras-facts.md), so the quiet default hides them itself.
NATIVE_LOG_LINE = re.compile(r"(?P<level>[IWEF])\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\] "
                             r"|WARNING: All log messages before absl::InitializeLog\(\)")


def load_tensorflow():
    """Import TensorFlow, hiding the native INFO and WARNING lines it prints while loading
    unless they were asked for (--verbose, or TF_CPP_MIN_LOG_LEVEL=0 or 1 in the environment).
    Anything else written to stderr meanwhile (errors included) is passed on."""
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    if "tensorflow" in sys.modules or level not in ("2", "3"):
        import tensorflow  # noqa: F401
        return
    with native_stderr_captured() as captured:
        import tensorflow  # noqa: F401
    sys.stderr.writelines(kept_lines(captured()))


def kept_lines(lines):
    """The captured lines that are not native INFO or WARNING log lines."""
    return [line for line in lines if (match := NATIVE_LOG_LINE.match(line)) is None
            or match.group("level") in ("E", "F")]


@contextlib.contextmanager
def native_stderr_captured():
    """File descriptor 2 (C++ writes included) into a temporary file for the block; yields a
    function returning the captured lines once the block is over."""
    lines = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield lambda: lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines.extend(capture.read().decode(errors="replace").splitlines(keepends=True))


def build_parser():
    parser = argparse.ArgumentParser(prog="ganzoo", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true",
                        help="also print TensorFlow's own log lines (as TF_CPP_MIN_LOG_LEVEL=0)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("recipes", help="the catalogue: every recipe's family, "
                                  "architecture, dataset, paper, expected result and shipped model")
    listing.add_argument("text", nargs="?", default="",
                         help="only recipes whose name or paper contains this (any case)")
    listing.add_argument("--family", default="", help=f"only this [model].family "
                         f"({', '.join(registry.FAMILIES.names())})")
    listing.add_argument("--dataset", default="", help="only this [data].name")
    listing.add_argument("--shipped", action="store_true",
                         help="only recipes with a trained model in the exported/ folder")
    listing.add_argument("--exported", type=Path, help="where the shipped models are "
                         "(default: the exported/ folder beside recipes/)")
    listing.add_argument("--json", action="store_true", help="print one JSON list of entries")
    listing.set_defaults(run=run_recipes)

    train = commands.add_parser("train", help="train a recipe into a run directory")
    train.add_argument("recipe", help="a recipe file or name (see `ganzoo recipes`); with "
                                      "--resume, also a run directory")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a recipe key, e.g. --set train.epochs=3 (repeatable)")
    train.add_argument("--run-dir", type=Path, help="where checkpoints, logs and the resolved "
                                                    "recipe go (default: runs/NAME-TIME)")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --run-dir from its newest checkpoint")
    train.add_argument("--strategy", help=f"override [train].strategy "
                                          f"({', '.join(registry.STRATEGIES)}); "
                                          "GANZOO_CPU_DEVICES=N splits the CPU into N devices "
                                          "for mirrored without GPUs")
    train.set_defaults(run=run_train)

    sample = commands.add_parser("sample", help="draw samples from a trained run, or from a "
                                                "generator served by TensorFlow Serving")
    sample.add_argument("run_dir", type=Path, nargs="?",
                        help="a run directory or an exported model, exported/NAME[/VERSION] "
                             "(or --server)")
    sample.add_argument("--server", metavar="URL", help="ask TensorFlow Serving's REST API "
                                                        "instead, e.g. http://localhost:8501")
    sample.add_argument("--model", help="with --server: the served model's name")
    sample.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--label", type=int, help="the class of every sample, for a conditional "
                                                  "model (default: cycling through the classes)")
    sample.add_argument("--out", type=Path, required=True, help="a .png grid or a .npy array")
    sample.set_defaults(run=run_sample)

    export = commands.add_parser("export", help="export a run's generator for TensorFlow Serving")
    export.add_argument("run_dir", type=Path)
    export.add_argument("--to", type=Path, default=Path("exported"),
                        help="the folder TF Serving serves (default: exported)")
    export.add_argument("--name", help="the model's name (default: the recipe's, e.g. toy_ring8)")
    export.add_argument("--config-base", default="/models",
                        help="where the server sees --to, for models.config's base_path "
                             "(default: /models, the tensorflow/serving container's)")
    export.set_defaults(run=run_export)

    evaluate = commands.add_parser("eval", help="evaluate a run's newest checkpoint or an "
                                                "exported model (docs/evaluation.md)")
    evaluate.add_argument("run_dir", type=Path, metavar="RUN_DIR_OR_EXPORT",
                          help="a run directory, or exported/NAME (its newest version) or "
                               "exported/NAME/VERSION: the SavedModel as TF Serving runs it")
    evaluate.add_argument("--metrics", default="", help=f"comma-separated: "
                          f"{', '.join(registry.METRICS.names())} (default: parzen for the "
                          "paper's image datasets, fid for folder and tfds:NAME, modes for ring8 "
                          "and grid25, jsd for gaussian1d)")
    evaluate.add_argument("--json", action="store_true",
                          help="print one JSON object (metric values, protocol, checkpoint)")
    evaluate.add_argument("--samples", type=int, default=0, help="generator samples per metric "
                          "(default: each metric's protocol, e.g. 10000 for parzen)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the generator's noise")
    evaluate.add_argument("--extractor", default="auto", help="features for fid/kid/is/prdc: "
                          "classifier or inception (default: classifier for mnist and "
                          "fashion_mnist, else inception)")
    evaluate.add_argument("--inception-weights", type=Path, help="an InceptionV3 .h5 weights "
                          "file (default: $GANZOO_INCEPTION_WEIGHTS or ~/.keras/models)")
    evaluate.set_defaults(run=run_eval)

    classifier = commands.add_parser("classifier", help="the MNIST / Fashion-MNIST classifier "
                                                        "behind fid, kid, is and prdc")
    actions = classifier.add_subparsers(dest="action", required=True, metavar="ACTION")
    fit = actions.add_parser("train", help="train it on the local files and save it")
    fit.add_argument("--dataset", choices=("mnist", "fashion_mnist"), required=True)
    fit.add_argument("--out", type=Path, help="the .keras file (default: "
                                              "$GANZOO_HOME or ~/.ganzoo, classifiers/DATASET.keras)")
    fit.add_argument("--epochs", type=int, help="training epochs (default: 2 for mnist, "
                                                "4 for fashion_mnist)")
    fit.add_argument("--data-dir", default="", help="folder holding DATASET/ "
                                                    "(default: $GANZOO_DATA_DIR)")
    fit.set_defaults(run=run_classifier_train)
    return parser


def run_recipes(args):
    import json
    import shutil

    from ganzoo.catalogue import catalogue, format_catalogue

    entries = catalogue(args.text, family=args.family, dataset=args.dataset,
                        shipped_only=args.shipped, exported=args.exported)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
    elif entries:
        # Wrapped to a terminal's width; one line per recipe when piped, for grep.
        print(format_catalogue(entries, shutil.get_terminal_size().columns
                               if sys.stdout.isatty() else 0))
    else:
        print("ganzoo: no recipe matches; `ganzoo recipes` lists them all", file=sys.stderr)


def run_train(args):
    from ganzoo.recipe import load_recipe, parse_override

    overrides = dict(parse_override(text) for text in args.overrides)
    if args.strategy:
        overrides["train.strategy"] = args.strategy
    recipe_path, run_dir = args.recipe, args.run_dir
    if args.resume and (Path(args.recipe) / "recipe.toml").is_file():
        recipe_path, run_dir = Path(args.recipe) / "recipe.toml", run_dir or Path(args.recipe)
    if args.resume and run_dir is None:
        raise GanzooError("--resume needs the run directory: ganzoo train RUN_DIR --resume")
    recipe = load_recipe(recipe_path, overrides=overrides)
    if run_dir is None:
        run_dir = Path("runs") / f"{recipe.name.replace('/', '-')}-{time.strftime('%Y%m%d-%H%M%S')}"
    load_tensorflow()
    from ganzoo.distribute import describe, is_chief, make_strategy

    # First: logical CPU devices and multi-worker collectives are fixed when TF starts.
    strategy = make_strategy(recipe.train.strategy)
    from ganzoo.data import recipe_examples

    recipe_examples(recipe, "train")  # fail on missing data before anything is written

    from ganzoo.build import check_stacked_run
    from ganzoo.runs import starting_checkpoint
    from ganzoo.training import train

    start = starting_checkpoint(recipe, run_dir, args.resume)
    if recipe.model.generator.stack_on:
        check_stacked_run(recipe)
    if start is not None and start.epoch >= recipe.train.epochs:
        print(f"ganzoo: {run_dir} is at epoch {start.epoch} and train.epochs is "
              f"{recipe.train.epochs}: nothing to do (to train further: --resume --set "
              f"train.epochs=N, N > {start.epoch})", file=sys.stderr)
        return 0

    def announce(gan):
        xla = "XLA" if gan.xla else "no XLA"
        print(f"ganzoo: training {recipe.name} into {run_dir} on {describe(strategy)}, {xla} "
              f"(tensorboard --logdir {run_dir / 'logs'})", file=sys.stderr)

    started = time.monotonic()
    # A progress bar on a terminal; one line per epoch in a log file.
    train(recipe, run_dir, resume=args.resume, verbose=1 if sys.stdout.isatty() else 2,
          strategy=strategy, announce=announce, start=start)
    written = (f"checkpoints in {run_dir / 'checkpoints'}" if is_chief(strategy)
               else "the chief worker wrote the checkpoints")
    print(f"ganzoo: done in {time.monotonic() - started:.0f} s; {written}", file=sys.stderr)


def run_sample(args):
    # The arguments and the run directory are checked before TensorFlow is imported (seconds).
    if args.n < 1:
        raise GanzooError(f"--n must be >= 1, not {args.n}")
    if args.out.suffix not in (".png", ".npy"):
        raise GanzooError(f"--out {args.out}: the file must end in .png or .npy")
    if args.server:
        if args.run_dir is not None or not args.model:
            raise GanzooError("--server URL needs --model NAME and no RUN_DIR")
        load_tensorflow()
        from ganzoo import plots, serving

        # A PNG shows the served uint8 `images` (the export's mapping from its data's range), an
        # .npy holds the float32 `pixels` or `points`.
        samples = serving.sample(args.server, args.model, args.n, args.seed, label=args.label,
                                 images=args.out.suffix == ".png")
        write_samples(args.out, samples, plots, (0, 255) if samples.dtype == "uint8" else None)
        print(args.out)
        return
    if args.run_dir is None:
        raise GanzooError("give a RUN_DIR or an exported model, or --server URL --model NAME")
    from ganzoo.export import is_export

    if is_export(args.run_dir):  # exported/NAME[/VERSION]: its `sample` signature, no server
        from ganzoo.export import open_version

        open_version(args.run_dir)  # a one-line error for a folder that is not ganzoo's
        load_tensorflow()
        from ganzoo import plots
        from ganzoo.export import sample_version

        samples = sample_version(args.run_dir, args.n, args.seed, label=args.label,
                                 images=args.out.suffix == ".png")
        write_samples(args.out, samples, plots, (0, 255) if samples.dtype == "uint8" else None)
        print(args.out)
        return
    runs.open_run(args.run_dir)
    load_tensorflow()
    import tensorflow as tf

    from ganzoo import plots
    from ganzoo.build import load_gan

    gan, run, _ = load_gan(args.run_dir)
    # One z per seed (seed, seed+1, ...), as an export's `sample` signature draws them, so a run
    # and its served export give the same samples. In a tf.function: map_fn is slow eagerly.
    seeds = tf.range(args.seed, args.seed + args.n, dtype=tf.int64)
    z = tf.function(gan.prior.sample_per_seed)(seeds).numpy()
    samples = gan.generator.predict(gan.inference_inputs(z, label=args.label), verbose=0)
    from ganzoo.data.images import PIXEL_RANGES

    write_samples(args.out, samples, plots, PIXEL_RANGES.get(run.recipe.data.preprocess))
    print(args.out)


def run_export(args):
    load_tensorflow()
    from ganzoo.export import export_run

    print(export_run(args.run_dir, to=args.to, name=args.name, config_base=args.config_base))


def run_eval(args):
    import contextlib
    import json

    load_tensorflow()
    from ganzoo.eval.runner import evaluate_export, evaluate_run, format_table
    from ganzoo.export import is_export

    exported = is_export(args.run_dir)
    if not exported and not (args.run_dir / "recipe.toml").is_file():
        raise GanzooError(f"{args.run_dir}: neither a run directory (no recipe.toml) nor an "
                          "exported model (no saved_model.pb in it or in a numbered version)")
    evaluate = evaluate_export if exported else evaluate_run
    # Progress bars and Keras messages go to stderr, so stdout holds only the table or JSON.
    with contextlib.redirect_stdout(sys.stderr):
        report = evaluate(args.run_dir, args.metrics, samples=args.samples, seed=args.seed,
                          extractor=args.extractor, inception_weights=args.inception_weights,
                          verbose=sys.stderr.isatty())
    if args.json:
        print(json.dumps(report))
    else:
        print(format_table(report, list(report["protocol"])))
        if not exported:
            print(f"ganzoo: saved {args.run_dir / 'eval.json'}; TensorBoard scalars eval/* in "
                  f"{args.run_dir / 'logs'}", file=sys.stderr)


def run_classifier_train(args):
    load_tensorflow()
    from ganzoo.eval.classifier import default_path, train_classifier

    if args.epochs is not None and args.epochs < 1:
        raise GanzooError(f"--epochs must be >= 1, not {args.epochs}")
    out = args.out or default_path(args.dataset)
    info = train_classifier(args.dataset, out, epochs=args.epochs, data_dir=args.data_dir,
                            verbose=1 if sys.stdout.isatty() else 2)
    print(f"ganzoo: {args.dataset} classifier saved to {out}: test accuracy "
          f"{info['test_accuracy']:.4f} on {info['test_examples']} images, trained in "
          f"{info['train_seconds']:.0f} s", file=sys.stderr)


def write_samples(out, samples, plots, value_range=None):
    """Save samples as .npy, or as a PNG grid (images, shown over `value_range`: the data's
    pixel range; None stretches each image) / scatter plot (points); atomically."""
    import numpy as np
    import tensorflow as tf

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{out.name}")
    if out.suffix == ".npy":
        with open(partial, "wb") as handle:
            np.save(handle, samples)
    else:
        if samples.ndim == 4:
            picture = plots.image_grid(samples, int(np.ceil(np.sqrt(len(samples)))),
                                       value_range=value_range)
        else:
            points = samples if samples.shape[-1] == 2 else np.c_[samples, np.zeros(len(samples))]
            picture = plots.scatter(points[:0], points)
        tf.io.write_file(str(partial), tf.io.encode_png(picture))
    os.replace(partial, out)


if __name__ == "__main__":
    sys.exit(main())

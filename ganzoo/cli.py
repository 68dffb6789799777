"""The `ganzoo` command: recipes | train | sample.

User errors (bad recipe, missing data, missing run) print one line and exit 2; a diverged
training exits 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ganzoo.errors import GanzooError, TrainingDiverged


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except TrainingDiverged as error:
        print(f"ganzoo: {error}", file=sys.stderr)
        return 1
    except GanzooError as error:
        print(f"ganzoo: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganzoo: interrupted; continue a training run with --resume", file=sys.stderr)
        return 130


def build_parser():
    parser = argparse.ArgumentParser(prog="ganzoo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("recipes", help="list the recipes with one-line descriptions")
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
    train.add_argument("--strategy", help="override [train].strategy (auto, default, one_device, "
                                          "mirrored, multi_worker)")
    train.set_defaults(run=run_train)

    sample = commands.add_parser("sample", help="draw samples from a trained run")
    sample.add_argument("run_dir", type=Path)
    sample.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", type=Path, required=True, help="a .png grid or a .npy array")
    sample.set_defaults(run=run_sample)
    return parser


def run_recipes(args):
    from ganzoo.recipe import load_recipe, recipe_names

    names = recipe_names()
    width = max(map(len, names), default=0)
    for name in names:
        try:
            description = load_recipe(name).config.description
        except GanzooError as error:
            description = f"(invalid: {error})"
        print(f"{name:<{width}}  {description}")


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
    recipe.examples("train")  # fail on missing data before anything is written

    from ganzoo.training import train

    print(f"ganzoo: training {recipe.name} into {run_dir} "
          f"(tensorboard --logdir {run_dir / 'logs'})", file=sys.stderr)
    started = time.monotonic()
    # A progress bar on a terminal; one line per epoch in a log file.
    train(recipe, run_dir, resume=args.resume, verbose=1 if sys.stdout.isatty() else 2)
    print(f"ganzoo: done in {time.monotonic() - started:.0f} s; checkpoints in "
          f"{run_dir / 'checkpoints'}", file=sys.stderr)


def run_sample(args):
    import numpy as np
    import tensorflow as tf

    from ganzoo import plots
    from ganzoo.training import load_gan

    if args.n < 1:
        raise GanzooError(f"--n must be >= 1, not {args.n}")
    if args.out.suffix not in (".png", ".npy"):
        raise GanzooError(f"--out {args.out}: the file must end in .png or .npy")
    gan, recipe, _ = load_gan(args.run_dir)
    z = gan.prior.sample(args.n, tf.constant([args.seed, 0], tf.int64))
    samples = gan.generator.predict(z, verbose=0)
    write_samples(args.out, samples, plots)
    print(args.out)


def write_samples(out, samples, plots):
    """Save samples as .npy, or as a PNG grid (images) / scatter plot (points); atomically."""
    import numpy as np
    import tensorflow as tf

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{out.name}")
    if out.suffix == ".npy":
        with open(partial, "wb") as handle:
            np.save(handle, samples)
    else:
        if samples.ndim == 4:
            picture = plots.image_grid(samples, int(np.ceil(np.sqrt(len(samples)))))
        else:
            points = samples if samples.shape[-1] == 2 else np.c_[samples, np.zeros(len(samples))]
            picture = plots.scatter(points[:0], points)
        tf.io.write_file(str(partial), tf.io.encode_png(picture))
    os.replace(partial, out)


if __name__ == "__main__":
    sys.exit(main())

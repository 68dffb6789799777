"""Draw the paper's Figures 1-3 from trained runs into docs/figures/ (PNG).

    python docs/make_figures.py --figure1 RUN_DIR_1D --images RUN_DIR_MNIST [--out docs/figures]

figure1.png: p_data, p_g and D(x) of a `goodfellow2014/figure1_1d` run (Figure 1).
figure2.png: samples of an image run, each row ending with the training example nearest to the
             sample beside it (Figure 2: memorisation would show as a repeat).
figure3.png: linear interpolations between latent codes (Figure 3).
The pictures are the ones TensorBoard shows during training, drawn by the same code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import tensorflow as tf

from ganzoo import plots
from ganzoo.build import load_gan
from ganzoo.data import recipe_examples


def save(path, picture):
    path.parent.mkdir(parents=True, exist_ok=True)
    tf.io.write_file(str(path), tf.io.encode_png(picture))
    print(path)


def figure1(run_dir, out):
    gan, run, info = load_gan(run_dir)
    recipe = run.recipe
    data = recipe_examples(recipe, "train").x
    samples = gan.generator.predict(gan.prior.sample(10000, tf.constant([0, 1], tf.int64)), verbose=0)
    grid = np.linspace(data.min() - 1.5, data.max() + 1.5, 200, dtype=np.float32)[:, None]
    d_x = tf.sigmoid(gan.discriminator.predict(grid, verbose=0)).numpy().ravel()
    title = f"{recipe.name}, epoch {info.epoch}"
    save(out / "figure1.png", plots.figure1(data[:10000], samples, grid.ravel(), d_x, title))


def figures2_and_3(run_dir, out, rows=8, columns=7, steps=10):
    gan, run, _ = load_gan(run_dir)
    recipe = run.recipe
    data = recipe_examples(recipe, "train").x
    z = gan.prior.sample(rows * columns + 8, tf.constant([0, 2], tf.int64)).numpy()
    samples = gan.generator.predict(z[:rows * columns], verbose=0)
    save(out / "figure2.png", plots.figure2(samples, data, columns))
    ends = z[rows * columns:]
    line = gan.generator.predict(plots.interpolation_latents(ends[:4], ends[4:], steps), verbose=0)
    save(out / "figure3.png", plots.image_grid(line, steps))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure1", type=Path, help="a trained goodfellow2014/figure1_1d run")
    parser.add_argument("--images", type=Path, help="a trained image run (e.g. goodfellow2014/mnist)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "figures")
    args = parser.parse_args()
    if args.figure1:
        figure1(args.figure1, args.out)
    if args.images:
        figures2_and_3(args.images, args.out)


if __name__ == "__main__":
    main()

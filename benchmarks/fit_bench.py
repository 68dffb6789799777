"""Steps/s of `GAN.fit` on the paper's MNIST recipe against a hand-written TF loop of the same math.

    GANZOO_DATA_DIR=../shared/data python benchmarks/fit_bench.py [--steps 300] [--repeats 3]

Rows, measured in one process, interleaved over `--repeats` rounds (median reported):
  fit                   ganzoo's GAN.fit, no callbacks (the training step itself)
  fit + callbacks       ganzoo's GAN.fit with the recipe's TensorBoard and checkpoint callbacks
  fit, XLA              GAN with jit_compile = true (XLA on the per-replica gradient functions)
  loop                  a minimal tf.function loop: same networks, losses, SGD, simultaneous update
  loop, XLA             the same loop with tf.function(jit_compile=True)
and the machine's float32 matmul rate (4096 x 4096) for scale. Every row reads the recipe's own
input pipeline (MNIST from the local files).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

import ganzoo
from ganzoo import losses
from ganzoo.build import build_gan
from ganzoo.training import callbacks as run_callbacks, dataset



def recipe(**extra):
    return ganzoo.load_recipe("goodfellow2014/mnist", overrides=extra)


def time_fit(steps, jit=False, callbacks=False):
    r = recipe(**({"train.jit_compile": True} if jit else {}))
    gan = build_gan(r)
    with tempfile.TemporaryDirectory() as run_dir:
        extra = {"callbacks": run_callbacks(r, run_dir)} if callbacks else {}
        gan.fit(dataset(r), epochs=1, steps_per_epoch=20, verbose=0)  # trace and warm up
        start = time.perf_counter()
        gan.fit(dataset(r), epochs=1, steps_per_epoch=steps, verbose=0, **extra)
        return steps / (time.perf_counter() - start)


def time_loop(steps, jit=False):
    r = recipe()
    gan = build_gan(r)
    generator, discriminator = gan.generator, gan.discriminator
    d_opt, g_opt = gan.d_optimizer, gan.g_optimizer
    prior = gan.prior

    @tf.function(jit_compile=jit)
    def step(real, seed):
        z = prior.sample(100, seed)
        with tf.GradientTape(persistent=True) as tape:
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(generator(z, training=True), training=True)
            d_loss = losses.minimax_discriminator_loss(real_logits, fake_logits)
            g_loss = losses.non_saturating_generator_loss(fake_logits)
        d_opt.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))
        g_opt.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables),
                                  generator.trainable_variables))
        return d_loss, g_loss

    iterator = iter(dataset(r))
    for i in range(20):
        step(next(iterator), tf.constant([0, i], tf.int64))
    start = time.perf_counter()
    for i in range(steps):
        result = step(next(iterator), tf.constant([0, i], tf.int64))
    float(result[0])
    return steps / (time.perf_counter() - start)


def matmul_rate(n=4096, repeats=10):
    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    product()
    start = time.perf_counter()
    for _ in range(repeats):
        float(product())
    return 2 * n ** 3 * repeats / (time.perf_counter() - start)


def step_flops():
    """Matmul FLOPs of one simultaneous step: G forward, D forward on real and fake, and the
    backward passes (about twice the forward work each), at batch 100."""
    gan = build_gan(recipe(), with_data=False)

    def forward(model):
        return sum(2 * 100 * int(np.prod(w.shape)) for w in model.trainable_weights if len(w.shape) == 2)

    return 3 * (forward(gan.generator) + 2 * forward(gan.discriminator))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = {
        "fit": lambda: time_fit(args.steps),
        "fit + callbacks": lambda: time_fit(args.steps, callbacks=True),
        "fit, XLA": lambda: time_fit(args.steps, jit=True),
        "loop": lambda: time_loop(args.steps),
        "loop, XLA": lambda: time_loop(args.steps, jit=True),
    }
    results = {name: [] for name in rows}
    for _ in range(args.repeats):
        for name, measure in rows.items():
            results[name].append(measure())
    rate = matmul_rate()
    flops = step_flops()
    best_loop = max(statistics.median(results["loop"]), statistics.median(results["loop, XLA"]))
    print(f"command: python {' '.join(sys.argv)}")
    print(f"tensorflow {tf.__version__}, keras {keras.__version__}; matmul 4096^2 float32: "
          f"{rate / 1e9:.0f} GFLOP/s; one step = {flops / 1e9:.2f} GFLOP of matmuls")
    print(f"{'variant':<18}{'steps/s (median)':>18}{'runs':>28}{'vs best loop':>14}{'% matmul rate':>15}")
    for name, values in results.items():
        median = statistics.median(values)
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:<18}{median:>18.1f}{runs:>28}{median / best_loop:>14.2f}"
              f"{100 * median * flops / rate:>14.0f}%")


if __name__ == "__main__":
    main()

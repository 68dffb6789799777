"""Where DCGAN's step spends its time: each layer's forward and backward, TensorFlow against
PyTorch, on the shapes of `dcgan2015/mnist` at its batch (64).

    GANZOO_DATA_DIR=../shared/data python benchmarks/dcgan_profile.py [--rounds 2] [--seconds 1]

vs_pytorch.py finds PyTorch eager faster than ganzoo on the DCGAN row only; this names the layers
that make the difference. For every layer of ganzoo's generator and discriminator (the Keras
models `build_gan` makes from the recipe) and its PyTorch twin (`vs_pytorch.torch_dcgan`, the
same widths), one call is: the layer on a random batch of its input shape in training mode, then
the gradients of sum(output * upstream) with respect to the input and the layer's weights, which
is what every use of the layer in a training step costs. TensorFlow runs it as a `tf.function`
(graph, no XLA: ganzoo's default for conv nets), PyTorch eager, each framework in a process of
its own, interleaved over `--rounds`; a cell is the median over 5 blocks of at least `--seconds`
each of wall-clock ms per call, and the table shows the median (min-max) over rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from cells import cpu_flags, report, run_child

RECIPE = "dcgan2015/mnist"
FRAMEWORKS = ("tensorflow", "torch")


def timed(call, seconds):
    """Median wall-clock ms per call over 5 blocks of at least `seconds` each."""
    for _ in range(3):
        call()  # trace and warm up
    n, start = 1, time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-5)
    n = max(1, int(seconds / once))
    blocks = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            call()
        blocks.append(1e3 * (time.perf_counter() - start) / n)
    return statistics.median(blocks)


def keras_layers(gan):
    """[(network, layer)] in the order the networks apply them, input layers left out."""
    return [(net.name, layer) for net in (gan.generator, gan.discriminator)
            for layer in net.layers if layer.__class__.__name__ != "InputLayer"]


def measure_tensorflow(seconds):
    import tensorflow as tf

    import ganzoo
    from ganzoo.build import build_gan

    recipe = ganzoo.load_recipe(RECIPE)
    gan = build_gan(recipe)
    batch = recipe.train.batch_size
    results = {}
    for network, layer in keras_layers(gan):
        shape = (batch,) + tuple(layer.input.shape[1:])
        x = tf.random.normal(shape)
        upstream = tf.random.normal((batch,) + tuple(layer.output.shape[1:]))

        @tf.function
        def call(x=x, upstream=upstream, layer=layer):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
                loss = tf.reduce_sum(y * upstream)
            return tape.gradient(loss, [x] + layer.trainable_weights)

        results[f"{network}/{layer.name}"] = timed(lambda: [g.numpy() for g in call()[:1]], seconds)
    return results


def measure_torch(seconds):
    import torch

    import ganzoo
    from ganzoo.build import build_gan
    from vs_pytorch import torch_dcgan

    recipe = ganzoo.load_recipe(RECIPE)
    gan = build_gan(recipe)
    generator, discriminator, _ = torch_dcgan(recipe)
    batch = recipe.train.batch_size
    names = [f"{network}/{layer.name}" for network, layer in keras_layers(gan)]
    modules = list(generator) + list(discriminator)
    assert len(modules) == len(names), (len(modules), len(names))
    results, h = {}, torch.randn(batch, recipe.model.latent_dim)
    for name, module in zip(names, modules):
        if name == "discriminator/conv_0":
            h = torch.randn(batch, 1, 28, 28)
        x = h.detach().clone().requires_grad_(True)
        with torch.no_grad():
            upstream = torch.randn_like(module(x))
        params = [p for p in module.parameters()]

        def call(x=x, module=module, upstream=upstream, params=params):
            y = module(x)
            return torch.autograd.grad((y * upstream).sum(), [x] + params)

        results[name] = timed(call, seconds)
        with torch.no_grad():
            h = module(x)
    return results


def child(argv):
    framework, seconds = argv[0], float(argv[1])
    measure = measure_tensorflow if framework == "tensorflow" else measure_torch
    report(measure(seconds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each timed block")
    args = parser.parse_args(argv)
    cells = {framework: [] for framework in FRAMEWORKS}
    for round_ in range(args.rounds):
        for framework in FRAMEWORKS if round_ % 2 == 0 else FRAMEWORKS[::-1]:
            result = run_child(__file__, [framework], args.seconds)
            if "error" in result:
                sys.exit(f"{framework}: {result['error']}")
            cells[framework].append(result)
            print(f"round {round_ + 1}: {framework} done", flush=True)
    print(f"CPU SIMD flags: {cpu_flags()}")
    print()
    print("| layer | TensorFlow ms/call | PyTorch ms/call | TensorFlow / PyTorch |")
    print("|---|---|---|---|")
    totals = {framework: {} for framework in FRAMEWORKS}
    for name in cells["tensorflow"][0]:
        medians = {}
        for framework in FRAMEWORKS:
            values = [result[name] for result in cells[framework]]
            medians[framework] = statistics.median(values)
            network = name.split("/")[0]
            totals[framework][network] = totals[framework].get(network, 0.0) + medians[framework]
        spread = {framework: f"{medians[framework]:.2f} ({min(r[name] for r in cells[framework]):.2f}-"
                             f"{max(r[name] for r in cells[framework]):.2f})" for framework in FRAMEWORKS}
        print(f"| {name} | {spread['tensorflow']} | {spread['torch']} | "
              f"{medians['tensorflow'] / medians['torch']:.2f}x |")
    for network in totals["tensorflow"]:
        tf_ms, torch_ms = totals["tensorflow"][network], totals["torch"][network]
        print(f"| **{network}, all layers** | {tf_ms:.2f} | {torch_ms:.2f} | {tf_ms / torch_ms:.2f}x |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()

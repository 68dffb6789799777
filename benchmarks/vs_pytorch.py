"""Training steps/s of ganzoo's `fit` against the same networks and update rules in PyTorch.

    pip install -e '.[bench]'        # torch==2.13.0 (CPU), for this script only
    GANZOO_DATA_DIR=../shared/data python benchmarks/vs_pytorch.py [--rounds 3] [--seconds 8]

Rows (each the recipe's own networks, losses, optimizer and update rule, batch 100):
  ring8     toy/ring8: G 4 x 400 ReLU, D 3 x 200 maxout (5 pieces), Adam, alternating updates
  mnist     goodfellow2014/mnist: G 1200-1200 ReLU + sigmoid, D maxout 240x5 - 240x5 with
            dropout, SGD with the paper's decay and momentum, simultaneous updates
  wgan_gp   wgan_gp2017/ring8: G with batch norm, critic, gradient penalty (one uniform weight
            per example, a double backward), 5 critic steps on fresh batches, Adam
  dcgan     dcgan2015/mnist (when that recipe exists): DCGAN conv nets on 28 x 28, Adam

Columns, each its own process, all rows interleaved over `--rounds` rounds (median, min, max):
  ganzoo 1 step/call    `GAN.fit` (no callbacks) one step per call, no XLA (before issue 11)
  ganzoo default        the recipe as it is: auto `[train].steps_per_execution`
  ganzoo XLA            the same with `[train].jit_compile = true` (XLA on `play`)
  torch eager / torch.compile   the same math written in PyTorch (compile wraps G and D)
A step is one generator update (with its k discriminator updates). Steps/s are timed inside
each call: for ganzoo's `fit` from its first execution's end to its last's (a Keras callback
that Keras runs off the training thread), so what a `fit` call costs once (iterator, callbacks,
tear-down) is its own column of the second table, beside each cell's wall and process CPU ms per
step (CPU below 2x wall on 2 cores says a core sat idle). The last columns give ganzoo's
faster column and the faster PyTorch variant as a share of the machine's float32 matmul rate, measured
in the same run (2048^3, PyTorch), from each step's matmul FLOPs counted from the layer sizes:
a network pass costs 2*B*inputs*outputs per dense layer (2*B*H*W*k*k*cin*cout per convolution)
forward, and every pass a gradient flows back through costs 3x its forward.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

from cells import cpu_flags, fit_timing, loop_timing, report, run_child, summary

ROWS = {
    "ring8": "toy/ring8",
    "mnist": "goodfellow2014/mnist",
    "wgan_gp": "wgan_gp2017/ring8",
    "dcgan": "dcgan2015/mnist",
}
IMPLEMENTATIONS = ("ganzoo 1 step/call", "ganzoo default", "ganzoo XLA", "torch eager",
                   "torch.compile")
# Each ganzoo column is the recipe with these keys set (0 = auto steps_per_execution).
GANZOO = {
    "ganzoo 1 step/call": {"train.steps_per_execution": 1, "train.jit_compile": False},
    "ganzoo default": {},
    "ganzoo XLA": {"train.jit_compile": True},
}
BATCH = 100


# -- FLOPs of one step, from the recipe's layer sizes ----------------------------------------


def dense_flops(sizes, batch):
    return sum(2 * batch * a * b for a, b in zip(sizes, sizes[1:]))


def step_flops(recipe):
    """Matmul FLOPs of one training step of `recipe` (see the module docstring)."""
    import ganzoo.registry

    model, train = recipe.model, recipe.train
    shape = ganzoo.registry.DATASETS[recipe.data.name].shape
    size = math.prod(shape)
    b = train.batch_size
    if model.architecture == "mlp":
        g = dense_flops([model.latent_dim, *model.generator.units, size], b)
        d_units = model.discriminator.units
        pieces = model.discriminator.pieces
        d = sum(2 * b * a * u * pieces for a, u in zip([size, *d_units], d_units)) + 2 * b * d_units[-1]
    else:
        from ganzoo.build import build_gan

        gan = build_gan(recipe)
        g, d = keras_flops(gan.generator, b), keras_flops(gan.discriminator, b)
    if train.update == "simultaneous":
        # G fwd+bwd; D on real (fwd+bwd); D on fake: fwd, D's backward, G's backward.
        return 3 * g + 3 * d + 5 * d
    penalty = "gradient" in recipe.loss.penalties
    # Each D update: G fwd, D fwd+bwd on real and on fake (+ the penalty's D pass, differentiated
    # twice: about 2x a plain pass). The G update: G fwd+bwd, D fwd + input backward.
    d_update = g + 6 * d + (6 * d if penalty else 0)
    return train.k * d_update + 3 * g + 3 * d


def keras_flops(network, batch):
    """Matmul FLOPs of one forward pass of a Keras network, from its Dense and conv layers."""
    import keras

    total = 0
    for layer in network._flatten_layers():
        if isinstance(layer, keras.layers.Dense):
            total += 2 * batch * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
            kh, kw, a, c = layer.kernel.shape
            out = layer.output.shape if isinstance(layer, keras.layers.Conv2D) else layer.input.shape
            total += 2 * batch * out[1] * out[2] * kh * kw * a * c
    return total


# -- ganzoo ------------------------------------------------------------------------------------


def measure_ganzoo(recipe_name, overrides, seconds):
    return fit_timing(recipe_name, overrides, seconds)


# -- PyTorch -----------------------------------------------------------------------------------


def torch_nets(recipe):
    import torch
    from torch import nn

    class Maxout(nn.Module):
        def __init__(self, a, units, pieces):
            super().__init__()
            self.units, self.pieces = units, pieces
            self.linear = nn.Linear(a, units * pieces)

        def forward(self, x):
            return self.linear(x).view(-1, self.units, self.pieces).amax(-1)

    import ganzoo.registry

    model = recipe.model
    shape = ganzoo.registry.DATASETS[recipe.data.name].shape
    size = math.prod(shape)
    if model.architecture == "dcgan":
        return torch_dcgan(recipe)
    layers, a = [], model.latent_dim
    for units in model.generator.units:
        if model.generator.batch_norm != "none":
            layers += [nn.Linear(a, units, bias=False), nn.BatchNorm1d(units, momentum=0.05)]
        else:
            layers += [nn.Linear(a, units)]
        layers.append(nn.ReLU())
        a = units
    layers.append(nn.Linear(a, size))
    if model.generator.output == "sigmoid":
        layers.append(nn.Sigmoid())
    generator = nn.Sequential(*layers)
    config = model.discriminator
    layers, a = [nn.Dropout(1 - config.input_keep)] if config.input_keep < 1 else [], size
    for units in config.units:
        layers.append(Maxout(a, units, config.pieces))
        if config.hidden_keep < 1:
            layers.append(nn.Dropout(1 - config.hidden_keep))
        a = units
    layers.append(nn.Linear(a, 1))
    discriminator = nn.Sequential(nn.Flatten(), *layers)
    return generator, discriminator, size


def torch_dcgan(recipe):
    """DCGAN's 28 x 28 nets as ganzoo's `dcgan` architecture builds them (its Keras layers
    are read to match the widths)."""
    import torch
    from torch import nn
    from ganzoo.build import build_gan

    gan = build_gan(recipe)
    dense = [l for l in gan.generator._flatten_layers() if l.__class__.__name__ == "Dense"][0]
    g_convs = [l for l in gan.generator._flatten_layers() if l.__class__.__name__ == "Conv2DTranspose"]
    d_convs = [l for l in gan.discriminator._flatten_layers() if l.__class__.__name__ == "Conv2D"]
    reshape = [l for l in gan.generator._flatten_layers() if l.__class__.__name__ == "Reshape"][0]
    h, w, c = reshape.target_shape
    layers = [nn.Linear(dense.kernel.shape[0], h * w * c, bias=False), nn.Unflatten(1, (c, h, w)),
              nn.BatchNorm2d(c), nn.ReLU()]
    for i, conv in enumerate(g_convs):
        k, _, cout, cin = conv.kernel.shape
        s = conv.strides[0]
        layers.append(nn.ConvTranspose2d(cin, cout, k, s, padding=(k - s + 1) // 2,
                                         output_padding=(k - s) % 2 if s > 1 else 0,
                                         bias=i == len(g_convs) - 1))
        layers += [nn.BatchNorm2d(cout), nn.ReLU()] if i < len(g_convs) - 1 else [nn.Tanh()]
    generator = nn.Sequential(*layers)
    layers = []
    for i, conv in enumerate(d_convs):
        k, _, cin, cout = conv.kernel.shape
        s = conv.strides[0]
        layers.append(nn.Conv2d(cin, cout, k, s, padding=(k - 1) // 2, bias=i == 0))
        layers += ([nn.BatchNorm2d(cout)] if i > 0 else []) + [nn.LeakyReLU(0.2)]
    with torch.no_grad():
        flat = nn.Sequential(*layers)(torch.zeros(1, 1, 28, 28)).numel()
    discriminator = nn.Sequential(*layers, nn.Flatten(), nn.Linear(flat, 1))
    return generator, discriminator, (1, 28, 28)


def measure_torch(recipe_name, compiled, seconds):
    import torch
    import torch.nn.functional as F

    import ganzoo
    from ganzoo.data import recipe_examples

    torch.manual_seed(0)
    recipe = ganzoo.load_recipe(recipe_name)
    train, model = recipe.train, recipe.model
    generator, discriminator, size = torch_nets(recipe)
    examples = recipe_examples(recipe, "train")
    data = torch.from_numpy(examples.x.reshape(len(examples.x), -1).astype("float32"))
    if model.architecture == "dcgan":
        data = data.view(-1, 1, 28, 28)
    penalty = recipe.loss.penalties.get("gradient", 0.0)
    if compiled:
        # torch.compile's backward cannot be differentiated again (create_graph): a critic
        # with a gradient penalty stays eager.
        generator = torch.compile(generator)
        discriminator = discriminator if penalty else torch.compile(discriminator)
    player_settings = {"d": train.discriminator, "g": train.generator}
    if train.optimizer == "adam":
        opt = {name: torch.optim.Adam(net.parameters(), lr=player_settings[name].learning_rate,
                                      betas=(player_settings[name].beta_1, player_settings[name].beta_2))
               for name, net in (("d", discriminator), ("g", generator))}
    else:
        opt = {name: torch.optim.SGD(net.parameters(), lr=train.learning_rate, momentum=train.momentum)
               for name, net in (("d", discriminator), ("g", generator))}
    decay = getattr(train, "lr_decay", 0) or 0
    b, latent = train.batch_size, model.latent_dim
    wasserstein = recipe.loss.name == "wasserstein"
    step_count = [0]

    def z():
        if model.prior == "uniform":
            return (torch.rand(b, latent) * 2 - 1) * model.prior_scale
        return torch.randn(b, latent)

    def real():
        return data[torch.randint(len(data), (b,))]

    def d_loss_of(r, f):
        if wasserstein:
            return f.mean() - r.mean()
        return (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
                + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))

    def g_loss_of(f):
        return -f.mean() if wasserstein else F.binary_cross_entropy_with_logits(f, torch.ones_like(f))

    def schedule():
        if decay:
            rate = max(train.learning_rate / decay ** step_count[0], train.min_learning_rate)
            for o in opt.values():
                for group in o.param_groups:
                    group["lr"] = rate

    def alternating_step():
        for _ in range(train.k):
            x = real()
            with torch.no_grad():
                fake = generator(z())
            loss = d_loss_of(discriminator(x), discriminator(fake))
            if penalty:
                eps = torch.rand(b, *([1] * (x.dim() - 1)))
                mixed = (eps * x + (1 - eps) * fake).requires_grad_(True)
                grad, = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
                loss = loss + penalty * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            opt["d"].zero_grad(set_to_none=True)
            loss.backward()
            opt["d"].step()
        loss = g_loss_of(discriminator(generator(z())))
        opt["g"].zero_grad(set_to_none=True)
        loss.backward()
        opt["g"].step()

    def simultaneous_step():
        schedule()
        fake = generator(z())
        r, f = discriminator(real()), discriminator(fake)
        d_params, g_params = list(discriminator.parameters()), list(generator.parameters())
        d_grads = torch.autograd.grad(d_loss_of(r, f), d_params, retain_graph=True)
        g_grads = torch.autograd.grad(g_loss_of(f), g_params)
        for p, grad in zip(d_params + g_params, d_grads + g_grads):
            p.grad = grad
        opt["d"].step()
        opt["g"].step()
        step_count[0] += 1

    step = simultaneous_step if train.update == "simultaneous" else alternating_step
    return loop_timing(step, seconds)


def measure_matmul():
    import torch

    rates = {}
    # bfloat16 at 1024^3: without AVX512-BF16 (or AMX) it is emulated and 100x slower.
    for name, dtype, n in (("float32", torch.float32, 2048), ("bfloat16", torch.bfloat16, 1024)):
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        a @ b
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 2.0:
            a @ b
            count += 1
        rates[name] = 2 * n ** 3 * count / (time.perf_counter() - start)
    return rates


# -- Driver ------------------------------------------------------------------------------------


def child(argv):
    """One measurement in its own process; prints one JSON line."""
    what, seconds = argv[0], float(argv[2])
    if what == "matmul":
        result = measure_matmul()
    else:
        row, implementation = what, argv[1]
        recipe = ROWS[row]
        if implementation.startswith("ganzoo"):
            result = measure_ganzoo(recipe, GANZOO[implementation], seconds)
        else:
            result = measure_torch(recipe, implementation == "torch.compile", seconds)
    report(result)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="timed length of each measurement")
    parser.add_argument("--rows", default=",".join(ROWS))
    args = parser.parse_args(argv)

    import ganzoo

    rows = []
    for row in args.rows.split(","):
        try:
            recipe = ganzoo.load_recipe(ROWS[row])
        except Exception as error:  # the dcgan recipe arrives with its family
            print(f"skipping {row}: {error}", file=sys.stderr)
            continue
        rows.append((row, recipe))
    cells = {(row, impl): [] for row, _ in rows for impl in IMPLEMENTATIONS}
    errors, matmul, loads = {}, {"float32": [], "bfloat16": []}, []
    for round_ in range(args.rounds):
        for name, value in run_child(__file__, ["matmul", "-"], 0).items():
            matmul.setdefault(name, []).append(value)
        for row, _ in rows:
            for impl in IMPLEMENTATIONS:
                result = run_child(__file__, [row, impl], args.seconds)
                if "error" in result:
                    errors[(row, impl)] = result["error"]
                else:
                    cells[(row, impl)].append(result)
                print(f"round {round_ + 1}: {row:8s} {impl:15s} {result}", file=sys.stderr, flush=True)
        loads.append(os.getloadavg()[0])

    f32 = statistics.median(matmul["float32"])
    bf16 = statistics.median(matmul["bfloat16"])
    print(f"CPU SIMD flags: {cpu_flags()}")
    print(f"float32 matmul 2048^3: {f32 / 1e9:.0f} GFLOP/s; bfloat16 1024^3: {bf16 / 1e9:.1f} GFLOP/s "
          f"(PyTorch, median of {args.rounds}); load average after each round: "
          f"{', '.join(f'{x:.2f}' for x in loads)}\n")
    rates = {key: [r["steps_per_s"] for r in found] for key, found in cells.items()}
    print("Steps/s inside each timed call (first execution's end to the last's for ganzoo's "
          "`fit`, the whole loop for PyTorch's):\n")
    print("| row | GFLOP/step | " + " | ".join(f"{i} steps/s" for i in IMPLEMENTATIONS)
          + " | fastest ganzoo / faster torch | fastest ganzoo, % of f32 matmul rate | faster torch, % of f32 matmul rate |")
    print("|---" * (len(IMPLEMENTATIONS) + 5) + "|")
    for row, recipe in rows:
        flops = step_flops(recipe)
        columns = [summary(rates[(row, i)]) if rates[(row, i)] else errors.get((row, i), "–")
                   for i in IMPLEMENTATIONS]
        median = {i: statistics.median(rates[(row, i)]) if rates[(row, i)] else 0.0
                  for i in IMPLEMENTATIONS}
        ours = max(median[name] for name in GANZOO)
        theirs = max(median["torch eager"], median["torch.compile"])
        ratio = f"{ours / theirs:.2f}x" if theirs else "–"
        print(f"| {row} | {flops / 1e9:.2f} | " + " | ".join(columns) + f" | {ratio} | "
              f"{100 * ours * flops / f32:.0f}% | "
              f"{100 * theirs * flops / f32:.0f}% |")
    print("\nWall and CPU ms per step (medians over the rounds; CPU is the process's, all threads: "
          "2 busy cores read twice the wall time), and what one ganzoo `fit` call of the "
          "default column cost beyond its steps:\n")
    print("| row | " + " | ".join(f"{i} wall / CPU ms" for i in IMPLEMENTATIONS)
          + " | ganzoo default: whole call steps/s, fixed cost per call (s) |")
    print("|---" * (len(IMPLEMENTATIONS) + 2) + "|")
    for row, _ in rows:
        columns = []
        for impl in IMPLEMENTATIONS:
            found = cells[(row, impl)]
            if not found:
                columns.append("–")
                continue
            wall = statistics.median(1000 / r["steps_per_s"] for r in found)
            cpu = statistics.median(r["cpu_ms_per_step"] for r in found)
            columns.append(f"{wall:.1f} / {cpu:.1f}")
        default = cells[(row, "ganzoo default")]
        call = (f"{statistics.median(r['call_steps_per_s'] for r in default):.1f}, "
                f"{summary([r['call_overhead_s'] for r in default], digits=2)}" if default else "–")
        print(f"| {row} | " + " | ".join(columns) + f" | {call} |")
    for (row, impl), error in errors.items():
        if not rates[(row, impl)]:
            print(f"\n{row}, {impl}: {error}")


if __name__ == "__main__":
    sys.exit(main())

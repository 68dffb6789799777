"""The Improved GAN's step with weight normalisation applied to D's kernels or to its products.

    GANZOO_DATA_DIR=../shared/data python benchmarks/weightnorm_bench.py [--rounds 3] [--seconds 6]

`WeightNormDense` computes w = g v / ||v|| per output unit. Two ways to apply it, the same map:
  kernel    x (v * s), s = g / ||v||: a multiply the size of the weights, forward and backward,
            in every pass through D (ganzoo before session 18)
  product   (x v) * s: the multiply the size of [batch, units] (openai/improved-gan's
            nn.DenseLayer; ganzoo's layer now)
Each cell is a fresh process timing `GAN.fit` on `salimans2016/mnist_100` (its five D passes a
step: labelled, unlabelled and fake for D's update, fake and unlabelled for feature matching)
with `cells.fit_timing`: steps/s inside the call and process CPU ms per step, interleaved over
`--rounds` rounds, median (min-max).
"""

from __future__ import annotations

import argparse
import statistics
import sys

from cells import cpu_flags, fit_timing, report, run_child, summary

RECIPE = "salimans2016/mnist_100"
WAYS = ("kernel", "product")


def child(argv):
    way, seconds = argv[0], float(argv[-1])
    from keras import ops

    from ganzoo.models.layers import WeightNormDense

    if way == "kernel":
        WeightNormDense.call = lambda self, inputs: self.activation(
            ops.matmul(inputs, self.kernel()) + self.bias)
    report(fit_timing(RECIPE, {}, seconds, warmup=2, first=1))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    found = {way: [] for way in WAYS}
    for round_ in range(args.rounds):
        for way in WAYS:
            result = run_child(__file__, [way], args.seconds)
            print(f"round {round_ + 1}: {way:8s} {result}", file=sys.stderr, flush=True)
            if "error" not in result:
                found[way].append(result)
    print(f"CPU SIMD flags: {cpu_flags()}\n")
    print(f"| {RECIPE}, weight norm on | steps/s | wall ms/step | CPU ms/step |")
    print("|---|---|---|---|")
    for way in WAYS:
        rates = [r["steps_per_s"] for r in found[way]]
        wall = [1000 / r for r in rates]
        cpu = [r["cpu_ms_per_step"] for r in found[way]]
        print(f"| {way} | {summary(rates)} | {summary(wall)} | {summary(cpu)} |")
    if all(found.values()):
        ratio = (statistics.median(r["steps_per_s"] for r in found["product"])
                 / statistics.median(r["steps_per_s"] for r in found["kernel"]))
        print(f"\nproduct / kernel: {ratio:.2f}x")


if __name__ == "__main__":
    sys.exit(main())

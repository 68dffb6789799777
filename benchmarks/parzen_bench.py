"""Time the Parzen-window protocol of Goodfellow et al. 2014, Table 1, at full MNIST size.

10,000 "generator" samples x 784 values; sigma chosen among 10 widths on 1,000 validation points;
10,000 test points scored at that sigma. Three implementations, in the same run:

- ganzoo (TensorFlow, float64): ganzoo.eval.parzen.select_sigma + parzen_log_likelihood, which is
  what parzen_evaluate runs;
- NumPy float64: the same formula written plainly in batched NumPy (the reference here);
- NumPy float32 distances: as above with the squared distances in float32, to show what float32
  would cost in accuracy (the last column: largest per-point difference from NumPy float64).

Random pixels in [0, 1] by default. With --data-dir, real MNIST: the samples are the first 10,000
training images (the "real data as generator" check of Theis et al. 2016), validation is the first
1,000 of train[50000:60000], test is the 10,000 test images.

    python benchmarks/parzen_bench.py [--data-dir /work/shared/data]
"""

import argparse
import gzip
import os
import shlex
import sys
import time

import numpy as np

from ganzoo.eval import parzen


def load_mnist(data_dir):
    """(samples, validation, test) as float64 pixels in [0, 1], flattened."""

    def images(name):
        with gzip.open(os.path.join(data_dir, "mnist", name)) as f:
            pixels = np.frombuffer(f.read(), np.uint8, offset=16)  # 16-byte IDX header
        return pixels.reshape(-1, 784).astype(np.float64) / 255.0

    train = images("train-images-idx3-ubyte.gz")
    return train[:10_000], train[50_000:51_000], images("t10k-images-idx3-ubyte.gz")


def random_data(seed):
    rng = np.random.default_rng(seed)
    return rng.random((10_000, 784)), rng.random((1_000, 784)), rng.random((10_000, 784))


def numpy_log_likelihood(samples, data, sigmas, dtype=np.float64, batch_size=250):
    """The Parzen formula in batched NumPy; squared distances in `dtype`, the rest in float64."""
    centre = samples.mean(axis=0)
    samples = (samples - centre).astype(dtype)
    sample_norms = (samples * samples).sum(axis=1)
    half_precisions = 0.5 / np.asarray(sigmas, np.float64) ** 2
    blocks = []
    for start in range(0, len(data), batch_size):
        points = (data[start:start + batch_size] - centre).astype(dtype)
        squared = ((points * points).sum(axis=1)[:, None] - 2.0 * points @ samples.T
                   + sample_norms[None, :]).astype(np.float64)
        squared = np.maximum(squared, 0.0)
        nearest = squared.min(axis=1)
        excess = squared - nearest[:, None]
        blocks.append(np.stack([-nearest * h + np.log(np.exp(-excess * h).sum(axis=1))
                                for h in half_precisions], axis=1))
    dim = samples.shape[1]
    return (np.concatenate(blocks) - np.log(len(samples))
            - 0.5 * dim * np.log(2.0 * np.pi * np.asarray(sigmas) ** 2))


def numpy_protocol(dtype):
    def run(samples, validation, test):
        sigmas = parzen.DEFAULT_SIGMAS
        mean_lls = numpy_log_likelihood(samples, validation, sigmas, dtype).mean(axis=0)
        sigma = sigmas[int(np.argmax(mean_lls))]
        return sigma, numpy_log_likelihood(samples, test, [sigma], dtype)[:, 0]
    return run


def ganzoo_protocol(samples, validation, test):
    sigma = parzen.select_sigma(samples, validation)
    return sigma, parzen.parzen_log_likelihood(samples, test, sigma)


IMPLEMENTATIONS = {
    "ganzoo (TensorFlow, float64)": ganzoo_protocol,
    "NumPy float64": numpy_protocol(np.float64),
    "NumPy float32 distances": numpy_protocol(np.float32),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder holding mnist/*-idx3-ubyte.gz; random if absent")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("$ python " + " ".join(shlex.quote(a) for a in sys.argv))
    data = load_mnist(args.data_dir) if args.data_dir else random_data(args.seed)
    print(f"data: {'MNIST' if args.data_dir else 'uniform random'}; samples {data[0].shape}, "
          f"validation {data[1].shape}, test {data[2].shape}; {os.cpu_count()} CPUs; "
          f"load average before {os.getloadavg()[0]:.2f}")
    results = {}
    for name, run in IMPLEMENTATIONS.items():
        start = time.perf_counter()
        results[name] = run(*data) + (time.perf_counter() - start,)
    print_table(results)
    print(f"load average after {os.getloadavg()[0]:.2f}")


def print_table(results):
    reference = results["NumPy float64"][1]
    print("| implementation | seconds | sigma | parzen_ll ± se "
          "| max abs per-point diff vs NumPy float64 |")
    print("|---|---:|---:|---:|---:|")
    for name, (sigma, lls, seconds) in results.items():
        print(f"| {name} | {seconds:.1f} | {sigma:.4f} | {lls.mean():.2f} ± "
              f"{parzen.standard_error(lls):.2f} | {np.abs(lls - reference).max():.1e} |")


if __name__ == "__main__":
    main()

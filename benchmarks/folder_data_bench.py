"""Memory and speed of a `folder` dataset streamed from disk, at three folder sizes.

    python benchmarks/folder_data_bench.py                      # 200,000 32x32 PNGs in /tmp
    python benchmarks/folder_data_bench.py --images 20000 --batches 50

Writes the PNGs into a temporary folder (deleted at the end, unless --keep), nested so that
three sub-trees hold 1% (deep), 10% (mid) and all (top) of them. For each, a fresh process scans
the folder, builds the training stream (`ganzoo.data.stream_dataset`, batch 100) and takes
`--batches` batches; it reports the scan time, the images/s the pipeline delivers on its own
(after 20 warm-up batches) and the peak RSS (getrusage), beside the RSS right after importing
TensorFlow. Peak RSS should not grow with the number of images beyond the file list. A last
row streams the 10% folder decoded once into memory as uint8 (what `stream_dataset` does by
itself for a split under `CACHE_BYTES`, forced here): its speed and its memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

BATCH = 100
WARMUP = 20


def write_pngs(args):
    """Write PNGs numbered start..stop-1 into `folder` (smooth random patterns, ~1 KB each)."""
    from PIL import Image

    folder, start, stop, size = args
    rng = np.random.default_rng(start)
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    for i in range(start, stop):
        colour = rng.uniform(0, 255, (1, 1, 3)).astype(np.float32)
        image = colour * ramp[:, None, None] + (255 - colour) * ramp[None, :, None] * 0.5
        Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(
            os.path.join(folder, f"{i:07d}.png"), compress_level=1)


def make_folder(root, count, size, workers=2):
    """root/ holds 90%, root/mid/ 9%, root/mid/deep/ 1% of `count` images (nested)."""
    deep = root / "mid" / "deep"
    deep.mkdir(parents=True)
    bounds = [(deep, 0, count // 100), (root / "mid", count // 100, count // 10),
              (root, count // 10, count)]
    jobs = [(str(folder), a, min(a + 5000, stop), size)
            for folder, start, stop in bounds for a in range(start, stop, 5000)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(write_pngs, jobs))
    return {"deep": deep, "mid": root / "mid", "top": root}


def measure(folder, size, batches, cached):
    """In this process: scan, stream `batches` batches; a dict of the numbers."""
    import tensorflow as tf

    from ganzoo.config import DataConfig
    from ganzoo.data import load_examples, stream_dataset

    tf.constant(0.0) + 1.0  # TensorFlow's own start-up memory, before any data
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    examples = load_examples(DataConfig(name="folder", path=str(folder), image_size=size),
                             "train", seed=0)
    scan = time.perf_counter() - started
    if cached:
        dataset = stream_dataset(examples, BATCH, 1, seed=0, cache_bytes=1 << 40)
    else:
        dataset = stream_dataset(examples, BATCH, 1, seed=0, cache_bytes=0)
    iterator = iter(dataset)
    for _ in range(WARMUP):
        next(iterator)
    started = time.perf_counter()
    for _ in range(batches - WARMUP):
        next(iterator)[0]["x"].numpy()
    rate = (batches - WARMUP) * BATCH / (time.perf_counter() - started)
    return {"images": len(examples), "scan_s": scan, "images_per_s": rate,
            "baseline_mb": baseline,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(folder, size, batches, cached=False):
    command = [sys.executable, __file__, "--measure", str(folder), "--size", str(size),
               "--batches", str(batches)] + (["--cached"] if cached else [])
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--cached", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.size, args.batches, args.cached)))
        return
    root = Path(tempfile.mkdtemp(prefix="ganzoo-folder-bench-", dir="/tmp"))
    try:
        started = time.perf_counter()
        folders = make_folder(root, args.images, args.size)
        print(f"wrote {args.images} {args.size}x{args.size} PNGs into {root} in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = [("streamed", child(folders[name], args.size, args.batches))
                for name in ("deep", "mid", "top")]
        rows.append(("decoded once, in memory", child(folders["mid"], args.size, args.batches,
                                                cached=True)))
        print("| pipeline | images | scan s | images/s | RSS after import MB | peak RSS MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for how, row in rows:
            print(f"| {how} | {row['images']:,} | {row['scan_s']:.1f} | "
                  f"{row['images_per_s']:,.0f} | {row['baseline_mb']:.0f} | {row['peak_mb']:.0f} |")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

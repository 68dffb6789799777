"""Training wall time of a run, from its TensorBoard logs: the reproduction table's wall times.

    python docs/walltime.py RUN_DIR [--up-to EPOCH]

ganzoo writes one `samples` picture per epoch, at the epoch's last step; the gaps between
consecutive epochs' pictures are the epochs' wall times. A resumed run rewrites the epoch it
resumed from, and the last write is kept. Gaps over 10 minutes are left out: the run was
stopped there, not training.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from tensorboard.backend.event_processing import event_accumulator

from ganzoo import runs

STOPPED = 600.0  # seconds: a longer gap between two epochs means the run was not running


def epoch_times(run_dir, up_to=None):
    """{epoch: wall time of its `samples` event}, the last write of each epoch."""
    latest = runs.latest(run_dir)
    if latest is None:
        raise SystemExit(f"{run_dir}: no checkpoint, so no epoch length")
    accumulator = event_accumulator.EventAccumulator(str(Path(run_dir) / "logs"),
                                                     size_guidance={"tensors": 0})
    accumulator.Reload()
    times = {}
    for event in sorted(accumulator.Tensors("samples"), key=lambda e: e.wall_time):
        epoch = event.step // latest.steps_per_epoch
        if up_to is None or epoch <= up_to:
            times[epoch] = event.wall_time
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--up-to", type=int, default=None, help="last epoch counted")
    args = parser.parse_args()
    times = epoch_times(args.run_dir, args.up_to)
    epochs = sorted(times)
    gaps = [times[b] - times[a] for a, b in zip(epochs, epochs[1:]) if b == a + 1]
    counted = [gap for gap in gaps if 0 < gap < STOPPED]
    if not counted:
        raise SystemExit(f"{args.run_dir}: no consecutive epochs in its TensorBoard logs")
    median = statistics.median(counted)
    missing = epochs[-1] - len(counted)  # the first epoch, stopped runs, epochs never logged
    total = sum(counted) + missing * median
    print(f"{len(epochs)} epochs logged ({epochs[0]}..{epochs[-1]}), {len(counted)} epoch times "
          f"counted: {sum(counted) / 60:.0f} min, median {median:.0f} s/epoch; "
          f"{total / 60:.0f} min with the other {missing} at the median")


if __name__ == "__main__":
    main()

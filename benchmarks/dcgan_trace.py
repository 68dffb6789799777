"""Where a whole `fit` step of DCGAN spends its time: an op-level trace of ganzoo's step.

    GANZOO_DATA_DIR=../shared/data python benchmarks/dcgan_trace.py [--steps 30] [--rounds 2]

dcgan_profile.py times each layer alone and finds TensorFlow's layers faster than PyTorch's,
while the whole step is slower; this names what the step does beyond its layers. For each
threading setting (TensorFlow's default inter-op pool, and one inter-op thread, which runs the
step's ops one at a time so that each op's duration is its cost with all intra-op threads), a
fresh process builds `dcgan2015/mnist`, warms `fit` up, times `--steps` steps without the
profiler (ms per step, median over `--rounds` interleaved rounds), then traces `--steps` more
with `tf.profiler.experimental` and reads the trace's XSpace (`xplane_pb2`, shipped with
TensorFlow): every op the executor ran on its compute threads, its duration, grouped by what it
belongs to. The table gives ms per step of op time by group, their sum, the busy time of the
compute threads (the union of the op intervals) and the traced step's wall time. Untraced, two
`fit` calls of `--steps` and 3 x `--steps` steps give the step's wall time (the slope) and what
one `fit` call costs beyond its steps (the intercept: iterator, shuffle buffer, callbacks).
"""

from __future__ import annotations

import argparse
import collections
import glob
import re
import sys
import tempfile
import time

from cells import cpu_flags, report, run_child, summary

RECIPE = "dcgan2015/mnist"
SETTINGS = {"default": 0, "one inter-op thread": 1}
GROUPS = ("convolutions", "dense matmuls", "batch norm", "activations", "optimizers",
          "losses, trackers, noise, other")


def group(op_name, op_type):
    scope = op_name.split("/")
    if any(s in ("g_optimizer", "d_optimizer") for s in scope[:2]):
        return "optimizers"
    if "Conv2D" in op_type:
        return "convolutions"
    if "MatMul" in op_type:
        return "dense matmuls"
    if any(s.startswith("batch_norm") for s in scope):
        return "batch norm"
    if re.match(r"(Leaky)?Relu|Tanh|Sigmoid", op_type):
        return "activations"
    return "losses, trackers, noise, other"


def read_trace(log_dir, steps):
    """{group: ms per step}, the compute threads' busy ms per step and the traced ms per step."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    with open(sorted(glob.glob(f"{log_dir}/**/*.xplane.pb", recursive=True))[-1], "rb") as f:
        space.ParseFromString(f.read())
    host = next(p for p in space.planes if p.name == "/host:CPU")
    totals, intervals = collections.Counter(), []
    for line in host.lines:
        if not line.name.startswith("tf_Compute"):
            continue
        for event in line.events:
            name = host.event_metadata[event.metadata_id].name
            if ":" not in name or "::" in name:  # executor bookkeeping, not an op
                continue
            op_name, op_type = name.rsplit(":", 1)
            totals[group(op_name, op_type)] += event.duration_ps
            start = line.timestamp_ns * 1000 + event.offset_ps
            intervals.append((start, start + event.duration_ps))
    intervals.sort()
    busy, end = 0, 0
    for a, b in intervals:
        if b > end:
            busy, end = busy + b - max(a, end), b
    to_ms = lambda ps: ps / 1e9 / steps  # noqa: E731
    return ({g: to_ms(totals[g]) for g in GROUPS}, to_ms(busy),
            to_ms(intervals[-1][1] - intervals[0][0]))


def child(setting, steps):
    import tensorflow as tf

    if SETTINGS[setting]:
        tf.config.threading.set_inter_op_parallelism_threads(SETTINGS[setting])
    import ganzoo
    from ganzoo.build import build_gan
    from ganzoo.training import dataset

    recipe = ganzoo.load_recipe(RECIPE)
    gan = build_gan(recipe)
    data = dataset(recipe)
    gan.fit(data, epochs=1, steps_per_epoch=10, verbose=0)  # trace and warm up
    elapsed = {}
    for n in (steps, 3 * steps):  # two lengths of one `fit` call: a line through them
        start = time.perf_counter()
        gan.fit(data, epochs=1, steps_per_epoch=n, verbose=0)
        elapsed[n] = 1e3 * (time.perf_counter() - start)
    step_ms = (elapsed[3 * steps] - elapsed[steps]) / (2 * steps)
    call_ms = elapsed[steps] - steps * step_ms
    with tempfile.TemporaryDirectory() as log_dir:
        tf.profiler.experimental.start(log_dir)
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        tf.profiler.experimental.stop()
        groups, busy, traced = read_trace(log_dir, steps)
    return {"step_ms": step_ms, "call_ms": call_ms, "groups": groups, "busy": busy, "traced": traced}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        report(child(args.child[0], int(args.child[1])))
        return 0

    results = collections.defaultdict(list)
    for _ in range(args.rounds):
        for setting in SETTINGS:
            results[setting].append(run_child(__file__, [setting], args.steps))
    print(f"{RECIPE}, batch 64, {args.steps} steps, {args.rounds} rounds; CPU: {cpu_flags()}")
    print()
    header = ["", *(f"{s}: ms per step" for s in SETTINGS)]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))

    def row(label, pick):
        cells = []
        for setting in SETTINGS:
            values = [pick(r) for r in results[setting] if "error" not in r]
            cells.append(summary(values))
        print(f"| {label} | " + " | ".join(cells) + " |")

    for g in GROUPS:
        row(f"op time: {g}", lambda r, g=g: r["groups"][g])
    row("**op time, all ops**", lambda r: sum(r["groups"].values()))
    row("compute threads busy (union of op intervals)", lambda r: r["busy"])
    row("traced step, wall", lambda r: r["traced"])
    row("**step without the profiler, wall** (slope)", lambda r: r["step_ms"])
    row("a `fit` call's fixed cost, ms per call (intercept)", lambda r: r["call_ms"])
    errors = [r["error"] for rs in results.values() for r in rs if "error" in r]
    for e in errors:
        print("error:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""A worker of a two-host MultiWorkerMirroredStrategy run dies: the survivor stops with one line
instead of hanging, and both restarted with --resume end where an uninterrupted run ends.

The two hosts are two network namespaces joined by a veth pair, each worker with its own
address (made and removed here; needs root and `ip`). Where namespaces cannot be made, the same
run goes over loopback (two ports of 127.0.0.1). Each worker is `ganzoo train` as a user runs
it, with its TF_CONFIG, both on one run directory (the shared filesystem README asks for).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.dist_worker import TOY_OVERRIDES
from tests.test_distribute import environment, free_ports

PORT = 23456
# The survivor must stop within this many seconds of its peer's death: TensorFlow notices a
# reset connection at once and a silent peer after its 10 s heartbeat timeout; the rest is
# slack for a CPU shared with other jobs.
STOP_WITHIN = 90
TIMEOUT = 600
OVERRIDES = {**TOY_OVERRIDES, "train.steps_per_epoch": 30, "train.epochs": 3,
             "train.log_every": 10}


def namespaces_or_reason():
    """Two namespaces with a veth pair between them, or the reason they cannot be made."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None, "network namespaces need root and iproute2's `ip`"
    tag = uuid.uuid4().hex[:6]
    names, links = [f"gz{tag}a", f"gz{tag}b"], [f"gz{tag}va", f"gz{tag}vb"]
    commands = [["ip", "netns", "add", names[0]], ["ip", "netns", "add", names[1]],
                ["ip", "link", "add", links[0], "type", "veth", "peer", "name", links[1]]]
    for name, link, address in zip(names, links, ("10.213.7.1", "10.213.7.2")):
        commands += [["ip", "link", "set", link, "netns", name],
                     ["ip", "-n", name, "addr", "add", f"{address}/24", "dev", link],
                     ["ip", "-n", name, "link", "set", link, "up"],
                     ["ip", "-n", name, "link", "set", "lo", "up"]]
    for command in commands:
        made = subprocess.run(command, capture_output=True, text=True)
        if made.returncode != 0:
            remove_namespaces(names)
            return None, f"`{' '.join(command)}` failed: {made.stderr.strip()}"
    return names, None


def remove_namespaces(names):
    for name in names:  # deleting a namespace deletes its end of the veth pair, and the pair
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


@pytest.fixture(params=["namespaces", "loopback"])
def hosts(request):
    """[(address, command prefix)] of the two workers' hosts."""
    names, reason = namespaces_or_reason()
    if request.param == "namespaces":
        if names is None:
            pytest.skip(f"two hosts as network namespaces: {reason}")
        yield [(f"10.213.7.1:{PORT}", ["ip", "netns", "exec", names[0]]),
               (f"10.213.7.2:{PORT}", ["ip", "netns", "exec", names[1]])]
        remove_namespaces(names)
    else:
        if names is not None:
            remove_namespaces(names)
            pytest.skip("namespaces are available here: the namespace run covers loopback")
        yield [(f"127.0.0.1:{port}", []) for port in free_ports(2)]


def start_workers(hosts, run_dir, out, tag, resume=False):
    cluster = {"worker": [address for address, _ in hosts]}
    if resume:
        args = [str(run_dir), "--resume"]
    else:
        sets = [arg for key, value in OVERRIDES.items()
                for arg in ("--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}")]
        args = ["toy/ring8", *sets, "--set", "eval.every=0", "--run-dir", str(run_dir)]
    workers = []
    for index, (_, prefix) in enumerate(hosts):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        log = out / f"{tag}-{index}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(
                [*prefix, sys.executable, "-m", "ganzoo.cli", "train", *args],
                env=environment(TF_CONFIG=json.dumps(config), TF_CPP_MIN_LOG_LEVEL="3"),
                stdout=handle, stderr=subprocess.STDOUT)
        process.log = log
        workers.append(process)
    return workers


def finish(workers, timeout=TIMEOUT):
    try:
        for process in workers:
            process.wait(timeout=timeout)
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
    return [process.returncode for process in workers]


def weights(path):
    found = {}
    with h5py.File(path) as handle:
        handle.visititems(lambda name, item: found.setdefault(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return found


def test_a_killed_worker_stops_its_peer_and_both_resume_to_the_uninterrupted_weights(hosts,
                                                                                     tmp_path):
    whole = tmp_path / "uninterrupted"
    codes = finish(start_workers(hosts, whole, tmp_path, "whole"))
    assert codes == [0, 0], (tmp_path / "whole-0.log").read_text()[-3000:]

    run = tmp_path / "interrupted"
    survivor, victim = start_workers(hosts, run, tmp_path, "cut")
    first = run / "checkpoints" / "epoch-0001.json"
    deadline = time.monotonic() + TIMEOUT
    while not first.exists():
        assert survivor.poll() is None and time.monotonic() < deadline, survivor.log.read_text()
        time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)  # mid-epoch 2: epoch 1 is checkpointed, 2 is training
    killed = time.monotonic()
    try:
        survivor.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        survivor.kill()
        pytest.fail(f"the survivor still ran {STOP_WITHIN} s after its peer died")
    stopped = time.monotonic() - killed
    victim.wait()
    output = survivor.log.read_text()
    assert survivor.returncode == 75, output[-3000:]
    assert "Traceback" not in output
    last = output.strip().splitlines()[-1]
    assert last.startswith("ganzoo: lost a worker of the cluster"), last
    assert f"the newest checkpoint is epoch 1 in {run}" in last
    assert f"ganzoo train {run} --resume" in last
    assert sorted(p.name for p in (run / "checkpoints").glob("*.json")) == ["epoch-0001.json"]
    print(f"survivor stopped {stopped:.1f} s after its peer was killed")

    codes = finish(start_workers(hosts, run, tmp_path, "resumed", resume=True))
    assert codes == [0, 0], (tmp_path / "resumed-0.log").read_text()[-3000:]
    expected = weights(whole / "checkpoints" / "epoch-0003.weights.h5")
    actual = weights(run / "checkpoints" / "epoch-0003.weights.h5")
    assert sorted(actual) == sorted(expected) and expected
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)

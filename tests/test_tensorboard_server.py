"""The real `tensorboard` server over a short run: scalars and a sample image come back
through its HTTP data API."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import ganzoo
from tests.helpers import TINY_RING8


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(base, path, **query):
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.fixture
def tensorboard(tmp_path):
    ganzoo.train(ganzoo.load_recipe("toy/ring8", overrides=TINY_RING8), tmp_path / "run", verbose=0)
    port = free_port()
    binary = Path(sys.executable).with_name("tensorboard")
    server = subprocess.Popen([str(binary), "--logdir", str(tmp_path), "--host", "127.0.0.1",
                               "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                runs = json.loads(get(base, "/data/runs"))
                if runs:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("tensorboard did not come up within 60 s")
            time.sleep(0.5)
        yield base, runs
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_tensorboard_serves_scalars_and_sample_images(tensorboard):
    base, runs = tensorboard
    assert runs == ["run/logs"]
    tags = json.loads(get(base, "/data/plugin/scalars/tags"))["run/logs"]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "learning_rate"} <= set(tags)
    series = json.loads(get(base, "/data/plugin/scalars/scalars", run="run/logs", tag="d_loss"))
    steps = [point[1] for point in series]
    assert steps == sorted(steps) and steps[-1] == 20
    assert all(0.0 < point[2] < 5.0 for point in series)

    images = json.loads(get(base, "/data/plugin/images/images", run="run/logs", tag="samples",
                            sample=0))
    assert images and images[-1]["step"] == 20
    query = urllib.parse.parse_qs(images[-1]["query"])
    png = get(base, "/data/plugin/images/individualImage", blob_key=query["blob_key"][0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"

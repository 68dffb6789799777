"""A client for generators served by TensorFlow Serving's REST API (see README.md, "Serving").

    samples = ganzoo.serving.sample("http://localhost:8501", "goodfellow2014_mnist", n=16, seed=0)

Standard library only: a POST to URL/v1/models/NAME:predict in the columnar ("inputs") format.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np

from ganzoo.errors import GanzooError


class ServingError(GanzooError):
    """The server could not be reached or refused the request."""


def predict(server, model, body, timeout=60.0):
    """POST a predict request body (a dict) and return the decoded JSON answer."""
    url = f"{server.rstrip('/')}/v1/models/{model}:predict"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ServingError(f"{url}: HTTP {error.code}: {server_message(error)}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ServingError(f"cannot reach TensorFlow Serving at {server}: {reason}") from None
    except ValueError as error:
        raise ServingError(f"{url}: the answer is not JSON: {error}") from None


def server_message(error):
    """TF Serving explains a refused request in the JSON field "error"."""
    text = error.read().decode(errors="replace")
    try:
        return json.loads(text)["error"]
    except (ValueError, KeyError, TypeError):
        return text.strip()[:200] or error.reason


def sample(server, model, n, seed, label=None, images=False):
    """`n` samples from the `sample` signature with seeds seed..seed+n-1 (all of class `label`,
    for a conditional model): `pixels` (images, in the data's range) or `points` (toy data), as
    a float32 array; with `images`, an image model's uint8 `images` instead (the export's own
    mapping of its pixels to 0..255, as a client would show them)."""
    body = {"signature_name": "sample", "inputs": {"seed": list(range(seed, seed + n))}}
    if label is not None:
        body["inputs"]["label"] = [label] * n
    outputs = predict(server, model, body).get("outputs")
    if isinstance(outputs, list):
        # TF Serving drops the name of a signature's only output (a toy model's `points`).
        return np.asarray(outputs, np.float32)
    if not isinstance(outputs, dict):
        raise ServingError(f"{server}: model {model!r} answered without outputs; is it a ganzoo "
                           "export?")
    if images and "images" in outputs:
        return np.asarray(outputs["images"], np.uint8)
    for key in ("pixels", "points"):
        if key in outputs:
            return np.asarray(outputs[key], np.float32)
    raise ServingError(f"{server}: model {model!r} has no 'pixels' or 'points' output "
                       f"(got {', '.join(outputs)})")

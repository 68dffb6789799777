"""Mixed-precision replica runs, in a process of its own (logical CPUs are fixed when TensorFlow
starts): `GANZOO_CPU_DEVICES=2 python tests/precision_worker.py OUT_DIR CASE:PRECISION ...`.

For each contract case and precision it trains the tiny recipe a few steps on one device and on
2 mirrored replicas and writes OUT_DIR/<case>-<precision>-<strategy>.npz with every weight of
the GAN in model order, and <case>-<precision>-initial.npz with the weights before training.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganzoo import distribute  # noqa: E402

STEPS = 4


def main(out, runs):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    default = distribute.make_strategy("default")  # before anything else runs TensorFlow
    mirrored = distribute.make_strategy("mirrored")
    assert mirrored.num_replicas_in_sync == 2, "run with GANZOO_CPU_DEVICES=2"
    from ganzoo.build import build_gan
    from ganzoo.training import dataset
    from tests.helpers import contract_recipe

    for run in runs:
        case, precision = run.split(":")
        recipe = contract_recipe(case, **{"train.precision": precision})
        for name, strategy in (("one_device", default), ("mirrored", mirrored)):
            gan = build_gan(recipe, strategy=strategy)
            if name == "one_device":
                np.savez(out / f"{case}-{precision}-initial.npz",
                         *[np.asarray(w) for w in gan.weights])
            gan.fit(dataset(recipe), epochs=1, steps_per_epoch=STEPS, verbose=0)
            np.savez(out / f"{case}-{precision}-{name}.npz", *[np.asarray(w) for w in gan.weights])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

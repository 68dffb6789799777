"""The family contract's replica runs, in a process of its own (logical CPUs are fixed when
TensorFlow starts): `GANZOO_CPU_DEVICES=2 python tests/family_worker.py OUT_DIR`.

For every case of tests/helpers.CONTRACT_CASES (and PER_REPLICA_CASES, which must differ) it
trains the tiny recipe for a few steps on one device and on 2 mirrored replicas and writes
OUT_DIR/<case>-<strategy>.npz with every weight of the GAN (trainable or not: spectral norm's
u and batch norm's moving statistics included), in model order; OUT_DIR/xla.json, whether
each GAN ran under XLA (`[train].jit_compile = "auto"`), and what jit_compile = true with spectral
norm under the replicas answered.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganzoo import distribute  # noqa: E402

STEPS = 4


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    default = distribute.make_strategy("default")  # before anything else runs TensorFlow
    mirrored = distribute.make_strategy("mirrored")
    assert mirrored.num_replicas_in_sync == 2, "run with GANZOO_CPU_DEVICES=2"
    from ganzoo.build import build_gan
    from ganzoo.training import dataset
    from tests.helpers import CONTRACT_CASES, PER_REPLICA_CASES, contract_recipe

    recipes = {case: contract_recipe(case) for case in CONTRACT_CASES}
    recipes.update({name: contract_recipe(case, **extra)
                    for name, (case, extra) in PER_REPLICA_CASES.items()})
    xla = {}
    for case, recipe in recipes.items():
        for name, strategy in (("one_device", default), ("mirrored", mirrored)):
            gan = build_gan(recipe, strategy=strategy)
            xla[f"{case}-{name}"] = gan.xla
            gan.fit(dataset(recipe), epochs=1, steps_per_epoch=STEPS, verbose=0)
            # Every network's weights (G, D and a family's own, such as a BiGAN's encoder).
            np.savez(out / f"{case}-{name}.npz", *[np.asarray(w) for w in gan.weights])
    from ganzoo.errors import RecipeError

    try:
        build_gan(contract_recipe("hinge_sn", **{"train.jit_compile": True}), strategy=mirrored)
        xla["spectral_norm_xla_mirrored"] = "built"
    except RecipeError as error:
        xla["spectral_norm_xla_mirrored"] = str(error)
    (out / "xla.json").write_text(json.dumps(xla))


if __name__ == "__main__":
    main(sys.argv[1])

"""Which discriminator layers get spectral normalisation: `[model.discriminator].spectral_norm`.

A network builder passes each layer that has a kernel through a `SpectralNormSelection`, which
wraps the ones the recipe names (or all, for ["all"]) in `SpectralNormalization`; `check` then
says which requested names were not wrapped: a layer without a kernel, or no such layer.
"""

from __future__ import annotations

from ganzoo.models.spectral import SpectralNormalization

ALL = "all"


class SpectralNormSelection:
    """layer -> the layer, spectrally normalised when the recipe names it."""

    def __init__(self, names):
        self.names = list(names)
        self.candidates = []  # layers with a kernel, in build order

    def __call__(self, layer):
        self.candidates.append(layer.name)
        if ALL in self.names or layer.name in self.names:
            return SpectralNormalization(layer, name=f"spectral_{layer.name}")
        return layer

    def check(self, model):
        """A ValueError for a requested name that was not wrapped (the builder's errors become
        recipe errors naming [model.discriminator].spectral_norm)."""
        present = {layer.name for layer in model.layers}
        for name in self.names:
            if name == ALL or name in self.candidates:
                continue
            what = "has no kernel" if name in present else "is not a layer of this discriminator"
            raise ValueError(f"[model.discriminator].spectral_norm: {name!r} {what}; layers with "
                             f"a kernel: {', '.join(self.candidates)} (or \"{ALL}\")")

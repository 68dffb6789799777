"""Generator and discriminator architectures, by the name a recipe gives in `[model].architecture`.

A new architecture is one file with `build_generator(model, data_shape, output_bias, seed)` and
`build_discriminator(model, input_shape, seed)`, and one entry in `ganzoo.registry.ARCHITECTURES`.
Conditional families also pass `classes` (both nets take an int64 label) and `auxiliary_classes`
(D takes no label and returns {"logit", "class_logits"}: AC-GAN's); the semi-supervised
family passes `classifier_classes` (D returns {"class_logits", "features"}).
"""

from ganzoo.models.layers import Maxout, MaxoutConv2D, UntiedBias
from ganzoo.models.prior import LatentPrior

__all__ = ["LatentPrior", "Maxout", "MaxoutConv2D", "UntiedBias"]

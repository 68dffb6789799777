"""GAN families: subclasses of `ganzoo.gan.GAN` that override its hooks, one module each.

The names a recipe gives in `[model].family` and the classes behind them are listed once, in
`ganzoo.registry.FAMILIES`; `vanilla` is `ganzoo.gan.GAN` itself.
"""

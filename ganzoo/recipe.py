"""Recipes: load a TOML file, validate every key, apply `--set` overrides, dump the result.

    recipe = ganzoo.load_recipe("recipes/toy/ring8.toml", overrides={"train.epochs": 1})
    recipe.train.batch_size, recipe.name, recipe.to_toml()

A recipe names a file or a recipe under `recipes/` ("toy/ring8"). Every problem is a
`RecipeError` whose message is one line naming the file, the key and the allowed values.
A `Recipe` is data: `ganzoo.build` makes its GAN, `ganzoo.training` trains it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
import types
import typing
from pathlib import Path

from ganzoo import config as schema
from ganzoo import registry
from ganzoo.errors import RecipeError

RECIPES_DIR = Path(__file__).resolve().parent.parent / "recipes"


def load_recipe(path, overrides=None):
    """Read, validate and return the recipe at `path` (a file, or a name under recipes/).

    `overrides` maps dotted keys to values ({"train.epochs": 3}) or to TOML literals given as
    strings, as `--set train.epochs=3` does; they are validated like the file's own keys.
    """
    path = find_recipe(path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RecipeError(f"{path}: cannot read: {error}") from None
    if not isinstance(raw.get("loss", {}), dict) or not isinstance(raw.get("train", {}), dict):
        raise RecipeError(f"{path}: [loss] and [train] must be tables")
    migrate(raw)
    for key, value in (overrides or {}).items():
        set_override(raw, key, value)
    inherit_optimizer_settings(raw)
    config = parse_table(schema.RecipeConfig, raw, str(path), ())
    check_consistency(config, str(path))
    return Recipe(config, path)


def migrate(raw):
    """Old spellings, so run directories and exports made before a rename still load:
    `[loss].generator` (ganzoo 0.1: the generator's loss, D's always minimax) is `[loss].name`."""
    loss = raw.get("loss", {})
    if "generator" in loss and "name" not in loss:
        loss["name"] = loss.pop("generator")


def inherit_optimizer_settings(raw):
    """[train.generator] and [train.discriminator] take each key they leave out from [train]."""
    train = raw.setdefault("train", {})
    defaults = schema.TrainConfig()
    for net in ("generator", "discriminator"):
        table = train.setdefault(net, {})
        if not isinstance(table, dict):
            continue  # parse_table names the error
        for key in schema.sections(schema.OptimizerConfig):
            table.setdefault(key, train.get(key, getattr(defaults, key)))


def find_recipe(path):
    """A recipe's file: `path` itself, or recipes/<path>.toml."""
    candidates = [Path(path), RECIPES_DIR / path, RECIPES_DIR / f"{path}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    known = ", ".join(recipe_names()) or "(none found)"
    raise RecipeError(f"{path}: no such recipe file; the recipes are: {known}")


def recipe_names():
    """Names of the recipes under recipes/, e.g. 'toy/ring8'."""
    if not RECIPES_DIR.is_dir():
        return []
    return sorted(str(p.relative_to(RECIPES_DIR).with_suffix("")) for p in RECIPES_DIR.rglob("*.toml"))


def parse_override(text):
    """'train.epochs=3' -> ('train.epochs', '3'), for the CLI's --set."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"--set {text}: expected KEY=VALUE, e.g. --set train.epochs=3")
    return key.strip(), value.strip()


def set_override(raw, key, value):
    """Check one override against the schema and put it into the raw recipe table."""
    where = f"--set {key}={value}"
    cls, table, parts = schema.RecipeConfig, raw, key.split(".")
    for i, part in enumerate(parts):
        fields = schema.sections(cls)
        if part not in fields:
            allowed = ", ".join(".".join(parts[:i] + [f]) for f in fields)
            raise RecipeError(f"{where}: unknown key '{key}'; allowed here: {allowed}")
        kind = typing.get_type_hints(cls)[part]
        if typing.get_origin(kind) is dict and i == len(parts) - 2:
            # [loss.penalties] NAME = weight: the last part is the table's key.
            if isinstance(value, str):
                value = parse_literal(value, where)
            checked = check_value(kind, {parts[-1]: value}, where, tuple(parts[:-1]))
            table.setdefault(part, {}).update(checked)
            return
        if i == len(parts) - 1:
            if dataclasses.is_dataclass(kind):
                raise RecipeError(f"{where}: '{key}' is a section; set one of its keys")
            if isinstance(value, str) and (kind is not str or value.startswith(("\"", "'"))):
                value = parse_literal(value, where)  # a string may come as a TOML literal
            table[part] = check_value(kind, value, where, tuple(parts))
        else:
            if not dataclasses.is_dataclass(kind):
                raise RecipeError(f"{where}: '{'.'.join(parts[:i + 1])}' is not a section")
            table = table.setdefault(part, {})
            cls = kind


def parse_literal(text, where):
    """A TOML literal ('3', '1e-4', 'true', '[1, 2]', '"x"'); a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_table(cls, table, where, prefix):
    """Build the dataclass `cls` from a TOML table, rejecting unknown keys and wrong values."""
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: [{'.'.join(prefix)}] must be a table")
    fields = schema.sections(cls)
    hints = typing.get_type_hints(cls)
    for key in table:
        if key not in fields:
            section = f"[{'.'.join(prefix)}]" if prefix else "the top level"
            allowed = ", ".join(fields)
            raise RecipeError(f"{where}: unknown key '{key}' in {section}; allowed: {allowed}")
    values = {}
    for name, kind in hints.items():
        if name not in table:
            continue
        if dataclasses.is_dataclass(kind):
            values[name] = parse_table(kind, table[name], where, prefix + (name,))
        else:
            values[name] = check_value(kind, table[name], where, prefix + (name,))
    return cls(**values)


def check_value(kind, value, where, key):
    """`value` if it has the schema's type, an allowed name and lies within bounds."""
    dotted = ".".join(key)
    label = f"[{'.'.join(key[:-1])}].{key[-1]}" if len(key) > 1 else key[0]
    if typing.get_origin(kind) is dict:
        return check_mapping(kind, value, where, key)
    if isinstance(kind, types.UnionType):  # bool | str: true, false or a named setting
        return check_switch(value, where, label, dotted)
    if typing.get_origin(kind) is list:
        (item_kind,) = typing.get_args(kind)
        if not isinstance(value, list):
            raise RecipeError(f"{where}: {label} must be a list of {item_kind.__name__}, not {value!r}")
        return [check_scalar(item_kind, item, where, label, dotted) for item in value]
    return check_scalar(kind, value, where, label, dotted)


def check_switch(value, where, label, dotted):
    """A key that is true, false or one of its CHOICES ([train].jit_compile: "auto")."""
    choices = schema.CHOICES[dotted]
    if isinstance(value, bool) or value in choices:
        return value
    named = ", ".join(repr(choice) for choice in choices)
    raise RecipeError(f"{where}: {label} must be true, false or {named}, not {value!r}")


MAPPING_NOUNS = {"loss.penalties": "penalty"}


def check_mapping(kind, value, where, key):
    """A table of name -> value ([loss.penalties]): names from CHOICES, values within BOUNDS."""
    dotted, section = ".".join(key), f"[{'.'.join(key)}]"
    _, value_kind = typing.get_args(kind)
    if not isinstance(value, dict):
        raise RecipeError(f"{where}: {section} must be a table of name = value, not {value!r}")
    choices = schema.CHOICES.get(dotted, ())
    checked = {}
    for name, item in value.items():
        if name not in choices:
            noun = MAPPING_NOUNS.get(dotted, "name")
            raise RecipeError(f"{where}: unknown {noun} {name!r} in {section}; "
                              f"choose from: {', '.join(choices)}")
        checked[name] = check_scalar(value_kind, item, where, f"{section}.{name}", dotted,
                                     choices=None)
    return checked


def check_scalar(kind, value, where, label, dotted, choices=()):
    # bool is an int in Python; a recipe's `epochs = true` is still a mistake.
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise RecipeError(f"{where}: {label} must be {kind.__name__}, not {value!r}")
    if kind is float and not math.isfinite(value):
        raise RecipeError(f"{where}: {label} must be finite, not {value!r}")
    choices = schema.CHOICES.get(dotted) if choices == () else choices
    if dotted == "data.name" and choices is not None:
        value_key = registry.dataset_key(value)  # any tfds:celeb_a is the entry tfds:NAME
    else:
        value_key = value
    if choices is not None and value_key not in choices:
        raise RecipeError(f"{where}: {label} = {value!r} is not allowed; choose from: {', '.join(choices)}")
    bounds = schema.BOUNDS.get(dotted)
    if bounds is not None:
        low, high, low_allowed = bounds
        if value < low or (value == low and not low_allowed) or (high is not None and value > high):
            allowed = f"{'>=' if low_allowed else '>'} {low}" + (f" and <= {high}" if high is not None else "")
            raise RecipeError(f"{where}: {label} = {value!r} is impossible; it must be {allowed}")
    return value


def check_consistency(config, where):
    """Rules that tie two keys together."""
    model, train, data = config.model, config.train, config.data
    if not data.name:
        raise RecipeError(f"{where}: [data].name is missing: a recipe names its dataset; "
                          f"choose from: {', '.join(schema.CHOICES['data.name'])}")
    if train.batch_size % model.pack:
        raise RecipeError(f"{where}: [train].batch_size = {train.batch_size} does not divide into "
                          f"packs of [model].pack = {model.pack}; use a multiple of {model.pack}")
    check_architecture_keys(model, where)
    check_family_keys(config, where)
    for net in ("generator", "discriminator"):
        if not getattr(model, net).units:
            raise RecipeError(f"{where}: [model.{net}].units must list at least one layer")
    gen = model.generator
    for net in ("generator", "discriminator"):
        if getattr(model, net).init_range > 0 and getattr(model, net).init_std > 0:
            raise RecipeError(f"{where}: [model.{net}] sets both init_range and init_std; "
                              f"choose one (uniform or normal initial weights)")
    if gen.batch_norm != "none" and gen.hidden_bias:
        raise RecipeError(f"{where}: [model.generator].hidden_bias does not apply with batch_norm "
                          f"(a normalised layer has no bias)")
    if len(gen.activations) != len(gen.units):
        raise RecipeError(f"{where}: [model.generator].activations needs one entry per layer of "
                          f"units ({len(gen.units)}), not {len(gen.activations)}")
    if gen.hidden_bias and len(gen.hidden_bias) != len(gen.units):
        raise RecipeError(f"{where}: [model.generator].hidden_bias needs 0 or {len(gen.units)} entries")
    if gen.stack_on:
        defaults = schema.GeneratorConfig()
        for key in ("output", "output_init_range", "output_bias", "output_sparse_init"):
            if getattr(gen, key) != getattr(defaults, key):
                raise RecipeError(f"{where}: [model.generator].{key} does not apply with "
                                  f"stack_on (the stacked generator keeps its own output layer)")
        if model.architecture != "mlp":
            raise RecipeError(f"{where}: [model.generator].stack_on needs the 'mlp' "
                              f"architecture, not {model.architecture!r}")
    if gen.output_sparse_init > gen.units[-1]:
        raise RecipeError(f"{where}: [model.generator].output_sparse_init = "
                          f"{gen.output_sparse_init} is impossible; it must be <= the last "
                          f"hidden layer's units ({gen.units[-1]})")
    if gen.output_sparse_init and model.architecture != "mlp":
        raise RecipeError(f"{where}: [model.generator].output_sparse_init applies to the 'mlp' "
                          f"architecture only, not {model.architecture!r}")
    if train.update == "simultaneous" and train.k != 1:
        raise RecipeError(f"{where}: [train].update = 'simultaneous' takes one minibatch per "
                          f"step, so [train].k must be 1, not {train.k}")
    if train.epsilon != schema.TrainConfig().epsilon and train.optimizer != "adam":
        raise RecipeError(f"{where}: [train].epsilon = {train.epsilon:g} is Adam's; "
                          f"[train].optimizer = {train.optimizer!r} has none (leave it out or at "
                          f"{schema.TrainConfig().epsilon:g}, or choose 'adam')")
    if train.final_momentum > 0 and train.momentum == 0 and train.optimizer == "sgd":
        raise RecipeError(f"{where}: [train].final_momentum needs a [train].momentum > 0 to ramp from")
    if train.lr_decay_start_epoch and train.lr_decay_shape == "exponential" \
            and train.final_lr_multiplier == 0:
        raise RecipeError(f"{where}: [train].final_lr_multiplier = 0 cannot be reached by an "
                          f"exponential decay; give it a value in (0, 1] or set "
                          f"[train].lr_decay_shape = 'linear'")
    if train.lr_decay_start_epoch and (train.lr_decay != 1.0 or train.min_learning_rate > 0):
        raise RecipeError(f"{where}: [train].lr_decay_start_epoch and the per-step "
                          f"[train].lr_decay / min_learning_rate are two schedules for one "
                          f"learning rate; choose one")
    if train.momentum_saturate_epoch < train.momentum_start_epoch:
        raise RecipeError(f"{where}: [train].momentum_saturate_epoch must be >= momentum_start_epoch")
    for name in ("train", "validation"):
        span = getattr(data, name)
        if len(span) != 2 or span[0] < 0 or (span[1] != 0 and span[1] <= span[0]):
            raise RecipeError(f"{where}: [data].{name} must be [start, stop] with 0 <= start < stop "
                              f"(stop = 0: to the end), not {span}")
    if registry.DATASETS[registry.dataset_key(data.name)].kind == "toy" and \
            model.generator.output_bias == "marginal":
        raise RecipeError(f"{where}: [model.generator].output_bias = 'marginal' needs image data")
    check_streamed_data_keys(data, where)


# The [data] keys of a folder or tfds:NAME dataset, and the values they have everywhere else.
STREAMED_KEYS = {"path": "", "image_size": 0, "channels": 0, "labels": "none"}


def check_streamed_data_keys(data, where):
    """`folder` needs a path and an image size; these keys apply to folder and tfds:NAME only."""
    folder, named = data.name == "folder", data.name.startswith(registry.TFDS_PREFIX)
    if not (folder or named):
        for key, default in STREAMED_KEYS.items():
            if getattr(data, key) != default:
                raise RecipeError(f"{where}: [data].{key} applies to name = 'folder' or "
                                  f"'tfds:NAME' only, not {data.name!r}; leave it out")
        return
    if folder and not data.path:
        raise RecipeError(f"{where}: [data].path is missing: name = 'folder' reads the PNG and "
                          "JPEG images under it, e.g. path = \"~/pictures/faces\"")
    if data.image_size < 0 or (folder and data.image_size == 0):
        keep = "" if folder else " (or 0: the dataset's own size)"
        raise RecipeError(f"{where}: [data].image_size = {data.image_size} is impossible for "
                          f"{data.name!r}: its images are resized and centre-cropped to "
                          f"image_size x image_size; give a positive size{keep}, e.g. 64")
    if data.channels not in (0, 1, 3):
        raise RecipeError(f"{where}: [data].channels = {data.channels} is not allowed; "
                          "choose from: 1 (grey), 3 (RGB), 0 (the data's own)")
    if data.preprocess == "gcn":
        raise RecipeError(f"{where}: [data].preprocess = 'gcn' needs a dataset held in memory; "
                          f"for {data.name!r} choose 'unit' or 'symmetric'")
    if named and (data.path or data.labels != "none"):
        key = "path" if data.path else "labels"
        raise RecipeError(f"{where}: [data].{key} applies to name = 'folder' only; a "
                          f"{data.name!r} dataset is read from the TFDS data dir with its own "
                          "ClassLabel; leave it out")


# The `dcgan` architecture's own keys, and the mlp keys it has no layer for (its widths come from
# the image size and `filters`): either set where it does not apply is an error, not ignored.
DCGAN_ONLY = {"discriminator": ("filters", "batch_norm", "batch_norm_momentum"),
              "generator": ("filters",)}
NOT_DCGAN = {"generator": ("units", "activations", "hidden_bias", "output_init_range",
                           "output_bias", "hidden_keep", "max_column_norm"),
             "discriminator": ("units", "pieces", "input_keep", "hidden_keep", "max_column_norm")}
# Architectures whose layer widths are their paper's (ganzoo/models/<module>.py): the keys that
# would size or shape those layers are refused, not ignored.
FIXED_LAYERS = {"mirza2014": {"generator": ("units", "activations", "hidden_bias", "batch_norm",
                                            "batch_norm_momentum"),
                              "discriminator": ("units", "pieces")},
                # BiGAN's code's nets: bias-free, leaky ReLU D, z added to the later layers.
                "donahue2016": {"generator": ("hidden_bias", "output_init_range", "output_bias",
                                              "output_sparse_init", "hidden_keep",
                                              "max_column_norm"),
                                "discriminator": ("pieces", "input_keep", "hidden_keep",
                                                  "max_column_norm", "spectral_norm",
                                                  "join_latent"),
                                "encoder": ("output",)}}
# Architectures other than `dcgan` that read D's batch norm keys.
BATCH_NORM_IN_D = ("donahue2016",)


def check_family_keys(config, where):
    """The keys only another family reads left at their defaults, then the recipe's family's
    own rules (`ganzoo.registry.FAMILY_RULES`, `ganzoo.families.rules`)."""
    family, defaults = config.model.family, schema.RecipeConfig()
    for owner, rules in registry.FAMILY_RULES.items():
        if owner == family:
            continue
        for dotted in rules.keys:
            for key in changed_keys(config, defaults, dotted):
                section, _, name = key.rpartition(".")
                raise RecipeError(f"{where}: [{section}].{name} applies only to [model].family = "
                                  f"{owner!r} (here {family!r}); leave it out")
    check = registry.family_check(family)
    if check is not None:
        check(config, where)


def changed_keys(config, defaults, dotted):
    """The keys at `dotted` (one key, or each key of a section) that differ from the defaults."""
    value, default = config, defaults
    for part in dotted.split("."):
        value, default = getattr(value, part), getattr(default, part)
    if dataclasses.is_dataclass(value):
        return [f"{dotted}.{field.name}" for field in dataclasses.fields(value)
                if getattr(value, field.name) != getattr(default, field.name)]
    return [dotted] if value != default else []


def check_architecture_keys(model, where):
    """Keys left at their defaults by the architectures that do not read them."""
    dcgan = model.architecture == "dcgan"
    for net, keys in (NOT_DCGAN if dcgan else DCGAN_ONLY).items():
        config, defaults = getattr(model, net), getattr(schema.ModelConfig(), net)
        for key in keys:
            if net == "discriminator" and key.startswith("batch_norm") \
                    and model.architecture in BATCH_NORM_IN_D:
                continue
            if getattr(config, key) != getattr(defaults, key):
                which = "does not apply to" if dcgan else "applies only to"
                raise RecipeError(f"{where}: [model.{net}].{key} {which} the 'dcgan' "
                                  f"architecture (here {model.architecture!r}); leave it out")
    for net, keys in FIXED_LAYERS.get(model.architecture, {}).items():
        config, defaults = getattr(model, net), getattr(schema.ModelConfig(), net)
        for key in keys:
            if getattr(config, key) != getattr(defaults, key):
                raise RecipeError(f"{where}: [model.{net}].{key} does not apply to the "
                                  f"{model.architecture!r} architecture, whose layers are its "
                                  f"paper's (ganzoo/models/); leave it out")


def dump_toml(config):
    """The resolved recipe as TOML text (every key, defaults included)."""
    lines = []
    emit_table(config, (), lines)
    return "\n".join(lines).strip() + "\n"


def emit_table(node, prefix, lines):
    scalars, tables = [], []
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        (tables if dataclasses.is_dataclass(value) else scalars).append((field.name, value))
    if prefix:
        lines.append(f"\n[{'.'.join(prefix)}]")
    lines.extend(f"{name} = {toml_literal(value)}" for name, value in scalars)
    for name, value in tables:
        emit_table(value, prefix + (name,), lines)


def toml_literal(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {toml_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return repr(value)


def resolve_paths(config):
    """`config` with [model.generator].stack_on and [data].path made absolute (from the working
    directory)."""
    if config.data.path:
        path = str(Path(config.data.path).expanduser().resolve())
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, path=path))
    generator = config.model.generator
    if not generator.stack_on:
        return config
    generator = dataclasses.replace(generator, stack_on=str(Path(generator.stack_on).resolve()))
    return dataclasses.replace(config, model=dataclasses.replace(config.model, generator=generator))


class Recipe:
    """A validated recipe: its config sections, its name and the file it came from."""

    def __init__(self, config, path=None):
        self.config = config
        self.path = Path(path) if path else None

    @property
    def name(self):
        """'toy/ring8' for recipes under recipes/ (or as a run's resolved recipe records it),
        else the file's stem."""
        if self.config.name:
            return self.config.name
        if self.path is None:
            return "recipe"
        try:
            return str(self.path.resolve().relative_to(RECIPES_DIR).with_suffix(""))
        except ValueError:
            return self.path.stem

    data = property(lambda self: self.config.data)
    model = property(lambda self: self.config.model)
    loss = property(lambda self: self.config.loss)
    train = property(lambda self: self.config.train)

    @functools.cached_property
    def dataset(self):
        """The `ganzoo.registry.DatasetSpec` of [data].name: kind, shape, classes (a folder's
        from its [data] keys and sub-folders: read once)."""
        return registry.dataset_spec(self.data)

    @property
    def data_shape(self):
        return self.dataset.shape

    def to_toml(self):
        """The resolved recipe: its name included, a stacked run as an absolute path."""
        return dump_toml(dataclasses.replace(resolve_paths(self.config), name=self.name))

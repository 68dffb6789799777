"""The recipe catalogue behind `ganzoo recipes`: every recipe under recipes/ with its family,
architecture, dataset, paper and expected result, and the trained models shipped for it.

    entries = catalogue()                                  # every recipe, in name order
    entries = catalogue("ring8", family="pacgan")          # filtered
    print(format_catalogue(entries))                       # the table `ganzoo recipes` prints

A model ships for a recipe when the ganzoo.json of an export (EXPORTED/NAME/VERSION/assets.extra)
records that recipe's name; each model's newest version counts, with the metrics it recorded.
Only TOML and JSON are read (no TensorFlow, no NumPy), so listing takes a fraction of a second.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ganzoo import registry
from ganzoo.errors import GanzooError
from ganzoo.recipe import RECIPES_DIR, load_recipe, recipe_names

# The shipped models: the exported/ folder beside recipes/ (as `ganzoo export` writes it).
EXPORTED_DIR = RECIPES_DIR.parent / "exported"
METADATA = Path("assets.extra") / "ganzoo.json"  # as ganzoo.export writes it
COLUMNS = (("recipe", "name"), ("family", "family"), ("architecture", "architecture"),
           ("dataset", "dataset"), ("expected", "expected"), ("shipped", "shipped_text"))
WRAPPED = ("expected", "shipped_text")  # the columns that wrap to fit a terminal


def catalogue(text="", family="", dataset="", shipped_only=False, exported=None):
    """The catalogue entries (dicts, as `ganzoo recipes --json` prints them), in name order.

    text: keeps recipes whose name or paper contains it (any case); family and dataset: those
    with that [model].family / [data].name (checked against the registries: a GanzooError names
    the allowed values); shipped_only: those with a shipped model; exported: the folder of
    exports (default EXPORTED_DIR).
    """
    check_filter("--family", "family", family, family, registry.FAMILIES.names())
    check_filter("--dataset", "dataset", dataset, registry.dataset_key(dataset),
                 tuple(registry.DATASETS))
    shipped = shipped_models(EXPORTED_DIR if exported is None else Path(exported))
    entries = [describe(name, shipped.get(name, [])) for name in recipe_names()]
    needle = text.lower()
    return [entry for entry in entries
            if (needle in entry["name"].lower() or needle in entry["paper"].lower())
            and (not family or entry["family"] == family)
            and (not dataset or entry["dataset"] == dataset)
            and (not shipped_only or entry["shipped"])]


def check_filter(flag, noun, value, key, allowed):
    """A one-line GanzooError unless `value` (by its registry `key`) is empty or allowed."""
    if value and key not in allowed:
        raise GanzooError(f"{flag} {value}: unknown {noun}; choose from: {', '.join(allowed)}")


def describe(name, shipped):
    """One recipe's entry; a recipe that does not load is listed with its error."""
    entry = {"name": name, "path": str(RECIPES_DIR / f"{name}.toml")}
    try:
        config = load_recipe(name).config
    except GanzooError as error:
        return {**entry, "family": "", "architecture": "", "dataset": "", "paper": "",
                "expected": "", "description": "", "error": str(error), "shipped": shipped}
    return {**entry, "family": config.model.family, "architecture": config.model.architecture,
            "dataset": config.data.name, "paper": config.paper, "expected": config.expected,
            "description": config.description, "shipped": shipped}


# -- Shipped models ------------------------------------------------------------------------------


def shipped_models(root):
    """{recipe name: [model, ...]} of the exports under `root`, each model's newest version that
    has its ganzoo.json; unreadable metadata is skipped (it is no usable export)."""
    found = {}
    if not root.is_dir():
        return found
    for model_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        versions = sorted((int(path.name) for path in model_dir.iterdir()
                           if path.name.isdigit() and (path / METADATA).is_file()), reverse=True)
        for version in versions[:1]:
            try:
                metadata = json.loads((model_dir / str(version) / METADATA).read_text())
            except (OSError, ValueError):
                continue
            if isinstance(metadata, dict) and metadata.get("recipe_name"):
                found.setdefault(metadata["recipe_name"], []).append(
                    shipped_model(model_dir, version, metadata))
    return found


def shipped_model(model_dir, version, metadata):
    """What the catalogue says of one export: where it is, its checkpoint and its metrics."""
    recorded = metadata.get("metrics") or {}
    metrics = {key: value for key, value in recorded.items() if key not in ("protocol", "checkpoint")}
    metric = headline_metric(metadata, recorded)
    checkpoint = metadata.get("checkpoint") or {}
    return {"model": model_dir.name, "version": version, "path": str(model_dir / str(version)),
            "epoch": checkpoint.get("epoch"), "step": checkpoint.get("step"),
            "metric": metric, "headline": headline(metric, metrics) if metric else "",
            "metrics": metrics}


def headline_metric(metadata, recorded):
    """The first metric of the recipe's `[eval].metrics` that the export recorded (the measure
    its recipe is judged by: class_accuracy for AC-GAN), else the dataset's first default metric
    it recorded (`parzen` for MNIST, `modes` for the toys), else the first it recorded; None
    when it recorded none."""
    measured = list(recorded.get("protocol") or {})
    data, evaluation = recipe_tables(metadata.get("recipe") or "", "data", "eval")
    spec = registry.DATASETS.get(registry.dataset_key(data.get("name", "")))
    asked = evaluation.get("metrics") if isinstance(evaluation.get("metrics"), list) else []
    preferred = [name for name in (*asked, *(spec.metrics if spec else ())) if name in measured]
    return (preferred or measured or [None])[0]


def recipe_tables(recipe_text, *names):
    """The named tables of a resolved recipe's TOML text ({} for one it lacks or cannot read)."""
    import tomllib

    try:
        recipe = tomllib.loads(recipe_text)
    except tomllib.TOMLDecodeError:
        recipe = {}
    return [recipe.get(name) if isinstance(recipe.get(name), dict) else {} for name in names]


# The values a metric's headline shows, where they are not the metric's own name.
HEADLINE_KEYS = {"prdc": ("precision", "recall"), "class_balance": ("class_kl", "class_confidence")}


def headline(metric, values):
    """A recorded metric in a few words ('Parzen 210.39 ± 2.28', '8 modes, 96.6% high
    quality', 'FID 2.78 (real vs real 0.91)'), with its real-vs-real floor when recorded."""
    v = values
    try:
        if metric == "parzen":
            return f"Parzen {v['parzen_ll']:.2f} ± {v['parzen_se']:.2f}"
        if metric == "modes":
            return f"{v['modes']} modes, {v['high_quality']:.1%} high quality"
        if metric == "class_accuracy":
            return f"class accuracy {v['class_accuracy']:.1%}"
        keys = HEADLINE_KEYS.get(metric, (metric,))
        parts = []
        for key in keys:
            floor = v.get(f"{key}_floor")
            parts.append(f"{key.upper() if key in ('fid', 'kid', 'jsd') else key} {v[key]:.4g}"
                         + (f" (real vs real {floor:.4g})" if floor is not None else ""))
        return ", ".join(parts)
    except (KeyError, TypeError, ValueError):
        return f"{metric} (see its ganzoo.json)"


# -- The table -----------------------------------------------------------------------------------


def shipped_text(entry):
    """'toy_ring8 v1 (epoch 10): 8 modes, 96.6% high quality'; '-' when none ships."""
    if not entry["shipped"]:
        return "-"
    return "; ".join(f"{model['model']} v{model['version']}"
                     + (f" (epoch {model['epoch']})" if model["epoch"] is not None else "")
                     + (f": {model['headline']}" if model["headline"] else "")
                     for model in entry["shipped"])


def format_catalogue(entries, width=0):
    """The text table: recipes grouped under their paper, one row each; with `width` > 0 the
    expected and shipped columns wrap to fit that many characters (a terminal's width)."""
    rows = [{**entry, "shipped_text": shipped_text(entry),
             "expected": entry["expected"] or ("-" if "error" not in entry
                                               else f"(invalid: {entry['error']})")}
            for entry in entries]
    widths = {key: max([len(title)] + [len(row[key]) for row in rows]) for title, key in COLUMNS}
    if width > 0:
        fit(widths, width - 2 * len(COLUMNS) - sum(widths[key] for _, key in COLUMNS
                                                    if key not in WRAPPED))
    lines = ["  " + cells_line([title for title, _ in COLUMNS], widths)]
    paper = None
    for row in rows:
        if row["paper"] != paper or paper is None:
            paper = row["paper"]
            lines.append(paper or "(no paper given)")
        cells = {key: textwrap.wrap(row[key], widths[key]) if width > 0 and key in WRAPPED
                 else [row[key]] for _, key in COLUMNS}
        for i in range(max(map(len, cells.values()))):
            lines.append("  " + cells_line([cells[key][i] if i < len(cells[key]) else ""
                                            for _, key in COLUMNS], widths))
    return "\n".join(line.rstrip() for line in lines)


def fit(widths, room, least=20):
    """Share `room` characters between the wrapped columns: each gets up to half, and what one
    does not need goes to the other; never below `least`."""
    first, second = WRAPPED
    half = room // 2
    if widths[first] <= half:
        widths[second] = min(widths[second], room - widths[first])
    elif widths[second] <= half:
        widths[first] = min(widths[first], room - widths[second])
    else:
        widths[first], widths[second] = half, room - half
    for key in WRAPPED:
        widths[key] = max(widths[key], least)


def cells_line(cells, widths):
    return "  ".join(f"{cell:<{widths[key]}}" for cell, (_, key) in zip(cells, COLUMNS))

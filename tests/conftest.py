"""Shared test helpers.

`real_data_dir(name)` finds the data dir that holds the real dataset `name/`: from
$GANZOO_DATA_DIR, else `../shared/data` beside the repository (this project's offline copy).
Without one, a test is skipped on a user's machine but fails under CI=true, so CI never
silently tests less.
"""

from __future__ import annotations

import os
import pathlib

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def find_real_data_dir(name: str) -> pathlib.Path | None:
    """The first candidate data dir that has a `name/` folder, or None."""
    candidates = [os.environ.get("GANZOO_DATA_DIR", ""), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (pathlib.Path(candidate) / name).is_dir():
            return pathlib.Path(candidate)
    return None


@pytest.fixture
def real_data_dir():
    """A function name -> data dir holding the real `name/` files (skips, or fails under CI)."""

    def find(name: str) -> pathlib.Path:
        root = find_real_data_dir(name)
        if root is None:
            reason = (f"real {name} data not found: set GANZOO_DATA_DIR to a folder holding "
                      f"{name}/ (see ganzoo/data/local.py)")
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        return root

    return find

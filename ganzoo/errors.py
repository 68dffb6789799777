"""Errors a user can fix. The CLI prints their one-line message and exits non-zero, with no
traceback; anything else is a bug and keeps its traceback."""


class GanzooError(Exception):
    """A problem with what the user asked for, not with ganzoo."""


class RecipeError(GanzooError):
    """A malformed recipe or override: the message names the file, the key and allowed values."""


class RunError(GanzooError):
    """A run directory that is missing, has no checkpoint, or would be overwritten."""


class TrainingDiverged(GanzooError):
    """A NaN or Inf loss stopped training; the last good checkpoint is kept."""

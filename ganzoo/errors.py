"""Errors a user can fix. The CLI prints their one-line message and exits non-zero, with no
traceback; anything else is a bug and keeps its traceback."""


class GanzooError(Exception):
    """A problem with what the user asked for, not with ganzoo."""


class RecipeError(GanzooError):
    """A malformed recipe or override: the message names the file, the key and allowed values."""


class DataError(GanzooError):
    """A data problem the user can fix: a missing, corrupt or mismatched file, or a bad range.

    `str()` is one line naming the file or directory, the recipe key, and what to do.
    """

    def __init__(self, message: str):
        # One line, so a CLI can print it after "error: " and logs stay greppable.
        super().__init__(" ".join(message.split("\n")))


class RunError(GanzooError):
    """A run directory that is missing, has no checkpoint, or would be overwritten."""


class TrainingDiverged(GanzooError):
    """A NaN or Inf loss stopped training; the last good checkpoint is kept."""


class WorkerLost(GanzooError):
    """Another worker of a multi-worker cluster died or stopped answering mid-training.

    The checkpoints of the finished epochs stay; every worker restarts with `--resume`. The CLI
    exits with EXIT_CODE (EX_TEMPFAIL: try again), which a supervisor can restart on.
    """

    EXIT_CODE = 75

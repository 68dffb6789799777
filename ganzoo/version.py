"""ganzoo's version, importable from anywhere in the package without the facade."""

__version__ = "0.2.0"

"""Ingle's version, kept apart so `ingle --version` imports nothing else."""

__version__ = "0.1.0"

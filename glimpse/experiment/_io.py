"""Atomic output files for the experiment module: every file it writes goes through here."""

from ..util.fileio import atomic_write

__all__ = ["atomic_write"]

"""The ``banner`` command line. Imports every other part; nothing imports it."""

from banner.cli.commands import main

__all__ = ["main"]

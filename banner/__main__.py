"""``python -m banner``: the same as the ``banner`` command."""

from banner.cli.commands import main

main()

"""``python -m wanjeon`` is the ``wanjeon`` command."""

from wanjeon.entrypoints.cli.app import main

main()

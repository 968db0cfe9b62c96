"""``python -m reportgen`` runs the CLI."""

from .cli import main

main()

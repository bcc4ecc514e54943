"""``python -m provisioner`` runs the CLI."""

from .cli import main

main()

"""``python -m ketaclinic.entrypoints.cli``: the same command as ``ketaclinic``."""

from ketaclinic.entrypoints.cli import main

main()

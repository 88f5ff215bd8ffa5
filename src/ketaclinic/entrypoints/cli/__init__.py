"""The ``ketaclinic`` command line."""

from __future__ import annotations


def main() -> None:
    from ketaclinic.entrypoints.cli.root import build_cli

    build_cli()()

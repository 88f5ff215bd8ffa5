"""The bundled list of common passwords (package data; see ``password_data/LICENSE.txt``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, lower-cased."""
    text = (
        resources.files("ketaclinic.adapters.password_data") / "common_passwords.txt"
    ).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())

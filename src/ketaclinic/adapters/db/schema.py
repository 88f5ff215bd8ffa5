"""Imports every table module so the one MetaData knows the whole schema (for Alembic and tests).

Feature areas keep their tables in ``tables_<area>.py`` next to ``tables.py``; each is found here
by name, so adding an area never edits this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import ketaclinic.adapters.db as _package
from ketaclinic.adapters.db import tables
from ketaclinic.adapters.db.types import metadata

for _info in pkgutil.iter_modules(_package.__path__):
    if _info.name.startswith("tables_"):
        importlib.import_module(f"{_package.__name__}.{_info.name}")

__all__ = ["metadata", "tables"]

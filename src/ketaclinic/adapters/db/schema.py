"""Imports every table module so the one MetaData knows the whole schema (for Alembic and tests).

Areas keep their tables in ``<area>/tables.py`` (or ``<area>/tables_<part>.py``) under this
package; each is found here by name, so adding an area never edits this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import ketaclinic.adapters.db as _package
from ketaclinic.adapters.db import tables
from ketaclinic.adapters.db.types import metadata

for _info in pkgutil.walk_packages(_package.__path__, f"{_package.__name__}."):
    if _info.name.rsplit(".", 1)[-1].startswith("tables") and ".migrations" not in _info.name:
        importlib.import_module(_info.name)

__all__ = ["metadata", "tables"]

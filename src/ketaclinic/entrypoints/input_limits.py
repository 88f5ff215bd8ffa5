"""Ranges for integers that reach the database, declared once for every entry point.

Row ids are ``INTEGER`` (PostgreSQL ``int4``): an id outside ``1..2**31-1`` can never name a row,
so it is refused at the edge (a path id with 422 naming the parameter, never a database error).
``PathId``/``QueryId`` are for route parameters, ``BodyId`` for JSON body fields; paging offsets
are bounded by ``MAX_OFFSET``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

INT4_MAX = 2**31 - 1
MAX_OFFSET = 1_000_000

PathId = Annotated[int, Path(ge=1, le=INT4_MAX)]
QueryId = Annotated[int, Query(ge=1, le=INT4_MAX)]
BodyId = Annotated[int, Field(ge=1, le=INT4_MAX)]

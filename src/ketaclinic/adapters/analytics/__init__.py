"""Clinic outcome dashboard queries in SQL (PostgreSQL, SQLite and DuckDB) with write-time rollups.

``schema`` holds the analytics tables, the bulk loader and the per-score rollup maintenance;
``queries`` builds and runs the six dashboard queries (D1) on either the raw score table or the
rollups, returning the same row types as the pure reference in
``ketaclinic.domain.outcomes.analytics``.
"""

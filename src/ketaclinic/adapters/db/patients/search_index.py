"""The patient search index: kept by the database itself, outside ``schema.metadata``.

Patient search matches a term anywhere inside the folded ``family given`` name, the lower-cased
``given family`` name, or equals the MRN (``SqlPatientRepository.search``). A ``%term%`` scan reads
every row of the clinic, so the database keeps a trigram index over the two name expressions:

* SQLite: the FTS5 table ``patient_search`` (trigram tokenizer), one row per patient (``rowid`` =
  ``patients.id``), written by triggers on ``patients``. It narrows the candidates; the exact
  ``LIKE`` conditions still decide, so results are the substring scan's, only found faster.
* PostgreSQL: ``pg_trgm`` GIN indexes on the same two expressions; ``LIKE '%term%'`` uses them.

Both have an index on ``(clinic_id, lower(mrn))`` for the exact MRN match. Terms shorter than
three characters have no trigram: they take the plain scan.
"""

from __future__ import annotations

FTS_TABLE = "patient_search"
FTS_SHADOW_TABLES = frozenset(
    f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")
)
SEARCH_INDEXES = frozenset(
    {
        "ix_patients_clinic_mrn_lower",
        "ix_patients_search_name_trgm",
        "ix_patients_given_family_trgm",
    }
)
# what ``schema.metadata`` does not model (compared-schema checks leave these out)
OUTSIDE_METADATA = frozenset({FTS_TABLE} | FTS_SHADOW_TABLES | SEARCH_INDEXES)

MIN_TRIGRAM_TERM = 3

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE patient_search USING fts5("
    "search_name, given_family, tokenize = 'trigram')",
    "INSERT INTO patient_search (rowid, search_name, given_family) "
    "SELECT id, search_name, given_name || ' ' || family_name FROM patients",
    "CREATE TRIGGER patients_search_insert AFTER INSERT ON patients BEGIN "
    "INSERT INTO patient_search (rowid, search_name, given_family) "
    "VALUES (new.id, new.search_name, new.given_name || ' ' || new.family_name); END",
    "CREATE TRIGGER patients_search_update "
    "AFTER UPDATE OF search_name, given_name, family_name ON patients BEGIN "
    "DELETE FROM patient_search WHERE rowid = old.id; "
    "INSERT INTO patient_search (rowid, search_name, given_family) "
    "VALUES (new.id, new.search_name, new.given_name || ' ' || new.family_name); END",
    "CREATE TRIGGER patients_search_delete AFTER DELETE ON patients BEGIN "
    "DELETE FROM patient_search WHERE rowid = old.id; END",
    "CREATE INDEX ix_patients_clinic_mrn_lower ON patients (clinic_id, lower(mrn))",
)
SQLITE_DROP = (
    "DROP INDEX IF EXISTS ix_patients_clinic_mrn_lower",
    "DROP TRIGGER IF EXISTS patients_search_delete",
    "DROP TRIGGER IF EXISTS patients_search_update",
    "DROP TRIGGER IF EXISTS patients_search_insert",
    "DROP TABLE IF EXISTS patient_search",
)
POSTGRES_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_patients_search_name_trgm ON patients USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX ix_patients_given_family_trgm ON patients USING gin "
    "((lower(given_name) || ' ' || lower(family_name)) gin_trgm_ops)",
    "CREATE INDEX ix_patients_clinic_mrn_lower ON patients (clinic_id, lower(mrn))",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_patients_clinic_mrn_lower",
    "DROP INDEX IF EXISTS ix_patients_given_family_trgm",
    "DROP INDEX IF EXISTS ix_patients_search_name_trgm",
)


def fts_phrase(term: str) -> str:
    """``term`` as one FTS5 phrase (a substring for the trigram tokenizer)."""
    return '"' + term.replace('"', '""') + '"'

"""The indexed patient search returns exactly what the plain substring scan returns.

On SQLite the FTS5 trigram table narrows the candidates; on PostgreSQL the ``pg_trgm`` indexes
serve the same ``LIKE``. ``SqlPatientRepository.scan`` is the search without the trigram table,
so any difference is a row the index lost or invented.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ketaclinic.adapters.db.patients.repository import SqlPatientRepository
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World

NAMES = [
    ("Zoë", "Demo-Núñez"),
    ("Blake", "Demo-Birch"),
    ("ÉMILE", "Demo-Dupont"),
    ("Ann_Marie", "Demo-O'Hara"),
    ("Lee", 'Demo-"Quote"'),
    ("Straße", "Demo-Weiß"),
    ("Ana", "Demo-100%"),
    ("Jo", "Demo-Ash"),
    ("María José", "Demo-de la Cruz"),
    ("İlkay", "Demo-Çelik"),
]
ALPHABET = "".join(sorted({c for g, f in NAMES for c in g + f})) + "xq\\"
FOLDED_UPDATE = ("Marguerite", "Demo-Quennell")


def _seed(world: World) -> list[str]:
    mrns = []
    with world.services.uow() as uow:
        for n, (given_name, family) in enumerate(NAMES):
            details = PatientDetails(given_name, family, date(1980, 1, 1 + n), SexAtBirth.FEMALE)
            mrn = f"MRN-{n:04d}"
            uow.patients.add(world.clinic.id, mrn, details, at=world.services.clock.now())
            mrns.append(mrn)
        uow.commit()
    return mrns


def _both(world: World, term: str) -> tuple[list[int], list[int]]:
    with world.services.uow() as uow:
        repo = uow.patients
        assert isinstance(repo, SqlPatientRepository)
        q = PatientSearch(world.clinic.id, term, limit=1000)
        return [p.id for p in repo.search(q)], [p.id for p in repo.scan(q)]


def _terms() -> st.SearchStrategy[str]:
    pieces = [g + " " + f for g, f in NAMES] + [f + " " + g for g, f in NAMES]
    substring = st.sampled_from(pieces).flatmap(
        lambda s: st.tuples(st.integers(0, len(s)), st.integers(0, len(s))).map(
            lambda ab: s[min(ab) : max(ab)]
        )
    )
    cased = substring.flatmap(lambda s: st.sampled_from([s, s.upper(), s.lower(), s.title()]))
    return st.one_of(cased, st.text(alphabet=ALPHABET, min_size=0, max_size=6))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_indexed_search_equals_the_substring_scan(world: World, data: st.DataObject) -> None:
    if not _seeded_once(world):
        _seed(world)
    term = data.draw(_terms(), label="term")
    indexed, scanned = _both(world, term)
    assert indexed == scanned


def _seeded_once(world: World) -> bool:
    with world.services.uow() as uow:
        return bool(uow.patients.count(world.clinic.id))


def test_table_of_terms_long_short_mrn_and_wildcards(world: World) -> None:
    mrns = _seed(world)
    table = [
        "núñez",
        "NUNEZ",
        "nun",
        "emile dup",
        "émile",
        "ÉMILE",
        "Jo",
        "zo",
        "o",
        "%",
        "100%",
        "n_m",
        "ann_marie",
        '"quote"',
        "o'hara",
        "strasse",
        "weiß",
        "de la",
        "maría josé demo",
        mrns[3],
        mrns[3].lower(),
        "mrn-00",
        "ilkay",
        "çel",
    ]
    for term in table:
        indexed, scanned = _both(world, term)
        assert indexed == scanned, term
    assert len(_both(world, "demo")[0]) == len(NAMES)
    assert _both(world, mrns[3].lower())[0] == _both(world, "ann_marie")[0]


def test_the_index_follows_a_renamed_patient(world: World) -> None:
    _seed(world)
    with world.services.uow() as uow:
        (patient,) = uow.patients.search(PatientSearch(world.clinic.id, "birch"))
        given_name, family = FOLDED_UPDATE
        details = replace(patient.details, given_name=given_name, family_name=family)
        uow.patients.update(patient, details, at=world.services.clock.now())
        uow.commit()
    assert _both(world, "birch") == ([], [])
    assert _both(world, "quennell") == ([patient.id], [patient.id])
    assert _both(world, "marguerite demo-q") == ([patient.id], [patient.id])


def test_the_index_is_kept_by_the_database(world: World) -> None:
    """One trigram row per patient on SQLite; the trigram indexes exist on PostgreSQL."""
    _seed(world)
    with world.services.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            indexed = conn.execute(text("SELECT count(*) FROM patient_search")).scalar_one()
            assert indexed == len(NAMES)
        else:
            names = set(conn.scalars(text("SELECT indexname FROM pg_indexes")))
            assert {"ix_patients_search_name_trgm", "ix_patients_given_family_trgm"} <= names

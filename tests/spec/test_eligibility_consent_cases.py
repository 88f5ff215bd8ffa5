"""Consent spec table for a 15-year-old on the adolescent protocol (clinical.md §6.3, AAP 2016).

Guardian permission and the adolescent's own assent are both required and recorded separately;
dissent blocks; withdrawal by either blocks. One row per case, each citing its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from ketaclinic.domain.consent.signatures import (
    SignerRole,
    Withdrawal,
    consent_status,
    required_signatures,
)
from ketaclinic.domain.errors import ValidationFailed
from tests.unit.test_consent import ADOLESCENT_DOCS, T0, sign

G, A = SignerRole.GUARDIAN, SignerRole.ASSENT
AAP = "clinical.md §6.3 AAP Pediatrics 138(2) e20161484"


@dataclass(frozen=True)
class ConsentCase:
    id: str
    source: str
    signatures: tuple[object, ...]
    withdrawals: tuple[Withdrawal, ...]
    complete: bool
    missing: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()


PERMISSION = sign("permission", G)
ASSENT = sign("assent", A, minutes=5)
LATE = T0 + timedelta(days=2)

CASES = (
    ConsentCase("permission and assent: consented", AAP, (PERMISSION, ASSENT), (), True),
    ConsentCase(
        "permission without assent is refused",
        AAP,
        (PERMISSION,),
        (),
        False,
        missing=("assent@1:assent: assent signature missing",),
    ),
    ConsentCase(
        "assent without permission is refused",
        AAP,
        (ASSENT,),
        (),
        False,
        missing=("permission@1:guardian: guardian signature missing",),
    ),
    ConsentCase(
        "adolescent dissent blocks even with permission",
        AAP,
        (PERMISSION, sign("assent", A, minutes=5, agrees=False)),
        (),
        False,
        blocks=(
            f"assent@1:assent: adolescent dissent recorded on {ASSENT.signed_at.date():%-d %b %Y}",
        ),
    ),
    ConsentCase(
        "guardian without attested legal authority does not count",
        "clinical.md §6.3 guardian identity and legal authority",
        (sign("permission", G, legal_authority=False), ASSENT),
        (),
        False,
        missing=("permission@1:guardian: guardian's legal authority not attested",),
    ),
    ConsentCase(
        "guardian permission needs its witness",
        "protocol consent.documents witness_required",
        (sign("permission", G, witness_name=""), ASSENT),
        (),
        False,
        missing=("permission@1:guardian: witness required",),
    ),
    ConsentCase(
        "adolescent withdraws assent",
        AAP,
        (PERMISSION, ASSENT),
        (Withdrawal(A, LATE, "does not want more sessions", "assent"),),
        False,
        blocks=(f"assent@1:assent: consent withdrawn by assent on {LATE.date():%-d %b %Y}",),
    ),
    ConsentCase(
        "guardian withdraws everything",
        "clinical.md §6.3; issue: withdrawal blocks at once",
        (PERMISSION, ASSENT),
        (Withdrawal(G, LATE),),
        False,
        blocks=(
            f"permission@1:guardian: consent withdrawn by guardian on {LATE.date():%-d %b %Y}",
            f"assent@1:assent: consent withdrawn by guardian on {LATE.date():%-d %b %Y}",
        ),
    ),
    ConsentCase(
        "dissent later replaced by assent",
        AAP,
        (PERMISSION, sign("assent", A, agrees=False), sign("assent", A, minutes=60)),
        (),
        True,
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_adolescent_consent_case(case: ConsentCase) -> None:
    required = required_signatures(ADOLESCENT_DOCS, 15)
    status = consent_status(required, case.signatures, case.withdrawals)  # type: ignore[arg-type]
    assert status.missing == case.missing, case.source
    assert status.blocks == case.blocks, case.source
    assert status.complete is case.complete, case.source


@pytest.mark.parametrize(
    ("age", "signers"),
    [
        pytest.param(15, [G, A], id="15-year-old: permission + assent"),
        pytest.param(17, [G, A], id="17-year-old: permission + assent"),
        pytest.param(18, None, id="18-year-old: adult, adolescent protocol has no patient form"),
    ],
)
def test_required_signers_by_age(age: int, signers: list[SignerRole] | None) -> None:
    if signers is None:
        with pytest.raises(ValidationFailed, match="no patient document"):
            required_signatures(ADOLESCENT_DOCS, age)
        return
    assert [r.signer for r in required_signatures(ADOLESCENT_DOCS, age)] == signers

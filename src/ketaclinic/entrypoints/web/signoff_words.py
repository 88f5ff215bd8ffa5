"""How a page words a protocol default the pack flags for a physician's sign-off.

One answer for every page, read from :func:`awaiting_signoff`: on a signed-off version each
flagged default is the clinic's, confirmed by the physician who signed it off; only a version
not yet signed off says it is awaiting sign-off.
"""

from __future__ import annotations

from ketaclinic.bootstrap import Services
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.treatment import PublishedProtocol
from ketaclinic.entrypoints.web.plain import DATE_FORMAT, local_time
from ketaclinic.services.protocols.publishing import awaiting_signoff

AWAITING = "awaiting physician sign-off"


def flagged_default_words(published: PublishedProtocol, signer: str, tz: str) -> str:
    """The words beside a flagged default of ``published`` (``signer`` names who signed it)."""
    if awaiting_signoff(published):
        return AWAITING
    day = local_time(published.signed_off_at, tz, DATE_FORMAT)
    return f"clinic default, confirmed at sign-off by {signer} on {day}"


def version_default_words(services: Services, actor: Actor, version_id: int, tz: str) -> str:
    """:func:`flagged_default_words` for the stored version ``version_id``."""
    protocols = services.protocols
    published = protocols.view(actor, version_id).published
    names = protocols.signer_names(actor) if not awaiting_signoff(published) else {}
    signer = names.get(published.signed_off_by or 0, "the signing physician")
    return flagged_default_words(published, signer, tz)

"""The instrument library: every shipped instrument definition by id."""

from __future__ import annotations

from types import MappingProxyType

from ketaclinic.domain.assessments.instruments.aldrete import ALDRETE
from ketaclinic.domain.assessments.instruments.cadss import CADSS, CADSS6
from ketaclinic.domain.assessments.instruments.cssrs import CSSRS_SCREEN, CSSRS_SCREEN_SLC
from ketaclinic.domain.assessments.instruments.gad7 import GAD7
from ketaclinic.domain.assessments.instruments.madrs import MADRS
from ketaclinic.domain.assessments.instruments.model import Instrument
from ketaclinic.domain.assessments.instruments.pcl5 import PCL5
from ketaclinic.domain.assessments.instruments.phq import PHQ9, PHQA
from ketaclinic.domain.assessments.instruments.qids import QIDS_SR16
from ketaclinic.domain.assessments.instruments.wsas import WSAS
from ketaclinic.domain.errors import NotFound

INSTRUMENTS = MappingProxyType(
    {
        instrument.id: instrument
        for instrument in (
            PHQ9,
            PHQA,
            GAD7,
            PCL5,
            QIDS_SR16,
            MADRS,
            CSSRS_SCREEN,
            CSSRS_SCREEN_SLC,
            CADSS,
            CADSS6,
            WSAS,
            ALDRETE,
        )
    }
)


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id; raises :class:`NotFound` naming ``instrument_id`` otherwise."""
    try:
        return INSTRUMENTS[instrument_id]
    except KeyError:
        raise NotFound(f"unknown instrument {instrument_id!r}", field="instrument_id") from None


def find_by_panel_loinc(code: str) -> Instrument | None:
    """The instrument whose confirmed LOINC panel code is ``code``, or None."""
    return next((i for i in INSTRUMENTS.values() if i.loinc_panel == code), None)


#: Scales recorded at the chair that are not registry instruments, by the code a form sends.
OTHER_SCALE_NAMES = MappingProxyType({"sedation": "Sedation score"})


def instrument_name(instrument_id: str) -> str:
    """The name staff read for an instrument or scale code (``phq9`` -> ``PHQ-9``); a code this
    release does not know is shown as it is rather than hidden."""
    instrument = INSTRUMENTS.get(instrument_id)
    if instrument is not None:
        return instrument.name
    return OTHER_SCALE_NAMES.get(instrument_id, instrument_id)


def safety_flag_text(flag_id: str) -> str:
    """What a raised safety flag means, in the words of the instrument's safety rule
    (``phq-a.item9_positive`` -> ``Item 9 (thoughts of death or self-harm) answered 1 or more``);
    an unknown id is shown as it is rather than hidden."""
    for instrument in INSTRUMENTS.values():
        for rule in instrument.safety_rules:
            if rule.id == flag_id:
                return rule.message.split(":", 1)[0]
    return flag_id

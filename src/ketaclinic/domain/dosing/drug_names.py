"""Recognising ketamine under any name a person might type.

Ketamine is given only against a signed, bedside-verified order, through the dose gate. A drug
recorded any other way (a premedication, a rescue drug) must therefore never be ketamine under a
brand name (Ketalar, Ketanest, Ketaset, Vetalar, Spravato, Calypsol, Ketaject and others), its
chemical name or development code (CI-581), as esketamine or arketamine, or disguised by
spacing, punctuation, letters from other alphabets that look the same, or digits standing for
letters. Source: clinical.md §8 (ketamine and esketamine are Schedule III; every
dose is recorded against its order); ASVS V5.1 (input normalised before it is checked).
"""

from __future__ import annotations

import unicodedata

KETAMINE_NAMES = (
    "ketamin",  # ketamine, esketamine, arketamine, S-ketamine, ketamina, ketaminum
    "ketalar",
    "ketanest",
    "ketaset",
    "vetalar",
    "spravato",
    "ketmin",
    # brand names used elsewhere in the world, human and veterinary
    "calypsol",
    "ketaject",
    "ketamax",
    "ketolar",
    "anesket",
    "narketan",
    "ketamidor",
    "ketavet",
    "imalgene",
    "ketalin",
    "brevinaze",
    "ketanarkon",
    # the chemical name: 2-(2-chlorophenyl)-2-(methylamino)cyclohexanone
    "methylaminocyclohexan",
    "chlorophenylmethylamino",
)
#: development codes, matched with their digits: CI-581 (ketamine)
KETAMINE_CODES = ("ci581",)

# letters from other scripts that look like Latin ones (the ones that spell these names)
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "к": "k",
        "т": "t",
        "м": "m",
        "н": "h",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԛ": "q",
        "ԝ": "w",
        "ո": "n",
        "ν": "v",
        "α": "a",
        "ε": "e",
        "ο": "o",
        "κ": "k",
        "τ": "t",
        "μ": "m",
        "ι": "i",
        "ρ": "p",
        "η": "n",
        "ѵ": "v",
        "ɑ": "a",
        "ı": "i",
        "ℓ": "l",
    }
)
_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})


def _letters(text: str, digits: bool) -> str:
    folded = unicodedata.normalize("NFKD", text).casefold().translate(_LOOKALIKES)
    if digits:
        folded = folded.translate(_DIGITS)
    return "".join(c for c in folded if "a" <= c <= "z")


def names_ketamine(text: str) -> bool:
    """True when ``text`` names ketamine or esketamine, however it is spelled or disguised: by
    name, brand, chemical name or development code."""
    forms = {_letters(text, digits=False), _letters(text, digits=True)}
    if any(name in form for form in forms for name in KETAMINE_NAMES):
        return True
    folded = unicodedata.normalize("NFKD", text).casefold().translate(_LOOKALIKES)
    coded = "".join(c for c in folded if "a" <= c <= "z" or "0" <= c <= "9")
    return any(code in coded for code in KETAMINE_CODES)

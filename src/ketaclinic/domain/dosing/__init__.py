"""Dosing: dosing weight, dose and ceilings, IV preparation, titration and order verification.

Pure rules (stdlib only). Every result carries its reasons with rule id and clinical source; see
``clinical.md`` §2 (dosing), §4 (monitoring) and §6.2 (adolescent doses).
"""

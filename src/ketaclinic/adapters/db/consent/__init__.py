"""The consent area of adapters.db.

Consent: documents, signatures, dissent and withdrawal.
"""

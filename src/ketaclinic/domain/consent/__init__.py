"""The consent area of domain.

Consent: documents, signatures, dissent and withdrawal.
"""

"""The consent area of services.

Consent: documents, signatures, dissent and withdrawal.
"""

"""The consent area of entrypoints.web.

Consent: documents, signatures, dissent and withdrawal.
"""

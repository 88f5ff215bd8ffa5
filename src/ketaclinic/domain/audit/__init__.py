"""The audit area of domain.

Audit: the hash-chained audit trail.
"""

"""The audit area of services.

Audit: the hash-chained audit trail.
"""

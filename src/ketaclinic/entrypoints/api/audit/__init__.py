"""The audit area of entrypoints.api.

Audit: the hash-chained audit trail.
"""

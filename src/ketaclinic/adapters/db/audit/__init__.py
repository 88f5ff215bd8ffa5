"""The audit area of adapters.db.

Audit: the hash-chained audit trail.
"""

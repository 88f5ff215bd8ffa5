"""The protocols area of adapters.db.

Protocols: packs, published versions, local changes and physician sign-off.
"""

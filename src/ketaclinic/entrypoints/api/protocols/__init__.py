"""The protocols area of entrypoints.api.

Protocols: packs, published versions, local changes and physician sign-off.
"""

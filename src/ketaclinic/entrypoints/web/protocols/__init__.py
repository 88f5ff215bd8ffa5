"""The protocols area of entrypoints.web.

Protocols: packs, published versions, local changes and physician sign-off.
"""

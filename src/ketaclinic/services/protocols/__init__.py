"""The protocols area of services.

Protocols: packs, published versions, local changes and physician sign-off.
"""

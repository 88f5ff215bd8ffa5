"""The identity area of entrypoints.api.

Identity: clinics, staff accounts, roles and permissions, staff sign-in (StaffSession).
"""

"""The identity area of entrypoints.web.

Identity: clinics, staff accounts, roles and permissions, staff sign-in (StaffSession).
"""

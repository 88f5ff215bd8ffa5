"""The identity area of adapters.db.

Identity: clinics, staff accounts, roles and permissions, staff sign-in (StaffSession).
"""

"""The identity area of domain.

Identity: clinics, staff accounts, roles and permissions, staff sign-in (StaffSession).
"""

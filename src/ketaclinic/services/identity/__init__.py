"""The identity area of services.

Identity: clinics, staff accounts, roles and permissions, staff sign-in (StaffSession).
"""

"""The patients area of domain.

Patients: registration, related people, measurements, and their treatment courses.
"""

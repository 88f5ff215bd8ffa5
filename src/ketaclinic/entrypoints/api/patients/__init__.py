"""The patients area of entrypoints.api.

Patients: registration, related people, measurements, and their treatment courses.
"""

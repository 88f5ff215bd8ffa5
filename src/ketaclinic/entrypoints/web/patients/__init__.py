"""The patients area of entrypoints.web.

Patients: registration, related people, measurements, and their treatment courses.
"""

"""The patients area of adapters.db.

Patients: registration, related people, measurements, and their treatment courses.
"""

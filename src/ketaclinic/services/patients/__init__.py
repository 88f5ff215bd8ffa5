"""The patients area of services.

Patients: registration, related people, measurements, and their treatment courses.
"""

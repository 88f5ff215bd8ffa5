"""The scheduling area of services.

Scheduling: clinic calendar, induction series booking and re-planning.
"""

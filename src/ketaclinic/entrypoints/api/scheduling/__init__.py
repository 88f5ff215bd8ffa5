"""The scheduling area of entrypoints.api.

Scheduling: clinic calendar, induction series booking and re-planning.
"""

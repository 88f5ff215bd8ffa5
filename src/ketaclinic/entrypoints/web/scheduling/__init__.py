"""The scheduling area of entrypoints.web.

Scheduling: clinic calendar, induction series booking and re-planning.
"""

"""The scheduling area of adapters.db.

Scheduling: clinic calendar, induction series booking and re-planning.
"""

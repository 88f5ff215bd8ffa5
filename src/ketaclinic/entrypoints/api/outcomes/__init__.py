"""The outcomes area of entrypoints.api.

Outcomes: tagged scores, response review, maintenance boosters, dashboard, reports.
"""

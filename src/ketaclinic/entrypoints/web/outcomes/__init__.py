"""The outcomes area of entrypoints.web.

Outcomes: tagged scores, response review, maintenance boosters, dashboard, reports.
"""

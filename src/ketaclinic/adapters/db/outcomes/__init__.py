"""The outcomes area of adapters.db.

Outcomes: tagged scores, response review, maintenance boosters, dashboard, reports.
"""

"""The outcomes area of services.

Outcomes: tagged scores, response review, maintenance boosters, dashboard, reports.
"""

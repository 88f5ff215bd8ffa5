"""The outcomes area of domain.

Outcomes: tagged scores, response review, maintenance boosters, dashboard, reports.
"""

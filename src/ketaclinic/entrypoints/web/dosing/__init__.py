"""The dosing area of entrypoints.web.

Dosing: between-session check-ins, dose plans, orders, bedside checks, administration.
"""
